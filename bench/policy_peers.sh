#!/bin/bash
# Policy-server throughput, fbl vs postfwd vs policyd-rate-limit, same generator, same run.
# Usage (root, from the repository): bench/policy_peers.sh BUILD_DIR [SECONDS] [CONNECTIONS]
# Env RATES: the open-loop rates measured for fbl (default "20000 30000").
# Env WARMUP: seconds of load before each measured run, not counted (default 1).
# Every run prints the load average first: the machine is shared, so quote it with the figures.
# BUILD_DIR must hold bench/bench_policy_load (a Release build for the fbl figure).
set -eu
BUILD=${1:?build dir}
SECS=${2:-10}
CONNS=${3:-64}
LOAD="$BUILD/bench/bench_policy_load"
WARM=(--warmup "${WARMUP:-1}")
loadavg() { echo "   (load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M:%S) UTC)"; }
RUN=$(mktemp -d /tmp/fbl-policy-bench-XXXXXX)
chmod 755 "$RUN"
cleanup() {
  [ -f "$RUN/postfwd.pid" ] && kill "$(cat "$RUN/postfwd.pid")" 2>/dev/null || true
  [ -n "${PRL_PID:-}" ] && kill "$PRL_PID" 2>/dev/null || true
  sleep 1
  rm -rf "$RUN"
}
trap cleanup EXIT INT TERM

echo "== fbl PolicyServer (in-process, 1 io thread, default detectors, action=alert)"
echo "-- closed loop (as fast as answers come back: maximum throughput)"
loadavg
"$LOAD" --self --connections "$CONNS" --seconds "$SECS" "${WARM[@]}"
for RATE in ${RATES:-20000 30000}; do
  echo "-- open loop at $RATE requests/s offered (latency from the scheduled send time)"
  loadavg
  "$LOAD" --self --connections "$CONNS" --seconds "$SECS" --rate "$RATE" --probe "${WARM[@]}"
done

# postfwd 1.35 (postfwd2): a SASL rate rule as in its documentation.
PF_PORT=10451
cat > "$RUN/postfwd.cf" <<CF
id=RATE01; sasl_username=~.; action=rate(sasl_username/100/3600/450 4.7.1 rate limit exceeded)
CF
postfwd --file="$RUN/postfwd.cf" --interface=127.0.0.1 --port=$PF_PORT --user=nobody --group=nogroup \
  --pidfile="$RUN/postfwd.pid"
for i in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PF_PORT) 2>/dev/null && break; sleep 0.2; done || true
echo "== postfwd (Debian 1.35, rate(sasl_username/100/3600))"
loadavg
"$LOAD" --port $PF_PORT --name postfwd --connections "$CONNS" --seconds "$SECS" "${WARM[@]}"

# policyd-rate-limit 1.0.1: Debian's default limits, debug off, SQLite backend, TCP.
PRL_PORT=10452
cat > "$RUN/prl.yaml" <<YAML
debug: False
user: "root"
group: "root"
pidfile: "$RUN/prl.pid"
sqlite_config:
    database: "$RUN/prl.sqlite3"
backend: 0
SOCKET: ["127.0.0.1", $PRL_PORT]
socket_permission: 0666
limits:
    - [10, 60]
    - [150, 86400]
limits_by_id: {}
limit_by_sasl: True
limit_by_sender: False
limit_by_ip: False
limited_networks: []
success_action: "dunno"
fail_action: "defer_if_permit Rate limit reach, retry later"
db_error_action: "dunno"
report: False
delay_to_close: 300
YAML
policyd-rate-limit --file "$RUN/prl.yaml" >"$RUN/prl.log" 2>&1 &
PRL_PID=$!
for i in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PRL_PORT) 2>/dev/null && break; sleep 0.2; done || true
echo "== policyd-rate-limit (Debian 1.0.1, default limits, debug off)"
loadavg
"$LOAD" --port $PRL_PORT --name policyd-rate-limit --connections "$CONNS" --seconds "$SECS" "${WARM[@]}"
