// The detector section of Store for SQLite (declared in store.h and sqlite_store.h).
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {

Status SqliteStore::SaveDetectorState(const std::vector<DetectorStateRow>& rows) {
  return sqlite::Guard("saving detector state", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    for (const auto& row : rows) {
      sqlite::Use st(Cached(
          "INSERT INTO detector_state (username, state_blob, updated_at) VALUES (?, ?, ?)"
          " ON CONFLICT(username) DO UPDATE SET state_blob = excluded.state_blob,"
          " updated_at = excluded.updated_at"));
      sqlite::BindText(*st, 1, row.username);
      st->bind(2, row.state_blob.data(), static_cast<int>(row.state_blob.size()));
      st->bind(3, static_cast<int64_t>(row.updated_at));
      st->exec();
    }
    txn.Commit();
    return OkStatus();
  });
}

Result<std::vector<DetectorStateRow>> SqliteStore::LoadDetectorStates() {
  return sqlite::Guard("loading detector state", [&]() -> Result<std::vector<DetectorStateRow>> {
    sqlite::Use st(Cached("SELECT username, state_blob, updated_at FROM detector_state ORDER BY username"));
    std::vector<DetectorStateRow> out;
    while (st->executeStep()) {
      DetectorStateRow row;
      row.username = st->getColumn(0).getString();
      SQLite::Column blob = st->getColumn(1);
      row.state_blob.assign(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes()));
      row.updated_at = st->getColumn(2).getInt64();
      out.push_back(std::move(row));
    }
    return out;
  });
}

Status SqliteStore::EnqueueOutbox(const NewOutboxItem& item, UnixTime now) {
  return sqlite::Guard("enqueueing an outbox item", [&]() -> Status {
    sqlite::Use st(Cached(
        "INSERT INTO outbox (client_id, channel, kind, payload_json, message_id, created_at, due_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING"));
    if (item.client_id) sqlite::BindText(*st, 1, *item.client_id);
    else st->bind(1);
    sqlite::BindText(*st, 2, item.channel);
    sqlite::BindText(*st, 3, item.kind);
    sqlite::BindText(*st, 4, item.payload_json);
    sqlite::BindText(*st, 5, item.message_id);
    st->bind(6, static_cast<int64_t>(now));
    st->bind(7, static_cast<int64_t>(item.due_at != 0 ? item.due_at : now));
    st->exec();
    return OkStatus();
  });
}

Status SqliteStore::AddClientSent(std::string_view client_id, std::int64_t day, std::int64_t sent) {
  return sqlite::Guard("counting messages sent", [&]() -> Status {
    sqlite::Use st(Cached(
        "INSERT INTO client_sent_daily (client_id, day, sent) VALUES (?, ?, ?)"
        " ON CONFLICT(client_id, day) DO UPDATE SET sent = sent + excluded.sent"));
    sqlite::BindText(*st, 1, client_id);
    st->bind(2, static_cast<int64_t>(day));
    st->bind(3, static_cast<int64_t>(sent));
    st->exec();
    return OkStatus();
  });
}

}  // namespace fbl
