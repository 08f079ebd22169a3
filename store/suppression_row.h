// Reading a `suppressions` row: the column list and its decoder, shared by every query that
// returns Suppression values (store, API section), so the two never drift apart.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string_view>

#include "store/sqlite_util.h"
#include "store/store.h"

namespace fbl::sqlite {

// SELECT these, in this order, for ReadSuppression.
inline constexpr const char* kSuppressionColumns =
    "id, scope, address, address_original, reason, first_seen, last_seen, count,"
    " source_report_id, expires_at, note";

// REQUIRES: the current row of `st` holds kSuppressionColumns.
inline Suppression ReadSuppression(SQLite::Statement& st) {
  Suppression s;
  s.id = st.getColumn(0).getInt64();
  s.scope = st.getColumn(1).getString();
  s.address = st.getColumn(2).getString();
  s.address_original = st.getColumn(3).getString();
  s.reason = ParseSuppressionReason(st.getColumn(4).getString()).value_or(SuppressionReason::kManual);
  s.first_seen = st.getColumn(5).getInt64();
  s.last_seen = st.getColumn(6).getInt64();
  s.count = st.getColumn(7).getInt64();
  s.source_report_id = OptInt(st.getColumn(8));
  s.expires_at = OptInt(st.getColumn(9));
  s.note = st.getColumn(10).getString();
  return s;
}

// SELECT these, in this order, for ReadMatch.
inline constexpr const char* kMatchColumns = "id, scope, reason, last_seen, expires_at";

// REQUIRES: the current row of `st` holds kMatchColumns. Reads through the C API: a check
// decodes up to 10,000 of these per call, and SQLite::Column costs a reference count each.
inline SuppressionMatch ReadMatch(sqlite3_stmt* st) {
  auto text = [st](int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    return p == nullptr ? std::string_view() : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
  };
  SuppressionMatch m;
  m.id = sqlite3_column_int64(st, 0);
  m.scope = text(1);
  m.reason = ParseSuppressionReason(text(2)).value_or(SuppressionReason::kManual);
  m.last_seen = sqlite3_column_int64(st, 3);
  if (sqlite3_column_type(st, 4) != SQLITE_NULL) m.expires_at = sqlite3_column_int64(st, 4);
  return m;
}

}  // namespace fbl::sqlite
