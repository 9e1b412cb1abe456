#!/usr/bin/env bash
# ustack benchmark: one stack per queue (`ustack serve --queues N`) against
# Linux with as many server processes (nginx, worker_processes N), for N = 1
# and 2, measured in the same run:
#   - connections per second: `ab` without keep-alive (one connection per
#     request: handshake, one small GET, close) with CONC at a time;
#   - aggregate throughput with many flows: FLOWS curls at once, each
#     downloading a file of FLOW_MB MiB.
# ustack serves on a multi-queue TAP (Linux's tun driver spreads the flows
# over the queues by flow hash); Linux serves over a veth pair between two
# namespaces. Every namespace is created here and removed, whatever happens.
#
# usage: bench/queues.sh BUILD_DIR     (make bench runs it on build/)
# env:   BENCH_Q_CONNS (default 20000 connections per row), BENCH_Q_CONC (32),
#        BENCH_Q_FLOWS (16), BENCH_Q_FLOW_MB (16), BENCH_Q_QUEUES ("1 2"),
#        BENCH_Q_UST_ARGS (more ustack serve options, e.g. "--busy-poll off")
set -euo pipefail

BUILD=${1:-build}
USTACK=$BUILD/ustack
CONNS=${BENCH_Q_CONNS:-20000}
CONC=${BENCH_Q_CONC:-32}
FLOWS=${BENCH_Q_FLOWS:-16}
FLOW_MB=${BENCH_Q_FLOW_MB:-16}
QUEUES=${BENCH_Q_QUEUES:-"1 2"}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$USTACK" ] || die "$USTACK not found (build first: make build)"
[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces, TAP and veth devices)"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing"
for t in ab curl nginx; do command -v "$t" >/dev/null || die "$t is missing (make deps bench)"; done

suffix=$$-$RANDOM
NS_TAP=ust-bq-tap-$suffix # Linux clients + ustack on a multi-queue TAP
NS_A=ust-bq-a-$suffix     # Linux clients ...
NS_B=ust-bq-b-$suffix     # ... to nginx over veth
TMP=$(mktemp -d)
SERVER_PID=

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
cleanup() {
    stop_server
    for ns in "$NS_TAP" "$NS_A" "$NS_B"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

mkdir -p "$TMP/www"
printf '<h1>hello from the queue benchmark</h1>\n' >"$TMP/www/small.html"
head -c $((FLOW_MB * 1024 * 1024)) /dev/zero >"$TMP/www/bulk.bin"

ip netns add "$NS_TAP"
in_ns "$NS_TAP" ip link set lo up
ip netns add "$NS_A"
ip netns add "$NS_B"
in_ns "$NS_A" ip link add veth0 type veth peer name veth0 netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do in_ns "$ns" ip link set lo up; done
in_ns "$NS_A" ip addr add 198.51.100.1/24 dev veth0
in_ns "$NS_B" ip addr add 198.51.100.2/24 dev veth0
for ns in "$NS_A" "$NS_B"; do in_ns "$ns" ip link set veth0 up; done

# Waits (with a deadline) until something answers HTTP at $2 from namespace $1.
wait_http() {
    for _ in $(seq 200); do
        in_ns "$1" curl -s -o /dev/null --max-time 2 "http://$2/small.html" && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(cat "$TMP"/server.err)"
        sleep 0.05
    done
    die "nothing answers HTTP at $2"
}

# ustack serve with $1 queues on its own multi-queue TAP.
start_ustack() {
    ip netns exec "$NS_TAP" "$USTACK" serve --tap "tapq$1" --addr 203.0.113.2/24 \
        --host-addr 203.0.113.1/24 --queues "$1" --http 80 --root "$TMP/www" \
        --ctl "$TMP/ctl$1.sock" ${BENCH_Q_UST_ARGS:-} >"$TMP/server.out" 2>"$TMP/server.err" &
    SERVER_PID=$!
    wait_http "$NS_TAP" 203.0.113.2
}

# nginx with $1 worker processes (as root: the files are in our temporary
# directory), no access log, sendfile as packaged.
start_nginx() {
    cat >"$TMP/nginx.conf" <<EOF
daemon off;
user root;
worker_processes $1;
pid $TMP/nginx.pid;
error_log $TMP/nginx.err;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    server { listen 198.51.100.2:80 reuseport; root $TMP/www; }
}
EOF
    ip netns exec "$NS_B" nginx -c "$TMP/nginx.conf" -e "$TMP/nginx.err" \
        >"$TMP/server.out" 2>"$TMP/server.err" &
    SERVER_PID=$!
    wait_http "$NS_A" 198.51.100.2
}

# Connections per second: ab from namespace $1 to address $2.
cps() {
    local out
    out=$(in_ns "$1" ab -q -r -n "$CONNS" -c "$CONC" "http://$2/small.html" 2>&1) ||
        die "ab to $2 failed: $out"
    echo "$out" | grep -q '^Failed requests: *0$' || die "ab to $2: failed requests: $out"
    echo "$out" | awk '/^Requests per second:/ { printf "%.0f", $4 }'
}

# Aggregate Mbit/s of FLOWS concurrent downloads from namespace $1 of $2.
tput() {
    local t0 t1
    t0=$(date +%s.%N)
    seq "$FLOWS" | xargs -P "$FLOWS" -I{} ip netns exec "$1" curl -sS --max-time 300 \
        -o /dev/null "http://$2/bulk.bin" || die "a download from $2 failed"
    t1=$(date +%s.%N)
    awk -v b=$((FLOWS * FLOW_MB * 1024 * 1024)) -v t0="$t0" -v t1="$t1" \
        'BEGIN { printf "%.0f", b * 8 / (t1 - t0) / 1e6 }'
}

# "q0=N q1=M": connections each of ustack's queues accepted (its counters).
per_queue() {
    awk '/^--- ustack serve counters \(queue/ { q = $6 }
         /^--- ustack serve counters ---$/ { q = 0 }
         /PassiveOpens/ { printf "%sq%s=%s", sep, q, $2; sep = " " }' "$TMP/server.out"
}

printf "One stack per queue: %s connections (%s at a time) and %s flows x %s MiB\n\n" \
    "$CONNS" "$CONC" "$FLOWS" "$FLOW_MB"
printf "%-44s %8s %12s %12s  %s\n" "server" "queues" "conn/s" "Mbit/s" \
    "connections per queue"
for q in $QUEUES; do
    start_nginx "$q"
    lc=$(cps "$NS_A" 198.51.100.2)
    lt=$(tput "$NS_A" 198.51.100.2)
    stop_server
    printf "%-44s %8s %12s %12s\n" "Linux  (nginx, $q worker(s), veth)" "$q" "$lc" "$lt"
    start_ustack "$q"
    uc=$(cps "$NS_TAP" 203.0.113.2)
    ut=$(tput "$NS_TAP" 203.0.113.2)
    stop_server
    printf "%-44s %8s %12s %12s  %s\n" "ustack (serve --queues $q, multi-queue TAP)" "$q" \
        "$uc" "$ut" "$(per_queue)"
done
echo
echo "conn/s: ab -n $CONNS -c $CONC without keep-alive (a connection per request);"
echo "Mbit/s: $FLOWS curls at once, the bytes of all of them over the wall time."
echo "The clients run on the same CPUs as the servers ($(nproc) here): with as many"
echo "queues as CPUs, the clients and the kernel's side of the TAP compete with them."
