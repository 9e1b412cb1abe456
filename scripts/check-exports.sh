#!/usr/bin/env bash
# Checks that a built libustack.so exports only the public API: every
# defined dynamic symbol starts with ust_ (besides the _init/_fini and
# linker-made symbols some toolchains add). Internal names such as
# tcp_input or udp_input would clash with another stack in the same program.
# And the other way: every function declared in include/ustack/ is exported
# (a declaration without UST_API would be hidden and fail to link).
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
inc=$(cd "$(dirname "$0")/../include/ustack" && pwd)
declared=$(grep -hvE '^static' "$inc"/*.h | grep -oE '^(UST_API )?[a-z][a-z0-9_ *]*[ *](ust_[a-z0-9_]+)\(' |
           grep -oE 'ust_[a-z0-9_]+\($' | tr -d '(' | sort -u)
missing=$(comm -23 <(echo "$declared") <(sort -u <<<"$syms"))
if [ -n "$missing" ]; then
    echo "check-exports: declared in include/ustack/ but not exported (UST_API missing?):" >&2
    echo "$missing" >&2
    exit 1
fi
echo "check-exports: $public symbols, all ust_*; all $(wc -l <<<"$declared") declared functions exported"
