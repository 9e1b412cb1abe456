#!/usr/bin/python3
"""Runs every ustack test and prints one closing line: N passed, N failed, N skipped.

C tests (cmocka) are the executables in BUILD/tests; fuzz-corpus replays are
BUILD/fuzz/replay_*; interop tests are pytest files in tests/interop. Source
checks (no clock/randomness in the core) run as tests too.
"""
import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cmocka(path):
    """Returns (passed, failed, skipped, output) of one cmocka binary."""
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="stdout",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    t0 = time.monotonic()
    try:
        p = subprocess.run([path], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        out = p.stdout.decode(errors="replace")
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + "\nTIMEOUT after 600 s\n"
        rc = -1
    passed = sum(int(m) for m in re.findall(r"^\[  PASSED  \] (\d+) test", out, re.M))
    failed = sum(int(m) for m in re.findall(r"^\[  FAILED  \] (\d+) test", out, re.M))
    skipped = sum(int(m) for m in re.findall(r"^\[  SKIPPED \] (\d+) test", out, re.M))
    if rc != 0 and failed == 0:
        failed = 1  # crashed, sanitizer report, or no summary line
    return passed, failed, skipped, out, time.monotonic() - t0


def run_replay(path):
    corpus = os.path.join(ROOT, "tests", "fuzz", "corpus")
    p = subprocess.run([path, corpus], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    out = p.stdout.decode(errors="replace")
    return (1, 0, 0, out, 0) if p.returncode == 0 else (0, 1, 0, out, 0)


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
    p = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "check_conformance.py")],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
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


def run_pytest(build):
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "tests", "interop"))
                   if f.startswith("test_") and f.endswith(".py"))
    if not files:
        return 0, 0, 0, "", 0
    env = dict(os.environ, USTACK_BUILD=os.path.abspath(build), PYTHONDONTWRITEBYTECODE="1")
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
           os.path.join(ROOT, "tests", "interop")]
    p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    last = [l for l in out.splitlines() if re.search(r"\d+ (passed|failed|skipped|error)", l)]
    summary = last[-1] if last else ""
    def count(word):
        m = re.search(r"(\d+) " + word, summary)
        return int(m.group(1)) if m else 0
    passed, failed = count("passed"), count("failed") + count("error")
    skipped = count("skipped")
    if p.returncode not in (0, 5) and failed == 0:
        failed = 1
    return passed, failed, skipped, out, 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-test")
    ap.add_argument("--no-interop", action="store_true")
    ap.add_argument("-k", default="", help="only C test binaries whose name contains this")
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build

    jobs = []
    tdir = os.path.join(build, "tests")
    if os.path.isdir(tdir):
        for f in sorted(os.listdir(tdir)):
            if args.k in f and os.access(os.path.join(tdir, f), os.X_OK):
                jobs.append((f, run_cmocka, os.path.join(tdir, f)))
    fdir = os.path.join(build, "fuzz")
    if os.path.isdir(fdir):
        for f in sorted(os.listdir(fdir)):
            if f.startswith("replay_"):
                jobs.append((f, run_replay, os.path.join(fdir, f)))

    if args.k in "check-examples":
        jobs.append(("check-examples", run_examples, build))

    totals = [0, 0, 0]
    failures = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        futs = [(name, ex.submit(fn, path)) for name, fn, path in jobs]
        for name, fut in futs:
            p, f, s, out, secs = fut.result()
            totals[0] += p; totals[1] += f; totals[2] += s
            print(f"{'FAIL' if f else 'ok  '} {name:40s} {p} passed, {f} failed ({secs:.1f}s)")
            if f:
                failures.append((name, out))
            elif s and name == "check-examples":  # say what was skipped and why
                print("\n".join("     " + l for l in out.splitlines()
                                if l.startswith(("skip", "XFAIL", "check-examples:"))))
    p, f, s, out, _ = run_source_checks()
    print(f"{'FAIL' if f else 'ok  '} source-check: no clock/randomness in core")
    totals[0] += p; totals[1] += f
    if f:
        failures.append(("source-check", out))
    p, f, s, out, _ = run_conformance_check()
    print(f"{'FAIL' if f else 'ok  '} source-check: docs/conformance.md tests exist")
    totals[0] += p; totals[1] += f
    if f:
        failures.append(("conformance", out))
    p, f, s, out, _ = run_include_check()
    print(f"{'FAIL' if f else 'ok  '} source-check: include order ({out.splitlines()[0] if out else ''})")
    totals[0] += p; totals[1] += f
    if f:
        failures.append(("include-order", out))

    if not args.no_interop:
        p, f, s, out, _ = run_pytest(build)
        print(out.rstrip())
        totals[0] += p; totals[1] += f; totals[2] += s
        if f:
            failures.append(("interop", ""))

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
