// The claims section of Store for SQLite (declared in store.h and sqlite_store.h): outbox rows
// taken with a lease, so that several fbld processes on one database file never send the same
// notification. SQLite has one writer at a time: BEGIN IMMEDIATE makes the read of the
// claimable rows and their update one atomic step across processes.
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {

Result<std::vector<OutboxItem>> SqliteStore::ClaimOutbox(std::string_view instance_id, UnixTime now,
                                                         int lease_seconds, int limit) {
  if (instance_id.empty() || lease_seconds < 1 || limit < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "ClaimOutbox: empty instance id, lease or limit");
  }
  return sqlite::Guard("claiming outbox items", [&]() -> Result<std::vector<OutboxItem>> {
    const std::string owner(instance_id);
    sqlite::WriteTxn txn(db_);
    std::vector<OutboxItem> out;
    {
      sqlite::Use st(Cached(
          "SELECT id, client_id, channel, kind, report_id, payload_json, message_id, attempts,"
          " created_at, due_at FROM outbox WHERE state = 'pending' AND due_at <= ?1"
          " AND (claim_until IS NULL OR claim_until <= ?1 OR claimed_by = ?2)"
          " ORDER BY due_at, id LIMIT ?3"));
      st->bind(1, static_cast<int64_t>(now));
      sqlite::BindRef(*st, 2, owner);
      st->bind(3, limit);
      while (st->executeStep()) {
        out.push_back(sqlite::ReadOutboxItem(*st));
      }
    }
    sqlite::Use claim(Cached("UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id = ?"));
    for (const OutboxItem& o : out) {
      claim->tryReset();
      sqlite::BindRef(*claim, 1, owner);
      claim->bind(2, static_cast<int64_t>(now + lease_seconds));
      claim->bind(3, static_cast<int64_t>(o.id));
      claim->exec();
    }
    txn.Commit();
    return out;
  });
}

}  // namespace fbl
