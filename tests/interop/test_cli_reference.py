"""Every command's options: `ustack CMD --help` and README.md's reference
agree, both ways, read from the two texts themselves (an option added to
one and not the other fails here). No root needed.

An option is a line of its own, indented 1 to 4 spaces, that starts with
'-': "  --bytes N        bytes to send", "  -o FILE, --output FILE  ...". Its
names are the dash words before the description (two spaces end them).
In README.md the reference of CMD is the fenced block whose first line is
"ustack CMD ..." (its synopsis); when that block says "[link options]", the
block under the "### Link options" heading counts too. The commands are
those `ustack --help` lists."""
import os
import re
import subprocess

import pytest

from conftest import ROOT, USTACK

README = f"{ROOT}/README.md"
OPTION_LINE = re.compile(r"^ {1,4}(-[^ ].*?)(?: {2,}|$)")
OPTION_NAME = re.compile(r"(?:^|[ ,|\[])(--?[A-Za-z0-9][A-Za-z0-9-]*)")
NO_OPTIONS = {"version"}  # prints the version; takes no options


def option_names(text):
    """The options described in a help text or a README block."""
    names = set()
    for line in text.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            names.update(OPTION_NAME.findall(m.group(1)))
    return names


def commands():
    if not os.access(USTACK, os.X_OK):
        return ["(not built)"]  # the ustack_bin fixture then fails the test
    out = subprocess.run([USTACK, "--help"], stdout=subprocess.PIPE, check=True,
                         timeout=60).stdout.decode()
    body = out.split("commands:", 1)[1]
    names = [m.group(1) for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\b", body, re.M)]
    assert names, out
    return [n for n in names if n not in NO_OPTIONS]


def readme_blocks():
    text = open(README, encoding="utf-8").read()
    return text, re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)


def readme_reference(cmd):
    """The options README.md documents for `ustack cmd`."""
    text, blocks = readme_blocks()
    mine = [b for b in blocks if re.match(rf"ustack {re.escape(cmd)}(\s|$)", b)]
    assert mine, f"README.md has no reference block starting 'ustack {cmd}'"
    assert len(mine) == 1, f"README.md has {len(mine)} blocks starting 'ustack {cmd}'"
    names = option_names(mine[0])
    if "[link options]" in mine[0]:
        m = re.search(r"^### Link options.*?\n```[a-z]*\n(.*?)^```", text, re.M | re.S)
        assert m, "README.md has no '### Link options' block"
        names |= option_names(m.group(1))
    return names


def help_options(cmd):
    p = subprocess.run([USTACK, cmd, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return option_names(p.stdout.decode())


def test_the_extraction_reads_both_layouts():
    """The parser itself: names, aliases, values and continuation lines."""
    text = ("usage: ustack x [--a N]\n"
            "  --alpha N        the first\n"
            "                   --not-an-option (a continuation line)\n"
            "  -o FILE, --output FILE  two names\n"
            "  --ecn 0|1|2      a value with bars\n"
            "  --flag\n"
            "  --shape RATE[,BURST] e.g. 10mbit,15k\n"
            "fault injection:\n"
            "  -c COUNT     short\n")
    assert option_names(text) == {"--alpha", "-o", "--output", "--ecn", "--flag", "--shape",
                                  "-c"}


@pytest.mark.parametrize("cmd", commands())
def test_help_and_readme_list_the_same_options(ustack_bin, cmd):
    in_help, in_readme = help_options(cmd), readme_reference(cmd)
    assert in_help, f"ustack {cmd} --help lists no options"
    only_help = sorted(in_help - in_readme)
    only_readme = sorted(in_readme - in_help)
    assert not only_help, f"ustack {cmd} --help lists {only_help}, README.md's reference does not"
    assert not only_readme, (f"README.md's reference of ustack {cmd} lists {only_readme}, "
                             f"its --help does not")
