#!/usr/bin/env bash
# make soak: the simulation stress tests (tests/sim/test_tcp_stress.c) with
# a longer matrix than make test runs: more seeds, bigger transfers, more
# connections, on an optimised build without sanitizers; and the TCP loss
# matrix (tests/sim/test_tcp_loss_matrix.c) in full: three seeds per cell,
# max(30 s, 300 RTTs) of virtual time each, one line per cell.
#
# usage: scripts/soak.sh BUILD_DIR    (the tests build into BUILD_DIR-soak)
# env:   SOAK_SEEDS (5)  SOAK_MB (200, each way)  SOAK_CONNS (4000)
set -euo pipefail

BUILD=${1:-build}
SOAK_BUILD=$BUILD-soak
SEEDS=${SOAK_SEEDS:-5}
MB=${SOAK_MB:-200}
CONNS=${SOAK_CONNS:-4000}

cmake -S . -B "$SOAK_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSTACK_TESTS=ON >/dev/null
cmake --build "$SOAK_BUILD" -j "$(nproc 2>/dev/null || echo 2)" \
    --target sim_test_tcp_stress sim_test_tcp_sim sim_test_tcp_loss_matrix >"$SOAK_BUILD/soak-build.log" 2>&1 ||
    { cat "$SOAK_BUILD/soak-build.log"; exit 1; }

echo "soak: seeds 1..$SEEDS, $MB MB each way under faults, $CONNS connections" >&2
start=$(date +%s)
STRESS_SEEDS=$SEEDS STRESS_MB=$MB STRESS_CONNS=$CONNS STRESS_VERBOSE=1 \
    "$SOAK_BUILD/tests/sim_test_tcp_stress"
"$SOAK_BUILD/tests/sim_test_tcp_sim"
LOSS_MATRIX_FULL=1 "$SOAK_BUILD/tests/sim_test_tcp_loss_matrix"
echo "soak: passed in $(( $(date +%s) - start )) s" >&2
