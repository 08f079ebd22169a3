#!/bin/sh
# bench/api_check_cpu.sh SERVER_BINARY DB_PATH [THREADS WORKERS MMAP]
# One line per run: check of 1,000 addresses at 4 keep-alive connections for D (default 10s,
# after a 2 s warm-up): requests/s, p50, p99, and the server's CPU per check (user + system,
# from /proc/PID/stat), so that two binaries can be compared in the same minutes on a noisy
# machine. LUA picks the wrk script (default api_check.lua; api_check_varied.lua with SPAN).
# DB_PATH must already hold the 1,000,000 suppressions of bench/api_wrk.sh.
set -eu
bin=${1:?usage: api_check_cpu.sh SERVER_BINARY DB_PATH [THREADS WORKERS MMAP]}
db=${2:?usage: api_check_cpu.sh SERVER_BINARY DB_PATH [THREADS WORKERS MMAP]}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/api_server_start.sh"
start_api_server "$bin" "$db" ${3:-1} ${4:-2} ${5:-0}
lua="$here/${LUA:-api_check.lua}"
wrk -t1 -c4 -d2s -s "$lua" "http://127.0.0.1:$port" >/dev/null
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
c0=$(ticks)
wrk -t1 -c4 -d${D:-10s} --latency -s "$lua" "http://127.0.0.1:$port" >"$server_out.w"
c1=$(ticks)
hz=$(getconf CLK_TCK)
awk -v c0="$c0" -v c1="$c1" -v hz="$hz" -v bin="$(basename "$bin")" -v lua="${LUA:-api_check.lua}" '
  /requests in/ {n = $1}
  /^Requests\/sec/ {rps = $2}
  $1 == "50%" {p50 = $2}
  $1 == "99%" {p99 = $2}
  END {printf "%s %s: %s checks/s, p50 %s, p99 %s, server CPU %.0f us/check\n", bin, lua, rps, p50, p99, (c1 - c0) * 1e6 / hz / n}' "$server_out.w"
