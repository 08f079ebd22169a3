#!/usr/bin/env bash
# docs/operations.md tried on a fresh Debian 12 under a real systemd (PID 1 of a container).
#
#   scripts/systemd-trial.sh [--build DIR] [--from-source] [--keep]
#
# 1. mmdebstrap makes a fresh Debian 12 (bookworm) root file system: systemd, dbus, curl,
#    Dovecot (dovecot-imapd, Debian's default configuration) and fbld's run-time libraries.
# 2. systemd-nspawn boots it (`-b`: systemd is PID 1) with a private network (loopback only:
#    nothing in the container can collide with ports of the host).
# 3. Inside, as root, the steps of docs/operations.md:
#      section 1  install: `DESTDIR=<root> cmake --install DIR` from the host's build tree
#                 (default build/release, configured and built like scripts/run: Release,
#                 fbld and fblctl). With --from-source the section is followed literally
#                 instead: the apt-get list is read from docs/operations.md, the committed
#                 HEAD is cloned and built inside the container (-j1: ~17 minutes here).
#      section 2  systemd-sysusers, systemd-tmpfiles, the config edited as the section says,
#                 `runuser -u fbl -- fbld --check-config`, a drop-in, `systemctl enable --now`.
#      section 4  a Dovecot account (PAM user, Debian's default mbox INBOX) read over IMAPS
#                 with the certificate checked; the Yahoo complaint fixture delivered with
#                 dovecot-lda.
#      section 5  the policy service on 127.0.0.1:10040 and the maillog follower
#                 (SupplementaryGroups=adm drop-in).
#      section 9  readyz, `fblctl suppressions get`, the API with a token from `fblctl tokens`.
#    plus: Type=notify READY, watchdog pings with no restart over more than a minute,
#    `systemctl reload` (good and bad configuration), the journal free of permission errors
#    under the unit's sandbox, a clean `systemctl stop`, and a restart after root ran fblctl.
# 4. Prints PASS/FAIL per check, powers the container off and deletes it (--keep: leaves it
#    running and prints how to enter it).
#
# Exit 0 when every check passed, 1 when one failed, 77 (ctest: skipped) with the reason when
# the trial cannot run here: not root, systemd-nspawn (apt-get install systemd-container) or
# mmdebstrap missing, the Debian mirror unreachable, or the container does not boot.
# Takes ~3-4 minutes with a built tree (most of it mmdebstrap and the watchdog minute).
# Env: FBL_TRIAL_MIRROR (default http://deb.debian.org/debian), FBL_TRIAL_JOBS (host build -j,
# default 1), FBL_TRIAL_WORK (parent of the work dir, default /var/tmp).
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build/release"
from_source=0
keep=0
while (($#)); do
  case "$1" in
    --build) build=$(cd "$2" && pwd) || exit 2; shift 2 ;;
    --from-source) from_source=1; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--build DIR] [--from-source] [--keep]" >&2; exit 2 ;;
  esac
done

mirror=${FBL_TRIAL_MIRROR:-http://deb.debian.org/debian}
name=fbl-trial
skip() { echo "SKIPPED: $*" >&2; exit 77; }
t0=$(date +%s)
say() { printf '== [%3ds] %s\n' "$(($(date +%s) - t0))" "$*"; }

[[ $(id -u) -eq 0 ]] || skip "needs root (mmdebstrap, systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn missing: apt-get install systemd-container"
command -v mmdebstrap >/dev/null || skip "mmdebstrap missing: apt-get install mmdebstrap"
if [[ -e /run/fbl-trial.pid ]] && kill -0 "$(cat /run/fbl-trial.pid)" 2>/dev/null; then
  skip "another trial is running (pid $(cat /run/fbl-trial.pid))"
fi
echo $$ > /run/fbl-trial.pid

work=$(mktemp -d "${FBL_TRIAL_WORK:-/var/tmp}/fbl-systemd-trial.XXXXXX")
root="$work/root"
nspawn_pid=""
leader=""

teardown() {
  if ((keep)) && [[ -n $leader ]]; then
    echo "kept: container init pid $leader, root $root; enter with: nsenter -t $leader -a bash"
    echo "stop it with: kill -TERM $nspawn_pid (then rm -rf $work)"
    return
  fi
  if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    [[ -n $leader ]] && nsenter -t "$leader" -a systemctl poweroff >/dev/null 2>&1
    for _ in $(seq 1 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
    kill -TERM "$nspawn_pid" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$nspawn_pid" 2>/dev/null
  fi
  rm -rf "$work"
  rm -f /run/fbl-trial.pid
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---- results -------------------------------------------------------------------------------
passed=0; failed=0; failures=()
check() {  # check NAME COMMAND...: PASS when COMMAND exits 0
  local check_name=$1; shift
  if "$@" >"$work/check.out" 2>&1; then
    printf 'PASS %s\n' "$check_name"; passed=$((passed + 1))
  else
    printf 'FAIL %s\n' "$check_name"; sed 's/^/     | /' "$work/check.out" | tail -n 25
    failed=$((failed + 1)); failures+=("$check_name")
  fi
}

# Run a command inside the container as root, in a login shell with a clean environment.
in_c() {
  nsenter -t "$leader" -a env -i TERM=dumb HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$1"
}

# ---- 0. fbld built on the host (unless --from-source) -------------------------------------
if ((!from_source)); then
  if [[ ! -x $build/fbl/fbld || ! -x $build/fbl/fblctl ]]; then
    say "building fbld and fblctl in $build (Release, like scripts/run)"
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFBL_BUILD_TESTS=OFF \
      -DFBL_BUILD_BENCH=OFF >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
  fi
  # Brings an existing tree up to date (a no-op when it is).
  say "cmake --build $build --target fbld fblctl"
  cmake --build "$build" -j"${FBL_TRIAL_JOBS:-1}" --target fbld fblctl >"$work/build.log" 2>&1 || {
    tail -n 30 "$work/build.log" >&2; echo "FAIL: building fbld" >&2; exit 1; }
  if grep -q 'FBL_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "note: $build is a sanitizer build; the trial runs it under the same unit" >&2
  fi
  # fbld's and fblctl's shared libraries, as Debian packages (what `apt-get install` of the
  # -dev packages in section 1 brings in at run time).
  runtime_packages=$(ldd "$build/fbl/fbld" "$build/fbl/fblctl" | awk '/=> \//{print $3}' | sort -u |
    while read -r lib; do dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null; done |
    cut -d: -f1 | sort -u | tr '\n' ',')
  packages="$runtime_packages"
else
  # Section 1's package list exactly as the document gives it.
  packages=$(sed -n '/^## 1\./,/^## 2\./p' "$src/docs/operations.md" |
    awk '/^apt-get install -y/{on=1} on{print} on && !/\\$/{exit}' |
    sed 's/\\$//; s/apt-get install -y//' | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
  [[ -n $packages ]] || { echo "FAIL: no apt-get install line in docs/operations.md" >&2; exit 1; }
fi

# ---- 1. a fresh Debian 12 root file system ----------------------------------------------------
base="systemd,systemd-sysv,dbus,libpam-systemd,ca-certificates,curl,dovecot-imapd"
include="$base,${packages%,}"
# FBL_TRIAL_CACHE=DIR keeps the untouched mmdebstrap result as DIR/bookworm-<hash>.tar (one per
# package list) for the next run: each run still starts from that pristine tree.
cache=""
if [[ -n ${FBL_TRIAL_CACHE:-} ]]; then
  mkdir -p "$FBL_TRIAL_CACHE"
  cache="$FBL_TRIAL_CACHE/bookworm-$(echo "$mirror $include" | sha256sum | cut -c1-16).tar"
fi
if [[ -n $cache && -f $cache ]]; then
  say "root file system from the cache $cache"
  mkdir -p "$root" && tar -C "$root" -xf "$cache" || exit 1
else
  say "mmdebstrap bookworm into $root (${include//,/ })"
  mmdebstrap --variant=minbase --include="$include" bookworm "$root" "$mirror" \
    </dev/null >"$work/mmdebstrap.log" 2>&1
  mmdebstrap_status=$?
  if ((mmdebstrap_status == 0)) && [[ -n $cache ]]; then tar -C "$root" -cf "$cache" .; fi
fi
if ((${mmdebstrap_status:-0} != 0)); then
  tail -n 20 "$work/mmdebstrap.log" >&2
  if grep -qiE 'could not resolve|failed to fetch|temporary failure|connection (refused|timed out)' \
      "$work/mmdebstrap.log"; then
    skip "the Debian mirror $mirror is not reachable"
  fi
  echo "FAIL: mmdebstrap" >&2; exit 1
fi
# What the Debian installer writes and minbase lacks: the host name and /etc/hosts.
echo "$name" > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  "$name" > "$root/etc/hosts"

if ((from_source)); then
  git -C "$src" bundle create "$root/root/fbl.bundle" HEAD >/dev/null 2>&1 || exit 1
else
  say "section 1: DESTDIR=$root cmake --install $build"
  DESTDIR="$root" cmake --install "$build" >"$work/install.log" 2>&1 || {
    cat "$work/install.log" >&2; echo "FAIL: cmake --install" >&2; exit 1; }
fi
install -m 0644 "$src/tests/fixtures/daemon/complaint-yahoo.eml" "$root/root/complaint-yahoo.eml"

# ---- 2. boot it: systemd as PID 1 ---------------------------------------------------------------
say "booting the container (systemd-nspawn -b --private-network)"
setsid systemd-nspawn -q -D "$root" -M "$name" -b --register=no --keep-unit --private-network \
  --console=pipe </dev/null >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!
# nspawn's first child is short-lived; the container's PID 1 is the child running systemd.
leader=""
for _ in $(seq 1 200); do
  for pid in $(pgrep -P "$nspawn_pid"); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == systemd ]] && leader=$pid
  done
  [[ -n $leader ]] && break
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $leader ]]; then
  cat "$work/nspawn.log" >&2
  skip "systemd-nspawn could not boot the container (log above)"
fi
# systemctl answers once the manager's private socket exists; then wait for the boot to end.
state=""
for _ in $(seq 1 450); do
  state=$(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null)
  [[ $state == running || $state == degraded ]] && break
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.2
done
if [[ $state != running && $state != degraded ]]; then
  cat "$work/nspawn.log" >&2
  timeout 10 nsenter -t "$leader" -a systemctl --failed --no-pager >&2
  skip "the container's systemd did not reach running (state: ${state:-none})"
fi
check "systemd is PID 1 of a booted Debian 12 ($(in_c 'cat /etc/debian_version'), state $state)" \
  in_c '[ "$(cat /proc/1/comm)" = systemd ]'

if ((from_source)); then
  say "section 1 literally: git clone, cmake configure, build -j1, cmake --install"
  check "section 1: clone, configure, build and install as written" in_c '
    set -e; cd /root; git clone -q fbl.bundle fbl; cd fbl
    cmd=$(sed -n "/^## 1\./,/^## 2\./p" docs/operations.md | grep -E "^cmake (-S|--build|--install) " |
      sed "s/-j2/-j1/; s/ *#.*//")
    while IFS= read -r line; do
      echo "+ $line"; eval "$line" >>/root/build.log 2>&1 || { tail -30 /root/build.log; exit 1; }
    done <<< "$cmd"'
fi

# ---- 3. section 1's table: what cmake --install put where -------------------------------------
check "install: files at the paths of section 1's table" in_c '
  set -e
  for f in /usr/local/bin/fbld /usr/local/bin/fblctl /etc/fbl/fbld.toml.example \
      /usr/local/share/doc/fbl/examples/fbld.toml /usr/local/lib/systemd/system/fbld.service \
      /usr/local/lib/sysusers.d/fbl.conf /usr/local/lib/tmpfiles.d/fbl.conf \
      /usr/local/share/fbl/dashboards/fbl.json /usr/local/share/fbl/dashboards/alerts.yml \
      /usr/local/share/doc/fbl/operations.md; do test -e "$f" || { echo "missing $f"; exit 1; }; done
  grep -q "^ExecStart=/usr/local/bin/fbld --config /etc/fbl/fbld.toml$" \
    /usr/local/lib/systemd/system/fbld.service'

# ---- 4. section 2: user, directories, configuration ----------------------------------------
say "section 2: sysusers, tmpfiles, configuration"
check "section 2: systemd-sysusers and systemd-tmpfiles as written" in_c '
  set -e
  systemd-sysusers /usr/local/lib/sysusers.d/fbl.conf
  systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/fbl.conf
  install -m 0640 -o root -g fbl /etc/fbl/fbld.toml.example /etc/fbl/fbld.toml
  id fbl
  test "$(stat -c "%U:%G %a" /etc/fbl)" = "root:fbl 750"
  test "$(stat -c "%U:%G %a" /var/lib/fbl)" = "fbl:fbl 750"
  test "$(stat -c "%U:%G %a" /etc/fbl/fbld.toml)" = "root:fbl 640"'

# Section 4: the Dovecot account fbld reads. Debian's default Dovecot: PAM users, mbox INBOX in
# /var/mail, IMAPS with the snakeoil certificate (made for this host name).
check "section 4: a Dovecot mailbox (PAM user fblpm, IMAPS on 993)" in_c '
  set -e
  make-ssl-cert generate-default-snakeoil --force-overwrite
  systemctl restart dovecot
  useradd -m -s /usr/sbin/nologin fblpm
  echo "fblpm:pm-secret-1" | chpasswd
  printf "pm-secret-1\n" > /etc/fbl/imap.secret
  chown root:fbl /etc/fbl/imap.secret; chmod 0640 /etc/fbl/imap.secret
  systemctl is-active dovecot
  openssl s_client -connect 127.0.0.1:993 -verify_return_error -verify_hostname fbl-trial \
    -CAfile /etc/ssl/certs/ssl-cert-snakeoil.pem </dev/null 2>&1 | grep -q "Verify return code: 0"'

# The edits section 2 asks for, made the way an admin would (sed on the example), then the
# [[imap]] table of section 4 and the [policy]/[maillog] settings of section 5.
in_c '
  cfg=/etc/fbl/fbld.toml
  sed -i -e "/trust = \"none\"  # DEMO ONLY/d" \
    -e "s|^authserv_id = \"\"|authserv_id = \"mx.fbl.test\"|" \
    -e "s|^path = \"var/fbl.db\"|path = \"/var/lib/fbl/fbl.db\"|" \
    -e "s|^path = \"var/postmaster\"|path = \"/var/lib/fbl/postmaster\"|" \
    -e "s|^maildir = \"var/outbox\"|maildir = \"/var/lib/fbl/outbox\"|" \
    -e "s|^allow_anonymous_reads = true|allow_anonymous_reads = false|" \
    -e "/^\[policy\]/,/^\[/ s|^# enabled = false|enabled = true|" \
    -e "/^\[maillog\]/,\$ s|^# path = \"\" .*|path = \"/var/log/mail.log\"|" "$cfg"
  cat >> "$cfg" <<EOF

[[imap]]
name = "postmaster"
host = "fbl-trial"
port = 993
tls = "implicit"
user = "fblpm"
password_file = "/etc/fbl/imap.secret"
mailboxes = ["INBOX"]
EOF
  install -m 0640 -o root -g adm /dev/null /var/log/mail.log
  mkdir -p /etc/systemd/system/fbld.service.d
  printf "[Service]\nSupplementaryGroups=adm\n" > /etc/systemd/system/fbld.service.d/override.conf'

check "section 2: runuser -u fbl -- fbld --check-config" \
  in_c 'runuser -u fbl -- fbld --check-config --config /etc/fbl/fbld.toml'

# ---- 5. systemctl enable --now: READY=1 ---------------------------------------------------------
say "systemctl enable --now fbld"
t_start=$(date +%s)
check "systemctl daemon-reload && systemctl enable --now fbld" in_c '
  systemctl daemon-reload && timeout 90 systemctl enable --now fbld'
check "Type=notify: READY=1 arrived, systemctl status says active (running)" in_c '
  systemctl show -p Type -p ActiveState -p SubState -p StatusText fbld
  test "$(systemctl show -P Type fbld)" = notify
  systemctl status --no-pager fbld | grep -q "Active: active (running)"'
main_pid=$(in_c 'systemctl show -P MainPID fbld')
wd0=$(in_c 'systemctl show -P WatchdogTimestampMonotonic fbld')
check "section 2: curl /readyz answers 200" in_c '
  for i in $(seq 1 50); do
    [ "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8025/readyz)" = 200 ] && exit 0
    sleep 0.2; done; exit 1'

# ---- 6. a report delivered to the Dovecot mailbox becomes a suppression -------------------------
say "delivering the Yahoo complaint to fblpm with dovecot-lda"
check "section 4: a complaint delivered by dovecot-lda is read over IMAPS and suppressed" in_c '
  /usr/lib/dovecot/dovecot-lda -d fblpm -f feedback@arf.mail.yahoo.com < /root/complaint-yahoo.eml
  for i in $(seq 1 150); do
    runuser -u fbl -- fblctl suppressions get reader@example.net --config /etc/fbl/fbld.toml && exit 0
    sleep 0.2; done
  journalctl -u fbld --no-pager | tail -20; exit 1'
check "section 4: the message was moved to the Processed folder, INBOX is empty" in_c '
  doveadm mailbox status -u fblpm messages INBOX Processed
  test "$(doveadm mailbox status -u fblpm messages Processed)" = "Processed messages=1"
  test "$(doveadm mailbox status -u fblpm messages INBOX)" = "INBOX messages=0"'
check "section 9: fblctl suppressions get as root, while fbld runs" \
  in_c 'fblctl suppressions get reader@example.net --config /etc/fbl/fbld.toml'
check "section 7/9: the API answers with a token from fblctl tokens issue" in_c '
  token=$(runuser -u fbl -- fblctl tokens issue --scope admin --config /etc/fbl/fbld.toml 2>/dev/null)
  test -n "$token"
  curl -sf -H "Authorization: Bearer $token" http://127.0.0.1:8025/v1/suppressions/reader@example.net
  test "$(curl -s -o /dev/null -w "%{http_code}" \
    http://127.0.0.1:8025/v1/suppressions/reader@example.net)" = 401'
check "section 5: the policy service answers on 127.0.0.1:10040" in_c '
  exec 3<>/dev/tcp/127.0.0.1/10040
  printf "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nsasl_username=alice\nsender=alice@example.com\nrecipient=bob@example.net\nclient_address=192.0.2.1\n\n" >&3
  IFS= read -r -t 10 answer <&3; echo "$answer"; [[ $answer == action=* ]]'
check "section 2/5: the maillog follower opened /var/log/mail.log (SupplementaryGroups=adm)" in_c '
  pid=$(systemctl show -P MainPID fbld)
  for i in $(seq 1 50); do ls -l /proc/$pid/fd | grep -q /var/log/mail.log && exit 0; sleep 0.1; done
  exit 1'

# ---- 7. reload ---------------------------------------------------------------------------------
say "systemctl reload fbld"
check "systemctl reload: SIGHUP re-reads the configuration, same process" in_c "
  since=\$(date '+%Y-%m-%d %H:%M:%S')
  systemctl reload fbld || exit 1
  for i in \$(seq 1 50); do
    journalctl -u fbld --since \"\$since\" --no-pager | grep -q 'configuration reloaded' && break
    sleep 0.2; done
  journalctl -u fbld --since \"\$since\" --no-pager | grep 'configuration reloaded' &&
  test \"\$(systemctl show -P MainPID fbld)\" = $main_pid &&
  test \"\$(systemctl show -P SubState fbld)\" = running"
check "systemctl reload with a broken file: rejected, old configuration kept, still running" in_c "
  cp /etc/fbl/fbld.toml /root/fbld.toml.good
  echo 'no_such_key = 1' >> /etc/fbl/fbld.toml   # appending keeps owner and mode
  since=\$(date '+%Y-%m-%d %H:%M:%S')
  systemctl reload fbld
  for i in \$(seq 1 50); do
    journalctl -u fbld --since \"\$since\" --no-pager | grep -q 'reload rejected' && break
    sleep 0.2; done
  cat /root/fbld.toml.good > /etc/fbl/fbld.toml
  journalctl -u fbld --since \"\$since\" --no-pager | grep 'reload rejected' &&
  test \"\$(systemctl show -P MainPID fbld)\" = $main_pid &&
  test \"\$(systemctl show -P SubState fbld)\" = running"

# ---- 8. the watchdog: pings arrive, nothing restarts for more than a minute ----------------------
wait_s=$((t_start + 65 - $(date +%s)))
if ((wait_s > 0)); then say "watching the watchdog for ${wait_s}s more"; sleep "$wait_s"; fi
check "WatchdogSec=60s: pings arrive (WatchdogTimestamp moved), 0 restarts over $(( $(date +%s) - t_start ))s" in_c "
  systemctl show -p WatchdogUSec -p WatchdogTimestampMonotonic -p NRestarts -p MainPID fbld
  test \"\$(systemctl show -P WatchdogUSec fbld)\" = 1min &&
  test \"\$(systemctl show -P WatchdogTimestampMonotonic fbld)\" -gt $wd0 &&
  test \"\$(systemctl show -P NRestarts fbld)\" = 0 &&
  test \"\$(systemctl show -P MainPID fbld)\" = $main_pid &&
  ! journalctl -u fbld --no-pager | grep -i watchdog"

# ---- 9. the sandbox breaks nothing ---------------------------------------------------------------
check "hardening (ProtectSystem=strict, ReadWritePaths, seccomp...): no permission errors in the journal" in_c '
  test "$(systemctl show -P ProtectSystem fbld)" = strict
  ! journalctl -u fbld --no-pager -o cat | grep -iE "permission denied|read-only file system|operation not permitted|readonly database|bad system call|SIGSYS|core.?dump|access denied"'

# ---- 10. stop, and start again after root used fblctl -------------------------------------------
say "systemctl stop fbld"
check "systemctl stop: clean (SIGTERM, exit 0, well within TimeoutStopSec)" in_c '
  t0=$(date +%s%N)
  systemctl stop fbld || exit 1
  ms=$(( ($(date +%s%N) - t0) / 1000000 )); echo "stopped in ${ms} ms"
  systemctl show -p Result -p ExecMainCode -p ExecMainStatus fbld
  test "$(systemctl show -P Result fbld)" = success &&
  test "$(systemctl show -P ExecMainStatus fbld)" = 0 && [ "$ms" -lt 10000 ] &&
  ! journalctl -u fbld --no-pager | grep -E "SIGKILL|Killing process|timed out"'
check "section 9: root runs fblctl on the stopped database, fbld starts and writes again" in_c '
  fblctl suppressions get reader@example.net --config /etc/fbl/fbld.toml >/dev/null
  ls -l /var/lib/fbl/
  since=$(date "+%Y-%m-%d %H:%M:%S")
  systemctl start fbld || { systemctl status --no-pager fbld; exit 1; }
  sed "s/fbl-fixture-0001/fbl-fixture-0002/; s/reader@example.net/second@example.net/g" \
    /root/complaint-yahoo.eml | /usr/lib/dovecot/dovecot-lda -d fblpm -f feedback@arf.mail.yahoo.com
  for i in $(seq 1 150); do
    runuser -u fbl -- fblctl suppressions get second@example.net --config /etc/fbl/fbld.toml && break
    sleep 0.2; done
  runuser -u fbl -- fblctl suppressions get second@example.net --config /etc/fbl/fbld.toml >/dev/null &&
  ! journalctl -u fbld --since "$since" --no-pager -o cat | grep -iE "readonly|permission denied|error"'

echo "-- journal of fbld (last 15 lines) --"
in_c 'journalctl -u fbld --no-pager -o short-monotonic | tail -n 15' | sed 's/^/   /'
in_c 'systemctl stop fbld' >/dev/null 2>&1

echo "${passed} passed, ${failed} failed"
((failed == 0)) || { printf 'failed: %s\n' "${failures[@]}"; exit 1; }
exit 0
