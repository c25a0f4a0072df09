#!/usr/bin/env python3
"""Runs schemathesis against a running Podium as every kind of caller (scripts/test-api-fuzz.sh).

Seeds a public and a private leaderboard and league with the admin key, signs the people in,
then runs `st run` once per caller (anonymous, viewer, editor, admin, and API keys of each
scope, one of them limited to one leaderboard) with the OpenAPI document the server serves. Each
run checks: no 5xx, status codes, content types, headers and bodies as documented, and the
`authorization_respected` check of schemathesis_hooks.py (no change succeeds that the
authorization table forbids the caller; no private read succeeds for a caller that may not read
it). Prints one line per caller, `ok` or `FAIL` with what failed, the request count from
Podium's own metrics, and writes a JSON summary.

usage: api_fuzz.py --base URL --metrics URL --secrets FILE --out DIR [--seconds N]
                   [--self-test]
--self-test runs the admin key while telling the check it is anonymous: the check must fail
(it proves the authorization check can catch a forbidden write).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
POLICY = ROOT / "crates/podium-server/src/accounts/policy.rs"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "authorization_respected",  # ours, in schemathesis_hooks.py
    ]
)


def policy_table():
    """The (method, route, need) rows of accounts::policy::TABLE, read from the source."""
    src = POLICY.read_text()
    body = src[src.index("pub const TABLE") : src.index("];", src.index("pub const TABLE"))]
    rows = re.findall(r'\(\s*"([A-Z]+)",\s*"([^"]+)",\s*([A-Za-z]+),?\s*\)', body)
    if len(rows) < 40:
        sys.exit(f"api_fuzz: read only {len(rows)} rows of the authorization table from {POLICY}")
    return rows


def call(base, method, path, token=None, body=None, cookie=None, origin=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    if cookie:
        req.add_header("cookie", cookie)
    if origin:
        req.add_header("origin", origin)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def must(status, what, expect=(200, 201)):
    if status not in expect:
        sys.exit(f"api_fuzz: seeding failed: {what} answered {status}")


def seed(base, admin_key):
    """A public and a private leaderboard and league, with scores and matches."""
    people = ["ada", "bob", "cy", "dee"]
    for slug, vis in (("fz-public", "public"), ("fz-private", "private")):
        s, _, _ = call(base, "POST", "/api/v1/leaderboards", admin_key,
                       {"slug": slug, "name": slug, "visibility": vis})
        must(s, f"create leaderboard {slug}", (201, 409))
        for i, p in enumerate(people):
            s, _, _ = call(base, "PUT", f"/api/v1/leaderboards/{slug}/scores/{p}", admin_key,
                           {"score": 100 + i})
            must(s, f"score on {slug}")
    for slug, vis in (("fz-league", "public"), ("fz-secret", "private")):
        s, _, _ = call(base, "POST", "/api/v1/leagues", admin_key,
                       {"slug": slug, "name": slug, "system": "elo", "visibility": vis})
        must(s, f"create league {slug}", (201, 409))
        if s == 409:
            continue  # seeded by an earlier run against the same server
        for a, b in (("ada", "bob"), ("cy", "dee"), ("ada", "cy")):
            s, _, _ = call(base, "POST", f"/api/v1/leagues/{slug}/matches", admin_key,
                           {"played_at": "2026-12-01T10:00:00Z",
                            "teams": [{"participants": [a], "rank": 1},
                                      {"participants": [b], "rank": 2}]})
            must(s, f"match in {slug}")
    return {"public": ["fz-public", "fz-league"], "private": ["fz-private", "fz-secret"],
            "participants": people}


def login(base, email, password):
    s, headers, body = call(base, "POST", "/api/v1/auth/login", body={"email": email, "password": password})
    must(s, f"login {email}", (200, 204))
    cookie = headers.get("set-cookie", "").split(";", 1)[0]
    if not cookie.startswith("podium_session="):
        sys.exit(f"api_fuzz: login {email} set no session cookie")
    return cookie


def requests_served(metrics):
    with urllib.request.urlopen(metrics, timeout=10) as r:
        text = r.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("podium_http_requests_total"))


def protected_ids(base, admin_key):
    """The ids of the fuzzing's own keys and people (see schemathesis_hooks.protect)."""
    ids = {}
    for kind, path, field in (("keys", "/api/v1/keys", "keys"), ("users", "/api/v1/users", "users")):
        s, _, body = call(base, "GET", path, admin_key)
        must(s, f"list {kind}", (200,))
        ids[kind] = [item["id"] for item in json.loads(body)[field]]
    if not ids["keys"] or not ids["users"]:
        sys.exit(f"api_fuzz: no keys or users to protect: {ids}")
    return ids


def failures_of(junit):
    """[(operation, message)] from a schemathesis JUnit report; None when nothing was tested."""
    out = []
    root = ET.parse(junit).getroot()
    if sum(int(suite.get("tests", "0")) for suite in root.iter("testsuite")) == 0:
        return None
    for case in root.iter("testcase"):
        for f in list(case.iter("failure")) + list(case.iter("error")):
            text = f.text or f.get("message") or ""
            # The failure's kind ("- ST103 Undocumented status code") and its key lines.
            keep = [ln.strip() for ln in text.splitlines()
                    if ln.startswith("- ") or ln.strip().startswith(("Received:", "Documented:", "curl "))]
            out.append((case.get("name", "?"), " | ".join(keep)[:600] or text.strip()[:600]))
    return out


def run_caller(args, caller, headers, env, out, extra=()):
    report = out / caller["name"]
    report.mkdir(parents=True, exist_ok=True)
    cmd = [str(Path(sys.executable).with_name("st")), "run", f"{args.base}/api/openapi.json",
           "--checks", CHECKS, "--max-time", str(args.seconds), "--workers", "2",
           "--request-timeout", "10", "--report", "junit", "--report-dir", str(report),
           "--seed", "7", "--suppress-health-check", "all", "--warnings", "off",
           "--continue-on-failure"]
    for h in headers:
        cmd += ["-H", h]
    cmd += list(extra)
    # A signed-in run must not sign itself out or change its password half way.
    if caller["kind"] == "user":
        cmd += ["--exclude-path", "/api/v1/auth/logout", "--exclude-path", "/api/v1/auth/password"]
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=report, capture_output=True, text=True)
    (report / "output.txt").write_text(proc.stdout + proc.stderr)
    junit = next(report.glob("*.xml"), None)
    if junit is None:
        return {"name": caller["name"], "error": f"no report (exit {proc.returncode})",
                "tail": (proc.stdout + proc.stderr)[-2000:]}
    failures = failures_of(junit)
    if failures is None or "Failed to load specification" in proc.stdout:
        return {"name": caller["name"], "error": f"nothing was tested (exit {proc.returncode})",
                "tail": (proc.stdout + proc.stderr)[-1500:]}
    return {"name": caller["name"], "exit": proc.returncode, "seconds": round(time.monotonic() - started, 1),
            "failures": failures}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--secrets", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    secrets = json.loads(Path(args.secrets).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    origin = args.base
    slugs = seed(args.base, secrets["keys"]["admin"])
    table = policy_table()
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
               PODIUM_FUZZ_TABLE=json.dumps(table), PODIUM_FUZZ_SLUGS=json.dumps(slugs),
               PODIUM_FUZZ_PROTECTED=json.dumps(protected_ids(args.base, secrets["keys"]["admin"])),
               PYTHONPATH=str(HERE))

    callers = [({"name": "anonymous", "kind": "anonymous"}, [])]
    for scope in ("read", "scores:write", "matches:write"):
        callers.append(({"name": f"key {scope}", "kind": "key", "scopes": [scope]},
                        [f"Authorization: Bearer {secrets['keys'][scope]}"]))
    callers.append(({"name": "key scores:write on fz-public only", "kind": "key",
                     "scopes": ["scores:write"], "limit": {"leaderboards": ["fz-public"]}},
                    [f"Authorization: Bearer {secrets['keys']['limited']}"]))
    for role in ("viewer", "editor", "admin"):
        cookie = login(args.base, secrets["users"][role], secrets["password"])
        callers.append(({"name": role, "kind": "user", "role": role},
                        [f"Cookie: {cookie}", f"Origin: {origin}"]))
    callers.append(({"name": "key admin", "kind": "key", "scopes": ["admin"]},
                    [f"Authorization: Bearer {secrets['keys']['admin']}"]))
    extra = ()
    if args.self_test:
        callers = [({"name": "self-test: admin key judged as anonymous", "kind": "anonymous"},
                    [f"Authorization: Bearer {secrets['keys']['admin']}"])]
        # Valid creations are what the check must catch: only them, generated from the schema.
        extra = ("--include-name", "POST /api/v1/leaderboards", "--phases", "fuzzing")

    before = requests_served(args.metrics)
    results = []
    for caller, headers in callers:
        res = run_caller(args, caller, headers, dict(env, PODIUM_FUZZ_CALLER=json.dumps(caller)), out, extra)
        results.append(res)
        if "error" in res:
            print(f"  FAIL {caller['name']}: {res['error']}\n{res['tail']}", flush=True)
        elif res["failures"]:
            print(f"  FAIL {caller['name']}: {len(res['failures'])} failing operation(s) in {res['seconds']} s", flush=True)
            for op, msg in res["failures"][:8]:
                print(f"       {op}: {msg[:400]}", flush=True)
        else:
            print(f"  ok   {caller['name']}: no failure in {res['seconds']} s", flush=True)
    served = int(requests_served(args.metrics) - before)
    summary = {"requests": served, "seconds_per_caller": args.seconds, "callers": results}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    bad = sum(1 for r in results if "error" in r or r["failures"])
    print(f"api_fuzz: {len(results) - bad} callers clean, {bad} failed; {served} requests served")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
