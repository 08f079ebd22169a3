// fblctl db check / db backup.
#include <SQLiteCpp/Backup.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {

Result<DbCheckReport> CheckSqliteDatabase(const std::string& path, int busy_timeout_ms) {
  if (!std::filesystem::exists(path)) return MakeError(ErrorCode::kIo, path + ": no such file");
  return sqlite::Guard("checking " + path, [&]() -> Result<DbCheckReport> {
    SQLite::Database db(path, SQLite::OPEN_READONLY, busy_timeout_ms);
    DbCheckReport r;
    r.expected_version = CurrentSchemaVersion();
    r.schema_version = db.execAndGet("PRAGMA user_version").getInt();
    sqlite::ReadTxn txn(db);
    SQLite::Statement integrity(db, "PRAGMA integrity_check");
    while (integrity.executeStep()) {
      std::string line = integrity.getColumn(0).getString();
      if (line != "ok") r.problems.push_back("integrity: " + line);
    }
    SQLite::Statement fk(db, "PRAGMA foreign_key_check");
    while (fk.executeStep()) {
      r.problems.push_back("foreign key: table " + fk.getColumn(0).getString() + " rowid " +
                           fk.getColumn(1).getString() + " -> " + fk.getColumn(2).getString());
    }
    if (r.schema_version != r.expected_version) {
      r.problems.push_back("schema version " + std::to_string(r.schema_version) + ", this binary expects " +
                           std::to_string(r.expected_version));
    }
    r.ok = r.problems.empty();
    return r;
  });
}

Status BackupSqliteDatabase(const std::string& path, const std::string& dest, int busy_timeout_ms) {
  if (!std::filesystem::exists(path)) return MakeError(ErrorCode::kIo, path + ": no such file");
  const std::string tmp = dest + ".tmp";
  std::filesystem::remove(tmp);
  Status s = sqlite::Guard("backing up " + path, [&]() -> Status {
    SQLite::Database src(path, SQLite::OPEN_READONLY, busy_timeout_ms);
    SQLite::Database out(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, busy_timeout_ms);
    SQLite::Backup backup(out, "main", src, "main");
    // One step copies every page under one read transaction of the source: a consistent
    // snapshot, while WAL lets the daemon keep writing.
    int rc = backup.executeStep(-1);
    if (rc != SQLITE_DONE) return sqlite::ErrorFromCode(rc, "backup", "did not complete");
    return OkStatus();
  });
  if (!s.ok()) {
    std::filesystem::remove(tmp);
    return s;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dest, ec);
  if (ec) return MakeError(ErrorCode::kIo, "renaming " + tmp + " to " + dest + ": " + ec.message());
  return OkStatus();
}

}  // namespace fbl
