#!/usr/bin/env bash
# ustack benchmark inside ns-3: the cost of simulating ustack hosts against
# ns-3's own TCP hosts on the same topology (examples/ns3/ns3_dumbbell: N
# sender/receiver pairs through two ns-3 routers), for 2, 100 and 1000 hosts.
# Every host link is 1 Gbit/s, the link between the routers N Gbit/s (it is
# not the bottleneck: the figure is the simulator's cost per host), 1 ms per
# link, TCP buffers capped at 256 KiB on both stacks. Per row: simulated
# Gbit delivered per wall-second and per CPU-second (the machine may be
# shared: CPU time is the steadier figure), ns-3 events per wall-second and
# the growth of resident memory per host (RSS after the run less RSS before
# the topology was built, over the hosts: stacks, sockets, buffers in flight,
# the ns-3 nodes and devices).
#
# usage: bench/ns3.sh BUILD_DIR     (make bench runs it on build/)
# env:   BENCH_NS3_HOSTS (default "2 100 1000"), BENCH_NS3_TIME_<hosts>
#        (simulated seconds per size; defaults 1, 0.1, 0.03)
set -euo pipefail

BUILD=${1:-build}
PROG=$BUILD/examples/ns3/ns3_dumbbell
HOSTS=${BENCH_NS3_HOSTS:-"2 100 1000"}

if [ ! -x "$PROG" ]; then
    echo "bench/ns3.sh: skipped: $PROG not built (ns-3 not found by pkg-config: libns3-dev)"
    exit 0
fi

sim_time() {
    local var="BENCH_NS3_TIME_$1"
    case $1 in
        2) echo "${!var:-1}" ;;
        100) echo "${!var:-0.1}" ;;
        *) echo "${!var:-0.03}" ;;
    esac
}

echo "ns-3 3.37: ustack hosts vs ns-3 TCP hosts, dumbbell of N/2 pairs, 1 Gbit/s links"
printf "%-6s %-7s %8s %8s %9s %11s %11s %12s %10s\n" hosts stack "sim s" Gbit "wall s" \
    "Gbit/wall-s" "Gbit/cpu-s" "events/s" "KiB/host"
for h in $HOSTS; do
    flows=$((h / 2))
    t=$(sim_time "$h")
    for stack in ustack ns3; do
        out=$("$PROG" --flows="$flows" --stack="$stack" --time="$t" --access-rate=1Gbps \
              --bottleneck-rate="${flows}Gbps" --delay=1ms --queue-size=1000 --buffer=262144 \
              --bench --quiet) || { echo "bench/ns3.sh: $stack with $h hosts failed" >&2; exit 1; }
        line=$(grep '^bench ' <<<"$out")
        # bench rank R stack S hosts H simulated T s: G Gbit in W s wall = X Gbit/s per
        # wall-second, E events = Y events/s, RSS K KiB per host, cpu C s = Z Gbit/s ...
        awk -v h="$h" -v s="$stack" '{
            for (i = 1; i <= NF; i++) {
                if ($i == "simulated") t = $(i + 1)
                if ($i == "Gbit" && $(i + 1) == "in") { g = $(i - 1); w = $(i + 2) }
                if ($i == "Gbit/s" && $(i + 2) == "wall-second,") x = $(i - 1)
                if ($i == "events/s,") e = $(i - 1)
                if ($i == "KiB" && $(i + 1) == "per") k = $(i - 1)
                if ($i == "Gbit/s" && $(i + 2) == "cpu-second") z = $(i - 1)
            }
            printf "%-6s %-7s %8s %8s %9s %11s %11s %12s %10s\n", h, s, t, g, w, x, z, e, k
        }' <<<"$line"
    done
done
