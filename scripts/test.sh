#!/usr/bin/env bash
# Everything `make test` runs: installs what the tests need, starts a private PostgreSQL
# cluster, runs formatting and lint checks, every Rust test, and the .sqlx freshness check.
# Stops every service it started, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in -h|--help) echo "usage: scripts/test.sh   (what \`make test\` runs)"; exit 0 ;; esac

export SQLX_OFFLINE=true
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
scripts/install-deps.sh

step "format and lint"
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -q -- -D warnings
scripts/check-layers.py --self-test
scripts/check-layers.py
scripts/check-function-length.py --self-test
scripts/check-function-length.py

step "supply chain: cargo-deny (licences, bans, sources), advisories where reachable"
scripts/test-supply-chain.sh 2>&1 | tee "${TMPDIR:-/tmp}/podium-supply-chain.log"
read -r up uf < <(sed -n 's/^supply-chain: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "${TMPDIR:-/tmp}/podium-supply-chain.log" | tail -1)
rm -f "${TMPDIR:-/tmp}/podium-supply-chain.log"

step "PostgreSQL for the tests"
pgdir=$(mktemp -d /tmp/podium-test-pg.XXXXXX)
cleanup() { scripts/test-pg stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
PODIUM_TEST_DATABASE_URL=$(scripts/test-pg start "$pgdir")
export PODIUM_TEST_DATABASE_URL
echo "test cluster: $pgdir"

step "Rust tests"
cargo build --locked -q -p podium-server --bin podium
results=$(mktemp)
cargo test --locked --workspace --lib --bins --tests --no-fail-fast 2>&1 | tee "$results"
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$results" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$results" | awk '{s+=$1} END {print s+0}')
passed=$((passed + ${up:-0})); failed=$((failed + ${uf:-1}))

step "instructions per request (callgrind) against the committed budgets"
if scripts/instruction-budget.py check --bin "$PWD/target/debug/podium" 2>&1 | tee "$results"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

step "API fuzzing: schemathesis on every operation as every kind of caller"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-api-fuzz.sh 2>&1 | tee "$results"
read -r ap af < <(sed -n 's/^apifuzz: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${ap:-0})); failed=$((failed + ${af:-1}))

step "web UI: types, lint, unit tests, budget, end to end in Chromium"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-web.sh 2>&1 | tee "$results"
read -r wp wf < <(sed -n 's/^web: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${wp:-0})); failed=$((failed + ${wf:-1}))

step "development loop: make dev, restart on a Rust change, Vite HMR, Ctrl-C leaves nothing"
scripts/test-dev.sh 2>&1 | tee "$results"
read -r vp vf < <(sed -n 's/^dev: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${vp:-0})); failed=$((failed + ${vf:-1}))

step "observability: rules, alerts end to end, dashboards"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-observability.sh 2>&1 | tee "$results"
read -r op of < <(sed -n 's/^observability: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${op:-0})); failed=$((failed + ${of:-1}))

step "deployment: native stack, TLS, certificates, blue-green"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-deploy.sh 2>&1 | tee "$results"
read -r dp df < <(sed -n 's/^deploy: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${dp:-0})); failed=$((failed + ${df:-1}))

step "backups: pgBackRest, restore drill, point-in-time recovery, S3 repository"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-backup.sh 2>&1 | tee "$results"
read -r bp bf < <(sed -n 's/^backup: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${bp:-0})); failed=$((failed + ${bf:-1}))

step "disaster recovery: host lost, rebuilt on a new host from the kit and the object store"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-dr.sh 2>&1 | tee "$results"
read -r rp rf < <(sed -n 's/^dr: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${rp:-0})); failed=$((failed + ${rf:-1}))

step "high availability: pg_auto_failover failover, a Podium host cut off, the old primary rejoining"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-ha.sh 2>&1 | tee "$results"
read -r hp hf < <(sed -n 's/^ha: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${hp:-0})); failed=$((failed + ${hf:-1}))

step "shipping: deploy/scripts/ship to a staging host (network namespace, openssh-server, the stack)"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-ship.sh 2>&1 | tee "$results"
read -r sp sf < <(sed -n 's/^ship: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${sp:-0})); failed=$((failed + ${sf:-1}))

step "infrastructure as code: Ansible on a fresh Debian 12 host (netns, SSH), Terraform offline checks"
PODIUM_BIN=$PWD/target/debug/podium scripts/test-iac.sh 2>&1 | tee "$results"
read -r xp xf < <(sed -n 's/^iac: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${xp:-0})); failed=$((failed + ${xf:-1}))

step "containers: the production image built for real (local bases), read-only, healthy"
scripts/test-containers.sh 2>&1 | tee "$results"
read -r cp cf < <(sed -n 's/^containers: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${cp:-0})); failed=$((failed + ${cf:-1}))

step "compose: the production Compose stack up for real (TLS, blue-green under load, monitoring, backups)"
scripts/test-compose.sh 2>&1 | tee "$results"
read -r mp mf < <(sed -n 's/^compose: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${mp:-0})); failed=$((failed + ${mf:-1}))

step "Kubernetes: overlays rendered and validated (schemas, CRDs, checkov); no cluster runs here"
scripts/test-k8s.sh 2>&1 | tee "$results"
read -r kp kf < <(sed -n 's/^k8s: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${kp:-0})); failed=$((failed + ${kf:-1}))

step "GitHub workflows: actionlint, zizmor, workflow schema"
scripts/test-workflows.sh 2>&1 | tee "$results"
read -r gp gf < <(sed -n 's/^workflows: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results" | tail -1)
passed=$((passed + ${gp:-0})); failed=$((failed + ${gf:-1}))

step ".sqlx offline data"
psql -q "$PODIUM_TEST_DATABASE_URL" -c 'create database podium_sqlx' >/dev/null
SQLX_DATABASE_URL=${PODIUM_TEST_DATABASE_URL/\/postgres\?//podium_sqlx?}
for f in crates/podium-server/migrations/*.sql; do
  psql -q -v ON_ERROR_STOP=1 "$SQLX_DATABASE_URL" -f "$f" >/dev/null
done
SQLX_DATABASE_URL=$SQLX_DATABASE_URL scripts/sqlx-data.sh check

rm -f "$results"
echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
step "all checks passed"
