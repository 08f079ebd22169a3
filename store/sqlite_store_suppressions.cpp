// Suppressions and the allowlist: lookups, listing with a cursor, manual changes (audited),
// bulk import.
#include <algorithm>
#include <ctime>
#include <string>

#include "parsers/address.h"
#include "store/store_rules.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"
#include "store/suppression_row.h"

namespace fbl {
namespace {

using sqlite::kSuppressionColumns;
using sqlite::ReadSuppression;
using store_rules::CheckNote;
using store_rules::CheckScope;
using store_rules::kMaxListLimit;

std::string ListSql(const SuppressionFilter& f) {
  std::string sql = std::string("SELECT ") + kSuppressionColumns + " FROM suppressions WHERE id > ?";
  if (f.scope) sql += " AND scope = ?";
  if (f.reason) sql += " AND reason = ?";
  if (f.since) sql += " AND last_seen >= ?";
  if (f.until) sql += " AND last_seen < ?";
  if (!f.query.empty()) sql += " AND instr(address, ?) > 0";
  sql += " ORDER BY id LIMIT ?";
  return sql;
}

}  // namespace

Result<std::vector<Suppression>> SqliteStore::LookupSuppressions(std::string_view address) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("looking up suppressions", [&]() -> Result<std::vector<Suppression>> {
    // Expired rows are invisible (SCHEMA.md gives the mailer the same query).
    static const std::string kLookup = std::string("SELECT ") + kSuppressionColumns +
                                       " FROM suppressions WHERE address = ? AND (expires_at IS NULL OR"
                                       " expires_at > ?) ORDER BY id";
    sqlite::Use st(Cached(kLookup));
    sqlite::BindRef(*st, 1, addr->key);
    st->bind(2, static_cast<int64_t>(std::time(nullptr)));
    std::vector<Suppression> out;
    while (st->executeStep()) out.push_back(ReadSuppression(*st));
    return out;
  });
}

Result<std::vector<Suppression>> SqliteStore::ListSuppressions(const SuppressionFilter& f) {
  if (f.limit < 1 || f.limit > kMaxListLimit) {
    return MakeError(ErrorCode::kInvalidArgument, "limit must be in [1, 10000]");
  }
  return sqlite::Guard("listing suppressions", [&]() -> Result<std::vector<Suppression>> {
    sqlite::Use st(Cached(ListSql(f)));
    int i = 1;
    st->bind(i++, static_cast<int64_t>(f.after_id));
    if (f.scope) sqlite::BindText(*st, i++, *f.scope);
    if (f.reason) st->bind(i++, SuppressionReasonName(*f.reason));
    if (f.since) st->bind(i++, static_cast<int64_t>(*f.since));
    if (f.until) st->bind(i++, static_cast<int64_t>(*f.until));
    if (!f.query.empty()) sqlite::BindText(*st, i++, f.query);
    st->bind(i++, f.limit);
    std::vector<Suppression> out;
    while (st->executeStep()) out.push_back(ReadSuppression(*st));
    return out;
  });
}

Result<Suppression> SqliteStore::AddSuppression(const ManualSuppression& s, const AuditEntry& audit) {
  if (Status c = CheckScope(s.scope); !c.ok()) return c.error();
  if (Status c = CheckNote(s.note); !c.ok()) return c.error();
  auto addr = NormalizeAddress(s.address, options_.address);
  if (!addr.ok()) return addr.error();
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("adding suppression", [&]() -> Result<Suppression> {
    sqlite::WriteTxn txn(db_);
    {
      // A manual add of an existing row restates it: reason, expiry and note as given now.
      sqlite::Use st(Cached(
          "INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen,"
          " count, expires_at, note) VALUES(?,?,?,?,?,?,1,?,?) ON CONFLICT(scope, address) DO UPDATE"
          " SET reason = excluded.reason, last_seen = excluded.last_seen, count = count + 1,"
          " expires_at = excluded.expires_at, note = excluded.note"));
      sqlite::BindText(*st, 1, s.scope);
      sqlite::BindText(*st, 2, addr->key);
      sqlite::BindText(*st, 3, addr->original);
      st->bind(4, SuppressionReasonName(s.reason));
      st->bind(5, static_cast<int64_t>(now));
      st->bind(6, static_cast<int64_t>(now));
      sqlite::BindOptInt(*st, 7, s.expires_at);
      sqlite::BindText(*st, 8, s.note);
      st->exec();
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.add";
    if (a.target.empty()) a.target = s.scope + " " + addr->key;
    WriteAudit(a, now);
    Suppression row;
    {
      sqlite::Use st(Cached(std::string("SELECT ") + kSuppressionColumns +
                            " FROM suppressions WHERE scope = ? AND address = ?"));
      sqlite::BindText(*st, 1, s.scope);
      sqlite::BindText(*st, 2, addr->key);
      st->executeStep();
      row = ReadSuppression(*st);
    }
    txn.Commit();
    return row;
  });
}

Status SqliteStore::RemoveSuppression(std::string_view scope, std::string_view address,
                                      const AuditEntry& audit) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("removing suppression", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    int changed = 0;
    {
      sqlite::Use st(Cached("DELETE FROM suppressions WHERE scope = ? AND address = ?"));
      sqlite::BindText(*st, 1, scope);
      sqlite::BindText(*st, 2, addr->key);
      changed = st->exec();
    }
    if (changed == 0) {
      return MakeError(ErrorCode::kNotFound, addr->key + " is not suppressed in scope " + std::string(scope));
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.remove";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    WriteAudit(a, std::time(nullptr));
    txn.Commit();
    return OkStatus();
  });
}

Result<ImportResult> SqliteStore::ImportSuppressions(const std::vector<ManualSuppression>& rows,
                                                     bool skip_invalid, const AuditEntry& audit) {
  ImportResult result;
  std::vector<std::pair<const ManualSuppression*, NormalizedAddress>> valid;
  valid.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Status c = CheckScope(rows[i].scope);
    if (c.ok()) c = CheckNote(rows[i].note);
    auto addr = c.ok() ? NormalizeAddress(rows[i].address, options_.address) : Result<NormalizedAddress>(c.error());
    if (!addr.ok()) {
      result.invalid.push_back({i, addr.error().detail});
      continue;
    }
    valid.emplace_back(&rows[i], std::move(addr.value()));
  }
  if (!result.invalid.empty() && !skip_invalid) return result;
  // Inserting in key order keeps B-tree writes sequential: much faster on large files, and the
  // pages end up full (random order leaves them about two thirds full).
  std::sort(valid.begin(), valid.end(), [](const auto& a, const auto& b) {
    int c = a.first->scope.compare(b.first->scope);
    return c != 0 ? c < 0 : a.second.key < b.second.key;
  });
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("importing suppressions", [&]() -> Result<ImportResult> {
    sqlite::WriteTxn txn(db_);
    sqlite::Use st(Cached(
        "INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen,"
        " count, expires_at, note) VALUES(?,?,?,?,?,?,1,?,?) ON CONFLICT(scope, address) DO NOTHING"));
    for (const auto& [row, addr] : valid) {
      st->tryReset();
      sqlite::BindRef(*st, 1, row->scope);
      sqlite::BindRef(*st, 2, addr.key);
      sqlite::BindRef(*st, 3, addr.original);
      sqlite::BindRef(*st, 4, SuppressionReasonName(row->reason));
      st->bind(5, static_cast<int64_t>(now));
      st->bind(6, static_cast<int64_t>(now));
      sqlite::BindOptInt(*st, 7, row->expires_at);
      sqlite::BindRef(*st, 8, row->note);
      if (st->exec() == 1) {
        ++result.added;
      } else {
        ++result.existing;
      }
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.import";
    a.detail += (a.detail.empty() ? "" : " ") + std::string("added=") + std::to_string(result.added) +
                " existing=" + std::to_string(result.existing) +
                " invalid=" + std::to_string(result.invalid.size());
    WriteAudit(a, now);
    txn.Commit();
    result.committed = true;
    return result;
  });
}

Result<std::int64_t> SqliteStore::PurgeExpiredSuppressions(UnixTime now) {
  return sqlite::Guard("purging expired suppressions", [&]() -> Result<std::int64_t> {
    sqlite::WriteTxn txn(db_);
    sqlite::Use st(Cached("DELETE FROM suppressions WHERE expires_at IS NOT NULL AND expires_at <= ?"));
    st->bind(1, static_cast<int64_t>(now));
    std::int64_t n = st->exec();
    txn.Commit();
    return n;
  });
}

Status SqliteStore::AddAllowlist(std::string_view scope, std::string_view address, std::string_view note,
                                 const AuditEntry& audit) {
  if (Status c = CheckScope(scope); !c.ok()) return c;
  if (Status c = CheckNote(note); !c.ok()) return c;
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("adding to the allowlist", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    {
      sqlite::Use st(Cached(
          "INSERT INTO allowlist(scope, address, note, created_at) VALUES(?,?,?,?)"
          " ON CONFLICT(scope, address) DO UPDATE SET note = excluded.note"));
      sqlite::BindText(*st, 1, scope);
      sqlite::BindText(*st, 2, addr->key);
      sqlite::BindText(*st, 3, note);
      st->bind(4, static_cast<int64_t>(now));
      st->exec();
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "allowlist.add";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    WriteAudit(a, now);
    txn.Commit();
    return OkStatus();
  });
}

Status SqliteStore::RemoveAllowlist(std::string_view scope, std::string_view address,
                                    const AuditEntry& audit) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("removing from the allowlist", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    int changed = 0;
    {
      sqlite::Use st(Cached("DELETE FROM allowlist WHERE scope = ? AND address = ?"));
      sqlite::BindText(*st, 1, scope);
      sqlite::BindText(*st, 2, addr->key);
      changed = st->exec();
    }
    if (changed == 0) {
      return MakeError(ErrorCode::kNotFound, addr->key + " is not allowlisted in scope " + std::string(scope));
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "allowlist.remove";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    WriteAudit(a, std::time(nullptr));
    txn.Commit();
    return OkStatus();
  });
}

Result<bool> SqliteStore::IsAllowlisted(std::string_view scope, std::string_view address) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("reading the allowlist", [&]() -> Result<bool> {
    sqlite::Use st(Cached("SELECT 1 FROM allowlist WHERE address = ? AND scope IN (?, '*') LIMIT 1"));
    sqlite::BindText(*st, 1, addr->key);
    sqlite::BindText(*st, 2, scope);
    return st->executeStep();
  });
}

}  // namespace fbl
