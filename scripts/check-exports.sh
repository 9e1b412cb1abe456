#!/usr/bin/env bash
# Checks that a built libustack.so exports only the public API: every
# defined dynamic symbol starts with ust_ (besides the _init/_fini and
# linker-made symbols some toolchains add). Internal names such as
# tcp_input or udp_input would clash with another stack in the same program.
#
#   scripts/check-exports.sh BUILD/libustack.so
set -u
lib=${1:?usage: scripts/check-exports.sh path/to/libustack.so}
[ -f "$lib" ] || { echo "check-exports: $lib does not exist" >&2; exit 1; }
syms=$(nm -D --defined-only "$lib" | awk '{print $NF}') || exit 1
public=$(grep -c '^ust_' <<<"$syms")
bad=$(grep -v '^ust_' <<<"$syms" | grep -vxE '_init|_fini|_edata|_end|__bss_start|_IO_stdin_used' || true)
if [ "$public" -eq 0 ]; then
    echo "check-exports: $lib exports no ust_* symbol at all" >&2
    exit 1
fi
if [ -n "$bad" ]; then
    echo "check-exports: $lib exports $(wc -l <<<"$bad") symbols outside the ust_* API:" >&2
    head -n 50 <<<"$bad" >&2
    exit 1
fi
echo "check-exports: $public symbols, all ust_*"
