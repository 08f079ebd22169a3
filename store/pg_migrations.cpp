// PostgreSQL schema migrations: store/migrations/pg/NNNN_*.sql compiled in, applied in order,
// each in its own transaction together with its schema_migrations row. A transaction-scoped
// advisory lock serialises instances that start at once on a fresh database: the second waits,
// then finds the version already applied.
#include <string>

#include "store/pg_store.h"

namespace fbl {
namespace {

const Migration kPgMigrations[] = {
#include "store/pg_migrations_data.inc"
};

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
// Any constant shared by every fbl binary: "fbl-migrate".
constexpr const char* kLock = "SELECT pg_advisory_xact_lock(7366231684137419365)";
constexpr const char* kVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

}  // namespace

std::span<const Migration> AllPgMigrations() { return kPgMigrations; }

int CurrentPgSchemaVersion() { return static_cast<int>(AllPgMigrations().size()); }

namespace pg_migrations {

Error TooNew(int version, int target) {
  return MakeError(ErrorCode::kConflict, "database schema version " + std::to_string(version) +
                                             " is newer than this binary's (" + std::to_string(target) +
                                             "): refusing to touch it");
}

// Applies every pending migration. Throws pg::Failure (caught by PgStore::Run).
Status Migrate(pg::Conn& c, std::span<const Migration> migrations) {
  const int target = static_cast<int>(migrations.size());
  for (;;) {
    c.Command("BEGIN");
    c.Command(kLock);
    c.Command(kCreateTable);
    const int version = static_cast<int>(c.Exec(kVersion).Int(0, 0));
    if (version > target) {
      c.RollbackQuietly();
      return TooNew(version, target);
    }
    if (version == target) {
      c.Command("COMMIT");
      return OkStatus();
    }
    c.Command(migrations[version].sql);
    c.Exec("INSERT INTO schema_migrations(version, name, applied_at)"
           " VALUES($1, $2, CAST(EXTRACT(EPOCH FROM now()) AS BIGINT))",
           pg::Params().Int(version + 1).Text(migrations[version].name));
    c.Command("COMMIT");
  }
}

// Read-only open: the schema must be exactly the current one.
Status CheckVersion(pg::Conn& c, int target) {
  auto exists = c.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  const int version = exists.Bool(0, 0) ? static_cast<int>(c.Exec(kVersion).Int(0, 0)) : 0;
  if (version > target) return TooNew(version, target);
  if (version < target) {
    return MakeError(ErrorCode::kConflict, "database schema version " + std::to_string(version) +
                                               ", this binary expects " + std::to_string(target) +
                                               " (start fbld to migrate it)");
  }
  return OkStatus();
}

}  // namespace pg_migrations
}  // namespace fbl
