#!/usr/bin/python3
"""Runs every ustack test and prints one closing line: N passed, N failed, N skipped.

The C tests (cmocka binaries, fuzz-corpus replays, the export check) are the
CTest tests of the build directory: the list, commands and environment come
from `ctest --show-only=json-v1`, so `ctest --test-dir BUILD [-L unit|sim|tcp|fuzz]`
runs the same tests on its own. This driver runs them itself to count cmocka
test cases, prints one line per binary as it finishes, then adds the source
checks, scripts/check-examples.sh and the interop tests (pytest files in
tests/interop, one line per test as it finishes, each under a timeout).
"""
import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Per-test limit for the interop tests (pytest-timeout): a hung test fails
# with a traceback instead of stopping make test. Far above what any test
# needs on a loaded machine; it only catches hangs.
PYTEST_TIMEOUT = 600


def ctest_list(build):
    """The CTest tests of BUILD as (name, command, env, cwd) tuples."""
    p = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"run_all: ctest --show-only failed: {p.stderr.decode(errors='replace')}")
    tests = []
    for t in json.loads(p.stdout).get("tests", []):
        props = {q["name"]: q["value"] for q in t.get("properties", [])}
        env = dict(os.environ)
        env.update(v.split("=", 1) for v in props.get("ENVIRONMENT", []))
        tests.append((t["name"], t["command"], env, props.get("WORKING_DIRECTORY", ROOT),
                      props.get("TIMEOUT", 600)))
    return tests


def run_ctest_test(test):
    """Returns (passed, failed, skipped, output, seconds) of one CTest test.
    A cmocka binary counts its test cases; anything else counts as one."""
    _, cmd, env, cwd, timeout = test
    env = dict(env, CMOCKA_MESSAGE_OUTPUT="stdout")
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + f"\nTIMEOUT after {timeout} s\n"
        rc = -1
    passed = sum(int(m) for m in re.findall(r"^\[  PASSED  \] (\d+) test", out, re.M))
    failed = sum(int(m) for m in re.findall(r"^\[  FAILED  \] (\d+) test", out, re.M))
    skipped = sum(int(m) for m in re.findall(r"^\[  SKIPPED \] (\d+) test", out, re.M))
    if not re.search(r"^\[=+\] \d+ test\(s\) run", out, re.M):
        passed = 1 if rc == 0 else 0  # not cmocka: one test, its exit status
    if rc != 0 and failed == 0:
        failed = 1  # crashed, sanitizer report, or no summary line
    return passed, failed, skipped, out, time.monotonic() - t0


def run_source_checks():
    """The core never reads a clock or libc randomness (DESIGN: time is injected)."""
    bad = []
    pat = re.compile(r"\b(clock_gettime|gettimeofday|time\(NULL\)|rand\(|random\(|srand\()")
    for d, _, files in os.walk(os.path.join(ROOT, "src")):
        rel = os.path.relpath(d, ROOT)
        if rel.startswith(("src/dev", "src/loop")):
            continue
        for f in files:
            if f.endswith((".c", ".h")):
                text = open(os.path.join(d, f), encoding="utf-8").read()
                for i, line in enumerate(text.splitlines(), 1):
                    if pat.search(line):
                        bad.append(f"{rel}/{f}:{i}: {line.strip()}")
    if bad:
        return 0, 1, 0, "core reads a clock/randomness:\n" + "\n".join(bad), 0
    return 1, 0, 0, "", 0


def run_conformance_check():
    """docs/conformance.md: every requirement row answered, every named test real."""
    script = os.path.join(ROOT, "scripts", "check_conformance.py")
    selft = subprocess.run(["/usr/bin/python3", script, "--self-test"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    p = subprocess.run(["/usr/bin/python3", script],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    if selft.returncode != 0:  # a check that cannot fail proves nothing
        return 0, 1, 0, out + "self-test:\n" + selft.stdout.decode(errors="replace"), 0
    return (1, 0, 0, out, 0) if p.returncode == 0 else (0, 1, 0, out, 0)


def run_include_check():
    """scripts/check_includes.py: no #include against the layer order beyond
    the allowlisted (known, counted) edges."""
    script = os.path.join(ROOT, "scripts", "check_includes.py")
    selft = subprocess.run(["/usr/bin/python3", script, "--self-test"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    p = subprocess.run(["/usr/bin/python3", script],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    if selft.returncode != 0:  # a check that cannot fail proves nothing
        return 0, 1, 0, out + "self-test:\n" + selft.stdout.decode(errors="replace"), 0
    return (1, 0, 0, out, 0) if p.returncode == 0 else (0, 1, 0, out, 0)


def run_examples(build):
    """scripts/check-examples.sh: examples/ built against the installed library
    through pkg-config only, then run (simulator; TAP inside namespaces). One
    test: exit 0 passed, 77 skipped (no root/TUN, or only known bugs), else failed."""
    t0 = time.monotonic()
    cmd = ["bash", os.path.join(ROOT, "scripts", "check-examples.sh"), build]
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=900)
        out, rc = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode(errors="replace") + "\nTIMEOUT after 900 s\n", -1
    result = (1, 0, 0) if rc == 0 else (0, 0, 1) if rc == 77 else (0, 1, 0)
    return (*result, out, time.monotonic() - t0)


def report(name, p, f, s, secs=None):
    status = "FAIL" if f else "ok  " if p or not s else "skip"
    line = f"{status} {name:40s} {p} passed, {f} failed"
    if s:
        line += f", {s} skipped"
    if secs is not None:
        line += f" ({secs:.1f}s)"
    print(line, flush=True)


# A parametrized test's id may hold blanks: "test_x.py::test_y[--tap lo] PASSED [ 5%]".
PYTEST_RESULT = re.compile(r"^(\S+::.+?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?= |$)")
COLLECTED = re.compile(r"\bcollected (\d+) items?(?: / (\d+) deselected)?")


def run_pytest(build):
    """Runs tests/interop under pytest, printing one line per test as it ends.
    Returns (passed, failed, skipped, output) from pytest's summary line."""
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "tests", "interop"))
                   if f.startswith("test_") and f.endswith(".py"))
    if not files:
        return 0, 0, 0, ""
    # unbuffered: each result line reaches us (and a CI log) when the test ends
    env = dict(os.environ, USTACK_BUILD=os.path.abspath(build), PYTHONDONTWRITEBYTECODE="1",
               PYTHONUNBUFFERED="1")
    cmd = ["/usr/bin/python3", "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider"]
    if importlib.util.find_spec("pytest_timeout"):
        cmd += [f"--timeout={PYTEST_TIMEOUT}", "--timeout-method=signal"]
    else:
        print("warn interop: pytest-timeout is missing (make deps): no per-test timeout",
              flush=True)
    cmd.append(os.path.join(ROOT, "tests", "interop"))
    lines = []
    done, total = 0, "?"
    t0 = time.monotonic()
    with subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT) as proc:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            lines.append(line)
            m = PYTEST_RESULT.match(line)
            if m:
                res = m.group(2)
                ok = res in ("PASSED", "XFAIL")
                skip = res == "SKIPPED"
                status = "FAIL" if not (ok or skip) else "skip" if skip else "ok  "
                name = m.group(1).replace("tests/interop/", "")
                done += 1
                print(f"{status} interop {done}/{total} {name} ({time.monotonic() - t0:.0f}s)",
                      flush=True)
                continue
            m = COLLECTED.search(line)
            if m:
                total = int(m.group(1)) - int(m.group(2) or 0)
                print(f"     interop: {total} tests (pytest, one line as each ends)", flush=True)
        rc = proc.wait()
    out = "\n".join(lines)
    last = [l for l in lines if re.search(r"\d+ (passed|failed|skipped|error)", l)]
    summary = last[-1] if last else ""

    def count(word):
        m = re.search(r"(\d+) " + word, summary)
        return int(m.group(1)) if m else 0
    passed, failed = count("passed"), count("failed") + count("error")
    skipped = count("skipped")
    if rc not in (0, 5) and failed == 0:
        failed = 1
    return passed, failed, skipped, out


def skip_reasons(out):
    """pytest's -rs lines: why each skipped test was skipped."""
    return [l for l in out.splitlines() if l.startswith("SKIPPED")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-test")
    ap.add_argument("--no-interop", action="store_true")
    ap.add_argument("-k", default="", help="only C tests (CTest names) that contain this")
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build

    jobs = [(t[0], run_ctest_test, t) for t in ctest_list(build) if args.k in t[0]]
    if args.k in "check-examples":
        jobs.append(("check-examples", run_examples, build))

    totals = [0, 0, 0]
    failures = []

    def add(name, result, out):
        p, f, s = result
        totals[0] += p; totals[1] += f; totals[2] += s
        if f:
            failures.append((name, out))

    # One line per test binary, in the order they finish, counted.
    workers = os.cpu_count() or 2
    print(f"     C tests: {len(jobs)} (unit, simulation, fuzz corpus, examples), "
          f"{workers} at a time", flush=True)
    with ThreadPoolExecutor(max_workers=workers) as ex:
        futs = {ex.submit(fn, arg): name for name, fn, arg in jobs}
        for done, fut in enumerate(as_completed(futs), 1):
            name = futs[fut]
            p, f, s, out, secs = fut.result()
            report(f"{done}/{len(jobs)} {name}", p, f, s, secs)
            add(name, (p, f, s), out)
            if s and not f and name == "check-examples":  # say what was skipped and why
                print("\n".join("     " + l for l in out.splitlines()
                                if l.startswith(("skip", "XFAIL", "check-examples:"))))
    p, f, s, out, _ = run_source_checks()
    print(f"{'FAIL' if f else 'ok  '} source-check: no clock/randomness in core", flush=True)
    add("source-check", (p, f, 0), out)
    p, f, s, out, _ = run_conformance_check()
    print(f"{'FAIL' if f else 'ok  '} source-check: docs/conformance.md tests exist", flush=True)
    add("conformance", (p, f, 0), out)
    p, f, s, out, _ = run_include_check()
    print(f"{'FAIL' if f else 'ok  '} source-check: include order ({out.splitlines()[0] if out else ''})", flush=True)
    add("include-order", (p, f, 0), out)

    if not args.no_interop:
        p, f, s, out = run_pytest(build)
        report("interop (pytest)", p, f, s)
        for line in skip_reasons(out):
            print("     " + line)
        add("interop", (p, f, s), out)

    for name, out in failures:
        if out:
            print(f"\n===== {name} =====\n{out[-6000:]}")
    line = f"{totals[0]} passed, {totals[1]} failed"
    if totals[2]:
        line += f", {totals[2]} skipped"
    print(line)
    return 1 if totals[1] or totals[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
