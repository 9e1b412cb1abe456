#!/usr/bin/env bash
# ustack TCP benchmark: Linux <-> ustack over a TAP device next to Linux <->
# Linux over a veth pair, measured in the same run, in network namespaces
# this script creates (and removes, whatever happens). Both ends of every
# comparison run the same client/server code (bench/bench_modes.h):
# bench_tcp on ustack, linux_peer on kernel sockets.
#
# usage: bench/tcp.sh BUILD_DIR        (make bench runs it on build/)
# env:   BENCH_TCP_SECS   seconds per bulk transfer (default 3)
#        BENCH_TCP_REPS   repetitions of each bulk transfer (default 3; median shown)
#        BENCH_TCP_PP     ping-pong round trips (default 20000)
#        BENCH_TCP_CONNS  connections for connections/s (default 2000)
#        BENCH_TCP_IDLE   idle connections for memory (default 1000)
#        BENCH_TCP_CONN_SECS  time limit of each connections/s run (default 10)
#        BENCH_TCP_BUF    ustack TCP buffer bytes (default 4194304)
#        BENCH_TCP_JUMBO_MTU  TAP MTU of the extra large-frame rows (default 65000)
#        BENCH_TCP_UST_ARGS   more bench_tcp options for every ustack program
#                             (words split on spaces, e.g. "--busy-poll off")
set -euo pipefail

BUILD=${1:-build}
BT=$BUILD/bench/bench_tcp
LP=$BUILD/bench/linux_peer
SECS=${BENCH_TCP_SECS:-3}
REPS=${BENCH_TCP_REPS:-3}
PP=${BENCH_TCP_PP:-20000}
CONNS=${BENCH_TCP_CONNS:-2000}
IDLE=${BENCH_TCP_IDLE:-1000}
CONN_SECS=${BENCH_TCP_CONN_SECS:-10}
BUF=${BENCH_TCP_BUF:-4194304}
JUMBO=${BENCH_TCP_JUMBO_MTU:-65000}
BULK_BYTES=1000000000000 # the time limit ends the transfer

die() { echo "bench/tcp: $*" >&2; exit 1; }
[ -x "$BT" ] && [ -x "$LP" ] || die "$BT / $LP not found (build first: make build)"
[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces, TAP and veth devices)"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing"
command -v taskset >/dev/null || die "taskset (util-linux) is missing"

suffix=$$-$RANDOM
NS_TAP=ust-btcp-tap-$suffix # Linux (linux_peer) + ustack (bench_tcp) on a TAP
NS_A=ust-btcp-a-$suffix     # linux_peer ...
NS_B=ust-btcp-b-$suffix     # ... to linux_peer over veth
TMP=$(mktemp -d)

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

cleanup() {
    bench_cleanup "$NS_TAP" "$NS_A" "$NS_B"
    if [ -n "${BENCH_TCP_KEEP:-}" ]; then echo "bench/tcp: outputs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh TAP name per run: a deleted TAP may linger while the kernel
# releases what still refers to it (sockets in TIME-WAIT, routes).
NTAP=0
btc() { # [MTU [TAP_TX [OFFLOAD]]]
    NTAP=$((NTAP + 1))
    BTC=("$BT" ${BENCH_TCP_TRACE:+--trace} --tap "ustap$NTAP" --addr $U_ADDR/24 --host-addr $H_ADDR/24
         --buf "$BUF" --mtu "${1:-1500}" --tap-tx "${2:-auto}" --offload "${3:-on}")
    # shellcheck disable=SC2206 # words on purpose
    BTC+=(${BENCH_TCP_UST_ARGS:-})
}

# server NAME NS CMD...: a server that prints "ready" (lib.sh), or the end.
server() { start_server "$@" || die "$BENCH_ERR"; }

# client NAME NS CMD...: runs a client to completion (bounded by timeout).
client() {
    local name=$1 ns=$2; shift 2
    run_client "$name" "$ns" "${BENCH_TCP_TIMEOUT:-60}" "$@" || die "$BENCH_ERR"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- namespaces -------------------------------------------------------------
ip netns add "$NS_TAP"
in_ns "$NS_TAP" ip link set lo up
bench_veth "$NS_A" "$NS_B" $A_ADDR $B_ADDR

# --- bulk throughput ----------------------------------------------------------
bulk() { # NAME SERVER_NS CLIENT_NS SERVER_CMD... -- CLIENT_CMD...
    local name=$1 sns=$2 cns=$3; shift 3
    local scmd=() ccmd=()
    while [ "$1" != -- ]; do scmd+=("$1"); shift; done
    shift
    ccmd=("$@")
    server "$name-sink" "$sns" "${scmd[@]}"
    client "$name-source" "$cns" "${ccmd[@]}"
    wait_server
}

# Each transfer REPS times, the four interleaved so that a burst of load on
# the machine hits all of them alike; the table shows the median.
echo "bench/tcp: bulk transfers ($REPS x 9 x ${SECS} s) ..." >&2
for r in $(seq "$REPS"); do
    btc
    next_port
    bulk u-in-$r "$NS_TAP" "$NS_TAP" "${BTC[@]}" sink $PORT -- "$LP" source $U_ADDR $PORT $BULK_BYTES "$SECS"
    btc
    next_port
    bulk u-out-$r "$NS_TAP" "$NS_TAP" "$LP" sink $PORT -- "${BTC[@]}" source $H_ADDR $PORT $BULK_BYTES "$SECS"
    btc 1500 auto off
    next_port
    bulk o-in-$r "$NS_TAP" "$NS_TAP" "${BTC[@]}" sink $PORT -- "$LP" source $U_ADDR $PORT $BULK_BYTES "$SECS"
    btc 1500 auto off
    next_port
    bulk o-out-$r "$NS_TAP" "$NS_TAP" "$LP" sink $PORT -- "${BTC[@]}" source $H_ADDR $PORT $BULK_BYTES "$SECS"
    btc 1500 write
    next_port
    bulk w-out-$r "$NS_TAP" "$NS_TAP" "$LP" sink $PORT -- "${BTC[@]}" source $H_ADDR $PORT $BULK_BYTES "$SECS"
    btc "$JUMBO"
    next_port
    bulk j-in-$r "$NS_TAP" "$NS_TAP" "${BTC[@]}" sink $PORT -- "$LP" source $U_ADDR $PORT $BULK_BYTES "$SECS"
    btc "$JUMBO"
    next_port
    bulk j-out-$r "$NS_TAP" "$NS_TAP" "$LP" sink $PORT -- "${BTC[@]}" source $H_ADDR $PORT $BULK_BYTES "$SECS"
    next_port
    bulk l-ab-$r "$NS_B" "$NS_A" "$LP" sink $PORT -- "$LP" source $B_ADDR $PORT $BULK_BYTES "$SECS"
    next_port
    bulk l-ba-$r "$NS_A" "$NS_B" "$LP" sink $PORT -- "$LP" source $A_ADDR $PORT $BULK_BYTES "$SECS"
done

# median NAME: median over the repetitions of the receiver's Gbit/s; also
# checks that the receiver counted every byte the sender sent.
median() {
    local name=$1 vals=() r sent got
    for r in $(seq "$REPS"); do
        sent=$(field "$name-$r-source" bytes)
        got=$(field "$name-$r-sink" bytes)
        [ "$sent" = "$got" ] || die "$name-$r: sent $sent bytes, received $got"
        vals+=("$(field "$name-$r-sink" gbps)")
    done
    printf "%s\n" "${vals[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
ALL_IN=$(for r in $(seq "$REPS"); do field "u-in-$r-sink" gbps; done | xargs)
ALL_OUT=$(for r in $(seq "$REPS"); do field "u-out-$r-sink" gbps; done | xargs)

# --- request/response latency, both ends on CPU 0 -----------------------------
echo "bench/tcp: ping-pong ($PP round trips) ..." >&2
pingpong() { # NAME SERVER_NS CLIENT_NS HOST SERVER_CMD...
    local name=$1 sns=$2 cns=$3 host=$4; shift 4
    server "$name-echo" "$sns" taskset -c 0 "$@" echo $PORT
    client "$name-pp" "$cns" taskset -c 0 "$LP" pingpong "$host" $PORT "$PP"
    wait_server
}
btc
next_port
pingpong u-pp "$NS_TAP" "$NS_TAP" $U_ADDR "${BTC[@]}"
next_port
pingpong l-pp "$NS_B" "$NS_A" $B_ADDR "$LP"
# ustack as the client: the echo server is Linux, the client bench_tcp.
next_port
server u-pp2-echo "$NS_TAP" taskset -c 0 "$LP" echo $PORT
btc
client u-pp2-pp "$NS_TAP" taskset -c 0 "${BTC[@]}" pingpong $H_ADDR $PORT "$PP"
wait_server

# --- connections per second ---------------------------------------------------
echo "bench/tcp: connections/s ($CONNS each) ..." >&2
conns() { # NAME SERVER_NS CLIENT_NS HOST SERVER_CMD... -- CLIENT_CMD...
    local name=$1 sns=$2 cns=$3 host=$4; shift 4
    local scmd=()
    while [ "$1" != -- ]; do scmd+=("$1"); shift; done
    shift
    server "$name-acc" "$sns" "${scmd[@]}" accept $PORT
    client "$name-conn" "$cns" "$@" connect "$host" $PORT "$CONNS" "$CONN_SECS"
    stop_server
}
btc
next_port
conns u-cin "$NS_TAP" "$NS_TAP" $U_ADDR "${BTC[@]}" -- "$LP"
btc
next_port
conns u-cout "$NS_TAP" "$NS_TAP" $H_ADDR "$LP" -- "${BTC[@]}"
next_port
conns l-c "$NS_B" "$NS_A" $B_ADDR "$LP" -- "$LP"

# --- memory per idle connection -----------------------------------------------
echo "bench/tcp: idle connections ($IDLE) ..." >&2
next_port
server u-hold "$NS_TAP" "$LP" hold $PORT
btc
client u-idle "$NS_TAP" "${BTC[@]}" idle $H_ADDR $PORT "$IDLE"
stop_server
next_port
server l-hold "$NS_B" "$LP" hold $PORT
client l-idle "$NS_A" "$LP" idle $B_ADDR $PORT "$IDLE"
stop_server

# --- the table ----------------------------------------------------------------
row() { # LABEL USTACK LINUX UNIT HIGHER_IS_BETTER
    local ratio
    ratio=$(awk -v u="$2" -v l="$3" 'BEGIN { printf "%.2f", (l > 0 ? u / l : 0) }')
    printf "%-46s %12s %12s %7s  %s\n" "$1" "$2" "$3" "$ratio" "$4"
}
echo
printf "TCP: ustack on a TAP device vs Linux over a veth pair, same run, same client/server code\n\n"
printf "%-46s %12s %12s %7s  %s\n" "scenario" "ustack" "Linux(veth)" "ratio" "unit"
row "bulk Linux -> ustack (ustack receives)" "$(median u-in)" "$(median l-ab)" "Gbit/s"
row "bulk ustack -> Linux (ustack sends)" "$(median u-out)" "$(median l-ba)" "Gbit/s"
row "bulk Linux -> ustack, --offload off" "$(median o-in)" "$(median l-ab)" "Gbit/s"
row "bulk ustack -> Linux, --offload off" "$(median o-out)" "$(median l-ba)" "Gbit/s"
row "bulk ustack -> Linux, --tap-tx write" "$(median w-out)" "$(median l-ba)" "Gbit/s"
row "bulk Linux -> ustack, TAP MTU $JUMBO" "$(median j-in)" "$(median l-ab)" "Gbit/s"
row "bulk ustack -> Linux, TAP MTU $JUMBO" "$(median j-out)" "$(median l-ba)" "Gbit/s"
row "1-byte ping-pong, Linux client, mean" "$(field u-pp-pp mean_us)" "$(field l-pp-pp mean_us)" "us"
row "1-byte ping-pong, Linux client, p99" "$(field u-pp-pp p99_us)" "$(field l-pp-pp p99_us)" "us"
row "1-byte ping-pong, ustack client, mean" "$(field u-pp2-pp mean_us)" "$(field l-pp-pp mean_us)" "us"
row "connections/s, Linux client -> ustack server" "$(field u-cin-conn per_sec)" \
    "$(field l-c-conn per_sec)" "conn/s"
row "connections/s, ustack client -> Linux server" "$(field u-cout-conn per_sec)" \
    "$(field l-c-conn per_sec)" "conn/s"
row "memory per idle connection (one endpoint)" "$(field u-idle bytes_per_conn)" \
    "$(field l-idle bytes_per_conn)" "bytes"
cat <<EOF

notes:
- Linux column: linux_peer on both ends of a veth pair between two namespaces.
  ustack column: bench_tcp (ustack on TAP) against linux_peer on the Linux side
  of the TAP; a TAP-crossing path involves the kernel stack at the other end,
  so the ustack column measures ustack + Linux's own receive path for every
  frame written to the TAP.
- ustack sends through io_uring by default (--tap-tx auto): a burst of frames
  per system call, which the kernel writes one after another inside that call,
  Linux's receive path for each included (no polling thread unless --sqpoll
  on); the "--tap-tx write" row is the same transfer with one write() per frame.
- bulk: median of ${REPS} transfers of ${SECS} s, Gbit/s of payload counted by the
  receiver from its first byte to EOF (every run: ustack in ${ALL_IN},
  out ${ALL_OUT}); ustack TCP buffers ${BUF} bytes (window scaling on);
  MTU 1500 on the TAP and the veth; the TAP with its virtio_net_hdr offloads
  (--offload on, the default: Linux hands ustack TCP super-frames of up to 64 KB
  and ustack trusts their checksums) except in the "--offload off" rows (every
  frame one 1514-byte read or write, every checksum computed); the veth has
  Linux's default offloads (TSO/GSO/GRO: it moves up to 64 KB per packet internally).
- "TAP MTU $JUMBO" rows: the same with large frames on the TAP link (both sides
  of the TAP, MSS follows): what per-frame costs leave when a frame carries as
  much as a veth GSO packet. Not an offload; shown next to the 1500-byte rows.
- ping-pong: ${PP} round trips of 1 byte with TCP_NODELAY after 200 warm-up
  ones, both processes pinned to CPU 0 (taskset -c 0); ratio > 1 = slower.
- connections/s: ${CONNS} x (connect, wait for the server's FIN, close), or as
  many as fit in ${CONN_SECS} s; the server accepts and closes at once (and keeps
  the TIME-WAIT). Done: Linux client $(field u-cin-conn conns), ustack client $(field u-cout-conn conns),
  veth $(field l-c-conn conns).
- memory: ustack = growth of malloc'd bytes in use (mallinfo2) per connection
  for ${IDLE} idle connections (rings are allocated on first data, so this is
  TCB + socket + malloc overhead); Linux = growth of the slab caches TCP,
  sock_inode_cache, filp, dentry, tcp_bind*_bucket (/proc/slabinfo, system-wide)
  divided by the two endpoints of each connection; no buffers either side.
- ratio = ustack / Linux. Load average at start: $LOAD_START, at the end:
  $(cut -d' ' -f1-3 /proc/loadavg) (2 vCPUs: other work on the machine shows
  in the numbers, most in the bulk rows).
EOF
