# ustack — thin wrapper over CMake. See README.md.
BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
COV_BUILD  ?= build-cov
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local
PY         := /usr/bin/python3

.PHONY: all build test demo bench fuzz soak coverage install deps clean ns3-mpi

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSTACK_TESTS=OFF \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) > $(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }

deps:
	@bash scripts/deps.sh

# Installs missing packages, builds with ASan+UBSan, runs unit, simulation,
# fuzz-corpus and interop tests; ends with "N passed, N failed[, N skipped]".
# Progress as it goes: cmake's "[ 42%] Building ..." lines, then one line per
# test ("ok   interop 37/125 test_x.py::name"), flushed for CI logs.
test: deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUSTACK_SANITIZE=ON >/dev/null
	@echo "build: $(TEST_BUILD) with -j $(JOBS) (full output in $(TEST_BUILD)/build.log)"
	@bash -c 'set -o pipefail; cmake --build $(TEST_BUILD) -j $(JOBS) 2>&1 | tee $(TEST_BUILD)/build.log | sed -un "s/^\(\[ *[0-9]*%\] \(Building\|Linking\)\)/build \1/p"' || { cat $(TEST_BUILD)/build.log; exit 1; }
	@$(PY) tests/run_all.py --build $(TEST_BUILD)

demo: build
	@./$(BUILD)/ustack demo

bench: build
	@bash scripts/deps.sh bench
	@bash bench/run.sh $(BUILD)
	@bash bench/tcp.sh $(BUILD)
	@bash bench/loss.sh $(BUILD)
	@bash bench/queues.sh $(BUILD)
	@bash bench/programs.sh $(BUILD)
	@bash bench/speed.sh $(BUILD)
	@bash bench/ns3.sh $(BUILD)

fuzz: deps
	@bash scripts/fuzz.sh $(FUZZ_BUILD)

# Line coverage of src/ per directory by the C tests and the fuzz corpus
# replays (clang source-based coverage, no sanitizers, in $(COV_BUILD)).
coverage:
	@bash scripts/deps.sh coverage
	@bash scripts/coverage.sh $(COV_BUILD)

# ns-3 3.37 with MPI from Debian's source package (cached in build-ns3mpi/;
# the first run compiles for a long time), then the ns-3 dumbbell under
# mpirun -np 1 and -np 2: the per-host digests must be identical.
ns3-mpi:
	@bash scripts/ns3-mpi.sh build-ns3mpi

soak: build
	@bash scripts/soak.sh $(BUILD)

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD) $(COV_BUILD)
