"""`ustack demo` and its capture file (no root needed): with --pcap - the
capture is standard output and the story goes to stderr; a capture file
that cannot be written is one error line before any story."""
import os
import shutil
import struct
import subprocess

import pytest

from conftest import USTACK  # noqa: F401 - the fixtures need the build

PCAP_MAGICS = {0xA1B2C3D4, 0xA1B23C4D, 0x0A0D0D0A}  # pcap (us, ns), pcapng


def run(argv, cwd, **kw):
    return subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300, **kw)


def test_pcap_dash_puts_the_capture_on_stdout_and_the_story_on_stderr(ustack_bin, tmp_path):
    p = run([ustack_bin, "demo", "--pcap", "-"], tmp_path)
    assert p.returncode == 0, p.stderr.decode()
    story = p.stderr.decode()
    assert story.startswith("ustack demo: how a packet travels"), story[:200]
    assert "== 9. what each stack counted ==" in story
    assert "written to standard output" in story
    assert struct.unpack("<I", p.stdout[:4])[0] in PCAP_MAGICS, p.stdout[:16]
    assert b"ustack demo" not in p.stdout and b"what each stack counted" not in p.stdout
    assert not os.path.exists(tmp_path / "-") and not os.path.exists(
        tmp_path / "ustack-demo.pcap")
    if shutil.which("tshark"):
        t = subprocess.run(["tshark", "-n", "-r", "-"], input=p.stdout, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        assert t.returncode == 0, t.stderr.decode()
        assert "ARP" in t.stdout.decode() and "ICMP" in t.stdout.decode()


def assert_one_line_before_the_story(p, message):
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert p.stdout == b"", p.stdout[:200]  # not a line of the story
    assert err.splitlines() == [message], err


def test_bad_pcap_path_fails_before_the_story(ustack_bin, tmp_path):
    p = run([ustack_bin, "demo", "--pcap", "no/such/dir/x.pcap"], tmp_path)
    assert_one_line_before_the_story(p, "ustack: no/such/dir/x.pcap: No such file or directory")


def test_default_capture_that_cannot_be_written_fails_before_the_story(ustack_bin, tmp_path):
    (tmp_path / "ustack-demo.pcap").mkdir()  # the default name is taken by a directory
    p = run([ustack_bin, "demo"], tmp_path)
    assert_one_line_before_the_story(
        p, "ustack: ustack-demo.pcap: Is a directory (--pcap FILE writes the capture elsewhere)")


def test_demo_in_an_unwritable_directory_fails_before_the_story(ustack_bin, tmp_path):
    """As root (who may write anywhere) the demo runs as 'nobody'."""
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(ro, 0o555)
    argv = [ustack_bin, "demo"]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to drop root")
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
    p = run(argv, ro)
    assert_one_line_before_the_story(
        p, "ustack: ustack-demo.pcap: Permission denied (--pcap FILE writes the capture "
           "elsewhere)")
    assert os.listdir(ro) == []
