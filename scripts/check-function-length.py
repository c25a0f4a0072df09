#!/usr/bin/env python3
"""Fails on a Rust function longer than 80 lines unless a `// Long: <reason>` comment stands
among the lines just above it (with its doc comment and attributes).

Counts from the `fn` line to its closing brace at the same indentation (rustfmt's layout),
tests included.

Usage: scripts/check-function-length.py [dir ...]   (default: every crate's src/)
       scripts/check-function-length.py --self-test
"""

import pathlib
import re
import sys
import tempfile

LIMIT = 80
FN = re.compile(r"^(\s*)(pub(\([a-z:]+\))? )?(const )?(async )?(unsafe )?fn ([a-z_0-9]+)")


def long_functions(path):
    lines = path.read_text().split("\n")
    found, i = [], 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, name = m.group(1), m.group(7)
        j = i
        while j < len(lines) and not lines[j].rstrip().endswith(("{", ";")):
            j += 1
        if j >= len(lines) or lines[j].rstrip().endswith(";"):
            i = j + 1
            continue
        k = j + 1
        while k < len(lines) and lines[k] != indent + "}":
            k += 1
        length = k - i + 1
        if length > LIMIT:
            above = []
            a = i - 1
            while a >= 0 and lines[a].strip().startswith(("//", "#[", "#![")) or (
                a >= 0 and lines[a].strip().endswith(")]")
            ):
                above.append(lines[a].strip())
                a -= 1
            if not any(line.startswith("// Long:") for line in above):
                found.append((i + 1, name, length))
        i = k + 1
    return found


def check(roots):
    problems = []
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*.rs")):
            for line, name, length in long_functions(path):
                problems.append(f"{path}:{line}: fn {name} is {length} lines (limit {LIMIT}); "
                                "split it or write `// Long: <why>` above it")
    return problems


def self_test():
    body = "\n".join(f"    let x{i} = {i};" for i in range(LIMIT))
    src = (f"fn short() {{\n}}\n\nfn too_long() {{\n{body}\n}}\n\n"
           f"/// Documented.\n// Long: one table, clearer whole.\n#[allow(dead_code)]\n"
           f"fn explained() {{\n{body}\n}}\n\nimpl X {{\n    pub async fn nested() {{\n"
           + "\n".join(f"        let y{i} = {i};" for i in range(LIMIT)) + "\n    }\n}\n")
    with tempfile.TemporaryDirectory() as d:
        pathlib.Path(d, "a.rs").write_text(src)
        names = [p.split("fn ")[1].split(" ")[0] for p in check([d])]
    if names != ["too_long", "nested"]:
        print(f"check-function-length self-test failed: {names}")
        return 1
    print("check-function-length self-test: long functions are caught, explained ones pass")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    roots = sys.argv[1:] or [str(p) for p in sorted(pathlib.Path("crates").glob("*/src"))]
    problems = check(roots)
    for p in problems:
        print(p)
    if problems:
        print(f"function length: {len(problems)} function(s) over {LIMIT} lines without a reason")
        return 1
    print(f"function length: none over {LIMIT} lines without a reason")
    return 0


if __name__ == "__main__":
    sys.exit(main())
