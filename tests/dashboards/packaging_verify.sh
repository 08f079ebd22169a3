#!/bin/sh
# Checks packaging/: the unit with `systemd-analyze verify` (ExecStart pointed at the built fbld),
# the hardening directives issue 9 asks for, and the sysusers/tmpfiles files with their tools.
# Exit 77 (ctest: skipped, with the reason printed) when systemd-analyze is not installed.
set -eu
fbld="$1"; src="$2"; work="$3"
unit="$src/packaging/fbld.service"
for directive in 'Type=notify' 'WatchdogSec=' 'User=fbl' 'ProtectSystem=strict' \
    'ReadWritePaths=/var/lib/fbl' 'StateDirectory=fbl' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'ProtectHome=yes' \
    'CapabilityBoundingSet=$' "ExecReload=/bin/sh -c 'kill -HUP \$MAINPID'" \
    'ExecStartPre=/usr/bin/fbld --check-config'; do
  if ! grep -q "^$directive" "$unit"; then
    echo "FAIL: $unit lacks $directive" >&2
    exit 1
  fi
done
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze not installed; fbld.service not verified" >&2
  exit 77
fi
rm -rf "$work/packaging" && mkdir -p "$work/packaging/root/etc"
sed "s#/usr/bin/fbld#$fbld#g" "$unit" > "$work/packaging/fbld.service"
out=$(systemd-analyze verify "$work/packaging/fbld.service" 2>&1) || {
  echo "$out" >&2; echo "FAIL: systemd-analyze verify" >&2; exit 1; }
# verify also reports on other installed units; anything about ours is a failure.
if echo "$out" | grep -q 'fbld\.service'; then
  echo "$out" >&2; echo "FAIL: systemd-analyze warns about fbld.service" >&2; exit 1
fi
: > "$work/packaging/root/etc/passwd"; : > "$work/packaging/root/etc/group"
systemd-sysusers --root="$work/packaging/root" "$src/packaging/fbld.sysusers"
grep -q '^fbl:' "$work/packaging/root/etc/passwd" || { echo "FAIL: sysusers made no fbl user" >&2; exit 1; }
out=$(systemd-tmpfiles --root="$work/packaging/root" --create "$src/packaging/fbld.tmpfiles" 2>&1) || {
  echo "$out" >&2; echo "FAIL: systemd-tmpfiles" >&2; exit 1; }
test -d "$work/packaging/root/etc/fbl" || { echo "FAIL: tmpfiles made no /etc/fbl" >&2; exit 1; }
echo "fbld.service, fbld.sysusers and fbld.tmpfiles verified"
