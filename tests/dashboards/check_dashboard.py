#!/usr/bin/env python3
"""Checks dashboards/fbl.json: valid JSON, the Grafana inputs and variables fbl documents, every
PromQL expression accepted by promtool, and every fbl_* metric it names listed in docs/metrics.md.

usage: check_dashboard.py SOURCE_DIR WORK_DIR   (exit 0 = all good; failures are printed)
"""
import json
import os
import re
import shutil
import subprocess
import sys

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exprs_of(dashboard):
    """Yields (where, expr) for every panel target and query variable."""
    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                if "expr" in target:
                    yield (f'panel "{panel.get("title")}" {target.get("refId")}', target["expr"])
            yield from walk(panel.get("panels", []))
    yield from walk(dashboard.get("panels", []))
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            query = var.get("query")
            text = query.get("query") if isinstance(query, dict) else query
            match = re.fullmatch(r"label_values\((.+),\s*\w+\)", text or "")
            yield (f'variable "{var["name"]}"', match.group(1) if match else text)


def catalogue(metrics_md):
    """Metric names listed in docs/metrics.md (the first column of its tables, in backticks)."""
    names = set(re.findall(r"^\|\s*`(fbl_[a-z0-9_]+)`", metrics_md, re.M))
    return names


def known(name, names):
    if name in names:
        return True
    return any(name.endswith(s) and name[: -len(s)] in names for s in HISTOGRAM_SUFFIXES)


def main():
    source, work = sys.argv[1], sys.argv[2]
    errors = []
    with open(os.path.join(source, "dashboards", "fbl.json"), encoding="utf-8") as f:
        dashboard = json.load(f)
    with open(os.path.join(source, "docs", "metrics.md"), encoding="utf-8") as f:
        names = catalogue(f.read())
    if len(names) < 20:
        errors.append(f"docs/metrics.md lists only {len(names)} metrics: catalogue not found")

    if not any(i.get("name") == "DS_PROMETHEUS" for i in dashboard.get("__inputs", [])):
        errors.append("no DS_PROMETHEUS datasource input")
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    if "client" not in variables:
        errors.append("no client template variable")
    if not 36 <= dashboard.get("schemaVersion", 0) <= 39:
        errors.append(f"schemaVersion {dashboard.get('schemaVersion')} is not ~38")
    ids = [p["id"] for p in dashboard["panels"]]
    if len(ids) != len(set(ids)):
        errors.append("panel ids are not unique")

    exprs = list(exprs_of(dashboard))
    if not exprs:
        errors.append("no PromQL expressions found")
    rules = []
    for i, (where, expr) in enumerate(exprs):
        for name in re.findall(r"\bfbl_[a-z0-9_]+", expr):
            if not known(name, names):
                errors.append(f"{where}: metric {name} is not in docs/metrics.md")
        concrete = expr.replace("$client", ".*").replace("$__rate_interval", "5m")
        if "$" in concrete:
            errors.append(f"{where}: unknown variable in {expr!r}")
        rules.append({"record": f"fbl_dashboard:expr_{i}", "expr": concrete})

    # promtool parses every expression (as recording rules): a typo in PromQL fails here.
    promtool = shutil.which("promtool")
    if promtool is None:
        errors.append("promtool not found: install Debian's prometheus package")
    else:
        path = os.path.join(work, "dashboard_exprs.rules.json")
        with open(path, "w", encoding="utf-8") as f:  # JSON is YAML
            json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
        run = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
        if run.returncode != 0:
            errors.append("promtool rejects a dashboard expression:\n" + run.stdout + run.stderr)

    for e in errors:
        print("FAIL:", e)
    print(f"{len(exprs)} expressions, {len(names)} catalogued metrics, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
