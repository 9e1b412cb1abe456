#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang, ASan and
# UBSan into BUILD_DIR and runs each for FUZZ_SECONDS (default 60) on a
# scratch copy of its corpus tests/fuzz/corpus/<name>/ (fuzz_wire -> wire).
# Afterwards only inputs that add coverage are merged back (-merge=1), so
# the committed corpus stays small. A crash, leak, sanitizer report or hang
# leaves its reproducer in tests/fuzz/crashes/ and makes the script exit
# non-zero; replay it with BUILD/fuzz/<target> tests/fuzz/crashes/<file>.
#
# usage: scripts/fuzz.sh BUILD_DIR        (make fuzz: BUILD_DIR=build-fuzz)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
CORPUS="$ROOT/tests/fuzz/corpus"
CRASHES="$ROOT/tests/fuzz/crashes"

# A build directory configured with another compiler cannot switch to
# clang in place: start it over.
if [ -f "$BUILD/CMakeCache.txt" ] && ! grep -q '^CMAKE_C_COMPILER:.*clang' "$BUILD/CMakeCache.txt"; then
    rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
# USTACK_SANITIZE adds -fsanitize=address,undefined (UB aborts); the
# library is built with coverage instrumentation (fuzzer-no-link) so the
# fuzzer sees which paths of the stack an input reaches, and the targets
# themselves get -fsanitize=fuzzer from CMakeLists.txt.
CC=clang cmake -S "$ROOT" -B "$BUILD" -DUSTACK_FUZZ=ON -DUSTACK_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSTACK_SANITIZE=ON \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null

targets=()
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
done
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"

mkdir -p "$CRASHES"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    mkdir -p "$CORPUS/$name" "$scratch/$name"
    cp -r "$CORPUS/$name/." "$scratch/$name/" 2>/dev/null || true
    before=$(find "$CRASHES" -type f | wc -l)
    echo "fuzz: $t for ${SECS}s (corpus $(find "$CORPUS/$name" -type f | wc -l) files)"
    rc=0
    "$BUILD/fuzz/$t" "$scratch/$name" -max_total_time="$SECS" -timeout=10 -max_len=8192 \
        -artifact_prefix="$CRASHES/$t-" -print_final_stats=1 >"$scratch/$t.log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$scratch/$t.log" || true
    after=$(find "$CRASHES" -type f | wc -l)
    if [ "$rc" -ne 0 ] || [ "$after" -ne "$before" ]; then
        echo "fuzz: $t FAILED (exit $rc); reproducer(s) in $CRASHES" >&2
        tail -n 60 "$scratch/$t.log" >&2
        failed=1
        continue
    fi
    # Keep only what adds coverage to the committed corpus.
    "$BUILD/fuzz/$t" -merge=1 "$CORPUS/$name" "$scratch/$name" >"$scratch/$t.merge.log" 2>&1 ||
        { echo "fuzz: merge for $t failed" >&2; tail -n 20 "$scratch/$t.merge.log" >&2; failed=1; }
    echo "fuzz: $t ok, corpus now $(find "$CORPUS/$name" -type f | wc -l) files"
done
exit "$failed"
