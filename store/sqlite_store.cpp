#include "store/sqlite_store.h"

#include <ctime>
#include <string>

#include "store/migrations.h"
#include "store/sqlite_util.h"

namespace fbl {

namespace sqlite {

Error ErrorFromCode(int extended_code, std::string_view what, std::string_view message) {
  ErrorCode code = ErrorCode::kInternal;
  switch (extended_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      code = ErrorCode::kIo;
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      code = ErrorCode::kInvalidArgument;
      break;
    default:
      break;
  }
  return MakeError(code, std::string(what) + ": " + std::string(message));
}

Error ErrorFromException(const SQLite::Exception& e, std::string_view what) {
  int code = e.getExtendedErrorCode();
  if (code < 0) code = e.getErrorCode();
  return ErrorFromCode(code, what, e.what());
}

}  // namespace sqlite

const char* ReportStatusName(ReportStatus status) {
  switch (status) {
    case ReportStatus::kProcessed: return "processed";
    case ReportStatus::kQuarantined: return "quarantined";
    case ReportStatus::kIgnored: return "ignored";
    case ReportStatus::kUntrusted: return "untrusted";
    case ReportStatus::kUnattributed: return "unattributed";
  }
  return "ignored";
}

const char* SuppressionReasonName(SuppressionReason reason) {
  switch (reason) {
    case SuppressionReason::kComplaint: return "complaint";
    case SuppressionReason::kHardBounce: return "hard-bounce";
    case SuppressionReason::kSoftBounce: return "soft-bounce";
    case SuppressionReason::kManual: return "manual";
    case SuppressionReason::kUnsubscribe: return "unsubscribe";
  }
  return "manual";
}

std::optional<SuppressionReason> ParseSuppressionReason(std::string_view text) {
  for (auto r : {SuppressionReason::kComplaint, SuppressionReason::kHardBounce,
                 SuppressionReason::kSoftBounce, SuppressionReason::kManual,
                 SuppressionReason::kUnsubscribe}) {
    if (text == SuppressionReasonName(r)) return r;
  }
  return std::nullopt;
}

namespace {

int OpenFlags(const StoreOptions& options) {
  const int threading = options.one_thread_at_a_time ? SQLITE_OPEN_NOMUTEX : 0;
  if (options.read_only) return SQLite::OPEN_READONLY | threading;
  return SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | threading;
}

void ApplyPragmas(SQLite::Database& db, const StoreOptions& options) {
  db.setBusyTimeout(options.busy_timeout_ms);
  if (!options.read_only) {
    // journal_mode is persistent in the file; setting it needs a write lock (busy timeout).
    db.exec("PRAGMA journal_mode = WAL");
  }
  db.exec(options.synchronous == "normal" ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA temp_store = MEMORY");
  db.exec("PRAGMA cache_size = -65536");  // 64 MiB per connection
  // Reads of the main file through mmap: no read() per page for lookups on a large list.
  db.exec("PRAGMA mmap_size = 1073741824");
}

Status CheckReadOnlyVersion(SQLite::Database& db) {
  auto v = SchemaVersion(db);
  if (!v.ok()) return v.error();
  if (*v != CurrentSchemaVersion()) {
    return MakeError(ErrorCode::kConflict,
                     "database schema version " + std::to_string(*v) + ", this binary expects " +
                         std::to_string(CurrentSchemaVersion()) +
                         (*v < CurrentSchemaVersion() ? " (start fbld or run `fblctl db migrate`)"
                                                      : " (the database is newer than this binary)"));
  }
  return OkStatus();
}

}  // namespace

namespace {

// Process-wide SQLite settings, applied once before the first connection opens. Memory
// statistics off: with them on, every sqlite3_malloc takes one global mutex, which the API's
// and the pipeline's connections then contend for (a futex per request under load). Nothing in
// fbl reads sqlite3_memory_used(). sqlite3_config fails harmlessly (SQLITE_MISUSE) when another
// part of the process has already initialised SQLite.
void ConfigureSqliteOnce() {
  static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kConfigured;
}

}  // namespace

SqliteStore::SqliteStore(const StoreOptions& options, int open_flags)
    : options_(options), db_(options.path, open_flags, options.busy_timeout_ms) {}

SqliteStore::~SqliteStore() {
  cache_.clear();  // statements before the connection they belong to
  match_.reset();
  matches_.reset();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const StoreOptions& options) {
  return sqlite::Guard("opening " + options.path, [&]() -> Result<std::unique_ptr<SqliteStore>> {
    ConfigureSqliteOnce();
    std::unique_ptr<SqliteStore> store(new SqliteStore(options, OpenFlags(options)));
    ApplyPragmas(store->db_, options);
    Status s = options.read_only ? CheckReadOnlyVersion(store->db_)
                                 : Migrate(store->db_, AllMigrations());
    if (!s.ok()) return s.error();
    return store;
  });
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options) {
  if (options.backend != "sqlite") {
    return MakeError(ErrorCode::kInvalidArgument, "unknown store backend '" + options.backend + "'");
  }
  auto s = SqliteStore::Open(options);
  if (!s.ok()) return s.error();
  return std::unique_ptr<Store>(std::move(s.value()));
}

namespace {

class SqliteReadSnapshot final : public ReadSnapshot {
 public:
  explicit SqliteReadSnapshot(SQLite::Database& db) : txn_(db) {}

 private:
  sqlite::ReadTxn txn_;
};

}  // namespace

std::unique_ptr<ReadSnapshot> SqliteStore::BeginReadSnapshot() {
  try {
    return std::make_unique<SqliteReadSnapshot>(db_);
  } catch (const SQLite::Exception&) {
    return nullptr;  // the reads then take their own snapshots and report their own errors
  }
}

SQLite::Statement& SqliteStore::Cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return *it->second;
  auto st = std::make_unique<SQLite::Statement>(db_, std::string(sql));
  SQLite::Statement& ref = *st;
  cache_.emplace(std::string(sql), std::move(st));
  return ref;
}

void SqliteStore::WriteAudit(const AuditEntry& entry, std::int64_t now) {
  sqlite::Use st(Cached("INSERT INTO audit_log(time, actor, action, target, detail) VALUES(?,?,?,?,?)"));
  st->bind(1, static_cast<int64_t>(now));
  sqlite::BindText(*st, 2, entry.actor);
  sqlite::BindText(*st, 3, entry.action);
  sqlite::BindText(*st, 4, entry.target);
  sqlite::BindText(*st, 5, entry.detail);
  st->exec();
}

Status SqliteStore::Audit(const AuditEntry& entry) {
  return sqlite::Guard("writing audit entry", [&]() -> Status {
    WriteAudit(entry, std::time(nullptr));
    return OkStatus();
  });
}

}  // namespace fbl
