#!/usr/bin/env bash
# Unmodified programs over `ustack run` (the LD_PRELOAD shim) next to
# ustack's own native-API code and next to Linux, measured in the same run,
# in network namespaces this script creates (and removes, whatever happens):
#   - iperf3: Linux's iperf3 -c against iperf3 -s under `ustack run`,
#     against ustack's own iperf3 server (`ustack serve --iperf3`, the
#     native API) and against iperf3 -s on Linux over a veth pair; both
#     directions (-R: the server sends);
#   - the shim against the native ust_* API with the same program code
#     (bench/bench_modes.h): linux_peer under `ustack run` vs bench_tcp,
#     both against linux_peer on Linux's side of the TAP: 1-byte
#     request/response and bulk in both directions;
#   - nginx (one process) under `ustack run` vs nginx on Linux over veth,
#     requests/s of the same ab client.
# Goal (issue #11): the shim costs at most 20 % of throughput and at most
# 30 % of latency against the native API.
#
# usage: bench/programs.sh BUILD_DIR        (make bench runs it on build/)
# env:   BENCH_PROG_SECS  seconds per iperf3 / bulk run (default 3)
#        BENCH_PROG_REPS  repetitions, interleaved (default 3; medians shown)
#        BENCH_PROG_PP    ping-pong round trips (default 20000)
#        BENCH_PROG_AB_N  ab requests (default 20000), BENCH_PROG_AB_C concurrency (50)
set -euo pipefail

BUILD=${1:-build}
USTACK=$BUILD/ustack
BT=$BUILD/bench/bench_tcp
LP=$BUILD/bench/linux_peer
SECS=${BENCH_PROG_SECS:-3}
REPS=${BENCH_PROG_REPS:-3}
PP=${BENCH_PROG_PP:-20000}
AB_N=${BENCH_PROG_AB_N:-20000}
AB_C=${BENCH_PROG_AB_C:-50}
BUF=default # bench_tcp's buffers: the stack's defaults, as `ustack run` gives linux_peer
BULK_BYTES=1000000000000

die() { echo "bench/programs: $*" >&2; exit 1; }
[ -x "$USTACK" ] && [ -x "$BT" ] && [ -x "$LP" ] || die "$USTACK, $BT, $LP: build first (make build)"
[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces, TAP and veth devices)"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing"
for t in iperf3 nginx ab curl; do command -v $t >/dev/null || die "$t is missing (make deps)"; done

suffix=$$-$RANDOM
NS_TAP=ust-bprog-tap-$suffix # Linux + ustack (a program under ustack run, or native) on a TAP
NS_A=ust-bprog-a-$suffix     # Linux ...
NS_B=ust-bprog-b-$suffix     # ... to Linux over veth
TMP=$(mktemp -d)

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

cleanup() {
    bench_cleanup "$NS_TAP" "$NS_A" "$NS_B"
    if [ -n "${BENCH_PROG_KEEP:-}" ]; then echo "bench/programs: outputs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_TAP"
in_ns "$NS_TAP" ip link set lo up
bench_veth "$NS_A" "$NS_B" $A_ADDR $B_ADDR
mkdir -p "$TMP/www"
head -c 4096 /dev/urandom >"$TMP/www/small.bin"

# A fresh TAP per ustack process (a deleted TAP may linger a moment).
NTAP=0
link() {
    NTAP=$((NTAP + 1))
    LINK=(--tap "uptap$NTAP" --addr $U_ADDR/24 --host-addr $H_ADDR/24)
}

# start_bg NAME NS CMD...: a server that says nothing when ready; SERVER_PID.
start_bg() {
    local name=$1 ns=$2; shift 2
    ip netns exec "$ns" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SERVER_PID=$!
}

# iperf3_client NAME NS HOST ARGS...: Linux's iperf3 -c, retried while the
# server is not listening yet; prints the receiver's Gbit/s.
iperf3_client() {
    local name=$1 ns=$2 host=$3 i; shift 3
    for i in $(seq 200); do
        # (exit status 0 even when it could not connect, in some runs)
        in_ns "$ns" iperf3 -c "$host" -p $PORT -t "$SECS" --json "$@" >"$TMP/$name.json" 2>&1 || true
        grep -qE "Connection refused|No route to host|Network is unreachable" "$TMP/$name.json" ||
            break
        kill -0 "$SERVER_PID" 2>/dev/null || die "$name: the server exited: $(tail -n 3 "$TMP/$name-s.err")"
        sleep 0.05
    done
    [ "$i" -lt 200 ] || die "$name: $(tail -c 200 "$TMP/$name.json"); $(in_ns "$ns" ip -br addr) $(in_ns "$ns" ip route)"
    /usr/bin/python3 - "$TMP/$name.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d:
    sys.exit("iperf3: " + d["error"])
print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))
EOF
}

echo "bench/programs: iperf3 ($REPS x 6 x ${SECS} s) ..." >&2
declare -A R
# add KEY VALUE: one more measurement of KEY (space-separated in R[KEY]).
add() { R[$1]="${R[$1]:-} $2"; }
for r in $(seq "$REPS"); do
    for dir in fwd rev; do
        rev=(); [ $dir = rev ] && rev=(-R)
        link; next_port
        start_bg "shim-$dir-$r-s" "$NS_TAP" "$USTACK" run "${LINK[@]}" -- iperf3 -s -1 -4 -p $PORT
        v=$(iperf3_client "shim-$dir-$r" "$NS_TAP" $U_ADDR "${rev[@]}")
        add ip_shim_$dir "$v"
        wait_server
        link; next_port
        start_server "own-$dir-$r-s" "$NS_TAP" "$USTACK" serve "${LINK[@]}" --iperf3 $PORT ||
            die "$BENCH_ERR"
        v=$(iperf3_client "own-$dir-$r" "$NS_TAP" $U_ADDR "${rev[@]}")
        add ip_own_$dir "$v"
        stop_server
        next_port
        start_bg "lin-$dir-$r-s" "$NS_B" iperf3 -s -1 -p $PORT
        v=$(iperf3_client "lin-$dir-$r" "$NS_A" $B_ADDR "${rev[@]}")
        add ip_lin_$dir "$v"
        wait_server
    done
done

# --- the shim vs the native API, same program code ----------------------------
echo "bench/programs: shim vs native API ($REPS x: ping-pong $PP, bulk 2 x ${SECS} s) ..." >&2
client() { run_client "$@" || die "$BENCH_ERR"; }
prog() { # the client/server program: native bench_tcp or linux_peer under ustack run
    link
    if [ "$1" = native ]; then PROG=("$BT" "${LINK[@]}" --buf $BUF); else PROG=("$USTACK" run "${LINK[@]}" -- "$LP"); fi
}
for r in $(seq "$REPS"); do
    for how in native shim; do
        prog $how; next_port
        start_server "$how-echo-$r" "$NS_TAP" "$LP" echo $PORT || die "$BENCH_ERR"
        client "$how-pp-$r" "$NS_TAP" 120 "${PROG[@]}" pingpong $H_ADDR $PORT "$PP"
        wait_server
        for k in mean_us p50_us p99_us; do add "$how-pp-$k" "$(field "$how-pp-$r" $k)"; done
        prog $how; next_port
        start_server "$how-out-sink-$r" "$NS_TAP" "$LP" sink $PORT || die "$BENCH_ERR"
        client "$how-out-source-$r" "$NS_TAP" 60 "${PROG[@]}" source $H_ADDR $PORT $BULK_BYTES "$SECS"
        wait_server
        add "$how-out" "$(field "$how-out-sink-$r" gbps)"
        prog $how; next_port
        start_server "$how-in-sink-$r" "$NS_TAP" "${PROG[@]}" sink $PORT || die "$BENCH_ERR"
        client "$how-in-source-$r" "$NS_TAP" 60 "$LP" source $U_ADDR $PORT $BULK_BYTES "$SECS"
        wait_server
        add "$how-in" "$(field "$how-in-sink-$r" gbps)"
    done
done

# --- nginx requests/s -----------------------------------------------------------
echo "bench/programs: nginx ($AB_N requests, $AB_C at a time, twice) ..." >&2
nginx_conf() { # DIR ADDR
    mkdir -p "$1"
    cat >"$1/nginx.conf" <<EOF
master_process off;
daemon off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    sendfile on;
    server { listen $2:8080 backlog=512; root $TMP/www; }
}
EOF
}
# ab_rps NAME NS HOST: requests/s of ab once nginx answers.
ab_rps() {
    local i
    for i in $(seq 200); do
        in_ns "$2" curl -sf -o /dev/null "http://$3:8080/small.bin" && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "$1: nginx exited: $(tail -n 3 "$TMP/$1.err")"
        sleep 0.05
    done
    in_ns "$2" ab -q -n "$AB_N" -c "$AB_C" "http://$3:8080/small.bin" >"$TMP/$1-ab.out" 2>&1 ||
        die "$1: ab failed: $(tail -n 3 "$TMP/$1-ab.out")"
    grep -q "^Failed requests: *0" "$TMP/$1-ab.out" || die "$1: ab saw failed requests"
    awk '/^Requests per second/ { print $4 }' "$TMP/$1-ab.out"
}
nginx_conf "$TMP/ng-u" $U_ADDR
nginx_conf "$TMP/ng-l" $B_ADDR
link
start_bg ng-u "$NS_TAP" "$USTACK" run "${LINK[@]}" -- nginx -p "$TMP/ng-u" -e "$TMP/ng-u/error.log" -c "$TMP/ng-u/nginx.conf"
v=$(ab_rps ng-u "$NS_TAP" $U_ADDR)
add ng_u "$v"
stop_server
start_bg ng-l "$NS_B" nginx -p "$TMP/ng-l" -e "$TMP/ng-l/error.log" -c "$TMP/ng-l/nginx.conf"
v=$(ab_rps ng-l "$NS_A" $B_ADDR)
add ng_l "$v"
stop_server

# --- the table ------------------------------------------------------------------
# med KEY: the median of KEY's measurements.
med() { printf "%s\n" ${R[$1]} | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
row3() { # LABEL SHIM OWN LINUX UNIT
    printf "%-40s %10s %10s %10s %8s %8s  %s\n" "$1" "$2" "$3" "$4" "$(ratio "$2" "$3")" \
        "$(ratio "$2" "$4")" "$5"
}
row2() { # LABEL SHIM NATIVE UNIT
    printf "%-40s %10s %10s %8s  %s\n" "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"
}
echo
printf "iperf3 (Linux iperf3 -c, -t %s, receiver's rate): server under ustack run vs\n" "$SECS"
printf "ustack serve --iperf3 (native API) vs iperf3 -s on Linux over veth\n\n"
printf "%-40s %10s %10s %10s %8s %8s  %s\n" "direction" "ustack run" "native" "Linux" "run/nat" \
    "run/Lin" "unit"
row3 "Linux -> ustack (server receives)" "$(med ip_shim_fwd)" "$(med ip_own_fwd)" "$(med ip_lin_fwd)" Gbit/s
row3 "ustack -> Linux (-R, server sends)" "$(med ip_shim_rev)" "$(med ip_own_rev)" "$(med ip_lin_rev)" Gbit/s
echo
printf "the shim vs the native API: linux_peer under ustack run vs bench_tcp (same\n"
printf "bench_modes.h code, stack buffers %s bytes), against linux_peer on the TAP\n\n" $BUF
printf "%-40s %10s %10s %8s  %s\n" "scenario" "ustack run" "native" "ratio" "unit"
row2 "1-byte ping-pong, mean" "$(med shim-pp-mean_us)" "$(med native-pp-mean_us)" us
row2 "1-byte ping-pong, median" "$(med shim-pp-p50_us)" "$(med native-pp-p50_us)" us
row2 "1-byte ping-pong, p99" "$(med shim-pp-p99_us)" "$(med native-pp-p99_us)" us
row2 "bulk ustack -> Linux (sends)" "$(med shim-out)" "$(med native-out)" Gbit/s
row2 "bulk Linux -> ustack (receives)" "$(med shim-in)" "$(med native-in)" Gbit/s
echo
printf "nginx (one process, sendfile on), ab -n %s -c %s, a 4 KiB file\n\n" "$AB_N" "$AB_C"
printf "%-40s %10s %10s %8s  %s\n" "" "ustack run" "Linux" "ratio" "unit"
row2 "requests/s" "$(med ng_u)" "$(med ng_l)" "req/s"
cat <<EOF

notes: ratios are the first column over the others (> 1 = ustack run faster;
for latency > 1 = slower). Under ustack run a program's call blocked for a
reply reads the TAP itself (the front's direct turn); a program waiting in
its own poll/epoll (nginx) is woken by the front's stack thread, which read
the TAP: a thread hand-off per receive that the single-threaded native API
does not pay; on a loaded machine each hand-off waits for a CPU, which shows
in the tail. The second thread lets the program and the stack run on both
CPUs in bulk.
Medians of $REPS interleaved runs (every run: iperf3 under ustack run ${R[ip_shim_fwd]} /
${R[ip_shim_rev]}; native ${R[ip_own_fwd]} / ${R[ip_own_rev]}; bulk shim ${R[shim-out]} /
${R[shim-in]}, native ${R[native-out]} / ${R[native-in]}). ustack run and native rows use the
TAP with MTU 1500 and no offloads; the Linux rows a veth pair with its default offloads.
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (2 vCPUs shared).
EOF
