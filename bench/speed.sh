#!/usr/bin/env bash
# ustack speed table (issue #12): bulk throughput, raw-TAP frame ceilings,
# 1-byte request/response, connections/s and memory per idle connection,
# Linux <-> Linux over a veth pair next to Linux <-> ustack over a TAP, all
# in one run, in network namespaces this script creates (and removes,
# whatever happens). The Linux end of every row is the same tool
# (bench/blast.c; linux_peer for request/response); the ustack end is the
# ustack CLI (serve --discard / --tcp-echo, send), as a user runs it.
#
# usage: bench/speed.sh BUILD_DIR      (make bench runs it on build/)
# env:   BENCH_SAMPLES  samples of every row (default 3): min / median / max
#        BENCH_SECONDS  seconds per bulk, ceiling and connections/s sample (default 4)
#        BENCH_RR       1-byte round trips per request/response sample (default 10000)
#        BENCH_IDLE     idle connections per memory sample (default 1000)
#        BENCH_PIN=0    bulk with 1 queue unpinned (default 1: sender on CPU 0,
#                       receiver on CPU 1, so that no sender gets a second CPU)
#        BENCH_KEEP=1   keep the programs' outputs (the path is printed)
#
# ustack options that other work adds are used when `ustack ... --help`
# lists them, else their rows say n/a: --offload on|off (link option;
# without it ustack runs with no offloads, the "off" rows), --queues N
# (serve; send only if it lists it too).
set -euo pipefail

BUILD=${1:-build}
US=$BUILD/ustack
BL=$BUILD/bench/blast
LP=$BUILD/bench/linux_peer
TC=$BUILD/bench/tap_ceiling
BT=$BUILD/bench/bench_tcp
SAMPLES=${BENCH_SAMPLES:-3}
SECS=${BENCH_SECONDS:-4}
RR=${BENCH_RR:-10000}
IDLE=${BENCH_IDLE:-1000}
PIN=${BENCH_PIN:-1}
START=$(date +%s)

die() { echo "bench/speed: $*" >&2; exit 1; }
for x in "$US" "$BL" "$LP" "$TC" "$BT"; do [ -x "$x" ] || die "$x not found (build first: make build)"; done
[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces, TAP and veth devices)"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing"
for tool in ethtool taskset; do
    command -v $tool >/dev/null || die "$tool is missing (scripts/deps.sh bench installs it)"
done
for v in SAMPLES SECS RR IDLE; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v/SECS/SECONDS}: a whole number > 0"
done
[[ "$PIN" =~ ^[01]$ ]] || die "BENCH_PIN: 0 or 1"

# What this ustack offers (other branches add these options).
HAS_OFFLOAD=no
"$US" send --help 2>&1 | grep -q -- '--offload' && HAS_OFFLOAD=yes
HAS_SERVE_Q=no
"$US" serve --help 2>&1 | grep -q -- '--queues' && HAS_SERVE_Q=yes
HAS_SEND_Q=no
"$US" send --help 2>&1 | grep -q -- '--queues' && HAS_SEND_Q=yes
CPU_B=$(($(nproc) > 1 ? 1 : 0)) # the "different CPU"; CPU 0 with one CPU

# IPv6 rows (offload on, 1 queue): ustack U6 / Linux H6 on the TAP, A6 / B6 on the veth
U6=2001:db8::2
H6=2001:db8::1
A6=2001:db8:1::1
B6=2001:db8:1::2

suffix=$$-$RANDOM
NS_TAP=ust-bspd-tap-$suffix # Linux (blast) + ustack on a TAP
NS_A=ust-bspd-a-$suffix     # blast ...
NS_B=ust-bspd-b-$suffix     # ... to blast over veth
BASE=$(mktemp -d)
TMP=$BASE # each sample's outputs in their own directory (a server's old
          # "ready" must not be taken for the new one's)
USTACK_PID= # a ustack process this script started (stopped by cleanup)
HOLD_PID=   # the Linux server holding idle connections, while it runs

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

cleanup() {
    [ -z "$USTACK_PID" ] || stop_pid "$USTACK_PID"
    [ -z "$HOLD_PID" ] || stop_pid "$HOLD_PID"
    bench_cleanup "$NS_TAP" "$NS_A" "$NS_B"
    if [ -n "${BENCH_KEEP:-}" ]; then echo "bench/speed: outputs kept in $BASE" >&2; else rm -rf "$BASE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- namespaces ---------------------------------------------------------------
ip netns add "$NS_TAP"
in_ns "$NS_TAP" ip link set lo up
ip netns add "$NS_A"
ip netns add "$NS_B"
# two queues each way, for the 2-queue rows (one per stream, as a TAP's)
in_ns "$NS_A" ip link add veth0 numtxqueues 2 numrxqueues 2 type veth peer name veth0 \
    numtxqueues 2 numrxqueues 2 netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do in_ns "$ns" ip link set lo up; done
in_ns "$NS_A" ip addr add $A_ADDR/24 dev veth0
in_ns "$NS_B" ip addr add $B_ADDR/24 dev veth0
in_ns "$NS_A" ip -6 addr add $A6/64 dev veth0 nodad
in_ns "$NS_B" ip -6 addr add $B6/64 dev veth0 nodad
in_ns "$NS_A" ip link set veth0 up
in_ns "$NS_B" ip link set veth0 up
for ns in "$NS_TAP" "$NS_A" "$NS_B"; do
    # connections/s: many short connections from one client address; the
    # servers' ports (5001...) stay out of the ephemeral range, where a
    # client socket left in FIN-WAIT by a stopped peer would hold them
    in_ns "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65535" net.ipv4.tcp_tw_reuse=1
done

# veth_offload on|off: TSO/GSO/GRO and checksum offload of both veth ends.
veth_offload() {
    local ns
    for ns in "$NS_A" "$NS_B"; do in_ns "$ns" ethtool -K veth0 tso "$1" gso "$1" gro "$1" tx "$1" >/dev/null 2>&1; done
}

# --- measuring CPU -------------------------------------------------------------
HZ=$(getconf CLK_TCK)
# pid_cpu PID: user + system seconds of PID, all its threads (the io_uring
# SQPOLL thread included: it belongs to the process), from /proc/PID/stat.
pid_cpu() {
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    st=${st##*) }
    awk -v hz="$HZ" '{ printf "%.3f", ($12 + $13) / hz }' <<<"$st"
}
# softirq_s: the machine's softirq seconds so far (/proc/stat, all CPUs).
softirq_s() { awk -v hz="$HZ" '$1 == "cpu" { printf "%.3f", $8 / hz }' /proc/stat; }
# pid_rss PID: resident bytes of PID (VmRSS).
pid_rss() { awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$1/status"; }
# slab_bytes: bytes of the slab caches an idle TCP socket lives in
# (/proc/slabinfo: active objects x object size), and meminfo's Slab.
slab_bytes() {
    awk '$1 ~ /^(TCP|sock_inode_cache|filp|dentry|tcp_bind_bucket|tcp_bind2_bucket|inet_peer_cache|ip_fib_alias|skbuff_head_cache|kmalloc-(64|128|192|256|512|1k|2k))$/ { s += $2 * $4 } END { printf "%d", s }' /proc/slabinfo
}
meminfo_slab() { awk '$1 == "Slab:" { print $2 * 1024 }' /proc/meminfo; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# --- ustack --------------------------------------------------------------------
NTAP=0
ulink() { # OFFLOAD: the link options of a fresh TAP (a deleted TAP may linger)
    NTAP=$((NTAP + 1))
    ULINK=(--tap "usp$NTAP" --addr "$U_ADDR/24" --host-addr "$H_ADDR/24" --ctl "$TMP/ctl$NTAP.sock")
    [ "$HAS_OFFLOAD" = no ] || ULINK+=(--offload "$1")
}

# ustack_serve NAME CPUS QUEUES SERVICE_OPTS...: starts ustack serve in the
# TAP namespace pinned to CPUS (taskset list) and waits for "ready".
ustack_serve() {
    local name=$1 cpus=$2 q=$3; shift 3
    local qopt=()
    [ "$q" -eq 1 ] || qopt=(--queues "$q")
    start_server "$name" "$NS_TAP" taskset -c "$cpus" "$US" serve "${ULINK[@]}" "${qopt[@]}" "$@" ||
        return 1
    USTACK_PID=$SERVER_PID
    SERVER_PID=
}
ustack_stop() {
    [ -z "$USTACK_PID" ] || stop_pid "$USTACK_PID"
    USTACK_PID=
    tap_gone
}
# tap_gone: waits (bounded, 5 s) until the last TAP is gone: while a closed
# TAP lingers, its address and route would outlive those of the next one.
tap_gone() {
    for _ in $(seq 250); do
        in_ns "$NS_TAP" ip link show dev "usp$NTAP" >/dev/null 2>&1 || return 0
        sleep 0.02
    done
}

# --- results -------------------------------------------------------------------
# VALS[key]: the samples' values (space-separated); CPUGB[key]: CPU s/GB per
# sample; FAIL[key]: why a sample failed.
declare -A VALS CPUGB FAIL
record() { VALS[$1]="${VALS[$1]:-}${VALS[$1]:+ }$2"; }
record_cpu() { CPUGB[$1]="${CPUGB[$1]:-}${CPUGB[$1]:+ }$2"; }
failed() { FAIL[$1]=$2; echo "bench/speed: $1: $2" >&2; }
# cpu_per_gb CPU_S BYTES
cpu_per_gb() { awk -v c="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? c / (b / 1e9) : 0) }'; }
ALL_CPUS=0-$(($(nproc) - 1))
# Bulk with 1 queue: the sending end on CPU 0 (all its threads, ustack's
# SQPOLL poller included: it inherits the mask), the receiving end on the
# other CPU, so that no sender gets a second CPU; 2 queues: no pinning.
snd_cpus() { if [ "$1" -eq 1 ] && [ "$PIN" = 1 ]; then echo 0; else echo "$ALL_CPUS"; fi; }
rcv_cpus() { if [ "$1" -eq 1 ] && [ "$PIN" = 1 ]; then echo "$CPU_B"; else echo "$ALL_CPUS"; fi; }

# --- bulk rows -------------------------------------------------------------------
# Each bulk sample: one transfer of SECS s. Gbit/s as the Linux end counts it
# (blast send: bytes / (connect .. the peer's FIN after its half-close);
# blast sink: bytes / (first .. last byte)). CPU: both ends' processes +
# the machine's softirq time over the sample.

bulk_veth() { # KEY OFFLOAD STREAMS [DST: B's address, IPv4 by default]
    local key=$1 s0 r dst=${4:-$B_ADDR}
    veth_offload "$2"
    next_port
    start_server "$key-sink" "$NS_B" taskset -c "$(rcv_cpus "$3")" "$BL" sink $PORT "$3" ||
        { failed "$key" "$BENCH_ERR"; return; }
    s0=$(softirq_s)
    run_client "$key-send" "$NS_A" $((SECS + 30)) taskset -c "$(snd_cpus "$3")" "$BL" send "$dst" $PORT "$SECS" "$3" ||
        { failed "$key" "$BENCH_ERR"; stop_server; return; }
    wait_server 250
    r=$(field "$key-send" gbps)
    [ -n "$r" ] || { failed "$key" "no result"; return; }
    record "$key" "$r"
    record_cpu "$key" "$(cpu_per_gb "$(add "$(add "$(field "$key-send" cpu_s)" "$(field "$key-sink" cpu_s)")" \
        "$(sub "$(softirq_s)" "$s0")")" "$(field "$key-send" bytes)")"
}

bulk_in() { # KEY OFFLOAD QUEUES: blast send -> ustack serve --discard
    local key=$1 c0 s0 cpu
    ulink "$2"
    next_port
    ustack_serve "$key-ustack" "$(rcv_cpus "$3")" "$3" --discard $PORT || { failed "$key" "$BENCH_ERR"; return; }
    c0=$(pid_cpu "$USTACK_PID")
    s0=$(softirq_s)
    run_client "$key-send" "$NS_TAP" $((SECS + 30)) taskset -c "$(snd_cpus "$3")" "$BL" send $U_ADDR $PORT "$SECS" "$3" ||
        { failed "$key" "$BENCH_ERR"; ustack_stop; return; }
    cpu=$(add "$(sub "$(pid_cpu "$USTACK_PID")" "$c0")" "$(sub "$(softirq_s)" "$s0")")
    ustack_stop
    record "$key" "$(field "$key-send" gbps)"
    record_cpu "$key" "$(cpu_per_gb "$(add "$cpu" "$(field "$key-send" cpu_s)")" "$(field "$key-send" bytes)")"
}

bulk_out() { # KEY OFFLOAD QUEUES: ustack send -> blast sink, stopped after SECS
    local key=$1 s0 cpu pid qopt=()
    [ "$3" -eq 1 ] || qopt=(--queues "$3")
    ulink "$2"
    next_port
    start_server "$key-sink" "$NS_TAP" taskset -c "$(rcv_cpus "$3")" "$BL" sink $PORT ||
        { failed "$key" "$BENCH_ERR"; return; }
    s0=$(softirq_s)
    ip netns exec "$NS_TAP" taskset -c "$(snd_cpus "$3")" "$US" send $H_ADDR $PORT --bytes 1000G "${ULINK[@]}" "${qopt[@]}" \
        >"$TMP/$key-ustack.out" 2>"$TMP/$key-ustack.err" &
    pid=$!
    USTACK_PID=$pid
    sleep "$SECS"
    # its CPU while it still runs; the signal then aborts the connection (RST)
    cpu=$(pid_cpu "$pid")
    ustack_stop
    wait_server 250
    local bytes
    bytes=$(field "$key-sink" bytes)
    if [ -z "$bytes" ] || [ "$bytes" -eq 0 ]; then
        failed "$key" "nothing arrived: $(tail -n 2 "$TMP/$key-ustack.err" | tr '\n' ' ')"
        return
    fi
    cpu=$(add "$(add "$cpu" "$(field "$key-sink" cpu_s)")" "$(sub "$(softirq_s)" "$s0")")
    record "$key" "$(field "$key-sink" gbps)"
    record_cpu "$key" "$(cpu_per_gb "$cpu" "$bytes")"
}

# --- IPv6 bulk rows (offload on, 1 queue) --------------------------------------------
# wait_dad6: until Linux reaches ustack's IPv6 address (past its DAD), bounded.
wait_dad6() {
    for _ in $(seq 50); do
        in_ns "$NS_TAP" ping -6 -c 1 -W 1 -q "$U6" >/dev/null 2>&1 && return 0
    done
    return 1
}

bulk_in6() { # KEY: blast send -> ustack serve --discard over IPv6
    local key=$1 c0 s0 cpu
    ulink on
    ULINK+=(--addr "$U6/64")
    next_port
    ustack_serve "$key-ustack" "$(rcv_cpus 1)" 1 --discard $PORT --dual-stack ||
        { failed "$key" "$BENCH_ERR"; return; }
    in_ns "$NS_TAP" ip -6 addr add "$H6/64" dev "usp$NTAP" nodad
    wait_dad6 || { failed "$key" "no IPv6 path to ustack"; ustack_stop; return; }
    c0=$(pid_cpu "$USTACK_PID")
    s0=$(softirq_s)
    run_client "$key-send" "$NS_TAP" $((SECS + 30)) taskset -c "$(snd_cpus 1)" "$BL" send "$U6" $PORT "$SECS" 1 ||
        { failed "$key" "$BENCH_ERR"; ustack_stop; return; }
    cpu=$(add "$(sub "$(pid_cpu "$USTACK_PID")" "$c0")" "$(sub "$(softirq_s)" "$s0")")
    ustack_stop
    record "$key" "$(field "$key-send" gbps)"
    record_cpu "$key" "$(cpu_per_gb "$(add "$cpu" "$(field "$key-send" cpu_s)")" "$(field "$key-send" bytes)")"
}

bulk_out6() { # KEY: ustack send -> blast sink over IPv6, stopped after SECS
    local key=$1 s0 cpu pid bytes
    ulink on
    ULINK+=(--addr "$U6/64")
    # the TAP made first, so that Linux's address is there when ustack connects
    in_ns "$NS_TAP" ip tuntap add dev "usp$NTAP" mode tap
    in_ns "$NS_TAP" ip link set "usp$NTAP" up
    in_ns "$NS_TAP" ip -6 addr add "$H6/64" dev "usp$NTAP" nodad
    next_port
    start_server "$key-sink" "$NS_TAP" taskset -c "$(rcv_cpus 1)" "$BL" sink $PORT ||
        { failed "$key" "$BENCH_ERR"; in_ns "$NS_TAP" ip link del "usp$NTAP"; return; }
    s0=$(softirq_s)
    ip netns exec "$NS_TAP" taskset -c "$(snd_cpus 1)" "$US" send "$H6" $PORT --bytes 1000G "${ULINK[@]}" \
        >"$TMP/$key-ustack.out" 2>"$TMP/$key-ustack.err" &
    pid=$!
    USTACK_PID=$pid
    sleep "$SECS" # (ustack send waits for its DAD first: the sink times from the first byte)
    cpu=$(pid_cpu "$pid")
    stop_pid "$pid"
    USTACK_PID=
    in_ns "$NS_TAP" ip link del "usp$NTAP" 2>/dev/null || true
    wait_server 250
    bytes=$(field "$key-sink" bytes)
    if [ -z "$bytes" ] || [ "$bytes" -eq 0 ]; then
        failed "$key" "nothing arrived: $(tail -n 2 "$TMP/$key-ustack.err" | tr '\n' ' ')"
        return
    fi
    cpu=$(add "$(add "$cpu" "$(field "$key-sink" cpu_s)")" "$(sub "$(softirq_s)" "$s0")")
    record "$key" "$(field "$key-sink" gbps)"
    record_cpu "$key" "$(cpu_per_gb "$cpu" "$bytes")"
}

ceiling() { # KEY plain|vnet
    local key=$1
    NTAP=$((NTAP + 1))
    local pin=()
    [ "$PIN" = 0 ] || pin=("$(snd_cpus 1)")
    run_client "$key-tc" "$NS_TAP" $((SECS + 30)) taskset -c "$(rcv_cpus 1)" "$TC" "usp$NTAP" "$SECS" "$2" "${pin[@]}" ||
        { failed "$key" "$BENCH_ERR"; tap_gone; return; }
    tap_gone
    record "$key" "$(line_field "$key-tc" result gbps)"
    record_cpu "$key" "$(cpu_per_gb "$(add "$(line_field "$key-tc" result reader_cpu_s)" \
        "$(line_field "$key-tc" result sender_cpu_s)")" "$(line_field "$key-tc" result bytes)")"
}

# --- request/response, connections/s, memory ------------------------------------
rr_linux() { # KEY SERVER_CPU
    next_port
    start_server "$1-echo" "$NS_B" taskset -c "$2" "$LP" echo $PORT || { failed "$1" "$BENCH_ERR"; return; }
    run_client "$1-pp" "$NS_A" 120 taskset -c 0 "$LP" pingpong $B_ADDR $PORT "$RR" ||
        { failed "$1" "$BENCH_ERR"; stop_server; return; }
    wait_server 250
    record "$1" "$(field "$1-pp" mean_us)"
}

rr_ustack() { # KEY SERVER_CPU
    ulink on
    next_port
    ustack_serve "$1-ustack" "$2" 1 --tcp-echo $PORT || { failed "$1" "$BENCH_ERR"; return; }
    run_client "$1-pp" "$NS_TAP" 120 taskset -c 0 "$LP" pingpong $U_ADDR $PORT "$RR" ||
        { failed "$1" "$BENCH_ERR"; ustack_stop; return; }
    # the threads of ustack and the CPUs they may run on (taskset pins the
    # process; a kernel polling thread may set its own)
    THREADS[$1]=$(for t in /proc/"$USTACK_PID"/task/*; do
        printf "%s (CPUs %s) " "$(cat "$t/comm")" "$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "$t/status")"
    done | sed 's/ $//')
    ustack_stop
    record "$1" "$(field "$1-pp" mean_us)"
}
declare -A THREADS

conns_linux() {
    next_port
    start_server c-linux-srv "$NS_B" "$BL" discard $PORT || { failed c-linux "$BENCH_ERR"; return; }
    run_client c-linux "$NS_A" $((SECS + 30)) "$BL" connect $B_ADDR $PORT "$SECS" || failed c-linux "$BENCH_ERR"
    stop_server
    [ -z "${FAIL[c-linux]:-}" ] && record c-linux "$(field c-linux per_sec)"
    return 0
}

conns_ustack() {
    ulink on
    next_port
    ustack_serve c-ustack-srv "$ALL_CPUS" 1 --discard $PORT || { failed c-ustack "$BENCH_ERR"; return; }
    run_client c-ustack "$NS_TAP" $((SECS + 30)) "$BL" connect $U_ADDR $PORT "$SECS" || failed c-ustack "$BENCH_ERR"
    ustack_stop
    [ -z "${FAIL[c-ustack]:-}" ] && record c-ustack "$(field c-ustack per_sec)"
    return 0
}

# Memory per idle connection. ustack: growth of ustack serve's resident
# memory (VmRSS) while IDLE connections are opened to it and held. Linux: the
# growth of the slab caches (slab_bytes), both endpoints in this kernel, / 2.
mem_ustack() {
    local r0
    ulink on
    next_port
    ustack_serve m-ustack-srv "$ALL_CPUS" 1 --discard $PORT || { failed m-ustack "$BENCH_ERR"; return; }
    r0=$(pid_rss "$USTACK_PID")
    start_server m-ustack "$NS_TAP" "$BL" idle $U_ADDR $PORT "$IDLE" ||
        { failed m-ustack "$BENCH_ERR"; ustack_stop; return; }
    record m-ustack "$(awk -v a="$(pid_rss "$USTACK_PID")" -v b="$r0" -v n="$IDLE" 'BEGIN { printf "%.0f", (a - b) / n }')"
    stop_server
    ustack_stop
}

# The stack alone: bench_tcp idle (ustack as the client, through the API)
# reports the growth of its C heap in use (mallinfo2) per connection.
mem_stack() {
    next_port
    start_server m-stack-srv "$NS_TAP" "$BL" hold $PORT || { failed m-stack "$BENCH_ERR"; return; }
    HOLD_PID=$SERVER_PID
    SERVER_PID=
    NTAP=$((NTAP + 1))
    run_client m-stack "$NS_TAP" 120 "$BT" --tap "usp$NTAP" --addr "$U_ADDR/24" --host-addr "$H_ADDR/24" \
        idle $H_ADDR $PORT "$IDLE" || failed m-stack "$BENCH_ERR"
    tap_gone
    [ -n "${FAIL[m-stack]:-}" ] || record m-stack "$(field m-stack bytes_per_conn)"
    stop_pid "$HOLD_PID"
    HOLD_PID=
}

mem_linux() {
    local s0 m0
    next_port
    start_server m-linux-srv "$NS_B" "$BL" hold $PORT || { failed m-linux "$BENCH_ERR"; return; }
    HOLD_PID=$SERVER_PID
    SERVER_PID=
    s0=$(slab_bytes)
    m0=$(meminfo_slab)
    start_server m-linux "$NS_A" "$BL" idle $B_ADDR $PORT "$IDLE" ||
        { failed m-linux "$BENCH_ERR"; stop_pid "$HOLD_PID"; HOLD_PID=; return; }
    record m-linux "$(awk -v a="$(slab_bytes)" -v b="$s0" -v n="$IDLE" 'BEGIN { printf "%.0f", (a - b) / n / 2 }')"
    record m-linux-meminfo "$(awk -v a="$(meminfo_slab)" -v b="$m0" -v n="$IDLE" 'BEGIN { printf "%.0f", (a - b) / n / 2 }')"
    stop_server
    stop_pid "$HOLD_PID"
    HOLD_PID=
}

# --- the samples ---------------------------------------------------------------
OFFLOADS="on off"
QUEUES="1 2"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench/speed: $SAMPLES samples of every row, ${SECS} s per transfer" \
     "(ustack: --offload $HAS_OFFLOAD, serve --queues $HAS_SERVE_Q, send --queues $HAS_SEND_Q) ..." >&2
for s in $(seq "$SAMPLES"); do
    TMP=$BASE/sample$s
    mkdir "$TMP"
    # interleaved, so that a burst of load on the machine hits all rows alike
    for off in $OFFLOADS; do
        for q in $QUEUES; do
            bulk_veth "veth-$off-$q" "$off" "$q"
            if [ "$off" = off ] || [ "$HAS_OFFLOAD" = yes ]; then
                [ "$q" -eq 1 ] || [ "$HAS_SERVE_Q" = yes ] && bulk_in "in-$off-$q" "$off" "$q"
                [ "$q" -eq 1 ] || [ "$HAS_SEND_Q" = yes ] && bulk_out "out-$off-$q" "$off" "$q"
            fi
        done
    done
    if [ "$HAS_OFFLOAD" = yes ]; then # IPv6, beside the IPv4 rows of the same sample
        bulk_veth veth6-on-1 on 1 "$B6"
        bulk_in6 in6-on-1
        bulk_out6 out6-on-1
    fi
    veth_offload on
    ceiling tap-vnet vnet
    ceiling tap-plain plain
    rr_linux rr-linux-same 0
    rr_ustack rr-ustack-same 0
    rr_linux rr-linux-diff $CPU_B
    rr_ustack rr-ustack-diff $CPU_B
    conns_linux
    conns_ustack
    mem_linux
    mem_ustack
    mem_stack
    echo "bench/speed: sample $s/$SAMPLES done ($(($(date +%s) - START)) s)" >&2
done

# --- the table -----------------------------------------------------------------
# stats KEY: "min median max" of the samples (empty if none).
stats() {
    [ -n "${VALS[$1]:-}" ] || return 0
    tr ' ' '\n' <<<"${VALS[$1]}" | sort -g |
        awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                                 printf "%s %s %s\n", v[1], m, v[NR] }'
}
median_of() { stats "$1" | awk '{ print $2 }'; }
cpu_median() {
    [ -n "${CPUGB[$1]:-}" ] || { echo "-"; return; }
    tr ' ' '\n' <<<"${CPUGB[$1]}" | sort -g |
        awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ratio A B: A / B as "N.NN×", "-" without both.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) { print "-"; exit }
                                     printf "%.2f×", a / b }'
}
# goal RATIO OP LIMIT: "ok" or "MISS" (RATIO like "1.23×").
goal() {
    [ "$1" != - ] || { echo "-"; return; }
    awk -v r="${1%×}" -v op="$2" -v l="$3" 'BEGIN { ok = op == ">=" ? r >= l : r <= l
                                                    printf "%s (%s%s×)", ok ? "ok" : "MISS", op == ">=" ? "≥" : "≤", l }'
}
fmt_num() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else printf "%.2f", v }'; }

# row LABEL KEY OFFLOAD QUEUES UNIT REF_KEY GOAL_OP GOAL CEIL_KEY
row() {
    local label=$1 key=$2 st mn md mx why
    why=${FAIL[$key]:-}
    st=$(stats "$key")
    if [ -z "$st" ]; then
        printf "| %s | %s | %s | %s | | | %s | | | | |\n" "$label" "$3" "$4" "${why:-n/a}" "$5"
        return
    fi
    read -r mn md mx <<<"$st"
    local r=- c=- g
    [ -z "${6:-}" ] || r=$(ratio "$md" "$(median_of "$6")")
    [ "$2" != "${6:-}" ] || r="1.00×"
    g=-
    [ -z "${7:-}" ] || g=$(goal "$r" "$7" "$8")
    if [ -n "${9:-}" ]; then
        c=$(ratio "$md" "$(median_of "$9")")
        local cg
        cg="$(goal "$c" ">=" 0.9) of ceiling"
        [ "$c" = - ] || { [ "$g" = - ] && g=$cg || g="$g; $cg"; }
    fi
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$label" "$3" "$4" \
        "$(fmt_num "$mn")" "$(fmt_num "$md")" "$(fmt_num "$mx")" "$5" "$r" "$c" "$g" \
        "$( [[ $5 == Gbit/s ]] && cpu_median "$key" || echo -)"
}

echo
printf "ustack speed: Linux<->Linux over veth vs Linux<->ustack over TAP, one run, %s samples\n" "$SAMPLES"
printf "(bulk: %s s each; RR: %s round trips; conn/s: %s s; memory: %s idle connections)\n\n" \
    "$SECS" "$RR" "$SECS" "$IDLE"
printf "| measurement | offload | queues | min | median | max | unit | vs Linux | vs ceiling | goal | CPU s/GB |\n"
printf "|---|---|---|---|---|---|---|---|---|---|---|\n"
for off in $OFFLOADS; do
    for q in $QUEUES; do
        ceil=tap-plain
        [ "$off" = on ] && ceil=
        row "bulk Linux → Linux (veth)" "veth-$off-$q" "$off" "$q" Gbit/s "veth-$off-$q"
        row "bulk Linux → ustack (TAP)" "in-$off-$q" "$off" "$q" Gbit/s "veth-$off-$q" \
            "$([ "$off" = on ] && echo ">=")" 1.0 "$ceil"
        row "bulk ustack → Linux (TAP)" "out-$off-$q" "$off" "$q" Gbit/s "veth-$off-$q" \
            "$([ "$off" = on ] && echo ">=")" 1.0 "$ceil"
    done
done
row "bulk Linux → Linux (veth), IPv6" veth6-on-1 on 1 Gbit/s veth6-on-1
row "bulk Linux → ustack (TAP), IPv6" in6-on-1 on 1 Gbit/s veth6-on-1 ">=" 1.0
row "bulk ustack → Linux (TAP), IPv6" out6-on-1 on 1 Gbit/s veth6-on-1 ">=" 1.0
row "raw TAP ceiling, IFF_VNET_HDR 64 KB GSO frames" tap-vnet on 1 Gbit/s veth-on-1
row "raw TAP ceiling, 1514-byte frames" tap-plain off 1 Gbit/s veth-off-1
row "1-byte RR, one CPU, Linux (veth)" rr-linux-same - 1 µs rr-linux-same
row "1-byte RR, one CPU, ustack (TAP)" rr-ustack-same - 1 µs rr-linux-same "<=" 1.0
row "1-byte RR, two CPUs, Linux (veth)" rr-linux-diff - 1 µs rr-linux-diff
row "1-byte RR, two CPUs, ustack (TAP)" rr-ustack-diff - 1 µs rr-linux-diff
row "connections/s, Linux server (veth)" c-linux - 1 conn/s c-linux
row "connections/s, ustack server (TAP)" c-ustack - 1 conn/s c-linux ">=" 1.0
row "memory per idle connection, Linux" m-linux - 1 bytes m-linux
row "memory per idle connection, ustack serve" m-ustack - 1 bytes m-linux
row "memory per idle connection, ustack stack only" m-stack - 1 bytes m-linux

cat <<EOF

notes:
- bulk: one connection per queue (2 queues: 2 connections at once, summed),
  ${SECS} s of sending per sample. Linux end: bench/blast (send: Gbit/s = bytes /
  (connect .. the peer's FIN after blast's half-close); sink: bytes / (first ..
  last byte)). ustack end: ustack serve --discard (receives) and ustack send
  (sends; stopped by SIGTERM after ${SECS} s, the sink counts what arrived).
  Veth: two queues each way; "offload off" = ethtool -K tso gso gro tx off on
  both ends. ustack: --offload $([ "$HAS_OFFLOAD" = yes ] && echo "on|off" || echo "not available in this build: runs without offloads (the off rows); on rows n/a");
  --queues: serve $HAS_SERVE_Q, send $HAS_SEND_Q (n/a rows without). MTU 1500,
  default buffers (Linux autotuning; ustack's defaults). $(if [ "$PIN" = 1 ]; then
  echo "1 queue: the sender"
  echo "  pinned to CPU 0 (every thread: ustack's io_uring SQPOLL poller too), the"
  echo "  receiver to CPU $CPU_B (taskset), as in the ceilings; 2 queues: not pinned."
  else echo "No pinning (BENCH_PIN=0)."; fi)
- IPv6 rows: the same tools over 2001:db8::/64 (ustack: serve --dual-stack,
  send to an IPv6 address; TCP/IPv6 super-frames both ways, TUN_F_TSO6),
  offload on, 1 queue, in the same samples as the IPv4 rows; vs Linux against
  the IPv6 veth row.
- vs Linux = median / the median of the veth row with the same offload and
  queues (RR: latency ratio, lower is better). vs ceiling (offload off rows) =
  median / the 1514-byte raw-TAP ceiling; goal: within 10 % (≥0.9×).
- raw TAP ceilings: bench/tap_ceiling, no stack: a reader doing one read() per
  frame while a packet socket in the namespace writes frames into the TAP
  flat out (vnet: IFF_VNET_HDR + TSO, 65214-byte TCP GSO frames; plain:
  1514-byte frames); the kernel drops what the TAP's queue cannot hold.
- CPU s/GB: user + system seconds of both ends' processes (ustack: every
  thread of the process from /proc/PID/stat, the io_uring SQPOLL thread
  included; blast and tap_ceiling: getrusage of all their processes) plus the
  machine's softirq seconds over the sample (/proc/stat: all CPUs, other work
  on the machine included), per 10^9 bytes moved. Median of the samples.
- 1-byte RR: linux_peer pingpong (TCP_NODELAY, ${RR} round trips after 200
  warm-up ones; mean µs) against linux_peer echo (veth) or ustack serve
  --tcp-echo (TAP). One CPU: both pinned to CPU 0 (taskset); two CPUs: the
  client on CPU 0, the server on CPU $CPU_B. ustack's threads and where they
  may run, one CPU: ${THREADS[rr-ustack-same]:-?}; two CPUs: ${THREADS[rr-ustack-diff]:-?}
- connections/s: blast connect for ${SECS} s: connect, half-close, wait for the
  server's FIN, close (the client keeps the TIME-WAIT; tcp_tw_reuse=1, ports
  10000-65535), against blast discard (veth) or ustack serve --discard (TAP).
- memory per idle connection: ${IDLE} connections opened by blast idle and held.
  ustack serve = growth of its VmRSS / ${IDLE} (one endpoint; includes one-time
  growth of its tables and the server's own per-connection buffers, struct conn
  in tools/serve_tcp.c: request and response buffers even for --discard).
  ustack stack only = bench_tcp idle, ustack as the client through the API:
  growth of the C heap in use (mallinfo2) per connection, no application
  buffers (blast, the Linux end, has none either). Linux = growth of the
  slab caches TCP, sock_inode_cache, filp, dentry, tcp_bind(2)_bucket, skbuff_head_cache and
  kmalloc-64..2k (/proc/slabinfo, active objects x size, system-wide) / ${IDLE}
  / 2 endpoints; /proc/meminfo Slab growth the same way: $(stats m-linux-meminfo | awk '{ print "min " $1 ", median " $2 ", max " $3 " bytes" }').
- Load average at start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)
  ($(nproc) CPUs, shared: other work on the machine shows in the numbers).
  Total time: $(($(date +%s) - START)) s.
EOF
for k in "${!FAIL[@]}"; do echo "failed: $k: ${FAIL[$k]}"; done
