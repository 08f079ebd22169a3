#!/bin/sh
# bench/api_wrk.sh BUILD_DIR [DB_PATH]
# The API benchmark of BENCHMARKS.md "## API": 1,000,000 suppressions, wrk single lookups at
# 64 keep-alive connections, then check of 1,000 addresses (one body repeated, then a different
# body on every call, with two in three and then one in fifty of its addresses suppressed), then
# lookups and checks at once; prints wrk's
# latency reports and the server's peak RSS. The server runs the default [api] threads,
# workers and db_mmap_bytes unless THREADS / WORKERS / MMAP are set. Build first:
# cmake --build BUILD_DIR --target bench_api_server (Release).
set -eu
build=${1:?usage: api_wrk.sh BUILD_DIR [DB_PATH]}
db=${2:-/tmp/fbl-api-bench.db}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
echo "== seeding $db (once)"
/usr/bin/time -f "seed: %e s" "$build/bench/bench_api_server" --seed "$db" 1000000
"$build/bench/bench_api_server" "$db" ${THREADS:-1} ${WORKERS:-2} ${MMAP:-0} >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
i=0
until grep -q port= "$out"; do
  i=$((i + 1)); [ $i -lt 1200 ] || { echo "server did not start" >&2; exit 1; }
  sleep 0.5
done
port=$(sed -n 's/^port=\([0-9]*\) .*/\1/p' "$out")
export TOKEN="$(sed -n 's/^port=[0-9]* token=//p' "$out")"
export COUNT=1000000
echo "== single lookups, 64 connections, wrk -t2 (server: ${THREADS:-1} I/O threads, ${WORKERS:-2} workers)"
wrk -t2 -c64 -d${DURATION:-15s} --latency -s "$here/api_lookup.lua" "http://127.0.0.1:$port"
echo "== check of 1,000 addresses, 4 connections"
wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check.lua" "http://127.0.0.1:$port"
echo "== check of 1,000 addresses, 4 connections, a different 1,000 on every call (api_check_varied.lua)"
wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check_varied.lua" "http://127.0.0.1:$port"
echo "== the same, one address in fifty suppressed (SPAN=50; above: two in three)"
SPAN=50 wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check_varied.lua" "http://127.0.0.1:$port"
echo "== single lookups (64 connections) while checks run (4 connections)"
wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check.lua" "http://127.0.0.1:$port" >"$out.check" &
wrk -t2 -c64 -d${DURATION:-15s} --latency -s "$here/api_lookup.lua" "http://127.0.0.1:$port"
wait $!
echo "-- the checks meanwhile:"
cat "$out.check"; rm -f "$out.check"
echo "== server RSS"
grep -E 'VmHWM|VmRSS' /proc/$pid/status
