// Reading a `suppressions` row from PostgreSQL: the column list and its decoder, shared by
// every query of the PostgreSQL backend that returns Suppression values.
#pragma once

#include "store/pg_util.h"
#include "store/store.h"

namespace fbl::pg {

// SELECT these, in this order, for ReadSuppression.
inline constexpr const char* kSuppressionColumns =
    "id, scope, address, address_original, reason, first_seen, last_seen, count,"
    " source_report_id, expires_at, note";

// REQUIRES: `rows` hold kSuppressionColumns starting at column `first`.
inline Suppression ReadSuppression(const Rows& rows, int row, int first = 0) {
  Suppression s;
  s.id = rows.Int(row, first + 0);
  s.scope = rows.Text(row, first + 1);
  s.address = rows.Text(row, first + 2);
  s.address_original = rows.Text(row, first + 3);
  s.reason = ParseSuppressionReason(rows.Text(row, first + 4)).value_or(SuppressionReason::kManual);
  s.first_seen = rows.Int(row, first + 5);
  s.last_seen = rows.Int(row, first + 6);
  s.count = rows.Int(row, first + 7);
  s.source_report_id = rows.OptInt(row, first + 8);
  s.expires_at = rows.OptInt(row, first + 9);
  s.note = rows.Text(row, first + 10);
  return s;
}

// SELECT these, in this order, for ReadMatch.
inline constexpr const char* kMatchColumns = "id, scope, reason, last_seen, expires_at";

// REQUIRES: `rows` hold kMatchColumns starting at column `first`.
inline SuppressionMatch ReadMatch(const Rows& rows, int row, int first = 0) {
  SuppressionMatch m;
  m.id = rows.Int(row, first + 0);
  m.scope = rows.Text(row, first + 1);
  m.reason = ParseSuppressionReason(rows.Text(row, first + 2)).value_or(SuppressionReason::kManual);
  m.last_seen = rows.Int(row, first + 3);
  m.expires_at = rows.OptInt(row, first + 4);
  return m;
}

}  // namespace fbl::pg
