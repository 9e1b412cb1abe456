"""`make test`'s runner (tests/run_all.py) says what it is doing: a counted
line per C test binary, and per interop test against pytest's real -v
output (parametrized ids with blanks included), keeping the closing
"N passed, N failed" line. Needs neither root nor the kernel."""
import os
import re
import subprocess
import sys

from conftest import BUILD, ROOT

sys.path.insert(0, os.path.join(ROOT, "tests"))
import run_all  # noqa: E402


def test_c_tests_are_counted():
    p = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests", "run_all.py"),
                        "--build", BUILD, "--no-interop", "-k", "unit_test_ring"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    lines = p.stdout.splitlines()
    assert p.returncode == 0, p.stdout
    assert "     C tests: 1 (unit, simulation, fuzz corpus, examples), " in p.stdout
    assert re.search(r"^ok   1/1 unit_test_ring +\d+ passed, 0 failed", p.stdout, re.M), p.stdout
    assert re.fullmatch(r"\d+ passed, 0 failed", lines[-1]), lines[-1]


def test_interop_lines_match_pytest_output(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('arg', ['--tap lo', 'plain'])\n"
        "def test_param(arg):\n    assert arg\n"
        "def test_skipped():\n    pytest.skip('no reason')\n"
        "def test_plain():\n    pass\n")
    p = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider",
                        str(tmp_path)], stdout=subprocess.PIPE, text=True, timeout=300,
                       env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    results = [run_all.PYTEST_RESULT.match(l) for l in p.stdout.splitlines()]
    found = [(m.group(1).split("::")[1], m.group(2)) for m in results if m]
    assert found == [("test_param[--tap lo]", "PASSED"), ("test_param[plain]", "PASSED"),
                     ("test_skipped", "SKIPPED"), ("test_plain", "PASSED")], p.stdout
    collected = [run_all.COLLECTED.search(l) for l in p.stdout.splitlines()]
    assert [int(m.group(1)) for m in collected if m] == [4], p.stdout
