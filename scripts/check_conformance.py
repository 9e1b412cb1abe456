#!/usr/bin/python3
"""Checks docs/conformance.md, the RFC requirement table of the project.

A requirement table is a Markdown table whose header starts with
"| ID | Level |" and ends with a "Test / status" column. For every row:
  - the Test / status cell is not empty;
  - it is either a list of tests (met), or starts with "not met:", "N/A:"
    or "decision:" (the last only for SHOULD / SHOULD NOT / MAY rows);
  - a "met" cell names at least one test;
  - every test it names exists: `tests/...c:function` must be a function
    defined in that file (and registered with cmocka when the file is a
    cmocka test), `tests/...py::function` a `def function` in that file.
It also checks that the IDs are unique, that the "## Summary" tables hold the
counts computed from the rows, that every count line ("RFC 9293 MUST / MUST
NOT rows: 70; met and tested: ...", in the Summary and in a part's closing
note) matches the rows of that part, and that the "Open MUST / MUST NOT rows"
list names exactly the MUST / MUST NOT rows that are not met.

The rows come in parts: every "## RFC nnnn ..." section holds the rows of
one RFC (part "RFC 1122", "RFC 9293"), every "## <Name> checklist ..."
section the rows of a checklist that spans several RFCs (part "IPv6
checklist": RFC 8504 and the RFCs it points to). A Level cell may carry a
bracketed remark after the level, e.g. "MUST (fn 1)", "SHOULD (body: MAY)",
"MUST (lc)" or "MUST (proc)", which is not part of the level.

A part transcribed from a checklist file (CHECKLISTS, looked for in the
shared/ folder beside the repository, or beside its parent for a worktree)
must hold exactly the IDs of that file, each with the file's Level text.
Without the file (a clone on its own) that check is skipped, with a note.

Usage: check_conformance.py [--doc PATH] [--root DIR] [--shared DIR]
                            [--summary | --self-test]
  --summary prints the Summary section computed from the rows (paste it in
  after adding rows). --root is where test paths are resolved (default: the
  repository), --shared the folder holding the checklist files.
  --self-test runs the checks on small made-up documents: each kind of
  mistake must fail and a clean document pass.
  Exit status 0 when everything holds, 1 otherwise.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"]
STATUSES = ["met (tested)", "not met", "N/A", "decision"]
REF_RE = re.compile(r"(tests/[A-Za-z0-9_./-]+?\.(?:c|py))(::|:)([A-Za-z_][A-Za-z0-9_]*)")
OPEN_HEADING = "## Open MUST / MUST NOT rows"
# A part: "RFC nnnn" or "<Name> checklist" at the start of a ## heading.
PART_RE = re.compile(r"(RFC \d+|[A-Z][A-Za-z0-9]* checklist)\b")
COUNT_RE = re.compile(r"(RFC \d+|[A-Z][A-Za-z0-9]* checklist) MUST / MUST NOT rows: (\d+); "
                      r"met and tested: (\d+); not met: (\d+); N/A: (\d+)")
# Parts transcribed row for row from a checklist file of shared/.
CHECKLISTS = {"IPv6 checklist": "ipv6-requirements.md"}


class Row:
    def __init__(self, line_no, part, table, rid, level, feature, section, cell):
        self.line_no, self.part, self.table, self.id = line_no, part, table, rid
        self.level_text, self.feature, self.section, self.cell = level, feature, section, cell
        # "MUST (fn 1)", "SHOULD (body: MAY)", "MUST (lc)", "MUST (proc)":
        # the bracket is a remark
        self.level = re.sub(r"\s*\((?:fn \d+|lc|proc|body: (?:MUST NOT|MUST|SHOULD NOT|SHOULD|MAY))"
                            r"\)\s*$", "", level).strip()

    @property
    def status(self):
        low = self.cell.lower()
        if low.startswith("not met"):
            return "not met"
        if low.startswith("n/a"):
            return "N/A"
        if low.startswith("decision:"):
            return "decision"
        return "met (tested)"

    @property
    def mandatory(self):
        return self.level in ("MUST", "MUST NOT")


def split_cells(line):
    """The cells of a Markdown table line (no escaped pipes are used)."""
    parts = line.strip().strip("|").split("|")
    return [p.strip() for p in parts]


def parse(text):
    """Returns (rows, errors). Rows carry the ### heading they sit under."""
    rows, errors = [], []
    h3 = part = ""
    header = None
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            h3 = line[3:].strip()
            m = PART_RE.match(h3)
            part = m.group(1) if m else ""
            header = None
        elif line.startswith("### "):
            h3 = line[4:].strip()
            header = None
        if not line.startswith("|"):
            header = None
            continue
        cells = split_cells(line)
        if cells[:2] == ["ID", "Level"]:
            header = cells
            if header[-1] != "Test / status":
                errors.append(f"line {no}: requirement table must end with a 'Test / status' column")
            continue
        if header is None or set(line.replace("|", "").strip()) <= set("-: "):
            continue
        if len(cells) != len(header):
            errors.append(f"line {no}: {len(cells)} cells, the header has {len(header)}")
            continue
        if not part:
            errors.append(f"line {no}: requirement row outside an '## RFC nnnn' or "
                          "'## <Name> checklist' section")
        rows.append(Row(no, part, h3, cells[0], cells[1], cells[2], cells[3], cells[-1]))
    return rows, errors


def c_function_defined(text, name):
    for m in re.finditer(r"^(?![ \t#])[^\n;{}]*?\b" + re.escape(name) + r"\s*\(", text, re.M):
        rest = text[m.end():]
        semi, brace = rest.find(";"), rest.find("{")
        if brace != -1 and (semi == -1 or brace < semi):
            return True
    return False


def check_ref(root, path, sep, name, cache):
    """An error message, or None when path defines test `name`."""
    full = os.path.join(root, path)
    if path not in cache:
        cache[path] = open(full, encoding="utf-8").read() if os.path.isfile(full) else None
    text = cache[path]
    if text is None:
        return f"{path}: no such file"
    if path.endswith(".py"):
        if sep != "::":
            return f"{path}:{name}: write pytest tests as file::function"
        if not re.search(r"^\s*(?:async\s+)?def\s+" + re.escape(name) + r"\s*\(", text, re.M):
            return f"{path}: no 'def {name}'"
        return None
    if sep != ":":
        return f"{path}::{name}: write C tests as file:function"
    if not c_function_defined(text, name):
        return f"{path}: no function {name}() defined"
    # Registered in the cmocka test list (directly or through a local macro):
    # the name appears again after its definition.
    if "cmocka.h" in text and len(re.findall(r"\b" + re.escape(name) + r"\b", text)) < 2:
        return f"{path}: {name}() is never registered to run (cmocka_unit_test)"
    return None


def check_rows(rows, root=ROOT):
    errors, seen, cache = [], {}, {}
    for r in rows:
        where = f"line {r.line_no} {r.id}"
        if r.id in seen:
            errors.append(f"{where}: duplicate ID (first on line {seen[r.id]})")
        seen[r.id] = r.line_no
        if r.level not in LEVELS:
            errors.append(f"{where}: unknown level '{r.level_text}'")
            continue
        if not r.cell:
            errors.append(f"{where}: {r.level} row with an empty Test / status cell")
            continue
        refs = REF_RE.findall(r.cell)
        if r.mandatory and r.status == "decision":
            errors.append(f"{where}: a {r.level} row needs a test, 'not met: <why>' or 'N/A: <why>'")
        if r.status == "met (tested)" and not refs:
            errors.append(f"{where}: names no test (write tests/...c:function or tests/...py::function, "
                          "or start with 'not met:', 'N/A:' or 'decision:')")
        if r.status != "met (tested)" and len(r.cell.partition(":")[2].strip()) < 10:
            errors.append(f"{where}: '{r.status}' needs a reason")
        for path, sep, name in refs:
            msg = check_ref(root, path, sep, name, cache)
            if msg:
                errors.append(f"{where}: {msg}")
    return errors


def counts(rows, key):
    groups = {}
    for r in rows:
        g = groups.setdefault(key(r), {s: 0 for s in STATUSES})
        g[r.status] += 1
    return groups


def summary_markdown(rows):
    head = "| {} | Rows | " + " | ".join(s[0].upper() + s[1:] for s in STATUSES) + " |"
    sep = "|---|---|" + "---|" * len(STATUSES)

    def table(title, groups, order):
        out = [head.format(title), sep]
        total = {s: 0 for s in STATUSES}
        for name in order:
            g = groups.get(name)
            if not g:
                continue
            out.append(f"| {name} | {sum(g.values())} | " + " | ".join(str(g[s]) for s in STATUSES) + " |")
            for s in STATUSES:
                total[s] += g[s]
        out.append(f"| **Total** | {sum(total.values())} | " + " | ".join(str(total[s]) for s in STATUSES) + " |")
        return "\n".join(out)

    tables, names = [], []
    for r in rows:
        if r.table not in tables:
            tables.append(r.table)
        if r.part not in names:
            names.append(r.part)
    parts = [table(f"{name} level", counts([r for r in rows if r.part == name], lambda r: r.level),
                   LEVELS) for name in names]
    parts.append(table("Table", counts(rows, lambda r: r.table), tables))
    parts.append("\n".join(count_line(rows, name) for name in names))
    return "\n\n".join(parts)


def mandatory_counts(rows, part):
    mand = [r for r in rows if r.part == part and r.mandatory]
    return (len(mand), sum(r.status == "met (tested)" for r in mand),
            sum(r.status == "not met" for r in mand), sum(r.status == "N/A" for r in mand))


def count_line(rows, part):
    n, met, notmet, na = mandatory_counts(rows, part)
    return (f"{part} MUST / MUST NOT rows: {n}; met and tested: {met}; not met: {notmet}; "
            f"N/A: {na}.")


def check_count_lines(text, rows):
    """Every count line anywhere in the document matches the rows."""
    errors = []
    names = {r.part for r in rows}
    for no, line in enumerate(text.splitlines(), 1):
        for m in COUNT_RE.finditer(line):
            part = m.group(1)
            if part not in names:
                errors.append(f"line {no}: count line for {part}, which has no rows")
                continue
            got = tuple(int(g) for g in m.groups()[1:])
            want = mandatory_counts(rows, part)
            if got != want:
                errors.append(f"line {no}: {part} counts {got} differ from the rows {want} "
                              "(MUST / MUST NOT rows; met and tested; not met; N/A)")
    return errors


def section(text, heading):
    """The body of the `## heading` section (to the next ## heading)."""
    m = re.search(r"^" + re.escape(heading) + r"[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return m.group(1) if m else None


def check_summary(text, rows):
    body = section(text, "## Summary")
    if body is None:
        return ["no '## Summary' section"]
    want = summary_markdown(rows)
    missing = [l for l in want.splitlines() if l not in body.splitlines()]
    if missing:
        return ["the Summary tables do not match the rows; run scripts/check_conformance.py "
                "--summary and paste its output. Expected lines not found:\n    " + "\n    ".join(missing)]
    return []


def check_open_list(text, rows):
    body = section(text, OPEN_HEADING)
    if body is None:
        return [f"no '{OPEN_HEADING}' section"]
    listed = re.findall(r"^- \*\*([A-Za-z0-9-]+)\*\*", body, re.M)
    want = [r.id for r in rows if r.mandatory and r.status == "not met"]
    errors = []
    for rid in want:
        if rid not in listed:
            errors.append(f"{OPEN_HEADING}: {rid} is a not-met MUST / MUST NOT row but is not listed")
    for rid in listed:
        if rid not in want:
            errors.append(f"{OPEN_HEADING}: {rid} is listed but is not a not-met MUST / MUST NOT row")
    return errors


def checklist_rows(text):
    """{ID: Level text} of every table of a checklist file ("| ID | Level |")."""
    out, in_table = {}, False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = split_cells(line)
        if cells[:2] == ["ID", "Level"]:
            in_table = True
        elif in_table and not set(line.replace("|", "").strip()) <= set("-: "):
            out[cells[0]] = cells[1]
    return out


def find_shared(explicit):
    """The shared/ folder: --shared, else beside the repository, else beside
    its parent (a worktree under <project>/wt/); None if there is none."""
    if explicit:
        return explicit
    for up in ("..", os.path.join("..", "..")):
        d = os.path.normpath(os.path.join(ROOT, up, "shared"))
        if any(os.path.isfile(os.path.join(d, f)) for f in CHECKLISTS.values()):
            return d
    return None


def check_checklists(rows, shared):
    """Each part of CHECKLISTS holds exactly its file's IDs, with its levels.
    Returns (errors, notes)."""
    errors, notes = [], []
    for part, name in CHECKLISTS.items():
        path = os.path.join(shared, name) if shared else None
        if not path or not os.path.isfile(path):
            notes.append(f"note: {name} not found (no shared/ folder): the {part} rows are not "
                         "compared with it")
            continue
        want = checklist_rows(open(path, encoding="utf-8").read())
        have = {r.id: r for r in rows if r.part == part}
        for rid, level in want.items():
            if rid not in have:
                errors.append(f"{part}: {rid} of {name} has no row")
            elif have[rid].level_text != level:
                errors.append(f"line {have[rid].line_no} {rid}: level '{have[rid].level_text}', "
                              f"{name} says '{level}'")
        for rid, r in have.items():
            if rid not in want:
                errors.append(f"line {r.line_no} {rid}: not an ID of {name}")
    return errors, notes


SELF_TEST_DOC = """# made-up conformance file
## Summary
{summary}
## Open MUST / MUST NOT rows
{open}
## RFC 1111 (one RFC)
### A (RFC 1111)
| ID | Level | Feature (paraphrased) | RFC 1111 section | Test / status |
|---|---|---|---|---|
| A-1 | MUST (fn 1) | a | 1 | `tests/t.c:test_a` |
| A-2 | MAY | b | 2 | decision: not done, for a reason |
## IPv6 checklist (several RFCs)
### X (RFC 2222)
| ID | Level | Feature (paraphrased) | Section | Test / status |
|---|---|---|---|---|
| X-1 | MUST (lc) | c | 3 | {x1} |
| X-2 | SHOULD (proc) | d | RFC 3333 4 | `tests/t.py::test_d` |
### Closing note
{count}
"""
SELF_TEST_CHECKLIST = """| ID | Level | Requirement | Section | Test |
|---|---|---|---|---|
| X-1 | MUST (lc) | c | 3 | |
| X-2 | SHOULD (proc) | d | RFC 3333 4 | |
"""


def self_test():
    """The check fails on what it must fail on and passes a clean document."""
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "tests"))
        os.makedirs(os.path.join(tmp, "shared"))
        with open(os.path.join(tmp, "tests", "t.c"), "w", encoding="utf-8") as fh:
            fh.write("#include <cmocka.h>\nstatic void test_a(void **s) {}\n"
                     "static void test_b(void **s) {}\nint main(void) { cmocka_unit_test(test_a); }\n")
        with open(os.path.join(tmp, "tests", "t.py"), "w", encoding="utf-8") as fh:
            fh.write("def test_d():\n    pass\n")
        checklist = os.path.join(tmp, "shared", CHECKLISTS["IPv6 checklist"])
        doc = os.path.join(tmp, "conformance.md")

        def make(x1="not met: not built yet (#1)", open_ids=("X-1",), checklist_text=SELF_TEST_CHECKLIST,
                 summary=None, count=None):
            text = SELF_TEST_DOC.format(summary="", open="", x1=x1, count="")
            rows, _ = parse(text)
            text = SELF_TEST_DOC.format(
                summary=summary if summary is not None else summary_markdown(rows),
                open="".join(f"- **{i}** why\n" for i in open_ids), x1=x1,
                count=count if count is not None else count_line(rows, "IPv6 checklist"))
            with open(doc, "w", encoding="utf-8") as fh:
                fh.write(text)
            with open(checklist, "w", encoding="utf-8") as fh:
                fh.write(checklist_text)
            return subprocess.run([sys.executable, os.path.abspath(__file__), "--doc", doc,
                                   "--root", tmp, "--shared", os.path.join(tmp, "shared")],
                                  stdout=subprocess.PIPE).returncode

        results = [
            ("clean document passes", make() == 0),
            ("met row passes", make(x1="`tests/t.c:test_a`", open_ids=()) == 0),
            ("test not registered fails", make(x1="`tests/t.c:test_b`", open_ids=()) == 1),
            ("missing test file fails", make(x1="`tests/u.c:test_a`", open_ids=()) == 1),
            ("met row naming no test fails", make(x1="done", open_ids=()) == 1),
            ("MUST row as a decision fails", make(x1="decision: we think not", open_ids=()) == 1),
            ("not met without a reason fails", make(x1="not met:") == 1),
            ("not-met row missing from the open list fails", make(open_ids=()) == 1),
            ("met row in the open list fails", make(x1="`tests/t.c:test_a`") == 1),
            ("stale Summary fails", make(summary="| IPv6 checklist level | Rows |") == 1),
            ("wrong count line fails",
             make(count="IPv6 checklist MUST / MUST NOT rows: 1; met and tested: 1; "
                        "not met: 0; N/A: 0.") == 1),
            ("checklist ID without a row fails",
             make(checklist_text=SELF_TEST_CHECKLIST + "| X-3 | MAY | e | 5 | |\n") == 1),
            ("row not in the checklist fails",
             make(checklist_text=SELF_TEST_CHECKLIST.replace("| X-2 |", "| X-9 |")) == 1),
            ("level differing from the checklist fails",
             make(checklist_text=SELF_TEST_CHECKLIST.replace("MUST (lc)", "MUST")) == 1),
        ]
    for name, ok in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(ok for _, ok in results) else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "conformance.md"))
    ap.add_argument("--root", default=ROOT, help="where test paths are resolved")
    ap.add_argument("--shared", help="the folder holding the checklist files")
    ap.add_argument("--summary", action="store_true", help="print the computed Summary tables")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    try:
        text = open(args.doc, encoding="utf-8").read()
    except OSError as e:
        print(f"{args.doc}: {e.strerror}")
        return 1
    rows, errors = parse(text)
    if args.summary:
        print(summary_markdown(rows))
        return 0
    if not rows:
        errors.append("no requirement rows found")
    errors += check_rows(rows, args.root)
    errors += check_summary(text, rows)
    errors += check_count_lines(text, rows)
    errors += check_open_list(text, rows)
    list_errors, notes = check_checklists(rows, find_shared(args.shared))
    errors += list_errors
    shown = os.path.relpath(args.doc, ROOT)
    if shown.startswith(".."):
        shown = args.doc
    for e in errors:
        print(f"{shown}: {e}")
    for n in notes:
        print(n)
    per_part = []
    for part in sorted({r.part for r in rows}):
        n, met, notmet, na = mandatory_counts(rows, part)
        per_part.append(f"{part}: {n} MUST / MUST NOT, {met} met and tested, {notmet} not met, "
                        f"{na} N/A")
    print(f"{len(rows)} rows ({'; '.join(per_part)}); {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
