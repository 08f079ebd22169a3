// The SQL behind the metrics section of Store, as functions over an open SQLite database, so
// that SqliteStore's overrides are one line each and the queries are testable on their own.
// Each function runs read-only statements; SQLite errors become kUnavailable (busy/locked) or
// kIo, never exceptions.
#pragma once

#include <cstdint>
#include <vector>

#include "store/store.h"

namespace SQLite {
class Database;
}

namespace fbl::sqlite_metrics {

Result<std::vector<ReasonCount>> CountSuppressionsByReason(SQLite::Database& db, UnixTime now);
Result<OutboxStats> GetOutboxStats(SQLite::Database& db);
Result<std::int64_t> CountHeldAccounts(SQLite::Database& db);
Result<std::vector<ClientVolume>> GetClientVolumes(SQLite::Database& db, UnixTime since);
Result<std::vector<AccountVolume>> TopSendingAccounts(SQLite::Database& db, UnixTime since,
                                                      int limit);

}  // namespace fbl::sqlite_metrics
