#!/usr/bin/env bash
# ustack benchmark: ping round-trip time and TCP bulk throughput, Linux <->
# ustack over a TAP device versus Linux <-> Linux over a veth pair, measured
# in the same run, each in network namespaces this script creates (and
# removes, whatever happens).
#
# usage: bench/run.sh BUILD_DIR        (make bench runs it on build/)
# env:   BENCH_COUNT (default 200 echo requests per row), BENCH_INTERVAL (0.01 s),
#        BENCH_TCP_MB (default 64 MiB per TCP transfer), BENCH_TCP_RUNS (best of 3)
set -euo pipefail

BUILD=${1:-build}
USTACK=$BUILD/ustack
COUNT=${BENCH_COUNT:-200}
INTERVAL=${BENCH_INTERVAL:-0.01}
SIZES=(56 1400)
TCP_MB=${BENCH_TCP_MB:-64}
TCP_RUNS=${BENCH_TCP_RUNS:-3}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$USTACK" ] || die "$USTACK not found (build first: make build)"
[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces, TAP and veth devices)"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing"
command -v ping >/dev/null || die "ping (iputils-ping) is missing"
command -v socat >/dev/null || die "socat is missing"
command -v curl >/dev/null || die "curl is missing"

suffix=$$-$RANDOM
NS_TAP=ust-bench-tap-$suffix   # Linux + ustack on a TAP
NS_A=ust-bench-a-$suffix       # Linux ...
NS_B=ust-bench-b-$suffix       # ... to Linux over veth
TMP=$(mktemp -d)
SERVE_PID=

cleanup() {
    if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -INT "$SERVE_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    for ns in "$NS_TAP" "$NS_A" "$NS_B"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- Linux <-> ustack over TAP ---------------------------------------------
ip netns add "$NS_TAP"
in_ns "$NS_TAP" ip link set lo up
mkdir -p "$TMP/www"
head -c $((TCP_MB * 1024 * 1024)) /dev/zero >"$TMP/www/bulk.bin"
# Not through in_ns: $! must be the process that becomes ustack (ip netns
# exec execs it), not a subshell, so that cleanup's signal reaches ustack.
ip netns exec "$NS_TAP" "$USTACK" serve --tap tap0 --addr 203.0.113.2/24 \
    --host-addr 203.0.113.1/24 --discard 9 --http 80 --root "$TMP/www" --ctl "$TMP/ctl.sock" \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVE_PID=$!
# Wait (with a deadline) until ustack says it is ready.
for _ in $(seq 200); do
    grep -q ready "$TMP/serve.out" 2>/dev/null && break
    kill -0 "$SERVE_PID" 2>/dev/null || die "ustack serve exited: $(cat "$TMP/serve.err")"
    sleep 0.05
done
grep -q ready "$TMP/serve.out" || die "ustack serve not ready after 10 s"

# --- Linux <-> Linux over veth ---------------------------------------------
ip netns add "$NS_A"
ip netns add "$NS_B"
in_ns "$NS_A" ip link add veth0 type veth peer name veth0 netns "$NS_B"
in_ns "$NS_A" ip link set lo up
in_ns "$NS_B" ip link set lo up
in_ns "$NS_A" ip addr add 198.51.100.1/24 dev veth0
in_ns "$NS_B" ip addr add 198.51.100.2/24 dev veth0
in_ns "$NS_A" ip link set veth0 up
in_ns "$NS_B" ip link set veth0 up

# Prints "min avg max mdev" (ms) of `ping -q` run in namespace $1 towards $2.
rtt() {
    local ns=$1 dst=$2 size=$3 out
    # A first ping resolves ARP, so that it does not count in the measurement.
    in_ns "$ns" ping -c 1 -W 5 "$dst" >/dev/null || die "no answer from $dst"
    out=$(in_ns "$ns" ping -q -c "$COUNT" -i "$INTERVAL" -s "$size" -W 2 "$dst") ||
        die "ping $dst failed: $out"
    echo "$out" | awk -F'[ /]+' '/^rtt/ { print $7, $8, $9, $10 }'
}

printf "ping RTT: %s echo requests per row, one every %s s (ms)\n\n" "$COUNT" "$INTERVAL"
printf "%-44s %6s %8s %8s %8s %8s %7s\n" "path" "bytes" "min" "avg" "max" "mdev" "ratio"
for size in "${SIZES[@]}"; do
    read -r lmin lavg lmax lmdev < <(rtt "$NS_A" 198.51.100.2 "$size")
    read -r umin uavg umax umdev < <(rtt "$NS_TAP" 203.0.113.2 "$size")
    printf "%-44s %6s %8s %8s %8s %8s %7s\n" "Linux -> Linux  (veth pair, kernel both ends)" \
        "$size" "$lmin" "$lavg" "$lmax" "$lmdev" "1.00"
    ratio=$(awk -v u="$uavg" -v l="$lavg" 'BEGIN { printf "%.2f", (l > 0 ? u / l : 0) }')
    printf "%-44s %6s %8s %8s %8s %8s %7s\n" "Linux -> ustack (TAP, user-space stack)" \
        "$size" "$umin" "$uavg" "$umax" "$umdev" "$ratio"
done
echo
echo "ratio = avg RTT / avg RTT of Linux -> Linux with the same payload size"

# --- TCP bulk throughput ------------------------------------------------------
now() { date +%s.%N; }
# Mbit/s of BYTES moved between two timestamps.
mbps() { awk -v b="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.0f", b * 8 / (t1 - t0) / 1e6 }'; }
# Waits (with a deadline) until something listens on TCP port $2 in namespace $1.
wait_listen() {
    for _ in $(seq 200); do
        in_ns "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.05
    done
    die "nothing listens on port $2 in $1"
}
# Best (highest) of TCP_RUNS runs of the command given as arguments; prints Mbit/s.
best_of() {
    local best=0 t0 t1 r
    for _ in $(seq "$TCP_RUNS"); do
        t0=$(now)
        "$@" || die "transfer failed: $*"
        t1=$(now)
        r=$(mbps "$BYTES" "$t0" "$t1")
        [ "$r" -gt "$best" ] && best=$r
    done
    echo "$best"
}
BYTES=$((TCP_MB * 1024 * 1024))

# Linux -> Linux: socat into a socat sink over veth
linux_to_linux() {
    ip netns exec "$NS_B" socat -u TCP-LISTEN:5001,reuseaddr OPEN:/dev/null &
    local sink=$!
    wait_listen "$NS_B" 5001
    in_ns "$NS_A" socat -u "OPEN:$TMP/www/bulk.bin" TCP:198.51.100.2:5001
    wait "$sink"
}
# Linux -> ustack: socat into ustack's discard service
# (socat is done when the kernel has the bytes: the run ends when ustack has
# read them all and closed, as its netstat shows.)
linux_to_ustack() {
    in_ns "$NS_TAP" socat -u "OPEN:$TMP/www/bulk.bin" TCP:203.0.113.2:9
    for _ in $(seq 2000); do
        "$USTACK" netstat --ctl "$TMP/ctl.sock" | grep -q ' 203\.0\.113\.2:9 ' || return 0
        sleep 0.005
    done
    return 1
}
# Linux <- ustack: curl downloads from ustack's HTTP server
ustack_to_linux_http() {
    in_ns "$NS_TAP" curl -sS -o /dev/null http://203.0.113.2/bulk.bin
}
# Linux <- Linux: curl from socat serving the file over veth (one connection)
linux_to_linux_http() {
    ip netns exec "$NS_B" socat -u "OPEN:$TMP/www/bulk.bin" TCP-LISTEN:5002,reuseaddr &
    local src=$!
    wait_listen "$NS_B" 5002
    in_ns "$NS_A" socat -u TCP:198.51.100.2:5002 OPEN:/dev/null
    wait "$src"
}

echo
printf "TCP bulk transfer: %s MiB per run, best of %s runs (Mbit/s)\n\n" "$TCP_MB" "$TCP_RUNS"
printf "%-58s %10s %7s\n" "path" "Mbit/s" "ratio"
ll=$(best_of linux_to_linux)
lu=$(best_of linux_to_ustack)
ldl=$(best_of linux_to_linux_http)
udl=$(best_of ustack_to_linux_http)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf "%-58s %10s %7s\n" "Linux -> Linux  (veth, socat -> socat)" "$ll" "1.00"
printf "%-58s %10s %7s\n" "Linux -> ustack (TAP, socat -> ustack serve --discard)" "$lu" \
    "$(ratio "$lu" "$ll")"
printf "%-58s %10s %7s\n" "Linux <- Linux  (veth, socat -> socat)" "$ldl" "1.00"
printf "%-58s %10s %7s\n" "Linux <- ustack (TAP, curl <- ustack serve --http)" "$udl" \
    "$(ratio "$udl" "$ldl")"
echo
echo "ratio = ustack's throughput / Linux's over veth in the same direction"
