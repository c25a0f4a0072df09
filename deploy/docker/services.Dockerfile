# Images for deploy/compose.prod.yaml's supporting services, made from Debian 12 packages: where
# no registry can be reached (the test machine) they stand in for the official images, and the
# log shipper has no official equivalent we use (syslog-ng from Debian replaces promtail).
#   docker build -f deploy/docker/services.Dockerfile --target log-shipper -t podium-local/log-shipper .
# BASE_IMAGE: debian:bookworm-slim, or podium-local/debian:12 from scripts/containers/bases.sh.
ARG BASE_IMAGE=debian:bookworm-slim

# The `config` service's renderers (Python 3 and bash).
FROM ${BASE_IMAGE} AS tools
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log

# The log shipper: syslog-ng with its HTTP destination (Loki's push API).
FROM ${BASE_IMAGE} AS log-shipper
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends syslog-ng-core syslog-ng-mod-http \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && mkdir -p /var/lib/syslog-ng
CMD ["syslog-ng", "-F", "--no-caps", "-f", "/etc/syslog-ng/podium.conf"]

# Alertmanager from Debian (0.25), with the official image's entry point and health-check tool:
# the tests run deploy/compose.prod.yaml's Alertmanager with this where no registry is reachable.
FROM ${BASE_IMAGE} AS alertmanager
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus-alertmanager wget ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && mkdir -p /alertmanager && chown 65534:65534 /alertmanager
USER 65534:65534
ENTRYPOINT ["prometheus-alertmanager"]
