#include "store/pg_store.h"

#include <ctime>
#include <string>

#include "store/sqlite_store.h"

namespace fbl {

namespace pg_migrations {
Status Migrate(pg::Conn& c, std::span<const Migration> migrations);
Status CheckVersion(pg::Conn& c, int target);
}  // namespace pg_migrations

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  if (options.backend == "postgresql") {
    auto s = PgStore::Open(options);
    if (!s.ok()) return s.error();
    return std::unique_ptr<Store>(std::move(s.value()));
  }
  return OpenSqliteStore(options);  // "sqlite", or an error naming the unknown backend
}

PgStore::PgStore(const StoreOptions& options) : options_(options) {
  pg::ConnectSpec spec;
  spec.dsn = options.dsn;
  spec.password = options.password;
  spec.read_only = options.read_only;
  pool_ = pg::Pool::For(spec, options.pool_size < 1 ? 1 : options.pool_size);
}

Result<std::unique_ptr<PgStore>> PgStore::Open(const StoreOptions& options) {
  return OpenWith(options, AllPgMigrations());
}

Result<std::unique_ptr<PgStore>> PgStore::OpenWith(const StoreOptions& options,
                                                   std::span<const Migration> migrations) {
  if (options.dsn.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "store.dsn is required with backend \"postgresql\"");
  }
  std::unique_ptr<PgStore> store(new PgStore(options));
  Status s = store->Run("opening the PostgreSQL store", Txn::kNone, [&](pg::Conn& c) -> Status {
    if (options.read_only) return pg_migrations::CheckVersion(c, static_cast<int>(migrations.size()));
    return pg_migrations::Migrate(c, migrations);
  });
  if (!s.ok()) return s.error();
  return store;
}

void PgWriteAudit(pg::Conn& c, const AuditEntry& entry, std::int64_t now) {
  c.Exec("INSERT INTO audit_log(time, actor, action, target, detail) VALUES($1,$2,$3,$4,$5)",
         pg::Params().Int(now).Text(entry.actor).Text(entry.action).Text(entry.target).Text(entry.detail));
}

Status PgStore::Audit(const AuditEntry& entry) {
  return Run("writing audit entry", Txn::kNone, [&](pg::Conn& c) -> Status {
    PgWriteAudit(c, entry, std::time(nullptr));
    return OkStatus();
  });
}

Status PgStore::Ping() {
  return Run("ping", Txn::kNone, [&](pg::Conn& c) -> Status {
    if (c.Exec("SELECT 1").empty()) return MakeError(ErrorCode::kUnavailable, "SELECT 1 returned nothing");
    return OkStatus();
  });
}

}  // namespace fbl
