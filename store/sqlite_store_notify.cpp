// The notify section of Store for SQLite (declared in store.h and sqlite_store.h).
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {

Result<std::optional<UnixTime>> SqliteStore::LastOutboxSent(std::string_view client_id) {
  return sqlite::Guard("reading the last notification", [&]() -> Result<std::optional<UnixTime>> {
    sqlite::Use st(Cached(
        "SELECT MAX(sent_at) FROM outbox WHERE client_id = ? AND channel = 'email'"
        " AND state = 'sent'"));
    sqlite::BindText(*st, 1, client_id);
    if (!st->executeStep()) return std::optional<UnixTime>();
    return sqlite::OptInt(st->getColumn(0));
  });
}

Status SqliteStore::DeferOutbox(std::int64_t id, UnixTime due_at) {
  return sqlite::Guard("deferring outbox item", [&]() -> Status {
    sqlite::Use st(Cached("UPDATE outbox SET due_at = ?, claimed_by = NULL, claim_until = NULL"
                          " WHERE id = ? AND state = 'pending'"));
    st->bind(1, static_cast<int64_t>(due_at));
    st->bind(2, static_cast<int64_t>(id));
    if (st->exec() == 0) {
      return MakeError(ErrorCode::kNotFound, "no pending outbox item " + std::to_string(id));
    }
    return OkStatus();
  });
}

}  // namespace fbl
