#!/usr/bin/env bash
# bench/tap_napi_cpu.sh CPU: run by bench_tcp --tap-hook once the TAP named
# in $TAP exists (inside its namespace) and before any traffic: the TAP's
# NAPI poll (ustack opened it with IFF_NAPI, --tap-napi on) becomes a kernel
# thread (sysfs "threaded") pinned to CPU, so Linux's receive path for the
# frames ustack writes runs there, in batches, instead of inside ustack's
# write; GRO stays off, so every frame reaches IP as the segment it is.
set -euo pipefail
cpu=$1
[ -n "${TAP:-}" ] || { echo "tap_napi_cpu: no \$TAP (bench_tcp --tap-hook sets it)" >&2; exit 1; }
ethtool -K "$TAP" gro off >/dev/null 2>&1 || true
echo 1 >"/sys/class/net/$TAP/threaded"
# the poll threads are called napi/DEV-ID
pids=$(ps -eo pid=,comm= | awk -v want="napi/$TAP-" 'index($2, want) == 1 { print $1 }')
[ -n "$pids" ] || { echo "tap_napi_cpu: no NAPI thread for $TAP (not opened with IFF_NAPI?)" >&2; exit 1; }
for pid in $pids; do taskset -pc "$cpu" "$pid" >/dev/null; done
