"""Schemathesis hooks for Podium's API fuzzing (scripts/test-api-fuzz.sh).

Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks. Two things:

* `authorization_respected`, a check run on every response: a change (POST, PUT, PATCH, DELETE)
  that succeeded (2xx) must be one the authorization table (crates/podium-server/src/accounts/
  policy.rs, read by the driver and passed in PODIUM_FUZZ_TABLE) allows to the caller the run
  is made as (PODIUM_FUZZ_CALLER); and a read of a private leaderboard or league must not
  succeed for a caller that may not read it.
* half of the generated path parameters are replaced by the slugs and participants the driver
  seeded (PODIUM_FUZZ_SLUGS), so the fuzzing reaches the handlers behind the lookups instead of
  stopping at 404 on random slugs.
"""

import json
import os

import hypothesis.strategies as st
import schemathesis

TABLE = {(m, r): n for m, r, n in json.loads(os.environ.get("PODIUM_FUZZ_TABLE", "[]"))}
CALLER = json.loads(os.environ.get("PODIUM_FUZZ_CALLER", '{"kind": "anonymous"}'))
SEED = json.loads(os.environ.get("PODIUM_FUZZ_SLUGS", "{}"))
PRIVATE = set(SEED.get("private", []))
# The ids of the run's own keys and people: a DELETE /keys/{id} or PATCH /users/{id} aimed at
# them would revoke or disable the credentials later runs use, so they are moved out of reach.
PROTECTED = json.loads(os.environ.get("PODIUM_FUZZ_PROTECTED", "{}"))
KNOWN = {
    "slug": SEED.get("public", []) + SEED.get("private", []),
    "participant": SEED.get("participants", []),
}


def allows(need, kind, slug):
    """Whether the caller may do what `need` says to resource (kind, slug); mirrors
    accounts::policy::check, written again from the documented rules, not imported."""
    who = CALLER["kind"]
    role = CALLER.get("role", "")
    scopes = set(CALLER.get("scopes", []))
    limited = CALLER.get("limit", {})
    editor = who == "user" and role in ("editor", "admin", "owner")

    def on(k):
        lst = limited.get(k)
        return lst is None or slug is None or slug in lst

    def key_has(s):
        return who == "key" and (s in scopes or "admin" in scopes)

    if need == "Public":
        return True
    if need == "Read":
        if slug not in PRIVATE:
            return True
        return who == "user" or (key_has("read") and on(kind))
    if need == "Session":
        return who == "user"
    if need == "ScoresWrite":
        return editor or (key_has("scores:write") and on("leaderboards"))
    if need == "MatchesWrite":
        return editor or (key_has("matches:write") and on("leagues"))
    if need == "Manage":
        return editor or (key_has("admin") and on(kind))
    if need == "Admin":
        return (who == "user" and role in ("admin", "owner")) or key_has("admin")
    return False


@schemathesis.check
def authorization_respected(ctx, response, case):
    method = case.operation.method.upper()
    status = response.status_code
    if not 200 <= status < 300:
        return None
    route = case.operation.path
    need = TABLE.get((method, route))
    if need is None:
        raise AssertionError(f"{method} {route} answered {status} but is not in the authorization table")
    kind = None
    slug = (case.path_parameters or {}).get("slug")
    if route.startswith("/api/v1/leaderboards/"):
        kind = "leaderboards"
    elif route.startswith("/api/v1/leagues/"):
        kind = "leagues"
    reading = method in ("GET", "HEAD") or need == "Read"
    if reading and need != "Read":
        return None  # Public/Session/Admin reads: the status code checks cover them
    if not allows(need, kind, slug):
        raise AssertionError(
            f"{CALLER['name']} got {status} for {method} {route} (slug {slug!r}), "
            f"which the authorization table ({need}) forbids it"
        )
    return None


def protect(route, params):
    for prefix, kind in (("/api/v1/keys/", "keys"), ("/api/v1/users/", "users")):
        if route.startswith(prefix) and params.get("id") in PROTECTED.get(kind, []):
            params = dict(params, id=params["id"] + 1_000_000)
    return params


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    route = context.operation.path if context.operation is not None else ""
    if route.startswith(("/api/v1/keys/", "/api/v1/users/")):
        return st.just(protect(route, path_parameters))

    def seeded(choice):
        out = dict(path_parameters)
        for name, values in KNOWN.items():
            if name in out and values:
                out[name] = choice.choice(values)
        return out

    return st.one_of(st.just(path_parameters), st.randoms(use_true_random=False).map(seeded))
