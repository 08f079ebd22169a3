#!/usr/bin/env bash
# SQLite and PostgreSQL measured in the same run by bench_store_backends (BENCHMARKS.md,
# "Store backends"). Starts a private PostgreSQL 15 cluster on disk with its default
# durability (fsync on, synchronous_commit on: SQLite runs with synchronous=FULL), as root
# running the server as the postgres user; removes everything at exit.
#   bench/store_backends.sh BUILD_DIR [ROWS] [LOOKUPS] [REPORTS] [MAX_INSTANCES]
set -euo pipefail
BUILD=${1:?build dir}
shift
BENCH="$BUILD/bench/bench_store_backends"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
RUN=$(mktemp -d /var/tmp/fbl-store-bench-XXXXXX)
PORT=${PGPORT_BENCH:-55432}
chmod 755 "$RUN"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$RUN/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$RUN"
}
trap cleanup EXIT INT TERM

chown postgres: "$RUN"
as_pg "$PGBIN/initdb" -D "$RUN/data" -U postgres -E UTF8 --locale=C --auth-local=trust \
  --auth-host=scram-sha-256 >/dev/null
cat >> "$RUN/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
shared_buffers = 256MB
CONF
as_pg "$PGBIN/pg_ctl" -D "$RUN/data" -l "$RUN/log" -w -o "-p $PORT -k $RUN" start >/dev/null
as_pg "$PGBIN/psql" -q -h "$RUN" -p "$PORT" -U postgres \
  -c "CREATE ROLE fbl LOGIN PASSWORD 'bench'" -c "CREATE DATABASE fbl OWNER fbl"

echo "== SQLite (WAL, synchronous=FULL) on $(df --output=source "$RUN" | tail -1)"
"$BENCH" sqlite "$RUN/fbl.db" "$@"
echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') (fsync on, synchronous_commit on), TCP loopback"
FBL_PG_PASSWORD=bench "$BENCH" postgresql "host=127.0.0.1 port=$PORT dbname=fbl user=fbl" "$@"
