#!/usr/bin/env bash
# Line coverage of the library by the C tests and the fuzz-corpus replays.
# Builds the library and the C tests with clang source-based coverage
# (-fprofile-instr-generate -fcoverage-mapping, no sanitizers) into
# BUILD_DIR, runs every test binary (BUILD/tests/*) and every corpus replay
# (BUILD/fuzz/replay_*), each writing its own profile (LLVM_PROFILE_FILE,
# %p: a forked child writes its own too), merges them with llvm-profdata and
# prints, per directory of src/, the lines covered / total and the percent,
# then the total. The interop tests (pytest, the ustack binary against the
# kernel) are not part of it. A failing test is reported and makes the
# script exit non-zero after the report.
#
# usage: scripts/coverage.sh BUILD_DIR        (make coverage: BUILD_DIR=build-cov)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build-cov}
JOBS=$(nproc 2>/dev/null || echo 2)
LLVM_COV=${LLVM_COV:-$(command -v llvm-cov || command -v llvm-cov-14 || true)}
LLVM_PROFDATA=${LLVM_PROFDATA:-$(command -v llvm-profdata || command -v llvm-profdata-14 || true)}
if [ -z "$LLVM_COV" ] || [ -z "$LLVM_PROFDATA" ]; then
    echo "coverage: llvm-cov and llvm-profdata are needed (make coverage installs package llvm)" >&2
    exit 1
fi

# A build directory configured with another compiler cannot switch to
# clang in place: start it over.
if [ -f "$BUILD/CMakeCache.txt" ] && ! grep -q '^CMAKE_C_COMPILER:.*clang' "$BUILD/CMakeCache.txt"; then
    rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
CC=clang cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DUSTACK_SANITIZE=OFF \
    -DUSTACK_TESTS=ON -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null
# Binaries of tests that were renamed or removed since the last run would
# still be run below and mix stale profiles in ("mismatched data"): the
# test and replay binaries are relinked from scratch every time.
find "$BUILD/tests" "$BUILD/fuzz" -maxdepth 1 -type f -delete 2>/dev/null || true
cmake --build "$BUILD" -j "$JOBS" >"$BUILD/build.log" 2>&1 || { cat "$BUILD/build.log"; exit 1; }

PROF="$BUILD/profiles"
rm -rf "$PROF"
mkdir -p "$PROF"
bins=()
failed=0
run() { # name, argv...
    local name=$1
    shift
    if ! (cd "$ROOT" && LLVM_PROFILE_FILE="$PROF/$name-%p.profraw" "$@") \
        >"$PROF/$name.log" 2>&1; then
        echo "coverage: $name FAILED (log: $PROF/$name.log)" >&2
        failed=1
    fi
}
for t in "$BUILD"/tests/*; do
    [ -x "$t" ] || continue
    bins+=("$t")
    run "$(basename "$t")" "$t"
done
for r in "$BUILD"/fuzz/replay_*; do
    [ -x "$r" ] || continue
    bins+=("$r")
    run "$(basename "$r")" "$r" "$ROOT/tests/fuzz/corpus"
done
echo "coverage: ${#bins[@]} binaries run, $(find "$PROF" -name '*.profraw' | wc -l) profiles"

"$LLVM_PROFDATA" merge -sparse "$PROF"/*.profraw -o "$BUILD/coverage.profdata"
objects=()
for b in "${bins[@]:1}"; do
    objects+=(-object "$b")
done
# Per-file line counts of src/ as JSON, summed per directory below.
"$LLVM_COV" export -summary-only -instr-profile="$BUILD/coverage.profdata" "${bins[0]}" \
    "${objects[@]}" >"$BUILD/coverage.json"
/usr/bin/python3 - "$ROOT" "$BUILD/coverage.json" <<'PY'
import json, os, sys
root, path = sys.argv[1], sys.argv[2]
dirs = {}
for f in json.load(open(path))["data"][0]["files"]:
    rel = os.path.relpath(f["filename"], root)
    if not rel.startswith("src/"):
        continue
    lines = f["summary"]["lines"]
    d = dirs.setdefault(os.path.dirname(rel), [0, 0])
    d[0] += lines["covered"]
    d[1] += lines["count"]
def row(name, cov, total):
    pct = 100.0 * cov / total if total else 0.0
    print(f"{name:<22} {cov:>7} / {total:<7} {pct:6.1f}%")
print(f"{'directory':<22} {'lines covered / total':>17} {'percent':>8}")
for name in sorted(dirs):
    row(name, *dirs[name])
row("TOTAL", sum(d[0] for d in dirs.values()), sum(d[1] for d in dirs.values()))
PY
echo "coverage: per-file report: $LLVM_COV report -instr-profile=$BUILD/coverage.profdata ${bins[0]} ..."
exit "$failed"
