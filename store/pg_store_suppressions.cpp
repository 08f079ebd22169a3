// Suppressions and the allowlist for PostgreSQL: lookups, listing with a cursor, manual
// changes (audited), bulk import. Same checks and results as sqlite_store_suppressions.cpp.
#include <algorithm>
#include <ctime>
#include <string>

#include "parsers/address.h"
#include "store/store_rules.h"
#include "store/pg_store.h"
#include "store/pg_suppression_row.h"

namespace fbl {
namespace {

using pg::kSuppressionColumns;
using pg::ReadSuppression;
using store_rules::CheckNote;
using store_rules::CheckScope;
using store_rules::kMaxListLimit;
constexpr std::size_t kImportChunk = 1000;  // rows per INSERT ... SELECT FROM unnest

// The SQL text depends only on which filters are set (8 shapes, each prepared once).
std::string ListSql(const SuppressionFilter& f) {
  std::string sql = std::string("SELECT ") + kSuppressionColumns + " FROM suppressions WHERE id > $1";
  int n = 2;
  auto next = [&] { return "$" + std::to_string(n++); };
  if (f.scope) sql += " AND scope = " + next();
  if (f.reason) sql += " AND reason = " + next();
  if (f.since) sql += " AND last_seen >= " + next();
  if (f.until) sql += " AND last_seen < " + next();
  if (!f.query.empty()) sql += " AND strpos(address, " + next() + ") > 0";
  sql += " ORDER BY id LIMIT " + next();
  return sql;
}

}  // namespace

Result<std::vector<Suppression>> PgStore::LookupSuppressions(std::string_view address) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return Run("looking up suppressions", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<Suppression>> {
    // Expired rows are invisible (SCHEMA.md gives the mailer the same query).
    static const std::string kLookup = std::string("SELECT ") + kSuppressionColumns +
                                       " FROM suppressions WHERE address = $1 AND (expires_at IS NULL OR"
                                       " expires_at > CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)) ORDER BY id";
    pg::Rows rows = c.Exec(kLookup, pg::Params().Text(addr->key));
    std::vector<Suppression> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadSuppression(rows, i));
    return out;
  });
}

Result<std::vector<Suppression>> PgStore::ListSuppressions(const SuppressionFilter& f) {
  if (f.limit < 1 || f.limit > kMaxListLimit) {
    return MakeError(ErrorCode::kInvalidArgument, "limit must be in [1, 10000]");
  }
  return Run("listing suppressions", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<Suppression>> {
    pg::Params p;
    p.Int(f.after_id);
    if (f.scope) p.Text(*f.scope);
    if (f.reason) p.Text(SuppressionReasonName(*f.reason));
    if (f.since) p.Int(*f.since);
    if (f.until) p.Int(*f.until);
    if (!f.query.empty()) p.Text(f.query);
    p.Int(f.limit);
    pg::Rows rows = c.Exec(ListSql(f), p);
    std::vector<Suppression> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadSuppression(rows, i));
    return out;
  });
}

Result<Suppression> PgStore::AddSuppression(const ManualSuppression& s, const AuditEntry& audit) {
  if (Status c = CheckScope(s.scope); !c.ok()) return c.error();
  if (Status c = CheckNote(s.note); !c.ok()) return c.error();
  auto addr = NormalizeAddress(s.address, options_.address);
  if (!addr.ok()) return addr.error();
  const std::int64_t now = std::time(nullptr);
  return Run("adding suppression", Txn::kWrite, [&](pg::Conn& c) -> Result<Suppression> {
    // A manual add of an existing row restates it: reason, expiry and note as given now.
    pg::Rows rows = c.Exec(
        std::string("INSERT INTO suppressions AS s(scope, address, address_original, reason, first_seen,"
                    " last_seen, count, expires_at, note) VALUES($1,$2,$3,$4,$5,$5,1,$6,$7)"
                    " ON CONFLICT (scope, address) DO UPDATE SET reason = excluded.reason,"
                    " last_seen = excluded.last_seen, count = s.count + 1, expires_at = excluded.expires_at,"
                    " note = excluded.note RETURNING ") +
            kSuppressionColumns,
        pg::Params()
            .Text(s.scope)
            .Text(addr->key)
            .Text(addr->original)
            .Text(SuppressionReasonName(s.reason))
            .Int(now)
            .OptInt(s.expires_at)
            .Text(s.note));
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.add";
    if (a.target.empty()) a.target = s.scope + " " + addr->key;
    PgWriteAudit(c, a, now);
    return ReadSuppression(rows, 0);
  });
}

Status PgStore::RemoveSuppression(std::string_view scope, std::string_view address, const AuditEntry& audit) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return Run("removing suppression", Txn::kWrite, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec("DELETE FROM suppressions WHERE scope = $1 AND address = $2",
                        pg::Params().Text(scope).Text(addr->key));
    if (r.Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, addr->key + " is not suppressed in scope " + std::string(scope));
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.remove";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    PgWriteAudit(c, a, std::time(nullptr));
    return OkStatus();
  });
}

Result<ImportResult> PgStore::ImportSuppressions(const std::vector<ManualSuppression>& rows, bool skip_invalid,
                                                 const AuditEntry& audit) {
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
  // Stable: of a key given twice, the first spelling in the list is kept (as in SQLite).
  std::stable_sort(valid.begin(), valid.end(), [](const auto& a, const auto& b) {
    int c = a.first->scope.compare(b.first->scope);
    return c != 0 ? c < 0 : a.second.key < b.second.key;
  });
  const std::int64_t now = std::time(nullptr);
  return Run("importing suppressions", Txn::kWrite, [&](pg::Conn& c) -> Result<ImportResult> {
    ImportResult r = result;
    // Chunks of rows as parallel arrays: one round trip per chunk, not per row. A duplicate
    // (scope, address) inside one chunk is left to ON CONFLICT like one in the table.
    for (std::size_t start = 0; start < valid.size(); start += kImportChunk) {
      const std::size_t end = std::min(valid.size(), start + kImportChunk);
      std::vector<std::string> scopes, keys, originals, reasons, expiries, notes;
      for (std::size_t i = start; i < end; ++i) {
        const auto& [row, addr] = valid[i];
        scopes.push_back(row->scope);
        keys.push_back(addr.key);
        originals.push_back(addr.original);
        reasons.push_back(SuppressionReasonName(row->reason));
        expiries.push_back(row->expires_at ? std::to_string(*row->expires_at) : "");
        notes.push_back(row->note);
      }
      pg::Rows ins = c.Exec(
          "INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen, count,"
          " expires_at, note) SELECT sc, ad, orig, re, $7, $7, 1, CAST(NULLIF(ex, '') AS BIGINT), nt"
          " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
          " AS t(sc, ad, orig, re, ex, nt) ON CONFLICT (scope, address) DO NOTHING",
          pg::Params()
              .TextArray(scopes)
              .TextArray(keys)
              .TextArray(originals)
              .TextArray(reasons)
              .TextArray(expiries)
              .TextArray(notes)
              .Int(now));
      r.added += ins.Affected();
      r.existing += static_cast<std::int64_t>(end - start) - ins.Affected();
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.import";
    a.detail += (a.detail.empty() ? "" : " ") + std::string("added=") + std::to_string(r.added) +
                " existing=" + std::to_string(r.existing) + " invalid=" + std::to_string(r.invalid.size());
    PgWriteAudit(c, a, now);
    r.committed = true;
    return r;
  });
}

Result<std::int64_t> PgStore::PurgeExpiredSuppressions(UnixTime now) {
  return Run("purging expired suppressions", Txn::kNone, [&](pg::Conn& c) -> Result<std::int64_t> {
    return c.Exec("DELETE FROM suppressions WHERE expires_at IS NOT NULL AND expires_at <= $1",
                  pg::Params().Int(now))
        .Affected();
  });
}

Status PgStore::AddAllowlist(std::string_view scope, std::string_view address, std::string_view note,
                             const AuditEntry& audit) {
  if (Status c = CheckScope(scope); !c.ok()) return c;
  if (Status c = CheckNote(note); !c.ok()) return c;
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  const std::int64_t now = std::time(nullptr);
  return Run("adding to the allowlist", Txn::kWrite, [&](pg::Conn& c) -> Status {
    c.Exec("INSERT INTO allowlist(scope, address, note, created_at) VALUES($1,$2,$3,$4)"
           " ON CONFLICT (scope, address) DO UPDATE SET note = excluded.note",
           pg::Params().Text(scope).Text(addr->key).Text(note).Int(now));
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "allowlist.add";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    PgWriteAudit(c, a, now);
    return OkStatus();
  });
}

Status PgStore::RemoveAllowlist(std::string_view scope, std::string_view address, const AuditEntry& audit) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return Run("removing from the allowlist", Txn::kWrite, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec("DELETE FROM allowlist WHERE scope = $1 AND address = $2",
                        pg::Params().Text(scope).Text(addr->key));
    if (r.Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, addr->key + " is not allowlisted in scope " + std::string(scope));
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "allowlist.remove";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    PgWriteAudit(c, a, std::time(nullptr));
    return OkStatus();
  });
}

Result<bool> PgStore::IsAllowlisted(std::string_view scope, std::string_view address) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return Run("reading the allowlist", Txn::kNone, [&](pg::Conn& c) -> Result<bool> {
    return !c.Exec("SELECT 1 FROM allowlist WHERE address = $1 AND scope IN ($2, '*') LIMIT 1",
                   pg::Params().Text(addr->key).Text(scope))
                .empty();
  });
}

}  // namespace fbl
