// Options of the store; read from [store] (fbl/config/read_store.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "parsers/address.h"

namespace fbl {

struct StoreOptions {
  std::string backend = "sqlite";       // "sqlite" (the embedded default) | "postgresql"
  std::string path = "var/fbl.db";      // SQLite database file
  // PostgreSQL (backend = "postgresql", store/pg_store.h): a libpq conninfo string or URI
  // ("host=db1 dbname=fbl user=fbl sslmode=verify-full sslrootcert=/etc/fbl/ca.pem"), the
  // password (from password / password_env / password_file, or the environment variable
  // FBL_PG_PASSWORD; never part of the dsn), and the most connections one process opens.
  std::string dsn;
  std::string password;
  int pool_size = 4;                    // [1, 64]
  int busy_timeout_ms = 5000;           // [0, 600000] wait for a lock before failing
  int raw_retention_days = 90;          // [0, 36500] raw reports kept; 0 = forever
  int global_after_clients = 3;         // [1, 1000] complaints from this many clients → global
  int soft_bounce_threshold = 3;        // [1, 1000] K soft bounces ...
  int soft_bounce_window_days = 7;      // [1, 365]  ... within D days suppress
  // "full": every commit is fsynced (a committed report survives power loss; the mailbox is
  // only flagged after commit). "normal": WAL commits survive a crash of fbld (kill -9) but
  // the last ones may be lost on power loss. Measured in BENCHMARKS.md (## Store).
  std::string synchronous = "full";
  AddressOptions address;               // normalisation (sub-address folding per domain)
  // Not a config key: fblctl lookups open read-only (nothing is created or migrated).
  bool read_only = false;
  // Not a config key: the caller promises that one thread at a time uses the connection (the
  // API opens one store per I/O thread). SQLite then skips its per-call connection mutex
  // (SQLITE_OPEN_NOMUTEX), which every column read otherwise takes.
  bool one_thread_at_a_time = false;
};

}  // namespace fbl
