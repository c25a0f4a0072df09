#!/usr/bin/env python3
"""Checks that every alert is complete and covered: severity, summary, description and a
runbook_url naming docs/runbooks/<alertname>.md that exists; no runbook without an alert; and
at least one unit-test case where the alert fires and one where it must not.

usage: check_alerts.py RULES_DIR TESTS_DIR RUNBOOKS_DIR   (exit 1 on any problem)"""

import pathlib
import sys

import yaml


def main(rules_dir, tests_dir, runbooks_dir):
    problems = []
    alerts = {}
    for f in sorted(pathlib.Path(rules_dir).glob("*.yml")):
        for group in yaml.safe_load(f.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    alerts.setdefault(rule["alert"], []).append((f.name, rule))
    runbooks = {p.stem for p in pathlib.Path(runbooks_dir).glob("*.md") if p.stem != "README"}
    for name, rules in sorted(alerts.items()):
        for fname, rule in rules:
            labels, ann = rule.get("labels", {}), rule.get("annotations", {})
            if labels.get("severity") not in ("page", "ticket"):
                problems.append(f"{name} ({fname}): severity must be page or ticket")
            for key in ("summary", "description", "runbook_url"):
                if not ann.get(key):
                    problems.append(f"{name} ({fname}): no {key} annotation")
            if not ann.get("runbook_url", "").endswith(f"docs/runbooks/{name}.md"):
                problems.append(f"{name}: runbook_url does not point at docs/runbooks/{name}.md")
        if name not in runbooks:
            problems.append(f"{name}: no runbook docs/runbooks/{name}.md")
    for stem in sorted(runbooks - set(alerts)):
        problems.append(f"docs/runbooks/{stem}.md: no alert of that name")

    fires, quiet = set(), set()
    for f in sorted(pathlib.Path(tests_dir).glob("*.test.yml")):
        for test in yaml.safe_load(f.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    for name in sorted(alerts):
        if name not in fires:
            problems.append(f"{name}: no unit test where it fires")
        if name not in quiet:
            problems.append(f"{name}: no unit test where it must not fire")

    for p in problems:
        print(f"  problem: {p}")
    print(f"  {len(alerts)} alerts, {len(runbooks)} runbooks, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
