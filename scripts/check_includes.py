#!/usr/bin/python3
"""The include graph of src/ follows the layering (ARCHITECTURE.md, "Include order").

Every `#include "..."` in src/ is an edge from the including file's layer to
the included header's layer. A file may include headers of its own layer and
of the layers below it; an edge up the order is a violation. A few headers
are private to the layers that may see their struct (PRIVATE below). Public
headers (include/ustack/) may be included from anywhere.

Known violations are listed in scripts/include_allowlist.txt (with their
count). The check fails on a violation that is not listed (new debt) and on a
listed edge that no longer exists (burned down: delete its line, the count
drops), so the list only ever shrinks.

Usage: check_includes.py [--src DIR] [--allowlist FILE] [--list | --self-test]
  --list       print every violation in allowlist form (to write the file).
  --self-test  run the check on a small made-up tree: an edge up the order,
               a private header and a stale allowlist line must all fail it.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lowest first. "stack" is the assembly: the stack object and the only
# code that knows every layer (it is in src/core/ but is not a service).
# "sim" is the simulator: a virtual-clock loop and the simulated NIC driver
# over cables and switches; it drives whole stacks, like loop, so it sits on top.
# "front" (the thread-safe front) runs a stack and its real loop on a thread
# through the public API only.
# "net6" is IPv6 (issue #13): beside net, above it so that it may share
# net's ICMP rate limiter and ideas; transport reaches it through net6/net6.h.
ORDER = ["wire", "buf", "core", "dev", "link", "net", "net6", "transport", "socket", "dns", "dhcp", "stack", "loop",
         "sim", "front"]

# Files whose layer is not their folder's.
LAYER_OF_FILE = {
    "core/stack.c": "stack",
    "core/stack_impl.h": "stack",
    "core/defer.c": "stack",  # the stack object's batch-end hook list
}

# Headers only some layers may include, whatever the order says: a layer
# sees the struct of the layer it talks to, and no further (net gets a
# device's MTU through ust_dev_mtu, never from struct ust_dev).
PRIVATE = {
    "dev/dev_impl.h": {"dev", "link", "stack", "loop", "sim"},
    "sim/sim_impl.h": {"sim"},
    "socket/sock_impl.h": {"socket", "stack", "loop"},
    "transport/udp_impl.h": {"transport"},
    "transport/tcp/tcp.h": {"transport"},
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    """rel: path relative to src/."""
    if rel in LAYER_OF_FILE:
        return LAYER_OF_FILE[rel]
    return rel.split("/", 1)[0]


def resolve(src, including, name):
    """The included header relative to src/, or None for a public or
    unknown header (the compiler searches the file's folder, then src/ and
    include/)."""
    here = os.path.dirname(including)
    cand = os.path.normpath(os.path.join(here, name))
    if os.path.isfile(os.path.join(src, cand)):
        return cand
    if os.path.isfile(os.path.join(src, name)):
        return os.path.normpath(name)
    return None


def edges(src):
    for d, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(d, f), src)
            with open(os.path.join(src, rel), encoding="utf-8") as fh:
                for line in fh:
                    m = INCLUDE_RE.match(line)
                    if m:
                        target = resolve(src, rel, m.group(1))
                        if target:
                            yield rel, target


def violation(frm, to):
    """The reason edge frm -> to is against the order, or None."""
    lf, lt = layer_of(frm), layer_of(to)
    if lf not in ORDER or lt not in ORDER:
        return f"unknown layer ({lf} -> {lt}): add it to ORDER"
    if to in PRIVATE and lf not in PRIVATE[to]:
        return f"{to} is private to {', '.join(sorted(PRIVATE[to]))}"
    if ORDER.index(lt) > ORDER.index(lf):
        return f"{lf} includes {lt}, a layer above it"
    return None


def read_allowlist(path):
    allowed, count = set(), None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("count:"):
                count = int(line.split(":", 1)[1])
                continue
            frm, _, to = line.partition(" -> ")
            allowed.add((frm.strip(), to.strip()))
    return allowed, count


def self_test():
    """The check fails on what it must fail on and passes a clean tree."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        files = {
            "wire/w.h": "",
            "net/n.h": '#include "wire/w.h"\n',          # down: fine
            "net/n.c": '#include "n.h"\n#include "link/l.h"\n',
            "link/l.h": "",
            "dev/dev_impl.h": "",
            "transport/t.c": '#include "net/n.h"\n',
        }
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            with open(os.path.join(src, rel), "w", encoding="utf-8") as fh:
                fh.write(text)
        allow = os.path.join(tmp, "allow.txt")

        def run(allowed):
            with open(allow, "w", encoding="utf-8") as fh:
                fh.write(f"count: {len(allowed)}\n" + "".join(f"{a}\n" for a in allowed))
            return subprocess.run([sys.executable, os.path.abspath(__file__), "--src", src,
                                   "--allowlist", allow], stdout=subprocess.PIPE).returncode

        results = [("clean tree passes", run([]) == 0)]
        with open(os.path.join(src, "wire/w.c"), "w", encoding="utf-8") as fh:
            fh.write('#include "net/n.h"\n')                 # up: wire -> net
        results.append(("edge up the order fails", run([]) == 1))
        results.append(("listed edge passes", run(["wire/w.c -> net/n.h"]) == 0))
        os.remove(os.path.join(src, "wire/w.c"))
        results.append(("stale allowlist line fails", run(["wire/w.c -> net/n.h"]) == 1))
        with open(os.path.join(src, "net/p.c"), "w", encoding="utf-8") as fh:
            fh.write('#include "dev/dev_impl.h"\n')          # private to dev/link/...
        results.append(("private header fails", run([]) == 1))
    for name, ok in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(ok for _, ok in results) else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.path.join(ROOT, "src"))
    ap.add_argument("--allowlist", default=os.path.join(ROOT, "scripts", "include_allowlist.txt"))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()

    found = {}
    for frm, to in edges(args.src):
        why = violation(frm, to)
        if why:
            found[(frm, to)] = why
    if args.list:
        print(f"count: {len(found)}")
        for frm, to in sorted(found):
            print(f"{frm} -> {to}")
        return 0

    allowed, count = read_allowlist(args.allowlist)
    new = sorted(e for e in found if e not in allowed)
    gone = sorted(e for e in allowed if e not in found)
    by_pair = {}
    for frm, to in found:
        key = f"{layer_of(frm)}->{layer_of(to)}"
        by_pair[key] = by_pair.get(key, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(by_pair.items(), key=lambda kv: -kv[1]))
    print(f"{len(found)} edges against the order, allowed: {len(allowed)} "
          f"(scripts/include_allowlist.txt) [{summary}]")
    bad = False
    for frm, to in new:
        print(f"NEW  {frm} -> {to}: {found[(frm, to)]}")
        bad = True
    for frm, to in gone:
        print(f"GONE {frm} -> {to}: no longer included; delete the line from the allowlist")
        bad = True
    if count != len(allowed):
        print(f"allowlist says count: {count} but lists {len(allowed)} edges")
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
