#!/usr/bin/env python3
"""Assertions on the rendered overlays that schemas cannot make: what production promises
(replicas, disruption budget, autoscaler bounds), what every container must have (requests and
limits, probes, the restricted security context), pinned images, settings that Podium really
reads, secrets that README.md tells the operator to create, the monitoring wiring (the job label
the alert rules select), the database (three instances, a synchronous standby, WAL archiving to
the object store, a scheduled backup, enough connections for the autoscaler's maximum) and the
network policies (default deny, Podium's egress limited to PostgreSQL and DNS).

  assert_manifests.py REPO STAGING.yaml PRODUCTION.yaml CLUSTER.yaml
  assert_manifests.py REPO --self-test STAGING.yaml PRODUCTION.yaml CLUSTER.yaml
Prints one line per failed assertion and the count; exits 1 when any failed. The self-test
breaks the production rendering in known ways and exits 1 unless each break is caught.
"""

import copy
import pathlib
import re
import sys

import yaml

# Settings read outside Config's PODIUM_* fields (config.rs: Env::raw().only(...)).
RAW_ENV = {"DATABASE_URL", "DATABASE_URL_FILE"}
# Secrets the operators create themselves (CloudNativePG: the database owner's credentials).
OPERATOR_SECRETS = {"podium-db-app"}


class Overlay:
    """One rendered overlay and what the checks need from the repository."""

    def __init__(self, name, docs, cluster_docs, repo):
        self.name, self.docs, self.cluster_docs = name, docs, cluster_docs
        self.errors = []
        text = (repo / "crates/podium-server/src/config.rs").read_text()
        body = re.search(r"pub struct Config \{(.*?)\n\}", text, re.S).group(1)
        self.fields = {f.upper() for f in re.findall(r"pub (\w+):", body)}
        readme = repo / "deploy/k8s/README.md"
        self.readme = readme.read_text() if readme.exists() else ""
        cargo = (repo / "Cargo.toml").read_text()
        self.version = re.search(r'^version = "(.*)"', cargo, re.M).group(1)

    def fail(self, message):
        self.errors.append(f"{self.name}: {message}")

    def find(self, kind, name=None):
        return [d for d in self.docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]

    def one(self, kind, name):
        found = self.find(kind, name)
        if len(found) != 1:
            self.fail(f"expected one {kind}/{name}, found {len(found)}")
            return None
        return found[0]

    def settings(self, container):
        """The names and values of a container's environment, ConfigMaps included."""
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        for ref in container.get("envFrom", []):
            for cm in self.find("ConfigMap", ref.get("configMapRef", {}).get("name")):
                env.update(cm.get("data", {}))
        return env


def image_tag(image):
    name = image.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def check_container(o, at, c, pod_sc, volumes):
    res = c.get("resources", {})
    for part in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in res.get(part, {}):
                o.fail(f"{at}: no {part}.{r}")
    sc = c.get("securityContext", {})
    if sc.get("readOnlyRootFilesystem") is not True:
        o.fail(f"{at}: root filesystem not read-only")
    if sc.get("allowPrivilegeEscalation") is not False:
        o.fail(f"{at}: privilege escalation allowed")
    if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
        o.fail(f"{at}: may run as root")
    if sc.get("capabilities", {}).get("drop") != ["ALL"]:
        o.fail(f"{at}: capabilities not dropped (drop: [ALL])")
    seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {})).get("type")
    if seccomp != "RuntimeDefault":
        o.fail(f"{at}: seccomp profile {seccomp!r}, not RuntimeDefault")
    if image_tag(c["image"]) in (None, "latest"):
        o.fail(f"{at}: image {c['image']} is not pinned by a tag")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    for name, value in o.settings(c).items():
        if name not in RAW_ENV and not (name.startswith("PODIUM_") and name[7:] in o.fields):
            o.fail(f"{at}: {name} is not a setting Podium reads (config.rs)")
        if name.endswith("_FILE"):
            folder, _, file = (value or "").rpartition("/")
            secret = volumes.get(mounts.get(folder, ""), {}).get("secret", {})
            if file not in [i["path"] for i in secret.get("items", [])]:
                o.fail(f"{at}: {name}={value} is not a file of a mounted secret")


def check_workload(o):
    dep = o.one("Deployment", "podium")
    if not dep:
        return
    replicas = dep["spec"].get("replicas", 1)
    if o.name == "production" and replicas != 3:
        o.fail(f"Deployment podium has {replicas} replicas, not 3")
    if replicas < 2:
        o.fail("fewer than two Podium replicas")
    pod = dep["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext", {})
    if pod_sc.get("runAsNonRoot") is not True:
        o.fail("pod securityContext.runAsNonRoot is not true")
    if pod.get("automountServiceAccountToken") is not False:
        o.fail("the service account token is mounted into Podium's pods")
    if not pod.get("topologySpreadConstraints"):
        o.fail("no topologySpreadConstraints")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for kind in ("initContainers", "containers"):
        for c in pod.get(kind, []):
            check_container(o, f"{kind[:-1]} {c['name']}", c, pod_sc, volumes)
    server = [c for c in pod["containers"] if c["name"] == "podium"]
    if len(server) != 1:
        o.fail("no container named podium")
        return
    c = server[0]
    paths = {p: c.get(p, {}).get("httpGet", {}).get("path") for p in ("livenessProbe", "readinessProbe")}
    if paths != {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}:
        o.fail(f"podium's probes are {paths}, not liveness /healthz and readiness /readyz")
    if o.name == "production" and image_tag(c["image"]) != o.version:
        o.fail(f"podium image {c['image']} is not the workspace version {o.version}")
    env = o.settings(c)
    drain = int(env.get("PODIUM_DRAIN_DELAY_MS", 0)) / 1000 + int(env.get("PODIUM_SHUTDOWN_TIMEOUT_SECS", 30))
    if pod.get("terminationGracePeriodSeconds", 30) <= drain:
        o.fail(f"terminationGracePeriodSeconds {pod.get('terminationGracePeriodSeconds', 30)} "
               f"does not cover drain delay + shutdown timeout ({drain:g} s)")
    for v in volumes.values():
        secret = v.get("secret", {}).get("secretName")
        if secret and secret not in OPERATOR_SECRETS and f"`{secret}`" not in o.readme:
            o.fail(f"secret {secret} is not listed in deploy/k8s/README.md")
    check_scaling(o, dep, replicas, env)


def check_scaling(o, dep, replicas, env):
    sel = dep["spec"]["selector"]["matchLabels"]
    pdb = o.one("PodDisruptionBudget", "podium")
    if pdb:
        if pdb["spec"].get("selector", {}).get("matchLabels") != sel:
            o.fail("the PodDisruptionBudget does not select the Deployment's pods")
        min_av = pdb["spec"].get("minAvailable")
        if not isinstance(min_av, int) or not 1 <= min_av < replicas:
            o.fail(f"PDB minAvailable {min_av!r} must be 1..replicas-1 ({replicas} replicas)")
        if o.name == "production" and min_av != 2:
            o.fail(f"PDB minAvailable is {min_av!r}, not 2")
    hpa = o.one("HorizontalPodAutoscaler", "podium")
    if not hpa:
        return
    lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
    if lo != replicas or hi <= lo:
        o.fail(f"HPA {lo}..{hi} does not start at the Deployment's {replicas} replicas and grow")
    if hpa["spec"]["scaleTargetRef"] != {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podium"}:
        o.fail("the HPA does not target Deployment/podium")
    # Every replica the HPA may run, plus the rolling update's surge pod, at its pool's maximum,
    # must fit in the podium_app role's connection limit, and that in max_connections.
    db = o.find("Cluster", "podium-db")
    if db:
        surge = dep["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", 1)
        pool = int(env.get("PODIUM_DB_MAX_CONNECTIONS", 16))
        roles = {r["name"]: r for r in db[0]["spec"].get("managed", {}).get("roles", [])}
        limit = roles.get("podium_app", {}).get("connectionLimit", -1)
        max_conn = int(db[0]["spec"].get("postgresql", {}).get("parameters", {}).get("max_connections", 100))
        need = (hi + int(surge)) * pool
        if limit < 0 or need > limit or limit >= max_conn:
            o.fail(f"{hi}+{surge} replicas x {pool} connections = {need} against podium_app's "
                   f"limit {limit} and max_connections {max_conn}")


def check_monitoring(o):
    svc, sm, rule = o.one("Service", "podium"), o.one("ServiceMonitor", "podium"), o.one("PrometheusRule", "podium")
    if not (svc and sm):
        return
    labels = svc["metadata"].get("labels", {})
    if any(labels.get(k) != v for k, v in sm["spec"]["selector"]["matchLabels"].items()):
        o.fail("the ServiceMonitor does not select Service/podium")
    job = labels.get(sm["spec"].get("jobLabel", ""), svc["metadata"]["name"])
    if rule and f'job="{job}"' not in yaml.safe_dump(rule["spec"], width=10**6):
        o.fail(f'the rules do not select job="{job}", the job the ServiceMonitor gives')
    ports = {p["name"] for p in svc["spec"]["ports"]}
    if any(e["port"] not in ports for e in sm["spec"]["endpoints"]):
        o.fail("a ServiceMonitor endpoint names a port Service/podium lacks")


def check_ingress(o):
    ing = o.one("Ingress", "podium")
    if not ing:
        return
    issuers = {d["metadata"]["name"] for d in o.cluster_docs if d["kind"] == "ClusterIssuer"}
    issuer = ing["metadata"].get("annotations", {}).get("cert-manager.io/cluster-issuer")
    if issuer not in issuers:
        o.fail(f"Ingress issuer {issuer!r} is not a ClusterIssuer of deploy/k8s/cluster")
    if o.name == "production" and issuer != "letsencrypt-production":
        o.fail(f"production's Ingress uses issuer {issuer!r}")
    hosts = {r["host"] for r in ing["spec"]["rules"]}
    tls = {h for t in ing["spec"].get("tls", []) for h in t["hosts"]}
    if not hosts or hosts - tls:
        o.fail(f"hosts without TLS: {sorted(hosts - tls)}")


def check_database(o):
    db = o.one("Cluster", "podium-db")
    if not db:
        return
    s = db["spec"]
    if s.get("instances") != 3:
        o.fail(f"the PostgreSQL cluster has {s.get('instances')} instances, not 3")
    sync = s.get("postgresql", {}).get("synchronous", {})
    if sync.get("number", 0) < 1 or sync.get("dataDurability") != "required":
        o.fail(f"no required synchronous standby ({sync})")
    tag = image_tag(s.get("imageName", "")) or ""
    if not tag.startswith("15."):
        o.fail(f"PostgreSQL image {s.get('imageName')} is not a pinned 15.x")
    archivers = [p for p in s.get("plugins", []) if p.get("isWALArchiver")]
    store = archivers[0].get("parameters", {}).get("barmanObjectName") if len(archivers) == 1 else None
    if not store or not o.find("ObjectStore", store):
        o.fail("WAL is not archived to an ObjectStore of the overlay")
    for obj in o.find("ObjectStore"):
        for ref in obj["spec"]["configuration"].get("s3Credentials", {}).values():
            if isinstance(ref, dict) and f"`{ref.get('name')}`" not in o.readme:
                o.fail(f"object store secret {ref.get('name')!r} is not listed in README.md")
    if not [b for b in o.find("ScheduledBackup") if b["spec"]["cluster"]["name"] == "podium-db"]:
        o.fail("no ScheduledBackup of podium-db")
    roles = {r["name"]: r for r in s.get("managed", {}).get("roles", [])}
    secret = roles.get("podium_app", {}).get("passwordSecret", {}).get("name")
    if f"`{secret}`" not in o.readme:
        o.fail(f"the podium_app password secret {secret!r} is not listed in README.md")


def check_network(o):
    policies = o.find("NetworkPolicy")
    if not any(p["spec"].get("podSelector") == {} and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
               and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies):
        o.fail("no default-deny NetworkPolicy")
    dep = o.find("Deployment", "podium")
    sel = dep[0]["spec"]["selector"]["matchLabels"] if dep else None
    mine = [p for p in policies if p["spec"].get("podSelector", {}).get("matchLabels") == sel]
    if len(mine) != 1:
        o.fail(f"expected one NetworkPolicy for Podium's pods, found {len(mine)}")
        return
    for rule in mine[0]["spec"].get("egress", []):
        ports = {p["port"] for p in rule.get("ports", [])}
        peers = [t.get("podSelector", {}).get("matchLabels", {}) for t in rule.get("to", [])]
        to_db = peers and all(p == {"cnpg.io/cluster": "podium-db"} for p in peers)
        to_dns = peers and all(p.get("k8s-app") == "kube-dns" for p in peers)
        if not ((to_db and ports == {5432}) or (to_dns and ports == {53})):
            o.fail(f"a Podium egress rule allows more than PostgreSQL and DNS: {rule}")
    froms = [f for r in mine[0]["spec"].get("ingress", []) for f in r.get("from", [])]
    if not any(f.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "ingress-nginx" for f in froms):
        o.fail("the ingress controller may not reach Podium")
    namespaces = {d["metadata"].get("namespace") for d in o.docs if d["kind"] != "Namespace"}
    if len(namespaces) != 1 or None in namespaces:
        o.fail(f"resources in namespaces {namespaces}, expected the overlay's one")


def run(repo, staging, production, cluster):
    errors = []
    for name, docs in (("staging", staging), ("production", production)):
        o = Overlay(name, docs, cluster, repo)
        for check in (check_workload, check_monitoring, check_ingress, check_database, check_network):
            check(o)
        errors += o.errors
    return errors


def self_test(repo, staging, production, cluster):
    def find(docs, kind, name=None):
        return [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]

    def pod(docs):
        return find(docs, "Deployment", "podium")[0]["spec"]["template"]["spec"]

    def podium(docs):
        return pod(docs)["containers"][0]

    # Each break, and words of the failure that must name it.
    breaks = {
        "two replicas in production": ("2 replicas, not 3", lambda d: find(d, "Deployment")[0]["spec"].__setitem__("replicas", 2)),
        "image :latest": ("not pinned by a tag", lambda d: podium(d).__setitem__("image", "ghcr.io/podium-rank/podium:latest")),
        "no memory limit": ("no limits.memory", lambda d: podium(d)["resources"]["limits"].pop("memory")),
        "no readiness probe": ("probes are", lambda d: podium(d).pop("readinessProbe")),
        "writable root filesystem": ("not read-only", lambda d: podium(d)["securityContext"].__setitem__("readOnlyRootFilesystem", False)),
        "misspelt setting": ("PODIUM_LOG_LEVLE is not a setting", lambda d: podium(d)["env"].append({"name": "PODIUM_LOG_LEVLE", "value": "x"})),
        "grace period shorter than the drain": ("does not cover drain", lambda d: pod(d).__setitem__("terminationGracePeriodSeconds", 20)),
        "PDB minAvailable 1": ("minAvailable is 1", lambda d: find(d, "PodDisruptionBudget")[0]["spec"].__setitem__("minAvailable", 1)),
        "HPA beyond the connection limit": ("connections =", lambda d: find(d, "HorizontalPodAutoscaler")[0]["spec"].__setitem__("maxReplicas", 30)),
        "one database instance": ("1 instances", lambda d: find(d, "Cluster")[0]["spec"].__setitem__("instances", 1)),
        "no default deny": ("no default-deny", lambda d: d.remove(find(d, "NetworkPolicy", "default-deny-all")[0])),
        "egress anywhere": ("allows more than PostgreSQL", lambda d: find(d, "NetworkPolicy", "podium")[0]["spec"]["egress"].append({})),
    }
    baseline = run(repo, staging, production, cluster)
    missed = []
    for what, (words, brk) in breaks.items():
        broken = copy.deepcopy(production)
        brk(broken)
        new = [e for e in run(repo, staging, broken, cluster) if e not in baseline]
        if not any(e.startswith("production:") and words in e for e in new):
            missed.append(f"{what} (got {new})")
    for m in missed:
        print(f"FAIL self-test: not caught: {m}")
    print(f"self-test: {len(breaks) - len(missed)} of {len(breaks)} breaks caught")
    return 1 if missed else 0


def main(argv):
    if argv[1:2] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    test = "--self-test" in argv
    args = [a for a in argv[1:] if a != "--self-test"]
    if len(args) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    repo = pathlib.Path(args[0])
    staging, production, cluster = ([d for d in yaml.safe_load_all(pathlib.Path(p).read_text()) if d] for p in args[1:])
    if test:
        return self_test(repo, staging, production, cluster)
    errors = run(repo, staging, production, cluster)
    for e in errors:
        print(f"FAIL {e}")
    print(f"assertions: {len(errors)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
