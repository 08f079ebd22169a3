#include "store/migrations.h"

#include <string>

#include "store/sqlite_util.h"

namespace fbl {
namespace {

const Migration kMigrations[] = {
#include "store/migrations_data.inc"
};

// Applies the next pending migration, if any. The version is re-read under the write lock, so
// two processes opening a fresh database at once do not both apply it. Returns false when
// nothing was left to apply.
bool ApplyNext(SQLite::Database& db, std::span<const Migration> migrations) {
  sqlite::WriteTxn txn(db);
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version >= static_cast<int>(migrations.size())) return false;
  db.exec(migrations[version].sql);
  db.exec("PRAGMA user_version = " + std::to_string(version + 1));
  txn.Commit();
  return true;
}

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

int CurrentSchemaVersion() { return static_cast<int>(AllMigrations().size()); }

Result<int> SchemaVersion(SQLite::Database& db) {
  return sqlite::Guard("reading schema version", [&]() -> Result<int> {
    return db.execAndGet("PRAGMA user_version").getInt();
  });
}

Status Migrate(SQLite::Database& db, std::span<const Migration> migrations) {
  auto current = SchemaVersion(db);
  if (!current.ok()) return current.error();
  const int target = static_cast<int>(migrations.size());
  if (*current > target) {
    return MakeError(ErrorCode::kConflict, "database schema version " + std::to_string(*current) +
                                               " is newer than this binary's (" +
                                               std::to_string(target) + "): refusing to touch it");
  }
  if (*current == target) return OkStatus();
  return sqlite::Guard("migrating the schema", [&]() -> Status {
    while (ApplyNext(db, migrations)) {
    }
    return OkStatus();
  });
}

}  // namespace fbl
