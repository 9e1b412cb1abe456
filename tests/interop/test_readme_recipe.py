"""The README's recipe for a program on a TAP device (issue 10, item 2), run
AS WRITTEN: the shell block between the `recipe:tap-program` markers of
README.md, with the C program after the `recipe:myapp.c` marker saved as
~/myapp.c. It installs ustack into a private prefix, builds the examples
with `make -C examples PKG_CONFIG_PATH=... O=...` (the variable on the make
command line only: nothing in the environment), compiles the program with
an rpath, configures the Linux side of a TAP inside a namespace the recipe
creates, runs the echo server there and talks to it with socat, then has
the program answer ping. Any broken line of the recipe fails this test.

Only what the recipe leaves open is set here: HOME (a temporary directory,
so $PREFIX=$HOME/ustack is private), the namespace's name (the recipe's
`NS=ustdemo` line becomes a unique name) and BUILD, the Makefile's build
directory (kept under the test build, so that a second run is incremental
and the developer's own build/ is not touched). No LD_LIBRARY_PATH and no
PKG_CONFIG_PATH in the environment: the programs must find the library
through the rpath, pkg-config the .pc file through the command line."""
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import BUILD, ROOT, require_kernel_access, require_tool

README = os.path.join(ROOT, "README.md")
SCRIPT_BEGIN = "<!-- recipe:tap-program"
SCRIPT_END = "<!-- /recipe:tap-program -->"
PROGRAM_MARK = "<!-- recipe:myapp.c"
NS_LINE = "NS=ustdemo"
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```$", re.S | re.M)
EXAMPLES = ["echo_server", "echo_client", "sim_echo", "epoll_loop"]


def fenced_after(text, marker):
    """The first fenced code block after `marker` (which must occur once)."""
    assert text.count(marker) == 1, f"README.md must have one {marker!r}"
    m = FENCE.search(text, text.index(marker))
    assert m, f"no code block after {marker!r}"
    return m.group(1)


def recipe_parts():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    assert SCRIPT_END in text, f"README.md has no {SCRIPT_END!r}"
    block = text[text.index(SCRIPT_BEGIN):text.index(SCRIPT_END)]
    script = fenced_after(block, SCRIPT_BEGIN)
    program = fenced_after(text, PROGRAM_MARK)
    return script, program


def recipe_env(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "MAKEFLAGS", "MFLAGS",
                        "MAKELEVEL", "BUILD", "PREFIX", "O")}
    env["HOME"] = home
    env["BUILD"] = os.path.join(BUILD, "readme-recipe-build")
    return env


@pytest.fixture(scope="module")
def recipe_run():
    """Runs the recipe once (bash -e: a failing line stops it); yields the
    home directory, the exit code and the output."""
    require_kernel_access()
    for tool in ("socat", "ping", "pkg-config", "cc", "cmake", "make", "ldd"):
        require_tool(tool)
    script, program = recipe_parts()
    lines = script.splitlines()
    assert lines.count(NS_LINE) == 1, f"the recipe must set {NS_LINE!r} once"
    ns = "ust-recipe-" + secrets.token_hex(4)
    script = "\n".join(f"NS={ns}" if l == NS_LINE else l for l in lines) + "\n"
    home = tempfile.mkdtemp(prefix="ust-recipe-")
    with open(os.path.join(home, "myapp.c"), "w", encoding="utf-8") as f:
        f.write(program)
    proc = subprocess.Popen(["bash", "-e", "-c", script], cwd=ROOT, env=recipe_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=540)
        yield home, proc.returncode, out.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        try:  # what the recipe started in the background, if it stopped early
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(home, ignore_errors=True)


def test_readme_recipe_runs_as_written(recipe_run):
    home, rc, out = recipe_run
    prefix = os.path.join(home, "ustack")
    assert rc == 0, f"the README recipe failed (rc {rc}):\n{out[-6000:]}"
    # socat printed the echo; ping got its answer from the program
    assert "hello, ustack" in out.splitlines(), out[-3000:]
    assert re.search(r"^\d+ packets transmitted, 1 received", out, re.M), out[-3000:]
    with open(os.path.join(prefix, "echo_server.log"), encoding="utf-8") as f:
        log = f.read()
    assert "closed, 14 bytes echoed" in log, log
    # Both kinds of program load the private libustack.so (rpath), not another
    for prog in (os.path.join(prefix, "examples", "echo_server"), os.path.join(prefix, "myapp")):
        ldd = subprocess.run(["ldd", prog], stdout=subprocess.PIPE, env=recipe_env(home),
                             timeout=60).stdout.decode()
        m = re.search(r"libustack\.so\S* => (\S+)", ldd)
        assert m, ldd
        lib = os.path.realpath(m.group(1))
        assert os.path.dirname(lib) == os.path.realpath(os.path.join(prefix, "lib")), ldd


@pytest.mark.parametrize("prog", EXAMPLES)
def test_example_help_and_unknown_option(recipe_run, prog):
    """--help: the usage on stdout, exit 0; an unknown option: one line on
    stderr, exit 2 (as the ustack command)."""
    home, rc, out = recipe_run
    assert rc == 0, f"the README recipe failed (rc {rc}):\n{out[-3000:]}"
    path = os.path.join(home, "ustack", "examples", prog)
    p = subprocess.run([path, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=recipe_env(home), timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().startswith(f"usage: {prog} "), p.stdout
    assert p.stderr == b""
    p = subprocess.run([path, "--frobnicate", "x"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=recipe_env(home), timeout=60)
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert p.stdout == b""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"{prog}: ") and "--frobnicate" in err, err
