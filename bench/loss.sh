#!/usr/bin/env bash
# ustack TCP under random loss: bulk goodput at several loss rates, ustack
# over a TAP device next to Linux over a veth pair, all in one run, in
# network namespaces this script creates (and removes, whatever happens).
# Both ends of every transfer run the same client/server code
# (bench/bench_modes.h): bench_tcp on ustack, linux_peer on kernel sockets.
#
# usage: bench/loss.sh BUILD_DIR       (make bench runs it on build/)
# env:   BENCH_LOSS_RUNS     runs of every cell (default 3; LOSS_RUNS too): the
#                            table gives the median and the lowest-highest
#        BENCH_LOSS_SECS     seconds of sending per cell (default 6)
#        BENCH_LOSS_LEVELS   loss rates each way in %, multiples of 0.1
#                            (default "0 0.1 1 5 10")
#        BENCH_LOSS_TIMEOUT  seconds a cell may take in all before it is
#                            stopped and reported as stalled (default 5 x SECS + 30)
#        BENCH_LOSS_BUF      TCP buffer bytes: ustack's --buf, and the maximum of
#                            Linux's tcp_rmem/tcp_wmem in the namespaces (default 4194304)
#        BENCH_LOSS_BUF_INIT=1  ustack's buffers start where Linux's do (send 16384,
#                            receive 131072, bench_tcp --buf-init) and autotune up to
#                            BENCH_LOSS_BUF, as Linux's; by default they are
#                            BENCH_LOSS_BUF from the start, so a sender that closes
#                            after SECS may still hold that much to deliver
#        BENCH_LOSS_BBR_THRESH  ustack bbr's cfg.tcp_bbr_loss_thresh, per mille
#                            (default: the stack's, 20 = the draft's 2 %); the
#                            "bbr1" column (--cc bbr1) is loss-agnostic whatever
#                            it says, the BBRv1 behaviour of Linux 6.1's bbr
#        BENCH_LOSS_OFFLOAD_ROW=0  leave out the extra 0 % row with ustack's offloads on
#        BENCH_LOSS_UST_ARGS more bench_tcp options for every ustack cell
#                            (words split on spaces, e.g. "--busy-poll 50")
#        BENCH_LOSS_STEER=0  leave Linux's receive processing on the CPU that
#                            hands it the packet (see "Receive steering" below)
#        BENCH_LOSS_VETH_ACKS=receiver  the veth's ACK end unsteered (Linux's
#                            fastest setting; see "Receive steering")
#        BENCH_LOSS_COLS     the columns to run (default all: llbbr llreno uout
#                            lin lbin ubbr1 ubbr, the keys of the table's columns
#                            in that order); the others show "-"
#        BENCH_LOSS_RAW=1    also print every ustack sender's non-zero TCP counters
#        BENCH_LOSS_KEEP=1   keep the programs' outputs (the path is printed)
#        BENCH_LOSS_PCAP=DIR  capture every ustack-sending cell (ustack->L, bbr1,
#                            bbr) on the TAP's Linux side into DIR/KEY.pcap
#                            (needs tcpdump; -s 128). It sees every frame
#                            ustack sent, before the nftables input hook
#                            drops it, but only the ACKs Linux's output hook
#                            let through (a packet socket sees a sent packet
#                            at the device, after the IP output hooks);
#                            KEY.nstat0 / KEY.nstat1: the TAP namespace's
#                            nstat -az before and after the cell (Linux's
#                            receiver counters: OFO drops, prunes, ...)
#
# Loss: nftables in the namespaces, an inet table whose rule
#   counter numgen random mod 1000 < N counter drop
# (N per mille) sits on the input and output hooks of the TAP in the TAP's
# namespace, and on the input hook of veth0 in each veth namespace. The
# two counters give the packets seen and dropped, shown under the table.
# Loss must act as a lossy wire does, on single segments the sender
# believes were sent. Two things stop the output hook from doing that to
# data Linux sends: Linux TCP always builds GSO packets of up to 64 KB (even
# with GSO "off", it then cuts them in software at the device), and the
# output hook sees them uncut; and a packet dropped there is an error the
# sending TCP sees at once (the segment stays unsent and goes again, with no
# congestion response). So data is dropped where it arrives:
# - veth: TSO/GSO/GRO off on both ends (ethtool -K), so that every packet
#   crosses the pair as one segment, and loss on the input hook of each end
#   (data at the receiver's, ACKs at the sender's); the sender keeps its
#   normal GSO path;
# - TAP, ustack sending: the data arrive at the input hook frame by frame;
#   Linux's ACKs are dropped on the output hook (a lost ACK is not sent
#   again, so there it is the same as a loss on the wire);
# - TAP, Linux sending (the "Linux(reno)->ustack" column): ustack drops the
#   data as it arrives (bench_tcp --rx-loss: the TAP's fault injector, the
#   same probability, counted with the rest), nftables ustack's ACKs on the
#   input hook. (Dropping that data on the output hook instead, with
#   gso_max_segs 1 on the TAP, gave 1066 Mbit/s at 1% with a final cwnd of
#   904 segments: the sender resent each drop at once and never reduced.)
# The counters' mean packet size (shown) is the check: at most one MTU.
#
# ustack's segmentation offloads (TSO and 64 KiB frames over the TAP's
# virtio_net_hdr) are off in every loss row, as the veth's are: with them
# a 64 KiB super-packet crosses the TAP as one skb, and one drop on it
# (nftables, or --rx-loss on a received frame) loses ~45 segments at once,
# while the rule sees ~45x fewer packets: a burst-loss model with a
# per-segment rate far from N per mille, not the loss of a wire. Checksum
# offload changes no segment, so those rows keep it, as the veth keeps its
# tx checksum offload: bench_tcp --offload csum, and the TAP's Linux side
# with TSO/GSO/GRO off (ethtool -K) once ustack has made it, as the veth.
# A separate row ("0% offl.", BENCH_LOSS_OFFLOAD_ROW) runs the ustack
# columns at 0 % loss with all offloads on (the stack's default) next to
# the same Linux cells of the 0 % row: what they change where nothing is lost.
#
# Receive steering (BENCH_LOSS_STEER=1, the default with two CPUs or more):
# the sender runs on one CPU and the receiver on the other, two hosts of one
# CPU each, and every packet is processed by the CPU of the host it arrives
# at. Linux by itself processes a packet on the CPU that hands it over: a
# veth's transmit and a TAP write both run the receiving Linux's IP and TCP
# input in the sending thread, so without steering ustack's CPU did the
# Linux receiver's work (about 40 % of it at 0 % loss), while over the veth
# the receiver's work ran on the Linux sender's CPU and the sender's ACK
# processing (and the transmissions an ACK releases) on the receiver's.
# The steering, with what each device offers:
# - veth: RPS (rps_cpus) on each end, to its own host's CPU (data to the
#   receiver's, ACKs to the sender's);
# - TAP: ustack opens it with IFF_NAPI (--tap-napi on), and bench_tcp's
#   --tap-hook runs bench/tap_napi_cpu.sh before the first frame: the TAP's
#   NAPI poll, Linux's input for what ustack writes, becomes a kernel thread
#   pinned to the Linux program's CPU. ustack's own input is its own thread.
#   RPS on the TAP instead costs an inter-processor interrupt per frame (a
#   VM exit here): 6.3-8.2 Gbit/s against 9.9-10.7 with the NAPI thread.
# Measured (4 s cells): at 0 %, Linux->Linux reno 8.4-9.0 Gbit/s unsteered,
# 7.6-8.7 with each end on its own CPU; ustack->Linux 4.5-4.8 unsteered,
# 9.9-10.7 steered; Linux->ustack 6.0-6.1 and 7.1-7.6. Steering only the
# veth's data end (BENCH_LOSS_VETH_ACKS=receiver: the Linux sender's ACK
# work stays on the receiver's CPU, in softirq beside the receiver) is
# Linux's fastest setting, 9.4-11.4 Gbit/s at 0 % and about 4.2 instead of
# 2.7 Gbit/s for reno at 0.1 %, where its smoothed RTT is then 0.04 ms
# instead of 0.15: one host's CPU doing the other's work, which two hosts
# on a wire cannot do.
set -euo pipefail

BUILD=${1:-build}
BT=$BUILD/bench/bench_tcp
LP=$BUILD/bench/linux_peer
SECS=${BENCH_LOSS_SECS:-6}
RUNS=${BENCH_LOSS_RUNS:-${LOSS_RUNS:-3}}
LEVELS=${BENCH_LOSS_LEVELS:-0 0.1 1 5 10}
TIMEOUT=${BENCH_LOSS_TIMEOUT:-$((SECS * 5 + 30))}
BUF=${BENCH_LOSS_BUF:-4194304}
BULK_BYTES=1000000000000 # the time limit ends the transfer
START=$(date +%s)

die() { echo "bench/loss: $*" >&2; exit 1; }
[ -x "$BT" ] && [ -x "$LP" ] || die "$BT / $LP not found (build first: make build)"
[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces, TAP and veth devices)"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing"
for tool in nft ethtool taskset; do
    command -v $tool >/dev/null || die "$tool is missing (scripts/deps.sh bench installs it)"
done
[ -z "${BENCH_LOSS_PCAP:-}" ] || command -v tcpdump >/dev/null || die "BENCH_LOSS_PCAP: tcpdump is missing"
[[ "$SECS" =~ ^[0-9]+$ ]] && [ "$SECS" -gt 0 ] || die "BENCH_LOSS_SECS: whole seconds > 0"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "BENCH_LOSS_TIMEOUT: whole seconds"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -gt 0 ] || die "BENCH_LOSS_RUNS: a whole number > 0"
# per mille of each level; only steps of 0.1% can be expressed
declare -A PERMILLE
for lv in $LEVELS; do
    pm=$(awk -v p="$lv" 'BEGIN { m = p * 10; if (p !~ /^[0-9.]+$/ || m != int(m) || m > 1000) exit 1; print m }') ||
        die "BENCH_LOSS_LEVELS: '$lv' is not a percentage in steps of 0.1"
    PERMILLE[$lv]=$pm
done

# the table's columns, left to right, and the ones to run
COLS="llbbr llreno uout lin lbin ubbr1 ubbr"
RUN_COLS=${BENCH_LOSS_COLS:-$COLS}
for c in $RUN_COLS; do
    [[ " $COLS " == *" $c "* ]] || die "BENCH_LOSS_COLS: '$c' is not one of: $COLS"
done

# The sender on CPU 0, the receiver on CPU 1 (both on CPU 0 with one CPU),
# in every cell, so that the cells are comparable.
SRC_CPU=0
SINK_CPU=$(($(nproc) > 1 ? 1 : 0))
STEER=${BENCH_LOSS_STEER:-1}
[ "$SRC_CPU" != "$SINK_CPU" ] || STEER=0 # one CPU: nothing to steer to

suffix=$$-$RANDOM
NS_TAP=ust-bloss-tap-$suffix # Linux (linux_peer) + ustack (bench_tcp) on a TAP
NS_A=ust-bloss-a-$suffix     # linux_peer (sender) ...
NS_B=ust-bloss-b-$suffix     # ... to linux_peer (receiver) over veth
TMP=$(mktemp -d)

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

cleanup() {
    bench_cleanup "$NS_TAP" "$NS_A" "$NS_B"
    if [ -n "${BENCH_LOSS_KEEP:-}" ]; then echo "bench/loss: outputs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- namespaces -------------------------------------------------------------
ip netns add "$NS_TAP"
in_ns "$NS_TAP" ip link set lo up
bench_veth "$NS_A" "$NS_B" $A_ADDR $B_ADDR
for ns in "$NS_A" "$NS_B"; do
    in_ns "$ns" ethtool -K veth0 tso off gso off gro off
done

# Each veth end steers what it receives to its own host's CPU (RPS; see
# "Receive steering" at the top): the receiver is in NS_B, the sender in NS_A.
if [ "$STEER" != 0 ]; then
    printf '%x\n' $((1 << SINK_CPU)) | in_ns "$NS_B" tee /sys/class/net/veth0/queues/rx-0/rps_cpus >/dev/null
    [ "${BENCH_LOSS_VETH_ACKS:-own}" != own ] ||
        printf '%x\n' $((1 << SRC_CPU)) | in_ns "$NS_A" tee /sys/class/net/veth0/queues/rx-0/rps_cpus >/dev/null
fi
for ns in "$NS_TAP" "$NS_A" "$NS_B"; do
    # Linux's buffers up to what ustack gets (autotuning stays on)
    in_ns "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 131072 $BUF" net.ipv4.tcp_wmem="4096 16384 $BUF"
done

# set_cc NS NAME: the congestion control of new connections in NS.
set_cc() { in_ns "$1" sysctl -qw net.ipv4.tcp_congestion_control="$2"; }

# bbr for Linux: the module is loaded when it is not there yet and exists.
linux_bbr=yes
if ! grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control; then
    modprobe tcp_bbr 2>/dev/null || true
    grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control || linux_bbr=no
fi
set_cc "$NS_TAP" reno # the Linux sender of the "Linux(reno)->ustack" column
ustack_bbr=unknown    # known after the first ustack bbr cell
TAP_HOOKS="input output"

# --- loss -------------------------------------------------------------------
# loss_table NS PERMILLE IFNAME HOOK...: (re)creates the namespace's loss
# table, which also resets its counters.
loss_table() {
    local ns=$1 pm=$2 ifname=$3 hook dir
    shift 3
    {
        echo "table inet ust_loss"
        echo "delete table inet ust_loss"
        echo "table inet ust_loss {"
        for hook in "$@"; do
            dir=$([ "$hook" = input ] && echo iifname || echo oifname)
            echo "  chain $hook { type filter hook $hook priority 0; policy accept;"
            echo "    $dir \"$ifname\" counter numgen random mod 1000 < $pm counter drop"
            echo "  }"
        done
        echo "}"
    } | in_ns "$ns" nft -f -
}

set_loss() { # PERMILLE TAP_HOOK...
    local pm=$1
    shift
    loss_table "$NS_TAP" "$pm" "ustap*" "$@"
    loss_table "$NS_A" "$pm" veth0 input
    loss_table "$NS_B" "$pm" veth0 input
}

# loss_counts SINK_OUTPUT: "seen dropped max_mean_size" summed over the
# namespaces' loss rules (max_mean_size: the largest bytes/packet of any one
# rule) and bench_tcp's fault injector ("rxfaults" in its output).
loss_counts() {
    local ns
    { for ns in "$NS_TAP" "$NS_A" "$NS_B"; do in_ns "$ns" nft list table inet ust_loss; done
      grep -h '^rxfaults' "$TMP/$1.out" 2>/dev/null || true; } |
        awk '/^rxfaults/ { split($2, f, "="); split($3, l, "="); seen += f[2]; dropped += l[2] }
             /numgen/ {
                 n = 0
                 for (i = 1; i < NF; i++)
                     if ($i == "packets") { p[++n] = $(i + 1); b[n] = $(i + 3) }
                 seen += p[1]; dropped += p[2]
                 if (p[1] > 0 && b[1] / p[1] > size) size = b[1] / p[1]
             }
             END { printf "%d %d %d\n", seen, dropped, size }'
}

# tcpext NS: "timeouts loss_probes dsack_segs" of the namespace's TCP (Linux's
# counters TcpExt TCPTimeouts, TCPLossProbes and TCPDSACKRecvSegs in
# /proc/net/netstat).
tcpext() {
    in_ns "$1" awk '$1 == "TcpExt:" {
        if (!n) { for (i = 2; i <= NF; i++) h[i] = $i; n = 1; next }
        for (i = 2; i <= NF; i++) v[h[i]] = $i }
        END { printf "%d %d %d\n", v["TCPTimeouts"], v["TCPLossProbes"], v["TCPDSACKRecvSegs"] }' /proc/net/netstat
}

# softnet_drops: packets the kernel dropped because a CPU's input backlog
# was full (netdev_max_backlog; /proc/net/softnet_stat column 2, hex, the
# whole machine): losses no nftables rule sees, at any loss level.
softnet_drops() {
    local line cols sum=0
    while read -r line; do
        read -ra cols <<<"$line"
        sum=$((sum + 16#${cols[1]}))
    done </proc/net/softnet_stat
    echo "$sum"
}

# --- cells ------------------------------------------------------------------
# The result of each cell, by "COLUMN,LEVEL": VAL (Mbit/s, "n/a" or "fail"),
# WHY (footnote text, if any), DROP (dropped/seen), and the sender's output.
declare -A VAL WHY DROP SENDER MAXSIZE LX_RTOS LX_TLPS LX_DSACKS BACKLOG
FOOTNOTES=()

# Mbit/s formatted as the table shows it.
fmt_mbps() {
    awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 1) printf "%.1f", v;
                           else printf "%.2f", v }'
}

# note KEY TEXT: a footnote for the cell; its number goes after the value.
note() {
    FOOTNOTES+=("$2")
    WHY[$1]=${#FOOTNOTES[@]}
}

NTAP=0
UST_OFFLOAD=csum # the loss rows: one segment per frame (see the top)
# btc CPU [--cc NAME]: the bench_tcp command line, a fresh TAP name each
# time; CPU: the Linux program's, where the TAP's NAPI thread goes.
btc() {
    local cpu=$1
    shift
    NTAP=$((NTAP + 1))
    TAP=ustap$NTAP
    BTC=("$BT" --tap "$TAP" --addr "$U_ADDR/24" --host-addr "$H_ADDR/24" --buf "$BUF"
         --offload "$UST_OFFLOAD" "$@")
    [ "${BENCH_LOSS_BUF_INIT:-0}" = 0 ] || BTC+=(--buf-init 16384,131072)
    [ "$STEER" = 0 ] || BTC+=(--tap-napi on --tap-hook "$NAPI_HOOK $cpu")
    # shellcheck disable=SC2206 # words on purpose
    BTC+=(${BENCH_LOSS_UST_ARGS:-})
}
NAPI_HOOK=$(cd "$(dirname "$0")" && pwd)/tap_napi_cpu.sh

# tap_single_segments: the TAP's Linux side sends and takes one segment per
# packet, as the veth (a hook: the TAP exists once ustack's server is up).
tap_single_segments() {
    [ "$UST_OFFLOAD" = on ] || in_ns "$NS_TAP" ethtool -K "$TAP" tso off gso off gro off 2>/dev/null ||
        echo "bench/loss: ethtool -K $TAP failed" >&2
}

# start_pcap KEY: prints the PID of a background job that waits for the
# TAP ustack's client is about to create, then runs tcpdump on it into
# BENCH_LOSS_PCAP/KEY.pcap until killed (the cell kills it by that PID).
start_pcap() {
    mkdir -p "$BENCH_LOSS_PCAP"
    (
        for _ in $(seq 200); do in_ns "$NS_TAP" ip link show "$TAP" >/dev/null 2>&1 && break; sleep 0.01; done
        exec ip netns exec "$NS_TAP" tcpdump -i "$TAP" -s 128 -n -U -w "$BENCH_LOSS_PCAP/$1.pcap"
    ) >/dev/null 2>&1 &
    echo $!
}

# cell KEY SERVER_NS CLIENT_NS HOOK SERVER_CMD... -- CLIENT_CMD...: one
# bulk transfer, the sender for SECS seconds, loss PM per mille on the TAP's
# hooks TAP_HOOKS and on the veth; HOOK (or "-") runs once the server is
# ready. Never exits: a failure becomes the cell's value.
cell() {
    local key=$1 sns=$2 cns=$3 hook=$4 scmd=() ccmd=() rc=0 t0 t1
    if [[ " $RUN_COLS " != *" ${key%%,*} "* ]]; then
        VAL[$key]=- # a column BENCH_LOSS_COLS leaves out
        return 0
    fi
    shift 4
    while [ "$1" != -- ]; do scmd+=("$1"); shift; done
    shift
    ccmd=("$@")
    next_port
    # shellcheck disable=SC2086
    set_loss "$PM" $TAP_HOOKS
    SENDER[$key]=$key-source
    if ! start_server "$key-sink" "$sns" taskset -c $SINK_CPU "${scmd[@]}" sink $PORT; then
        VAL[$key]=fail
        note "$key" "$BENCH_ERR"
        return 0
    fi
    [ "$hook" = - ] || $hook
    local rto0 tlp0 ds0 rto1 tlp1 ds1 bl0
    read -r rto0 tlp0 ds0 < <(tcpext "$cns")
    bl0=$(softnet_drops)
    local pcap_pid=
    case $key in u*) [ -z "${BENCH_LOSS_PCAP:-}" ] || {
        pcap_pid=$(start_pcap "$key")
        in_ns "$NS_TAP" nstat -az >"$BENCH_LOSS_PCAP/$key.nstat0" 2>&1 || true
    } ;; esac
    t0=$(date +%s.%N)
    run_client "$key-source" "$cns" "$TIMEOUT" taskset -c $SRC_CPU "${ccmd[@]}" \
        source "$SERVER_HOST" $PORT $BULK_BYTES "$SECS" || rc=$?
    t1=$(date +%s.%N)
    wait_server 250
    [ -z "$pcap_pid" ] || { kill "$pcap_pid" 2>/dev/null; wait "$pcap_pid" 2>/dev/null || true
        in_ns "$NS_TAP" nstat -az >"$BENCH_LOSS_PCAP/$key.nstat1" 2>&1 || true; }
    read -r rto1 tlp1 ds1 < <(tcpext "$cns") # the client sends: its namespace's counters
    LX_RTOS[$key]=$((rto1 - rto0))
    LX_TLPS[$key]=$((tlp1 - tlp0))
    LX_DSACKS[$key]=$((ds1 - ds0))
    BACKLOG[$key]=$(($(softnet_drops) - bl0))
    read -r seen dropped size < <(loss_counts "$key-sink")
    DROP[$key]=$(awk -v s="$seen" -v d="$dropped" 'BEGIN { if (s > 0) printf "%.3f", 100 * d / s }')
    MAXSIZE[$key]=$size
    cell_value "$key" "$rc" "$t0" "$t1"
}

# cell_value KEY CLIENT_STATUS T0 T1: the receiver's goodput from its first
# byte to EOF; without EOF (stopped, failed), what its last progress line
# says was received over the cell's time, marked as such.
cell_value() {
    local key=$1 rc=$2 bytes secs sent got
    got=$(field "$key-sink" bytes)
    secs=$(field "$key-sink" secs)
    sent=$(field "$key-source" bytes)
    if [ "$rc" -eq 3 ] && grep -q "not available" "$TMP/$key-source.err"; then
        VAL[$key]=n/a
        unset "DROP[$key]" # what the TAP saw while it existed is not a transfer
        return 0
    fi
    if [ "$rc" -eq 0 ] && [ -n "$got" ]; then
        VAL[$key]=$(fmt_mbps "$(awk -v b="$got" -v s="$secs" 'BEGIN { print (s > 0 ? b * 8 / s / 1e6 : 0) }')")
        [ "$sent" = "$got" ] || note "$key" "$key: sent $sent bytes, the receiver counted $got"
        return 0
    fi
    bytes=$(line_field "$key-sink" progress bytes)
    local why=$BENCH_ERR
    [ "$rc" -ne 124 ] || why="no EOF within ${TIMEOUT} s (BENCH_LOSS_TIMEOUT), stopped"
    [ "$rc" -ne 0 ] || why="the receiver printed no result: $(tail -n 2 "$TMP/$key-sink.err" | tr '\n' ' ')"
    if [ -n "$bytes" ]; then
        VAL[$key]="~$(fmt_mbps "$(awk -v b="$bytes" -v t0="$3" -v t1="$4" 'BEGIN { print b * 8 / (t1 - t0) / 1e6 }')")"
        note "$key" "$key: $why; ~ = bytes received by the last progress report / the cell's time"
    else
        VAL[$key]=fail
        note "$key" "$key: $why"
    fi
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
ncells=$(($(wc -w <<<"$LEVELS") * $(wc -w <<<"$RUN_COLS")))
# ROWS: the table's rows; "0offl" (0 %, ustack's offloads on) after the levels.
ROWS=$LEVELS
if [ "${BENCH_LOSS_OFFLOAD_ROW:-1}" != 0 ]; then
    ROWS="$ROWS 0offl"
    PERMILLE[0offl]=0
    ncells=$((ncells + $(tr ' ' '\n' <<<"$RUN_COLS" | grep -c '^u\|^l.*in$' || true)))
fi

# row LEVEL RUN: the cells of one row, keys "COLUMN,LEVEL,RUN".
row() {
    local lv=$1 r=$2 ll
    PM=${PERMILLE[$lv]}
    UST_OFFLOAD=csum
    if [ "$lv" = 0offl ]; then
        UST_OFFLOAD=on
        ll=0 # the Linux cells of the 0 % row, run again when that row is not there
        [ -n "${VAL[llreno,0,$r]:-}" ] || ll=0offl
    else
        ll=$lv
    fi
    if [ "$ll" != "$lv" ]; then
        VAL["llbbr,$lv,$r"]=${VAL[llbbr,0,$r]}
        VAL["llreno,$lv,$r"]=${VAL[llreno,0,$r]}
    elif [ $linux_bbr = yes ]; then
        set_cc "$NS_A" bbr
        set_cc "$NS_B" bbr
        SERVER_HOST=$B_ADDR
        cell "llbbr,$lv,$r" "$NS_B" "$NS_A" - "$LP" -- "$LP"
    else
        VAL["llbbr,$lv,$r"]=n/a
    fi
    if [ "$ll" = "$lv" ]; then
        set_cc "$NS_A" reno
        set_cc "$NS_B" reno
        SERVER_HOST=$B_ADDR
        cell "llreno,$lv,$r" "$NS_B" "$NS_A" - "$LP" -- "$LP"
    fi
    SERVER_HOST=$H_ADDR
    btc $SINK_CPU
    cell "uout,$lv,$r" "$NS_TAP" "$NS_TAP" - "$LP" -- "${BTC[@]}"
    SERVER_HOST=$U_ADDR
    # the data ustack receives is lost in its fault injector (none at 0 %)
    if [ "$PM" -gt 0 ]; then
        btc $SRC_CPU --rx-loss "$(awk -v m="$PM" 'BEGIN { print m / 1000 }')"
    else
        btc $SRC_CPU
    fi
    TAP_HOOKS=input
    cell "lin,$lv,$r" "$NS_TAP" "$NS_TAP" tap_single_segments "${BTC[@]}" -- "$LP"
    if [ $linux_bbr = yes ]; then # the same, Linux's sender on bbr: ustack bbr's like
        set_cc "$NS_TAP" bbr
        cell "lbin,$lv,$r" "$NS_TAP" "$NS_TAP" tap_single_segments "${BTC[@]}" -- "$LP"
        set_cc "$NS_TAP" reno
    else
        VAL["lbin,$lv,$r"]=n/a
    fi
    TAP_HOOKS="input output"
    SERVER_HOST=$H_ADDR
    if [ $ustack_bbr != no ]; then # loss-agnostic: the model Linux 6.1's bbr (v1) has
        btc $SINK_CPU --cc bbr1
        cell "ubbr1,$lv,$r" "$NS_TAP" "$NS_TAP" - "$LP" -- "${BTC[@]}"
        [ "${VAL[ubbr1,$lv,$r]}" != n/a ] || ustack_bbr=no
    fi
    if [ $ustack_bbr != no ]; then
        btc $SINK_CPU --cc bbr ${BENCH_LOSS_BBR_THRESH:+--bbr-loss-thresh "$BENCH_LOSS_BBR_THRESH"}
        cell "ubbr,$lv,$r" "$NS_TAP" "$NS_TAP" - "$LP" -- "${BTC[@]}"
    else
        VAL["ubbr1,$lv,$r"]=n/a
        VAL["ubbr,$lv,$r"]=n/a
    fi
    echo "bench/loss: run $r, $lv%: L-L bbr ${VAL[llbbr,$lv,$r]}, L-L reno ${VAL[llreno,$lv,$r]}," \
         "ustack->L ${VAL[uout,$lv,$r]}, L->ustack ${VAL[lin,$lv,$r]}, L bbr->ustack ${VAL[lbin,$lv,$r]}," \
         "ustack bbr1->L ${VAL[ubbr1,$lv,$r]}, ustack bbr->L ${VAL[ubbr,$lv,$r]}" >&2
}

echo "bench/loss: $RUNS x $ncells transfers of ${SECS} s (loss each way: $LEVELS %) ..." >&2
# The runs one after the other, each through every row: a busy minute on
# the shared machine then touches one run of many cells, not all runs of one.
for r in $(seq "$RUNS"); do
    for lv in $ROWS; do row "$lv" "$r"; done
done

# --- medians ------------------------------------------------------------------
# For each "COLUMN,LEVEL": MED (the median run's value; with an even number of
# runs the lower of the two middle ones, so that it is a run), MEDKEY (that
# run's key: its counters are shown), RANGE ("lowest-highest"). Values
# marked "~" (stalled) count as numbers; "fail" and "n/a" are left out.
declare -A MED MEDKEY RANGE
for lv in $ROWS; do
    for c in $COLS; do
        list=""
        for r in $(seq "$RUNS"); do
            v=${VAL[$c,$lv,$r]:-}
            [[ ${v#\~} =~ ^[0-9.]+$ ]] && list+="${v#\~} $r $v"$'\n'
        done
        if [ -z "$list" ]; then
            MED[$c,$lv]=${VAL[$c,$lv,1]:--}
            MEDKEY[$c,$lv]=$c,$lv,1
            continue
        fi
        read -r mr lo hi < <(sort -g <<<"${list%$'\n'}" |
            awk '{ v[NR] = $1; r[NR] = $2 } END { printf "%s %s %s\n", r[int((NR + 1) / 2)], v[1], v[NR] }')
        MED[$c,$lv]=${VAL[$c,$lv,$mr]}
        MEDKEY[$c,$lv]=$c,$lv,$mr
        [ "$RUNS" -gt 1 ] && RANGE[$c,$lv]="$(fmt_mbps "$lo")-$(fmt_mbps "$hi")"
    done
done

# --- the tables ---------------------------------------------------------------
# cellv COLUMN,LEVEL: the median, its footnote number, the range.
cellv() {
    local k=${MEDKEY[$1]}
    echo "${MED[$1]}${WHY[$k]:+ [${WHY[$k]}]}${RANGE[$1]:+ (${RANGE[$1]})}"
}
# ratio A B: A / B when both are measured numbers ("~x" counts as x).
ratio() {
    awk -v a="${1#\~}" -v b="${2#\~}" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) { print "-"; exit }
        r = a / b
        if (r >= 10) printf "%.0f×", r; else if (r >= 0.1) printf "%.2f×", r; else printf "%.3f×", r }'
}
# drops LEVEL: the measured drop rate, lowest-highest over the level's cells.
drops() {
    local k v r lo="" hi=""
    for k in $COLS; do
        for r in $(seq "$RUNS"); do
            v=${DROP[$k,$1,$r]:-}
            [ -n "$v" ] || continue
            lo=$(awk -v a="$v" -v b="${lo:-$v}" 'BEGIN { print (a < b ? a : b) }')
            hi=$(awk -v a="$v" -v b="${hi:-$v}" 'BEGIN { print (a > b ? a : b) }')
        done
    done
    [ -n "$lo" ] && echo "$lo-$hi" || echo "-"
}

echo
if [ "$RUNS" -gt 1 ]; then
    printf "TCP under random loss (nftables, each way), Mbit/s, %s s per cell, median of %s runs (lowest-highest)\n\n" "$SECS" "$RUNS"
else
    printf "TCP under random loss (nftables, each way), Mbit/s, %s s per cell, one run\n\n" "$SECS"
fi
printf "| loss | Linux→Linux reno | ustack→Linux | vs reno | Linux(reno)→ustack | vs reno | Linux→Linux bbr | ustack bbr1→Linux | vs bbr | Linux(bbr)→ustack | vs bbr | ustack bbr (v3 draft)→Linux | v3 vs bbr | dropped %% |\n"
printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
rowname() { [ "$1" = 0offl ] && echo "0% offl." || echo "$1%"; }
for lv in $ROWS; do
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$(rowname "$lv")" \
        "$(cellv "llreno,$lv")" \
        "$(cellv "uout,$lv")" "$(ratio "${MED[uout,$lv]}" "${MED[llreno,$lv]}")" \
        "$(cellv "lin,$lv")" "$(ratio "${MED[lin,$lv]}" "${MED[llreno,$lv]}")" \
        "$(cellv "llbbr,$lv")" \
        "$(cellv "ubbr1,$lv")" "$(ratio "${MED[ubbr1,$lv]}" "${MED[llbbr,$lv]}")" \
        "$(cellv "lbin,$lv")" "$(ratio "${MED[lbin,$lv]}" "${MED[llbbr,$lv]}")" \
        "$(cellv "ubbr,$lv")" "$(ratio "${MED[ubbr,$lv]}" "${MED[llbbr,$lv]}")" "$(drops "$lv")"
done
for i in "${!FOOTNOTES[@]}"; do echo "[$((i + 1))] ${FOOTNOTES[$i]}"; done

# The count of like-for-like cells at or above 1.0x, for both summaries:
# tally COLUMN LEVEL RATIO adds a cell to TALLY_OK / TALLY_N / TALLY_BELOW.
declare -A LFL_NAME=([uout]="ustack->Linux" [lin]="Linux(reno)->ustack"
                     [ubbr1]="ustack bbr1->Linux" [lbin]="Linux(bbr)->ustack")
LFL_PAIRS="uout:llreno lin:llreno ubbr1:llbbr lbin:llbbr"
tally_reset() { TALLY_OK=0 TALLY_N=0 TALLY_BELOW=""; }
tally() {
    TALLY_N=$((TALLY_N + 1))
    if awk -v r="$3" 'BEGIN { exit !(r >= 1) }'; then
        TALLY_OK=$((TALLY_OK + 1))
    else
        TALLY_BELOW+="${TALLY_BELOW:+, }${LFL_NAME[$1]} at $2 % (${3}x)"
    fi
}
# like_for_like_summary: how many cells of the loss rows (not "0% offl.")
# reach 1.0x against Linux with the same kind of controller (ustack reno
# sending and Linux reno sending to ustack against Linux->Linux reno;
# ustack bbr1 sending and Linux bbr sending to ustack against Linux->Linux
# bbr), from the unrounded medians, and which do not.
like_for_like_summary() {
    local lv pair c base r
    tally_reset
    for lv in $LEVELS; do
        for pair in $LFL_PAIRS; do
            c=${pair%:*} base=${pair#*:}
            r=$(awk -v a="${MED[$c,$lv]#\~}" -v b="${MED[$base,$lv]#\~}" 'BEGIN {
                if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "-"; else printf "%.3f", a / b }')
            [ "$r" != - ] || continue
            tally "$c" "$lv" "$r"
        done
    done
    [ "$TALLY_N" -gt 0 ] || return 0
    echo
    echo "Like-for-like cells at or above 1.0x (the loss rows): $TALLY_OK of $TALLY_N${TALLY_BELOW:+; below: $TALLY_BELOW}"
}
like_for_like_summary

# Paired ratios: the machine's speed moves in phases of minutes (the same
# cell 7-18 Gbit/s within an hour on a shared 2-vCPU VM), and the medians
# above may come from different runs. A run's cells of one row follow each
# other within about a minute, so each run's ustack cell over the same run's
# Linux cell compares two transfers made on the same machine state; the
# median of those per-run ratios is printed beside the medians' ratio.
# paired_ratio COLUMN BASE LEVEL: "median lowest-highest" of the per-run
# ratios (the lower middle one for an even count), "-" without pairs.
paired_ratio() {
    local r a b list=""
    for r in $(seq "$RUNS"); do
        a=${VAL[$1,$3,$r]:-} b=${VAL[$2,$3,$r]:-}
        a=${a#\~} b=${b#\~}
        [[ $a =~ ^[0-9.]+$ && $b =~ ^[0-9.]+$ ]] || continue
        list+="$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.4f", a / b }')"$'\n'
    done
    list=$(grep . <<<"$list")
    [ -n "$list" ] || { echo -; return; }
    sort -g <<<"$list" | awk '{ v[NR] = $1 } END { printf "%.3f %.2f-%.2f\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
paired_summary() {
    local lv pair c base pr cells
    [ "$RUNS" -gt 1 ] || return 0
    tally_reset
    echo
    printf "Paired ratios: each run's cell over the same run's Linux->Linux cell, median of %s runs (lowest-highest)\n\n" "$RUNS"
    printf "| loss | ustack→Linux vs reno | Linux(reno)→ustack vs reno | ustack bbr1→Linux vs bbr | Linux(bbr)→ustack vs bbr |\n"
    printf "|---|---|---|---|---|\n"
    for lv in $LEVELS; do
        cells=""
        for pair in $LFL_PAIRS; do
            c=${pair%:*} base=${pair#*:}
            pr=$(paired_ratio "$c" "$base" "$lv")
            if [ "$pr" = - ]; then
                cells+=" - |"
                continue
            fi
            cells+=" ${pr%% *}× (${pr#* }) |"
            tally "$c" "$lv" "${pr%% *}"
        done
        printf "| %s |%s\n" "$(rowname "$lv")" "$cells"
    done
    echo
    echo "Like-for-like cells at or above 1.0x, paired: $TALLY_OK of $TALLY_N${TALLY_BELOW:+; below: $TALLY_BELOW}"
}
paired_summary

# cpu_of OUTPUT: "CPU s / sleeps" of a program from its result line ("-" if none).
cpu_of() {
    local cpu sleeps
    cpu=$(field "$1" cpu_s)
    sleeps=$(field "$1" sleeps)
    [ -n "$cpu" ] && echo "$cpu / $sleeps" || echo -
}
# srtt, rto in ms; cwnd, ssthresh in MSS; "-" where there is no output.
sender_row() { # LEVEL LABEL COLUMN,LEVEL: the counters of the median run
    local key=${MEDKEY[$3]:-}
    local out=${SENDER[$key]:-}
    [ -n "$out" ] && [ -n "$(line_field "$out" tcpinfo cwnd)" ] || return 0
    local mss rtos tlps dsacks
    mss=$(line_field "$out" tcpinfo snd_mss)
    if [[ $3 == u* ]]; then # ustack: the stack's counters (one connection per process)
        rtos=$(line_field "$out" tcpstats Timeouts)
        tlps=$(line_field "$out" tcpstats TlpProbes)
        dsacks=$(line_field "$out" tcpstats DsackRecvSegs)
    else # Linux: the sender's namespace's counters over the cell
        rtos=${LX_RTOS[$key]:-}
        tlps=${LX_TLPS[$key]:-}
        dsacks=${LX_DSACKS[$key]:-}
    fi
    awk -v lv="$1" -v who="$2" -v mbps="${VAL[$key]}" -v rtx="$(line_field "$out" tcpinfo total_retrans)" \
        -v rtos="${rtos:-0}" -v tlps="${tlps:-0}" -v dsacks="${dsacks:-0}" -v srtt="$(line_field "$out" tcpinfo rtt_us)" \
        -v rto="$(line_field "$out" tcpinfo rto_us)" -v mss="$mss" \
        -v cwnd="$(line_field "$out" tcpinfo cwnd)" -v ssth="$(line_field "$out" tcpinfo ssthresh)" \
        -v bl="${BACKLOG[$key]:--}" -v scpu="$(cpu_of "$out")" -v rcpu="$(cpu_of "${key}-sink")" \
        -v busy="$(line_field "$out" tcpinfo busy_us)" -v rwl="$(line_field "$out" tcpinfo rwnd_limited_us)" \
        -v sbl="$(line_field "$out" tcpinfo sndbuf_limited_us)" \
        'BEGIN { if (mss <= 0) mss = 1
                 st = ssth >= 2^30 ? "inf" : sprintf("%.1f", ssth / mss)
                 lim = busy == "" ? "-" : sprintf("%.2f (%.2f / %.2f)", busy / 1e6, rwl / 1e6, sbl / 1e6)
                 printf "| %s | %s | %s | %s | %s | %s | %s | %.2f | %.0f | %.1f | %s | %s | %s | %s | %s |\n",
                        lv, who, mbps, rtx, dsacks, rtos, tlps, srtt / 1000, rto / 1000, cwnd / mss, st, lim, bl,
                        scpu, rcpu }'
}
echo
printf "Senders' counters at the end of each transfer, from the median run (TCP_INFO; D-SACKed,\nRTOs and TLPs: ustack's TCP counters DsackRecvSegs, Timeouts and TlpProbes, Linux's TcpExt\nTCPDSACKRecvSegs, TCPTimeouts and TCPLossProbes in the sender's namespace)\n\n"
printf "| loss | sender | Mbit/s | retransmitted segs | D-SACKed segs | RTOs | TLPs | srtt ms | rto ms | cwnd MSS | ssthresh MSS | busy s (rwnd / sndbuf-limited) | backlog drops | sender CPU s / sleeps | receiver CPU s / sleeps |\n"
printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
for lv in $ROWS; do
    sender_row "$(rowname "$lv")" "ustack newreno" "uout,$lv"
    sender_row "$(rowname "$lv")" "ustack bbr1" "ubbr1,$lv"
    sender_row "$(rowname "$lv")" "ustack bbr (v3 draft)" "ubbr,$lv"
    sender_row "$(rowname "$lv")" "Linux reno (veth)" "llreno,$lv"
    sender_row "$(rowname "$lv")" "Linux reno (to ustack)" "lin,$lv"
    sender_row "$(rowname "$lv")" "Linux bbr (to ustack)" "lbin,$lv"
    sender_row "$(rowname "$lv")" "Linux bbr (veth)" "llbbr,$lv"
done
if [ -n "${BENCH_LOSS_RAW:-}" ]; then
    echo
    for lv in $ROWS; do
        for k in uout ubbr1 ubbr; do
            key=${MEDKEY[$k,$lv]}
            grep -q '^tcpstats' "$TMP/$key-source.out" 2>/dev/null || continue
            echo "$key: $(grep '^tcpstats' "$TMP/$key-source.out")"
        done
    done
fi

maxsize=0
for k in "${!MAXSIZE[@]}"; do # the loss rows (0% offl.: super-packets by design)
    [[ $k == *,0offl,* ]] || [ "${MAXSIZE[$k]}" -le "$maxsize" ] || maxsize=${MAXSIZE[$k]}
done
cat <<EOF

notes:
- Each cell: one connection, the sender sends for ${SECS} s then closes; Mbit/s of
  payload counted by the receiver from its first byte to EOF (so the time to
  deliver what was still buffered counts); $RUNS runs of every cell, one run
  through all rows after the other. Sender on CPU $SRC_CPU, receiver on
  CPU $SINK_CPU (taskset). ustack: bench_tcp, --buf $BUF, MTU 1500,
  --offload csum (one segment per frame; "0% offl.": --offload on), its default
  congestion control (newreno), --cc bbr1 or --cc bbr (n/a: the stack has no bbr);
  Linux: linux_peer, tcp_rmem/tcp_wmem up to $BUF, reno or bbr per namespace
  (sysctl net.ipv4.tcp_congestion_control; Linux bbr: $linux_bbr).
- Receive steering: $([ "$STEER" = 0 ] && echo "off (BENCH_LOSS_STEER=0 or one CPU): Linux's receive work runs
  on the CPU that hands it the packet" || echo "Linux's receive work runs on the CPU of the Linux program it is
  for: RPS on the veth's ends (the receiver's to CPU $SINK_CPU, the sender's $([ "${BENCH_LOSS_VETH_ACKS:-own}" = own ] && echo "to CPU $SRC_CPU" || echo "unsteered"));
  the TAP opened with IFF_NAPI (--tap-napi on), its NAPI thread pinned to CPU $SINK_CPU
  where ustack sends and CPU $SRC_CPU where Linux sends; see the top of bench/loss.sh").
- Loss: nftables "numgen random mod 1000 < N drop" on every packet each way
  (TAP: input and output hooks; veth: the input hook of each end, TSO/GSO/GRO
  off). "dropped %": the counters' dropped/seen over both directions, lowest
  and highest of the level's cells; largest mean size of a packet the rules
  saw in the loss rows: $maxsize bytes (one segment: at most 1500).
- Linux(reno)->ustack and Linux(bbr)->ustack: the data dropped by ustack's fault injector as it arrives
  (bench_tcp --rx-loss, counted in "dropped %"), the ACKs by nftables; the
  TAP's Linux side with TSO/GSO/GRO off, as the veth (see the top of
  bench/loss.sh: why no data Linux sends is dropped on the output hook).
- busy s (rwnd / sndbuf-limited): the sender's TCP_INFO chronographs (ustack's
  busy_us, rwnd_limited_us, sndbuf_limited_us; Linux's tcpi_busy_time,
  tcpi_rwnd_limited, tcpi_sndbuf_limited): time with data queued or unacked,
  and of it the time the peer's window held the next segment, and the time
  all was sent while the application waited for room in a full send buffer
  (a hole whose repair is lost keeps either full until an RTO).
- D-SACKed segs: segments the receiver reported as received twice (D-SACK,
  RFC 2883): retransmissions that were not needed, so D-SACKed over
  retransmitted is the share of spurious ones (less those whose D-SACK was
  lost with its ACK).
- backlog drops: packets the kernel dropped during the cell because a CPU's
  input queue was full (netdev_max_backlog; /proc/net/softnet_stat, the whole
  machine): a loss no nftables rule counts, which shows up as retransmissions
  even at 0%.
- CPU s / sleeps: each program's CPU time over the cell (user + system,
  all its threads; getrusage) and how often it blocked (voluntary context
  switches). Softirq work done on behalf of a program is not in it. A
  sender with little CPU and many sleeps waits for its peer each round
  trip: its goodput is latency-bound (window / RTT), not CPU-bound.
- vs reno = the cell's median / Linux->Linux reno's; vs bbr = ustack bbr1 (or
  Linux bbr->ustack) / Linux->Linux bbr (like for like: this kernel's bbr is BBRv1); v3 vs bbr: the draft's, for information.
- ustack bbr1: BBR with loss never bounding its model (--cc bbr1), the loss
  model of Linux 6.1's bbr (BBRv1); ustack bbr (v3 draft): inflight_hi capped
  when a round loses more than BBRLossThresh, bw_lo/inflight_lo cut in every
  lossy round.
- Load average at start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)
  (2 vCPUs shared: other work on the machine shows in the numbers).
  Total time: $(($(date +%s) - START)) s.
EOF
