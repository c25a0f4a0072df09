#!/usr/bin/env python3
"""Checks that the server crate's modules depend on each other one way only.

Each top-level module of crates/podium-server/src is listed below, lowest layer first. A module
may use (`use crate::x`, `crate::x::…` anywhere in its code) only modules listed above it, never
one below it or beside it further down: http → features → changes → storage → base, and only
only the wiring, the HTTP edge and the application root know the AppState. A new module must be placed in
the list, or this check fails and says so.

Usage: scripts/check-layers.py [src-dir]   (exit 1 on any upward import, with file:line)
       scripts/check-layers.py --self-test (the check catches a planted upward import)
"""

import pathlib
import re
import sys

LAYERS = [
    # base: no knowledge of storage, features or HTTP
    ("base", ["sync", "tasks", "clock", "config", "model", "telemetry", "metrics", "error"]),
    # storage: the pool, migrations, the edge check of what PostgreSQL can store
    ("storage", ["db"]),
    # the change record, the change log and the feed that applies it (to an `Apply`)
    ("changes", ["changes"]),
    # features, each owning its store, its in-memory state and its write transactions
    ("features", ["audit", "accounts", "flags", "profiles", "jobs", "leaderboards", "leagues"]),
    # the wiring of features into one process: what the feed applies changes to (`memory`) and
    # what every request handler can reach (`state`, the AppState)
    ("wiring", ["memory", "state"]),
    # the HTTP edge: routing, extraction, middleware, views
    ("edge", ["http"]),
    # the application root: start-up, demo data, the CLI
    ("root", ["demo", "app", "cli"]),
]

ORDER = {}
for _, modules in LAYERS:
    for m in modules:
        ORDER[m] = len(ORDER)
LAYER_OF = {m: name for name, ms in LAYERS for m in ms}

USE_GROUP = re.compile(r"\buse\s+crate::\{(.*?)\};", re.S)
PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")


def group_heads(body):
    """The first segment of each path in a `use crate::{…}` group (nested braces skipped)."""
    heads, depth, token, at_start = [], 0, "", True
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            at_start, token = True, ""
            continue
        if depth == 0 and at_start:
            if ch.isalnum() or ch == "_":
                token += ch
            elif token:
                heads.append(token)
                at_start, token = False, ""
    if at_start and token:
        heads.append(token)
    return heads


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def problems_in(src):
    problems = []
    for path in sorted(src.rglob("*.rs")):
        rel = path.relative_to(src)
        top = rel.parts[0].removesuffix(".rs")
        if top in ("lib", "main"):
            continue
        if top not in ORDER:
            problems.append(f"{rel}: module `{top}` is not placed in scripts/check-layers.py")
            continue
        text = path.read_text()
        # Strip comments so that doc links and prose do not count.
        code = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), text)
        uses = [(m.start(), h) for m in USE_GROUP.finditer(code) for h in group_heads(m.group(1))]
        uses += [(m.start(), m.group(1)) for m in PATH.finditer(code)]
        for pos, dep in uses:
            if dep == top or dep in ("VERSION", "GIT_COMMIT", "BUILD_TIME", "self"):
                continue
            if dep not in ORDER:
                continue  # an item of lib.rs, checked by the compiler
            if ORDER[dep] > ORDER[top]:
                problems.append(
                    f"{rel}:{line_of(text, pos)}: `{top}` ({LAYER_OF[top]}) uses "
                    f"`{dep}` ({LAYER_OF[dep]}), which is above it"
                )
    return sorted(set(problems))


def self_test():
    """The check must be able to fail: a small tree with known upward imports."""
    import tempfile

    files = {
        "db/mod.rs": "use crate::http::router; // crate::app in a comment does not count\n",
        "http/mod.rs": "use crate::{\n    db,\n    leaderboards::{scores, store::{a, b}},\n};\n",
        "leaderboards/mod.rs": "fn f() { crate::leagues::g(); crate::changes::h(); }\n",
        "error.rs": "use crate::{config, accounts::Role};\n",
        "newthing.rs": "use crate::db;\n",
    }
    with tempfile.TemporaryDirectory() as d:
        for name, body in files.items():
            path = pathlib.Path(d, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        found = [p.split(": ", 1)[0] for p in problems_in(pathlib.Path(d))]
    expected = ["db/mod.rs:1", "error.rs:1", "leaderboards/mod.rs:1", "newthing.rs"]
    if found != expected:
        print(f"check-layers self-test failed: found {found}, expected {expected}")
        return 1
    print("check-layers self-test: upward imports and unplaced modules are caught")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "crates/podium-server/src")
    problems = problems_in(src)
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(set(problems))} upward import(s); see scripts/check-layers.py")
        return 1
    print(f"layering: {len(ORDER)} modules, every import points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
