// The metrics section of Store for SQLite (store.h, "Metrics section").
#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <string>

#include "store/sqlite_metrics_queries.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl::sqlite_metrics {
namespace {

Error FromSqlite(const SQLite::Exception& e, const char* what) {
  return sqlite::ErrorFromException(e, what);
}

std::int64_t ScalarInt(SQLite::Database& db, const char* sql) {
  SQLite::Statement q(db, sql);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

}  // namespace

Result<std::vector<ReasonCount>> CountSuppressionsByReason(SQLite::Database& db, UnixTime now) {
  try {
    SQLite::Statement q(db,
                        "SELECT reason, COUNT(*) FROM suppressions "
                        "WHERE expires_at IS NULL OR expires_at > ? GROUP BY reason ORDER BY reason");
    q.bind(1, static_cast<std::int64_t>(now));
    std::vector<ReasonCount> out;
    while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
    return out;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "suppressions by reason");
  }
}

Result<OutboxStats> GetOutboxStats(SQLite::Database& db) {
  try {
    sqlite::ReadTxn snapshot(db);
    OutboxStats stats;
    stats.pending = ScalarInt(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
    stats.failed = ScalarInt(db, "SELECT COUNT(*) FROM outbox WHERE state = 'failed'");
    SQLite::Statement q(db, "SELECT MIN(created_at) FROM outbox WHERE state = 'pending'");
    if (q.executeStep() && !q.getColumn(0).isNull()) {
      stats.oldest_pending_created_at = q.getColumn(0).getInt64();
    }
    return stats;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "outbox stats");
  }
}

Result<std::int64_t> CountHeldAccounts(SQLite::Database& db) {
  try {
    return ScalarInt(db, "SELECT COUNT(*) FROM accounts WHERE state = 'held'");
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "held accounts");
  }
}

Result<std::vector<ClientVolume>> GetClientVolumes(SQLite::Database& db, UnixTime since) {
  try {
    std::map<std::string, ClientVolume> by_client;
    sqlite::ReadTxn snapshot(db);  // both counts from one snapshot
    SQLite::Statement complaints(db,
                                 "SELECT client_id, COUNT(*) FROM complaints "
                                 "WHERE client_id IS NOT NULL AND created_at >= ? GROUP BY client_id");
    complaints.bind(1, static_cast<std::int64_t>(since));
    while (complaints.executeStep()) {
      const std::string id = complaints.getColumn(0).getString();
      by_client[id].complaints = complaints.getColumn(1).getInt64();
    }
    SQLite::Statement sent(db,
                           "SELECT client_id, SUM(sent) FROM client_sent_daily "
                           "WHERE day >= ? GROUP BY client_id");
    sent.bind(1, static_cast<std::int64_t>(since / 86400));
    while (sent.executeStep()) {
      const std::string id = sent.getColumn(0).getString();
      by_client[id].sent = sent.getColumn(1).getInt64();
    }
    std::vector<ClientVolume> out;
    out.reserve(by_client.size());
    for (auto& [id, volume] : by_client) {
      volume.client_id = id;
      out.push_back(std::move(volume));
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "client volumes");
  }
}

Result<std::vector<AccountVolume>> TopSendingAccounts(SQLite::Database& db, UnixTime since,
                                                      int limit) {
  try {
    SQLite::Statement q(db,
                        "SELECT account, COUNT(*) AS n FROM outbound_messages "
                        "WHERE sent_at >= ? AND account <> '' "
                        "GROUP BY account ORDER BY n DESC, account LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(since));
    q.bind(2, limit);
    std::vector<AccountVolume> out;
    while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
    return out;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "top sending accounts");
  }
}

}  // namespace fbl::sqlite_metrics

namespace fbl {

Result<std::vector<ReasonCount>> SqliteStore::CountSuppressionsByReason(UnixTime now) {
  return sqlite_metrics::CountSuppressionsByReason(db_, now);
}
Result<OutboxStats> SqliteStore::GetOutboxStats() { return sqlite_metrics::GetOutboxStats(db_); }
Result<std::int64_t> SqliteStore::CountHeldAccounts() {
  return sqlite_metrics::CountHeldAccounts(db_);
}
Result<std::vector<ClientVolume>> SqliteStore::GetClientVolumes(UnixTime since) {
  return sqlite_metrics::GetClientVolumes(db_, since);
}
Result<std::vector<AccountVolume>> SqliteStore::TopSendingAccounts(UnixTime since, int limit) {
  return sqlite_metrics::TopSendingAccounts(db_, since, limit);
}

}  // namespace fbl
