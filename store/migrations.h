// The schema migrations compiled into the binary (store/migrations/NNNN_*.sql, in order).
// Versioning: PRAGMA user_version = number of migrations applied. Forward-only: each one runs
// in its own transaction together with the version bump, so a crash leaves the database at
// the previous or the next version, never in between.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <span>

#include "parsers/result.h"

namespace fbl {

struct Migration {
  const char* name;  // "0001_initial.sql"
  const char* sql;
};

// Every migration, oldest first. CurrentSchemaVersion() == AllMigrations().size().
std::span<const Migration> AllMigrations();
int CurrentSchemaVersion();

// Applies migrations[user_version..] to `db`. kConflict when the database is newer than
// `migrations` (a newer binary wrote it). Errors of SQLite come back as values.
Status Migrate(SQLite::Database& db, std::span<const Migration> migrations);

// PRAGMA user_version of `db`.
Result<int> SchemaVersion(SQLite::Database& db);

}  // namespace fbl
