#!/usr/bin/env bash
# The production Compose stack brought up whole (issue 13 §1, issue 19's Compose backup service):
# deploy/compose.prod.yaml with a test env file, test secrets and a certificate from a CA this
# test makes, on a Docker engine it starts when none runs. Images: Podium's from
# deploy/docker/Dockerfile (the same cached build as scripts/test-containers.sh), the rest from
# Debian packages (deploy/docker/services.Dockerfile: PostgreSQL 15 with pgBackRest, Nginx,
# Prometheus, Alertmanager, the exporters, syslog-ng). Grafana and Loki have no Debian package:
# they stay in the `dashboards` profile and are not run (test-containers validates them); a
# small receiver stands in for Loki's push API and for the chat webhook, and certbot (Let's
# Encrypt cannot be reached) is not run either.
# Checks: every service up and healthy, only 127.0.0.1 published; the smoke test through TLS; a
# blue-green switch and a rollback under a load of reads and writes with 0 failed requests;
# every Prometheus target up and the HTTPS probe passing; a production alert rule fired by
# Prometheus reaching the receiver through Alertmanager; the log shipper shipping an Nginx access
# line; the backup service's full backup in `pgbackrest info`, WAL archiving, and the backup
# metrics in Prometheus through node-exporter's textfile collector. Removes every container,
# volume and network it made and stops the engine if it started it.
# Ends with `compose: N passed, M failed`.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-compose.sh
Environment: PODIUM_IMAGE_TAG (default podium-local/podium:test, built here from the working
  tree with the cached layers scripts/test-containers.sh uses), KEEP_WORK=1 keeps the work
  folder (logs, rendered files).
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
IMAGE=${PODIUM_IMAGE_TAG:-podium-local/podium:test}
SERVER_NAME=podium.test
PROJECT=podiumcp$$
RUN_LABEL=org.podium.test-run=compose-$$
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
STAGE_T0=$SECONDS
finish() {
  echo
  echo "stage time: $((SECONDS - STAGE_T0)) s"
  stage_result compose
}

WORK=$(mktemp -d /tmp/podium-test-compose.XXXXXX)
D=$WORK/deploy
compose() {
  nice -n 10 docker-compose --ansi never -p "$PROJECT" -f "$D/compose.prod.yaml" -f "$WORK/compose.test.yaml" \
    --env-file "$D/env/production.env" "$@"
}
LOAD_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local ids
  [ -z "$LOAD_PID" ] || kill "$LOAD_PID" 2>/dev/null || true
  if [ -f "$WORK/compose.test.yaml" ]; then
    compose --profile dashboards down -v --remove-orphans -t 5 >"$WORK/down.log" 2>&1 || true
  fi
  ids=$(docker ps -aq --filter "label=$RUN_LABEL" 2>/dev/null || true)
  # shellcheck disable=SC2086 # one id per word
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null 2>&1 || true
  scripts/containers/engine.sh stop "$WORK/engine" || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step "tools and the Docker engine"
for tool in docker dockerd docker-compose debootstrap shellcheck openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh" >&2; bad "tools present"; finish; }
done
check "shellcheck" shellcheck -x scripts/test-compose.sh deploy/docker/postgres-entrypoint.sh
if engine=$(scripts/containers/engine.sh start "$WORK/engine" 2>&1); then
  ok "Docker engine: $engine ($(docker version --format '{{.Server.Version}}'))"
else
  bad "Docker engine did not start"; printf '%s\n' "$engine"; finish
fi

step "images: local bases, Podium from the working tree, the services from Debian packages"
t0=$SECONDS
if bases=$(scripts/containers/bases.sh 2>"$WORK/bases.log" | tail -n 1); then
  read -r RUNTIME_IMAGE RUST_IMAGE NODE_IMAGE <<<"$bases"
  ok "bases ready in $((SECONDS - t0)) s: $bases"
else
  bad "scripts/containers/bases.sh"; tail -n 20 "$WORK/bases.log"; finish
fi
COMMIT=$(git rev-parse --short=12 HEAD)
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# The same invocation as scripts/test-containers.sh, so each reuses the other's layers.
build_podium() { # LOG [docker build args...]
  local log=$1
  shift
  DOCKER_BUILDKIT=0 nice -n 10 docker build --force-rm -f deploy/docker/Dockerfile \
    --build-arg RUST_IMAGE="$RUST_IMAGE" --build-arg NODE_IMAGE="$NODE_IMAGE" \
    --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" "$@" >"$log" 2>&1
}
t0=$SECONDS
if build_podium "$WORK/build.log" --build-arg VERSION="$VERSION" --build-arg GIT_COMMIT="$COMMIT" \
  --build-arg BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t "$IMAGE" .; then
  ok "Podium image $IMAGE (commit $COMMIT) in $((SECONDS - t0)) s"
else
  bad "docker build of Podium"; tail -n 40 "$WORK/build.log"; finish
fi
# Nginx serves the web UI from disk: the files of the Dockerfile's `web` stage (cached by the
# build above), copied out of an untagged image.
mkdir -p "$WORK/web"
if web_id=$(build_podium "$WORK/build-web.log" --target web -q . && tail -n 1 "$WORK/build-web.log") \
  && cid=$(docker create --label "$RUN_LABEL" "$web_id" true) \
  && docker cp "$cid:/src/web/dist" "$WORK/web/" && docker rm "$cid" >/dev/null \
  && [ -f "$WORK/web/dist/index.html" ]; then
  ok "the web UI's files from the image build's web stage"
else
  bad "the web UI's files"; tail -n 20 "$WORK/build-web.log"
fi

step "a test copy of deploy/: env file, secrets, a certificate from a test CA"
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
cp -a deploy "$D"
rm -f "$D"/secrets/* "$D"/env/production.env
sed -e "s/^SERVER_NAME=.*/SERVER_NAME=$SERVER_NAME/" -e 's/^ALERT_EMAIL_TO=.*/ALERT_EMAIL_TO=/' \
  -e 's|^LOKI_PUSH_URL=.*|LOKI_PUSH_URL=http://receiver:3100/loki/api/v1/push|' \
  -e "s/^PODIUM_\(BLUE_\|GREEN_\|\)VERSION=.*/PODIUM_\1VERSION=${IMAGE##*:}/" \
  deploy/env/production.env.example >"$D/env/production.env"
cat >>"$D/env/production.env" <<ENV
# scripts/test-compose.sh
PODIUM_IMAGE=${IMAGE%:*}
PODIUM_BASE_IMAGE=$RUNTIME_IMAGE
PODIUM_WEB_DIST=$WORK/web/dist
PODIUM_HTTP_PUBLISH=127.0.0.1:$HTTP_PORT
PODIUM_HTTPS_PUBLISH=127.0.0.1:$HTTPS_PORT
PROMETHEUS_RESEND_DELAY=5s
PG_ARCHIVE_TIMEOUT=10
# The switch test's load writes faster than production's per-key limit on a quiet machine (and
# Nginx answered 429): the limits themselves are tested by scripts/test-deploy.sh.
RATE_LIMIT_WRITES=2000r/s
RATE_LIMIT_WRITES_BURST=4000
ENV
"$D/scripts/compose-secrets" >/dev/null
echo "http://receiver:3100/chat" >"$D/secrets/chat_webhook_url"
echo "not-a-real-password" >"$D/secrets/smtp_password"
TOKEN_FILE=$D/secrets/api_token
TLS=$WORK/tls
mkdir -p "$TLS"
if (
  cd "$TLS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Podium compose test CA" \
    -keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$SERVER_NAME" -keyout privkey.pem -out server.csr
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$SERVER_NAME" >ext.cnf
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out cert.pem
  cat cert.pem ca.crt >fullchain.pem
) >"$WORK/tls.log" 2>&1; then
  ok "test CA and a certificate for $SERVER_NAME"
else
  bad "test certificates"; cat "$WORK/tls.log"
fi
chmod 644 "$TLS"/*

# The receiver: Loki's push API (/loki/api/v1/push) and the chat webhook (/chat) in one.
mkdir -p "$WORK/received" "$WORK/hostroot"
cat >"$WORK/receiver.py" <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open("/received/pushes.jsonl", "ab") as f:
            f.write(self.path.encode() + b" " + body.replace(b"\n", b" ") + b"\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", 3100), H).serve_forever()
PY
# A test alert source for the production rule RestoreDrillFailed (for: 0m), through the textfile
# collector: the path the backup metrics take too.
svc_build() { # TARGET: the build section of a Debian-made service image
  printf '    build:\n      context: %s/docker\n      dockerfile: services.Dockerfile\n      target: %s\n      args:\n        BASE_IMAGE: %s\n' "$D" "$1" "$RUNTIME_IMAGE"
}
{
  cat <<YAML
# Debian-made images in place of the official ones (no registry here); the rest as written.
services:
  receiver:
    image: podium-tools:bookworm
    command: ["python3", "-u", "/srv/receiver.py"]
    volumes:
      - $WORK/receiver.py:/srv/receiver.py:ro
      - $WORK/received:/received
    networks:
      - monitoring
  nginx:
    image: podium-nginx:bookworm
$(svc_build nginx)
    # The public name resolves to Nginx on the edge network (the blackbox exporter probes it).
    networks:
      edge:
        aliases: [$SERVER_NAME]
      app: {}
      monitoring: {}
  blackbox-exporter:
    image: podium-blackbox-exporter:bookworm
$(svc_build blackbox-exporter)
    environment:
      SSL_CERT_FILE: /etc/podium-test/ca.crt
    volumes:
      - $TLS/ca.crt:/etc/podium-test/ca.crt:ro
  # / is a private mount on this machine (dockerd runs without systemd), and Docker refuses to
  # bind it without rslave: node-exporter gets an empty folder as the host's root (its
  # filesystem collector sees nothing; the textfile, CPU and memory collectors work as written).
  node-exporter:
    image: podium-node-exporter:bookworm
$(svc_build node-exporter)
    volumes:
      - $WORK/hostroot:/host:ro
YAML
  for s in prometheus alertmanager postgres-exporter nginx-exporter; do
    printf '  %s:\n    image: podium-%s:bookworm\n' "$s" "$s"
    svc_build "$s"
  done
} >"$WORK/compose.test.yaml"

step "docker-compose up: the production stack"
RUN_SERVICES=(config postgres migrate backup podium-blue podium-green nginx prometheus alertmanager
  node-exporter postgres-exporter nginx-exporter blackbox-exporter log-shipper receiver)
BUILT=(config log-shipper postgres backup nginx prometheus alertmanager node-exporter
  postgres-exporter nginx-exporter blackbox-exporter)
t0=$SECONDS
if compose build "${BUILT[@]}" >"$WORK/compose-build.log" 2>&1; then
  ok "service images from Debian packages in $((SECONDS - t0)) s"
else
  bad "compose build"; tail -n 30 "$WORK/compose-build.log"; finish
fi
check "every image name is resolved (docker-compose 1.29 leaves Compose-v2-only nested defaults unexpanded)" \
  bash -c "! docker-compose -p '$PROJECT' -f '$D/compose.prod.yaml' -f '$WORK/compose.test.yaml' --env-file '$D/env/production.env' config | grep -E '^ +image: .*[\$]'"
for s in postgres nginx prometheus; do
  img=$(docker-compose -p "$PROJECT" -f "$D/compose.prod.yaml" -f "$WORK/compose.test.yaml" --env-file "$D/env/production.env" \
    config 2>/dev/null | python3 -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["services"][sys.argv[1]]["image"])' "$s")
  echo "       image $s: $img $(($(docker image inspect --format '{{.Size}}' "$img") / 1000000)) MB"
done
# The certificate goes into the letsencrypt volume before Nginx starts (certbot's place).
t0=$SECONDS
# `up --no-start` would wait forever for the config service to complete (docker-compose 1.29):
# `up config` first makes the networks and volumes (and renders the configuration).
if compose up -d config >"$WORK/compose-create.log" 2>&1 \
  && docker run --rm --label "$RUN_LABEL" --network none -v "${PROJECT}_letsencrypt:/le" -v "$TLS:/tls:ro" "$RUNTIME_IMAGE" \
    sh -c 'mkdir -p /le/live/podium && cp /tls/fullchain.pem /tls/privkey.pem /le/live/podium/'; then
  ok "networks and volumes created; the certificate in the letsencrypt volume"
else
  bad "compose up -d config"; tail -n 20 "$WORK/compose-create.log"; finish
fi
if compose up -d "${RUN_SERVICES[@]}" >"$WORK/compose-up.log" 2>&1; then
  ok "compose up -d in $((SECONDS - t0)) s"
else
  bad "compose up -d"; tail -n 30 "$WORK/compose-up.log"; compose ps; finish
fi
cid_of() { compose ps -q "$1" 2>/dev/null; }
state_of() { docker inspect --format '{{.State.Status}}{{if .State.Health}}/{{.State.Health.Status}}{{end}}' "$(cid_of "$1")" 2>/dev/null; }
# shellcheck disable=SC2317 # called through wait_for
all_up() {
  local s st
  for s in "${RUN_SERVICES[@]}"; do
    st=$(state_of "$s")
    case "$s:$st" in
      config:exited*|migrate:exited*) ;; # one-shot (migrate's image has a HEALTHCHECK: exited/unhealthy)
      *:running|*:running/healthy) ;;
      *) return 1 ;;
    esac
  done
}
if wait_for 180 all_up; then
  ok "every service running, the health-checked ones healthy, in $((SECONDS - t0)) s"
else
  bad "not every service is up"
  for s in "${RUN_SERVICES[@]}"; do echo "       $s: $(state_of "$s")"; done
  compose logs --tail 15 >"$WORK/logs.txt" 2>&1; tail -n 80 "$WORK/logs.txt"
fi
check "config and migrate exited 0" \
  test "$(docker inspect --format '{{.State.ExitCode}}' "$(cid_of config)") $(docker inspect --format '{{.State.ExitCode}}' "$(cid_of migrate)")" = "0 0"
published=$(for s in "${RUN_SERVICES[@]}"; do docker port "$(cid_of "$s")" 2>/dev/null; done | sort -u)
check "only Nginx's two ports are published, on 127.0.0.1 ($(echo "$published" | awk '{print $3}' | xargs))" \
  test "$published" = "$(printf '443/tcp -> 127.0.0.1:%s\n80/tcp -> 127.0.0.1:%s\n' "$HTTPS_PORT" "$HTTP_PORT" | sort -u)"

step "through TLS: the smoke test, the redirect"
SMOKE=(deploy/scripts/smoke --cacert "$TLS/ca.crt" --resolve "$SERVER_NAME:$HTTPS_PORT:127.0.0.1" --token-file "$TOKEN_FILE")
BASE=https://$SERVER_NAME:$HTTPS_PORT
check "deploy/scripts/smoke $BASE (certificate from the test CA, HSTS, web UI, API write and read)" "${SMOKE[@]}" "$BASE"
check "plain HTTP redirects to HTTPS" \
  bash -c "curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: $SERVER_NAME' http://127.0.0.1:$HTTP_PORT/x | grep -qx '301 https://$SERVER_NAME/x'"
# A marked request whose access-log line the shipper must push.
MARKER=compose-$$-$RANDOM
curl -sS -o /dev/null --cacert "$TLS/ca.crt" --resolve "$SERVER_NAME:$HTTPS_PORT:127.0.0.1" \
  -H "X-Request-Id: $MARKER" "$BASE/healthz" || true

# The alert: a failed restore drill reported through the textfile collector, which the
# production rule RestoreDrillFailed (for: 0m) turns into a ticket; with ALERT_EMAIL_TO empty
# tickets go to the chat webhook (the receiver). Checked after the blue-green steps.
docker run --rm --label "$RUN_LABEL" --network none -v "${PROJECT}_textfile:/textfile" "$RUNTIME_IMAGE" \
  sh -c 'printf "# TYPE podium_restore_drill_success gauge\npodium_restore_drill_success{stanza=\"podium\",repo=\"1\"} 0\n" >/textfile/compose_test.prom.tmp && mv /textfile/compose_test.prom.tmp /textfile/compose_test.prom'
ALERT_T0=$SECONDS

step "blue-green under load: switch to green, then roll back to blue"
LOAD_OUT=$WORK/load.json
python3 deploy/tests/loadgen.py --port "$HTTPS_PORT" --name "$SERVER_NAME" --cacert "$TLS/ca.crt" \
  --token "$(cat "$TOKEN_FILE")" --threads 3 --interval 0.02 --out "$LOAD_OUT" --ready "$LOAD_OUT.ready" \
  >"$WORK/load.txt" 2>&1 &
LOAD_PID=$!
wait_for 30 test -e "$LOAD_OUT.ready" || bad "load generator: no response within 30 s ($(tail -n 3 "$WORK/load.txt"))"
# shellcheck disable=SC2317 # called through check
container_ip() { docker inspect --format "{{(index .NetworkSettings.Networks \"${PROJECT}_app\").IPAddress}}" "$(cid_of "$1")"; }
# The Compose blue-green procedure of docs/operations.md: the new colour up and healthy,
# PODIUM_ACTIVE_COLOUR set in the env file and the upstream re-rendered by the config service,
# nginx -t and reload; then the old colour drained and stopped while Nginx keeps serving.
switch_to() { # COLOUR
  local to=$1 from
  if [ "$to" = green ]; then from=blue; else from=green; fi
  compose up -d --no-deps "podium-$to" >>"$WORK/switch.log" 2>&1 || return 1
  wait_for 90 bash -c "[ \"\$(docker inspect --format '{{.State.Health.Status}}' $(cid_of "podium-$to"))\" = healthy ]" \
    || { echo "podium-$to not healthy"; return 1; }
  sed -i "s/^PODIUM_ACTIVE_COLOUR=.*/PODIUM_ACTIVE_COLOUR=$to/" "$D/env/production.env"
  compose run --rm --no-deps config >>"$WORK/switch.log" 2>&1 || { echo "re-render failed"; return 1; }
  compose exec -T nginx nginx -t -q -c /etc/nginx/podium/nginx.conf >>"$WORK/switch.log" 2>&1 || { echo "nginx -t failed"; return 1; }
  compose exec -T nginx nginx -s reload -c /etc/nginx/podium/nginx.conf >>"$WORK/switch.log" 2>&1 || { echo "reload failed"; return 1; }
  sleep 3
  compose stop -t 40 "podium-$from" >>"$WORK/switch.log" 2>&1 || { echo "stopping podium-$from failed"; return 1; }
}
# The last access-log lines were answered by COLOUR's container.
# shellcheck disable=SC2317 # called through check
served_by() { # COLOUR
  local ip lines
  ip=$(container_ip "podium-$1")
  lines=$(compose exec -T nginx tail -n 20 /var/log/nginx/access.log | grep '"uri":"/api/' | tail -n 10)
  [ -n "$lines" ] && ! grep -v "\"upstream_addr\":\"$ip:8080\"" <<<"$lines"
}
t0=$SECONDS
if out=$(switch_to green 2>&1); then
  ok "switched to green and stopped blue in $((SECONDS - t0)) s"
else
  bad "switch to green: $out"; tail -n 20 "$WORK/switch.log"
fi
sleep 2
# shellcheck disable=SC2317 # called through check
upstream_is() { # ACTIVE STANDBY
  local conf
  conf=$(docker exec "$(cid_of nginx)" cat /etc/nginx/podium/upstream.conf)
  grep -q "server podium-$1:8080 max_fails" <<<"$conf" && grep -q "server podium-$2:8080 backup" <<<"$conf"
}
check "Nginx's upstream names green active, blue as backup" upstream_is green blue
# A later `up` runs the config service again: it must render the colour that is active now.
# shellcheck disable=SC2317 # called through check
config_rerun_keeps() { # ACTIVE STANDBY
  compose up -d --no-deps config >>"$WORK/switch.log" 2>&1 || return 1
  wait_for 30 bash -c "[ \"\$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' $(cid_of config))\" = 'exited 0' ]" || return 1
  upstream_is "$1" "$2"
}
check "a later 'up' re-renders green as active (PODIUM_ACTIVE_COLOUR in the env file), not blue" config_rerun_keeps green blue
check "requests after the switch are answered by green's container" served_by green
check "blue is stopped" bash -c "[[ '$(state_of podium-blue)' == exited* ]]"
t0=$SECONDS
if out=$(switch_to blue 2>&1); then
  ok "rolled back to blue and stopped green in $((SECONDS - t0)) s"
else
  bad "rollback to blue: $out"; tail -n 20 "$WORK/switch.log"
fi
sleep 2
check "Nginx's upstream names blue active, green as backup" upstream_is blue green
check "requests after the rollback are answered by blue's container" served_by blue
kill -TERM "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
LOAD_PID=""
if [ -s "$LOAD_OUT" ] && python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); sys.exit(0 if s["failed"] == 0 and s["requests"] >= 100 else 1)' "$LOAD_OUT"; then
  ok "0 failed requests under load during the switch and the rollback: $(tail -n 1 "$WORK/load.txt")"
else
  bad "requests failed under load: $(tail -n 1 "$WORK/load.txt")"
  python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["samples"]))' "$LOAD_OUT" 2>/dev/null | sed 's/^/       /'
fi
# Green back for the monitoring checks (both colours are scrape targets).
compose up -d --no-deps podium-green >>"$WORK/switch.log" 2>&1 || true
check "the smoke test passes after the rollback" "${SMOKE[@]}" "$BASE"

step "monitoring: targets, the HTTPS probe, an alert to the receiver"
prom() { # PATH: GET from Prometheus inside its container
  docker exec "$(cid_of prometheus)" wget -q -O - "http://127.0.0.1:9090$1"
}
# shellcheck disable=SC2317 # called through wait_for
targets_up() {
  prom /api/v1/targets >"$WORK/targets.json" || return 1
  python3 - "$WORK/targets.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["data"]["activeTargets"]
jobs = {x["labels"]["job"] for x in t}
want = {"prometheus", "podium", "node", "postgres", "nginx", "blackbox"}
sys.exit(0 if len(t) == 7 and jobs == want and all(x["health"] == "up" for x in t) else 1)
PY
}
if wait_for 120 targets_up; then
  ok "Prometheus: all 7 targets up (prometheus, podium blue and green, node, postgres, nginx, blackbox)"
else
  bad "Prometheus targets not all up"
  python3 -c 'import json, sys
for x in json.load(open(sys.argv[1]))["data"]["activeTargets"]: print("      ", x["labels"]["job"], x["scrapeUrl"], x["health"], x.get("lastError", ""))' "$WORK/targets.json" 2>/dev/null || true
fi
# shellcheck disable=SC2317 # called through wait_for
query_is() { # PROMQL EXPECTED: the first sample's value
  local v
  v=$(prom "/api/v1/query?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")" \
    | python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
  [ "$v" = "$2" ]
}
check "the blackbox exporter's HTTPS probe of https://$SERVER_NAME/readyz succeeds (probe_success 1)" \
  wait_for 60 query_is 'probe_success{job="blackbox"}' 1
alert_wait=$((150 - (SECONDS - ALERT_T0)))
[ "$alert_wait" -ge 10 ] || alert_wait=10
if wait_for "$alert_wait" grep -q '^/chat .*RestoreDrillFailed' "$WORK/received/pushes.jsonl"; then
  ok "RestoreDrillFailed, fired by Prometheus, reached the chat receiver through Alertmanager (seen $((SECONDS - ALERT_T0)) s after its metric was written)"
else
  bad "no RestoreDrillFailed notification reached the receiver"
  prom /api/v1/alerts | head -c 600; echo
  compose logs --tail 10 alertmanager prometheus
fi

step "logs: the shipper pushes Nginx's access line"
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
            sys.exit(0)
sys.exit(1)
PY
}
check "the access line of request $MARKER reached the Loki stand-in (service=nginx)" wait_for 30 shipped nginx "$MARKER"

step "backups: the backup service, WAL archiving, the metrics in Prometheus"
bk() { docker exec "$(cid_of backup)" "$@"; }
# shellcheck disable=SC2317 # called through wait_for
full_backup() {
  bk runuser -u postgres -- pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --config-include-path=/etc/pgbackrest/conf.d \
    --stanza=podium --output=json info >"$WORK/backup-info.json" 2>/dev/null || return 1
  python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))[0]; sys.exit(0 if s["status"]["code"] == 0 and any(b["type"] == "full" for b in s["backup"]) else 1)' "$WORK/backup-info.json"
}
if wait_for 180 full_backup; then
  ok "pgbackrest info shows a full backup taken by the backup service's scheduler"
  bk /deploy/scripts/backup info 2>&1 | sed 's/^/       /' | head -n 5
else
  bad "no full backup in pgbackrest info"; compose logs --tail 20 backup
fi
pg() { docker exec "$(cid_of postgres)" psql -X -At -U postgres -d podium -c "$1"; }
archived0=$(pg 'select archived_count from pg_stat_archiver' 2>/dev/null || echo 0)
# A WAL record, so the switch has a segment to close (a switch with nothing new is a no-op).
pg "select pg_logical_emit_message(false, 'test-compose', 'x'); select pg_switch_wal()" >/dev/null 2>&1 || true
# shellcheck disable=SC2317 # called through wait_for
archived_more() { [ "$(pg 'select archived_count from pg_stat_archiver')" -gt "$archived0" ]; }
check "WAL archiving: a switched segment reaches the repository (pg_stat_archiver)" wait_for 60 archived_more
check "pgbackrest check (archive-push from the PostgreSQL container works)" \
  bk runuser -u postgres -- pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --config-include-path=/etc/pgbackrest/conf.d --stanza=podium check
# shellcheck disable=SC2317 # called through wait_for
full_metric() { ! query_is 'podium_backup_last_success_timestamp_seconds{type="full",stanza="podium"}' none; }
check "podium_backup_last_success_timestamp_seconds{type=\"full\"} reaches Prometheus (textfile collector)" \
  wait_for 90 full_metric
check "podium_backup_stanza_ok is 1 in Prometheus" wait_for 30 query_is 'podium_backup_stanza_ok' 1
check "GET /api/v1/system reports the last backup" \
  bash -c "curl -fsS --cacert '$TLS/ca.crt' --resolve '$SERVER_NAME:$HTTPS_PORT:127.0.0.1' -H \"Authorization: Bearer \$(cat '$TOKEN_FILE')\" '$BASE/api/v1/system' | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get(\"last_backup_at\") else 1)'"

step "teardown"
compose --profile dashboards down -v --remove-orphans -t 20 >"$WORK/down.log" 2>&1 || true
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"; docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT"; docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")
check "compose down -v leaves no container, volume or network of the project" test -z "$left"
finish
