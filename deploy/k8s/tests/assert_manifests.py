#!/usr/bin/env python3
"""Assertions on the rendered overlays that schemas cannot make: what production promises
(replicas, disruption budget, autoscaler bounds), what every container must have (requests and
limits, probes, the restricted security context), pinned images, settings that Podium really
reads, secrets that README.md tells the operator to create, the monitoring wiring (the job label
the alert rules select), the database (three instances, a synchronous standby, WAL archiving to
the object store, a scheduled backup) and the network policies (default deny, narrow egress).

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


def load(path):
    return [d for d in yaml.safe_load_all(pathlib.Path(path).read_text()) if d]


def find(docs, kind, name=None):
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs, kind, name, errors, where):
    found = find(docs, kind, name)
    if len(found) != 1:
        errors.append(f"{where}: expected one {kind}/{name}, found {len(found)}")
        return None
    return found[0]


def config_fields(repo):
    text = (repo / "crates/podium-server/src/config.rs").read_text()
    body = re.search(r"pub struct Config \{(.*?)\n\}", text, re.S).group(1)
    return {f.upper() for f in re.findall(r"pub (\w+):", body)}


def image_tag(image):
    name = image.split("@")[0]
    return name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else None


def check_pod(where, pod, errors, fields, readme):
    spec = pod["spec"]
    psc = spec.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        errors.append(f"{where}: pod securityContext.runAsNonRoot is not true")
    if spec.get("automountServiceAccountToken") is not False:
        errors.append(f"{where}: the service account token is mounted")
    if not spec.get("topologySpreadConstraints"):
        errors.append(f"{where}: no topologySpreadConstraints")
    mounts_by_volume = {v["name"]: v for v in spec.get("volumes", [])}
    for kind in ("initContainers", "containers"):
        for c in spec.get(kind, []):
            at = f"{where} {kind[:-1]} {c['name']}"
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in res.get(part, {}):
                        errors.append(f"{at}: no {part}.{r}")
            sc = c.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True:
                errors.append(f"{at}: root filesystem not read-only")
            if sc.get("allowPrivilegeEscalation") is not False:
                errors.append(f"{at}: privilege escalation allowed")
            if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
                errors.append(f"{at}: may run as root")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                errors.append(f"{at}: capabilities not dropped (drop: [ALL])")
            seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
            if seccomp != "RuntimeDefault":
                errors.append(f"{at}: seccomp profile {seccomp!r}, not RuntimeDefault")
            tag = image_tag(c["image"])
            if tag in (None, "latest"):
                errors.append(f"{at}: image {c['image']} is not pinned by a tag")
            if kind == "containers":
                paths = {p: c.get(p, {}).get("httpGet", {}).get("path")
                         for p in ("livenessProbe", "readinessProbe", "startupProbe")}
                if paths["livenessProbe"] != "/healthz":
                    errors.append(f"{at}: livenessProbe is not GET /healthz")
                if paths["readinessProbe"] != "/readyz":
                    errors.append(f"{at}: readinessProbe is not GET /readyz")
            # Every setting is one Podium reads, and every *_FILE names a mounted file.
            names = [e["name"] for e in c.get("env", [])]
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            for e in c.get("env", []):
                if e["name"].endswith("_FILE"):
                    folder, _, file = e.get("value", "").rpartition("/")
                    vol = mounts_by_volume.get(mounts.get(folder, ""), {})
                    items = [i["path"] for i in vol.get("secret", {}).get("items", [])]
                    if file not in items:
                        errors.append(f"{at}: {e['name']}={e.get('value')} is no mounted secret file")
            for n in names + [n for n in pod.get("_config_env", [])] if kind == "containers" else names:
                if n not in RAW_ENV and not (n.startswith("PODIUM_") and n[7:] in fields):
                    errors.append(f"{at}: {n} is not a setting Podium reads (config.rs)")
    for v in spec.get("volumes", []):
        secret = v.get("secret", {}).get("secretName")
        if secret and secret not in readme and not secret.startswith("podium-db-app"):
            errors.append(f"{where}: secret {secret} is not in deploy/k8s/README.md")


def check_overlay(name, docs, cluster_docs, errors, repo):
    fields = config_fields(repo)
    readme = (repo / "deploy/k8s/README.md").read_text() if (repo / "deploy/k8s/README.md").exists() else ""
    version = re.search(r'^version = "(.*)"', (repo / "Cargo.toml").read_text(), re.M).group(1)
    at = name
    dep = one(docs, "Deployment", "podium", errors, at)
    pdb = one(docs, "PodDisruptionBudget", "podium", errors, at)
    hpa = one(docs, "HorizontalPodAutoscaler", "podium", errors, at)
    if dep:
        replicas = dep["spec"].get("replicas", 1)
        if name == "production" and replicas != 3:
            errors.append(f"{at}: Deployment podium has {replicas} replicas, not 3")
        if replicas < 2:
            errors.append(f"{at}: fewer than two Podium replicas")
        pod = copy.deepcopy(dep["spec"]["template"])
        cm_names = [r["configMapRef"]["name"] for c in pod["spec"]["containers"] for r in c.get("envFrom", []) if "configMapRef" in r]
        pod["_config_env"] = [k for cm in cm_names for d in find(docs, "ConfigMap", cm) for k in d.get("data", {})]
        if not cm_names or not pod["_config_env"]:
            errors.append(f"{at}: Podium reads no ConfigMap of settings")
        check_pod(f"{at} Deployment/podium", pod, errors, fields, readme)
        for c in pod["spec"]["containers"]:
            if name == "production" and c["name"] == "podium" and image_tag(c["image"]) != version:
                errors.append(f"{at}: podium image {c['image']} is not the workspace version {version}")
        sel = dep["spec"]["selector"]["matchLabels"]
        if pdb and pdb["spec"].get("selector", {}).get("matchLabels") != sel:
            errors.append(f"{at}: the PodDisruptionBudget does not select the Deployment's pods")
        if pdb:
            min_av = pdb["spec"].get("minAvailable")
            if not isinstance(min_av, int) or not 1 <= min_av < replicas:
                errors.append(f"{at}: PDB minAvailable {min_av!r} must be 1..replicas-1 ({replicas} replicas)")
            if name == "production" and min_av != 2:
                errors.append(f"{at}: PDB minAvailable is {min_av!r}, not 2")
        if hpa:
            lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            if lo != replicas or hi <= lo:
                errors.append(f"{at}: HPA {lo}..{hi} does not start at the Deployment's {replicas} replicas and grow")
            if hpa["spec"]["scaleTargetRef"]["name"] != "podium":
                errors.append(f"{at}: HPA does not target Deployment/podium")
    # Service, ServiceMonitor and the job label the rules select.
    svc = one(docs, "Service", "podium", errors, at)
    sm = one(docs, "ServiceMonitor", "podium", errors, at)
    rule = one(docs, "PrometheusRule", "podium", errors, at)
    if svc and sm:
        labels = svc["metadata"].get("labels", {})
        if any(labels.get(k) != v for k, v in sm["spec"]["selector"]["matchLabels"].items()):
            errors.append(f"{at}: the ServiceMonitor does not select Service/podium")
        job = labels.get(sm["spec"].get("jobLabel", ""), svc["metadata"]["name"])
        if rule and f'job="{job}"' not in yaml.safe_dump(rule["spec"], width=10**6):
            errors.append(f"{at}: the rules do not select job=\"{job}\" that the ServiceMonitor gives")
        ports = {p["name"] for p in svc["spec"]["ports"]}
        if any(e["port"] not in ports for e in sm["spec"]["endpoints"]):
            errors.append(f"{at}: a ServiceMonitor endpoint names a port Service/podium lacks")
    # Ingress: cert-manager with an issuer that exists, TLS for the host it serves.
    ing = one(docs, "Ingress", "podium", errors, at)
    issuers = {d["metadata"]["name"] for d in find(cluster_docs, "ClusterIssuer")}
    if ing:
        issuer = ing["metadata"].get("annotations", {}).get("cert-manager.io/cluster-issuer")
        if issuer not in issuers:
            errors.append(f"{at}: Ingress issuer {issuer!r} is not a ClusterIssuer of deploy/k8s/cluster")
        if name == "production" and issuer != "letsencrypt-production":
            errors.append(f"{at}: production uses issuer {issuer!r}")
        hosts = {r["host"] for r in ing["spec"]["rules"]}
        tls = {h for t in ing["spec"].get("tls", []) for h in t["hosts"]}
        if not hosts or hosts - tls:
            errors.append(f"{at}: hosts without TLS: {sorted(hosts - tls)}")
    # The database.
    db = one(docs, "Cluster", "podium-db", errors, at)
    if db:
        s = db["spec"]
        if s.get("instances") != 3:
            errors.append(f"{at}: the PostgreSQL cluster has {s.get('instances')} instances, not 3")
        sync = s.get("postgresql", {}).get("synchronous", {})
        if sync.get("number", 0) < 1 or sync.get("dataDurability") != "required":
            errors.append(f"{at}: no required synchronous standby ({sync})")
        if image_tag(s.get("imageName", "")) in (None, "latest") or not image_tag(s["imageName"]).startswith("15."):
            errors.append(f"{at}: PostgreSQL image {s.get('imageName')} is not a pinned 15.x")
        archivers = [p for p in s.get("plugins", []) if p.get("isWALArchiver")]
        store = archivers[0]["parameters"]["barmanObjectName"] if archivers else None
        if not store or not find(docs, "ObjectStore", store):
            errors.append(f"{at}: WAL is not archived to an ObjectStore of the overlay")
        for obj in find(docs, "ObjectStore"):
            creds = obj["spec"]["configuration"].get("s3Credentials", {})
            for ref in creds.values():
                if isinstance(ref, dict) and ref.get("name") not in readme:
                    errors.append(f"{at}: object store secret {ref.get('name')!r} is not in README.md")
        backups = [b for b in find(docs, "ScheduledBackup") if b["spec"]["cluster"]["name"] == "podium-db"]
        if not backups:
            errors.append(f"{at}: no ScheduledBackup of podium-db")
        roles = {r["name"]: r for r in s.get("managed", {}).get("roles", [])}
        secret = roles.get("podium_app", {}).get("passwordSecret", {}).get("name")
        if secret not in readme:
            errors.append(f"{at}: the podium_app password secret {secret!r} is not in README.md")
    # Network policies: default deny; Podium may only reach PostgreSQL and DNS.
    policies = find(docs, "NetworkPolicy")
    if not any(p["spec"].get("podSelector") == {} and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
               and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies):
        errors.append(f"{at}: no default-deny NetworkPolicy")
    pp = [p for p in policies if p["spec"].get("podSelector", {}).get("matchLabels") == (dep or {}).get("spec", {}).get("selector", {}).get("matchLabels")]
    if len(pp) != 1:
        errors.append(f"{at}: expected one NetworkPolicy for Podium's pods, found {len(pp)}")
    else:
        for rule in pp[0]["spec"].get("egress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            peers = rule.get("to", [])
            to_db = peers and all(t.get("podSelector", {}).get("matchLabels") == {"cnpg.io/cluster": "podium-db"} for t in peers)
            to_dns = peers and all(t.get("podSelector", {}).get("matchLabels", {}).get("k8s-app") == "kube-dns" for t in peers)
            if not ((to_db and ports == {5432}) or (to_dns and ports == {53})):
                errors.append(f"{at}: Podium egress rule allows more than PostgreSQL and DNS: {rule}")
        froms = [f for r in pp[0]["spec"].get("ingress", []) for f in r.get("from", [])]
        if not any("ingress-nginx" in yaml.safe_dump(f) for f in froms):
            errors.append(f"{at}: the ingress controller may not reach Podium")
    ns = {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"}
    if len(ns) != 1 or None in ns:
        errors.append(f"{at}: resources in namespaces {ns}, expected the overlay's one")
    return errors


def run(repo, staging, production, cluster):
    errors = []
    check_overlay("staging", staging, cluster, errors, repo)
    check_overlay("production", production, cluster, errors, repo)
    return errors


def self_test(repo, staging, production, cluster):
    def dep(docs):
        return find(docs, "Deployment", "podium")[0]["spec"]

    def podium(docs):
        return dep(docs)["template"]["spec"]["containers"][0]

    breaks = {
        "two replicas in production": lambda d: dep(d).__setitem__("replicas", 2),
        "image :latest": lambda d: podium(d).__setitem__("image", "ghcr.io/podium-rank/podium:latest"),
        "no memory limit": lambda d: podium(d)["resources"]["limits"].pop("memory"),
        "no readiness probe": lambda d: podium(d).pop("readinessProbe"),
        "writable root filesystem": lambda d: podium(d)["securityContext"].__setitem__("readOnlyRootFilesystem", False),
        "misspelt setting": lambda d: podium(d)["env"].append({"name": "PODIUM_LOG_LEVLE", "value": "x"}),
        "PDB minAvailable 1": lambda d: find(d, "PodDisruptionBudget")[0]["spec"].__setitem__("minAvailable", 1),
        "one database instance": lambda d: find(d, "Cluster")[0]["spec"].__setitem__("instances", 1),
        "no default deny": lambda d: d.remove(find(d, "NetworkPolicy", "default-deny-all")[0]),
        "egress anywhere": lambda d: find(d, "NetworkPolicy", "podium")[0]["spec"]["egress"].append({}),
    }
    baseline = run(repo, staging, production, cluster)
    missed = []
    for what, brk in breaks.items():
        broken = copy.deepcopy(production)
        brk(broken)
        if len(run(repo, staging, broken, cluster)) <= len(baseline):
            missed.append(what)
    for m in missed:
        print(f"FAIL self-test: not caught: {m}")
    print(f"self-test: {len(breaks) - len(missed)} of {len(breaks)} breaks caught")
    return 1 if missed else 0


def main(argv):
    if argv[1:2] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    args = argv[1:]
    test = "--self-test" in args
    args = [a for a in args if a != "--self-test"]
    if len(args) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    repo = pathlib.Path(args[0])
    staging, production, cluster = (load(p) for p in args[1:])
    if test:
        return self_test(repo, staging, production, cluster)
    errors = run(repo, staging, production, cluster)
    for e in errors:
        print(f"FAIL {e}")
    print(f"assertions: {len(errors)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
