# Sourced by bench/api_wrk.sh and bench/api_check_cpu.sh:
#   start_api_server SERVER_BINARY DB_PATH THREADS WORKERS MMAP
# starts bench_api_server in the background, waits (up to 10 min: a first start may build the
# database's indexes) until it prints its port, and sets pid and port and exports TOKEN and
# COUNT for the wrk scripts. The server is killed, and its output file ($server_out) and any
# "$server_out".* the caller wrote are removed, when the shell exits.
start_api_server() {
  server_out=$(mktemp)
  "$1" "$2" "$3" "$4" "$5" >"$server_out" &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -f "$server_out" "$server_out".*' EXIT
  waited=0
  until grep -q port= "$server_out"; do
    waited=$((waited + 1)); [ $waited -lt 1200 ] || { echo "server did not start" >&2; exit 1; }
    sleep 0.5
  done
  port=$(sed -n 's/^port=\([0-9]*\) .*/\1/p' "$server_out")
  TOKEN="$(sed -n 's/^port=[0-9]* token=//p' "$server_out")"
  export TOKEN
  export COUNT=1000000
}
