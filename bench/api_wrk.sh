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
. "$here/api_server_start.sh"
echo "== seeding $db (once)"
/usr/bin/time -f "seed: %e s" "$build/bench/bench_api_server" --seed "$db" 1000000
start_api_server "$build/bench/bench_api_server" "$db" ${THREADS:-1} ${WORKERS:-2} ${MMAP:-0}
echo "== single lookups, 64 connections, wrk -t2 (server: ${THREADS:-1} I/O threads, ${WORKERS:-2} workers)"
wrk -t2 -c64 -d${DURATION:-15s} --latency -s "$here/api_lookup.lua" "http://127.0.0.1:$port"
echo "== check of 1,000 addresses, 4 connections"
wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check.lua" "http://127.0.0.1:$port"
echo "== check of 1,000 addresses, 4 connections, a different 1,000 on every call (api_check_varied.lua)"
wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check_varied.lua" "http://127.0.0.1:$port"
echo "== the same, one address in fifty suppressed (SPAN=50; above: two in three)"
SPAN=50 wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check_varied.lua" "http://127.0.0.1:$port"
echo "== single lookups (64 connections) while checks run (4 connections)"
wrk -t1 -c4 -d${DURATION:-15s} --latency -s "$here/api_check.lua" "http://127.0.0.1:$port" >"$server_out.check" &
wrk -t2 -c64 -d${DURATION:-15s} --latency -s "$here/api_lookup.lua" "http://127.0.0.1:$port"
wait $!
echo "-- the checks meanwhile:"
cat "$server_out.check"; rm -f "$server_out.check"
echo "== server RSS"
grep -E 'VmHWM|VmRSS' /proc/$pid/status
