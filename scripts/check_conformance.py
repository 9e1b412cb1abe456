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
NOT rows: 70; met and tested: ...", in the Summary and in an RFC's closing
note) matches the rows of that RFC, and that the "Open MUST / MUST NOT rows"
list names exactly the MUST / MUST NOT rows that are not met.

Every "## RFC nnnn ..." section holds the rows of one RFC (RFC 1122, RFC
9293); a Level cell may carry a bracketed remark after the level, e.g.
"MUST (fn 1)" or "SHOULD (body: MAY)", which is not part of the level.

Usage: check_conformance.py [--doc PATH] [--summary]
  --summary prints the Summary section computed from the rows (paste it in
  after adding rows). Exit status 0 when everything holds, 1 otherwise.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"]
STATUSES = ["met (tested)", "not met", "N/A", "decision"]
REF_RE = re.compile(r"(tests/[A-Za-z0-9_./-]+?\.(?:c|py))(::|:)([A-Za-z_][A-Za-z0-9_]*)")
OPEN_HEADING = "## Open MUST / MUST NOT rows"
COUNT_RE = re.compile(r"RFC (\d+) MUST / MUST NOT rows: (\d+); met and tested: (\d+); "
                      r"not met: (\d+); N/A: (\d+)")


class Row:
    def __init__(self, line_no, rfc, table, rid, level, feature, section, cell):
        self.line_no, self.rfc, self.table, self.id = line_no, rfc, table, rid
        self.level_text, self.feature, self.section, self.cell = level, feature, section, cell
        # "MUST (fn 1)", "SHOULD (body: MAY)": the bracket is a remark
        self.level = re.sub(r"\s*\((?:fn \d+|body: (?:MUST NOT|MUST|SHOULD NOT|SHOULD|MAY))\)\s*$",
                            "", level).strip()

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
    h3 = rfc = ""
    header = None
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            h3 = line[3:].strip()
            m = re.match(r"RFC (\d+)\b", h3)
            rfc = m.group(1) if m else ""
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
        if not rfc:
            errors.append(f"line {no}: requirement row outside an '## RFC nnnn' section")
        rows.append(Row(no, rfc, h3, cells[0], cells[1], cells[2], cells[3], cells[-1]))
    return rows, errors


def c_function_defined(text, name):
    for m in re.finditer(r"^(?![ \t#])[^\n;{}]*?\b" + re.escape(name) + r"\s*\(", text, re.M):
        rest = text[m.end():]
        semi, brace = rest.find(";"), rest.find("{")
        if brace != -1 and (semi == -1 or brace < semi):
            return True
    return False


def check_ref(path, sep, name, cache):
    """An error message, or None when path defines test `name`."""
    full = os.path.join(ROOT, path)
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


def check_rows(rows):
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
            msg = check_ref(path, sep, name, cache)
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

    tables, rfcs = [], []
    for r in rows:
        if r.table not in tables:
            tables.append(r.table)
        if r.rfc not in rfcs:
            rfcs.append(r.rfc)
    parts = [table(f"RFC {rfc} level", counts([r for r in rows if r.rfc == rfc], lambda r: r.level),
                   LEVELS) for rfc in rfcs]
    parts.append(table("Table", counts(rows, lambda r: r.table), tables))
    parts.append("\n".join(count_line(rows, rfc) for rfc in rfcs))
    return "\n\n".join(parts)


def mandatory_counts(rows, rfc):
    mand = [r for r in rows if r.rfc == rfc and r.mandatory]
    return (len(mand), sum(r.status == "met (tested)" for r in mand),
            sum(r.status == "not met" for r in mand), sum(r.status == "N/A" for r in mand))


def count_line(rows, rfc):
    n, met, notmet, na = mandatory_counts(rows, rfc)
    return (f"RFC {rfc} MUST / MUST NOT rows: {n}; met and tested: {met}; not met: {notmet}; "
            f"N/A: {na}.")


def check_count_lines(text, rows):
    """Every count line anywhere in the document matches the rows."""
    errors = []
    rfcs = {r.rfc for r in rows}
    for no, line in enumerate(text.splitlines(), 1):
        for m in COUNT_RE.finditer(line):
            rfc = m.group(1)
            if rfc not in rfcs:
                errors.append(f"line {no}: count line for RFC {rfc}, which has no rows")
                continue
            got = tuple(int(g) for g in m.groups()[1:])
            want = mandatory_counts(rows, rfc)
            if got != want:
                errors.append(f"line {no}: RFC {rfc} counts {got} differ from the rows {want} "
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "conformance.md"))
    ap.add_argument("--summary", action="store_true", help="print the computed Summary tables")
    args = ap.parse_args()
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
    errors += check_rows(rows)
    errors += check_summary(text, rows)
    errors += check_count_lines(text, rows)
    errors += check_open_list(text, rows)
    shown = os.path.relpath(args.doc, ROOT)
    if shown.startswith(".."):
        shown = args.doc
    for e in errors:
        print(f"{shown}: {e}")
    per_rfc = []
    for rfc in sorted({r.rfc for r in rows}):
        n, met, notmet, na = mandatory_counts(rows, rfc)
        per_rfc.append(f"RFC {rfc}: {n} MUST / MUST NOT, {met} met and tested, {notmet} not met, "
                       f"{na} N/A")
    print(f"{len(rows)} rows ({'; '.join(per_rfc)}); {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
