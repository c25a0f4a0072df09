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

# The Prometheus family from Debian: Prometheus 2.42, Alertmanager 0.25 and the node, postgres,
# nginx and blackbox exporters in one layer that the targets below share (one download, one
# build, about 60 MB of Go binaries); each target only names its user and entry point. They take
# the official images' arguments, as deploy/compose.prod.yaml passes them.
FROM ${BASE_IMAGE} AS prometheus-family
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus prometheus-alertmanager \
      prometheus-node-exporter prometheus-postgres-exporter prometheus-nginx-exporter \
      prometheus-blackbox-exporter wget ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
      /usr/share/prometheus/node-exporter /etc/default/prometheus* \
 && mkdir -p /alertmanager /prometheus && chown 65534:65534 /alertmanager /prometheus

# Alertmanager from Debian (0.25), with the official image's entry point and health-check tool.
FROM prometheus-family AS alertmanager
USER 65534:65534
ENTRYPOINT ["prometheus-alertmanager"]

FROM prometheus-family AS prometheus
USER 65534:65534
ENTRYPOINT ["prometheus"]

FROM prometheus-family AS node-exporter
USER 65534:65534
ENTRYPOINT ["prometheus-node-exporter"]

FROM prometheus-family AS postgres-exporter
USER 65534:65534
ENTRYPOINT ["prometheus-postgres-exporter"]

FROM prometheus-family AS nginx-exporter
USER 65534:65534
ENTRYPOINT ["prometheus-nginx-exporter"]

FROM prometheus-family AS blackbox-exporter
USER 65534:65534
ENTRYPOINT ["prometheus-blackbox-exporter"]

# Nginx from Debian (1.22) with curl for the health check; the rendered configuration names the
# user `nginx`, as the official image has it.
FROM ${BASE_IMAGE} AS nginx
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /etc/nginx/sites-enabled/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nginx
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]

# PostgreSQL 15 with pgBackRest (archive_command runs in this container) and what the backup
# service needs to run deploy/scripts/backup (python3, age, openssl, psql). The entry point keeps
# the official image's contract: POSTGRES_PASSWORD_FILE, POSTGRES_INITDB_ARGS,
# /docker-entrypoint-initdb.d on the first start. The postgres user is uid 999 as there, so a data
# volume moves between the two. The backup service runs this image as root (user: "0:0").
FROM ${BASE_IMAGE} AS postgres
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-common \
 && sed -i 's/^#\?create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf \
 && apt-get install -y --no-install-recommends postgresql-15 pgbackrest python3 age openssl \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql /var/lib/pgbackrest /etc/pgbackrest/conf.d /textfile \
 && chown postgres:postgres /var/lib/postgresql /var/lib/postgresql/data /var/run/postgresql \
      /var/lib/pgbackrest /etc/pgbackrest /etc/pgbackrest/conf.d \
 && chmod 700 /var/lib/postgresql/data && chmod 2775 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER 999:999
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
