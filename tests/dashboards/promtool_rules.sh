#!/bin/sh
# promtool check rules + promtool test rules over dashboards/. Fails (never skips) when promtool
# is missing: CI installs Debian's prometheus package for it.
set -eu
dir="$1"
if ! command -v promtool >/dev/null 2>&1; then
  echo "FAIL: promtool not found; install it: apt-get install prometheus" >&2
  exit 1
fi
promtool check rules "$dir/alerts.yml"
promtool test rules "$dir/alerts_test.yml"
# Every alert rule must have at least one test case.
for alert in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$dir/alerts.yml"); do
  if ! grep -q "alertname: $alert\$" "$dir/alerts_test.yml"; then
    echo "FAIL: alert $alert has no test in alerts_test.yml" >&2
    exit 1
  fi
done
