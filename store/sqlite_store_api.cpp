// The API section of Store for SQLite (store.h): tokens, complaint listing, client stats,
// batch checks, allowlist listing, readiness. Owned by the HTTP API.
#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "store/sqlite_util.h"
#include "store/suppression_row.h"

namespace fbl {
namespace {

constexpr int kMaxLimit = 10000;
constexpr std::size_t kMaxCheckKeys = 100000;

using sqlite::kSuppressionColumns;

ApiToken ReadToken(SQLite::Statement& st) {
  ApiToken t;
  t.id = st.getColumn(0).getString();
  const SQLite::Column hash = st.getColumn(1);
  if (hash.getBytes() == static_cast<int>(t.secret_hash.size())) {
    const auto* p = static_cast<const std::uint8_t*>(hash.getBlob());
    std::copy(p, p + t.secret_hash.size(), t.secret_hash.begin());
  }  // else: a corrupt hash stays all-zero, which no secret's SHA-256 matches
  t.scope = st.getColumn(2).getString();
  t.writable = st.getColumn(3).getInt() != 0;
  t.note = st.getColumn(4).getString();
  t.created_at = st.getColumn(5).getInt64();
  t.revoked_at = sqlite::OptInt(st.getColumn(6));
  return t;
}

constexpr const char* kTokenColumns = "id, secret_hash, scope, writable, note, created_at, revoked_at";

std::string ComplaintSql(const ComplaintFilter& f) {
  std::string sql =
      "SELECT id, report_id, client_id, address, provider, feedback_type, message_id, subject,"
      " arrival_at, created_at FROM complaints WHERE id > ?";
  if (f.client_id) sql += " AND client_id = ?";
  if (f.provider) sql += " AND provider = ?";
  if (f.feedback_type) sql += " AND feedback_type = ?";
  if (f.since) sql += " AND created_at >= ?";
  if (f.until) sql += " AND created_at < ?";
  return sql + " ORDER BY id LIMIT ?";
}

ComplaintRecord ReadComplaint(SQLite::Statement& st) {
  ComplaintRecord r;
  r.id = st.getColumn(0).getInt64();
  r.report_id = st.getColumn(1).getInt64();
  r.client_id = sqlite::OptText(st.getColumn(2));
  r.address = st.getColumn(3).getString();
  r.provider = st.getColumn(4).getString();
  r.feedback_type = st.getColumn(5).getString();
  r.message_id = st.getColumn(6).getString();
  r.subject = st.getColumn(7).getString();
  r.arrival_at = sqlite::OptInt(st.getColumn(8));
  r.created_at = st.getColumn(9).getInt64();
  return r;
}

std::string AllowlistSql(const AllowlistFilter& f) {
  std::string sql = "SELECT scope, address, note, created_at FROM allowlist WHERE (scope, address) > (?, ?)";
  if (f.scope) sql += " AND scope = ?";
  return sql + " ORDER BY scope, address LIMIT ?";
}

Status CheckLimit(int limit) {
  if (limit < 1 || limit > kMaxLimit) return MakeError(ErrorCode::kInvalidArgument, "limit must be in [1, 10000]");
  return OkStatus();
}

}  // namespace

Status SqliteStore::CreateApiToken(const ApiToken& token, const AuditEntry& audit) {
  return sqlite::Guard("creating API token", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    {
      sqlite::Use exists(Cached("SELECT 1 FROM api_tokens WHERE id = ?"));
      sqlite::BindText(*exists, 1, token.id);
      if (exists->executeStep()) return MakeError(ErrorCode::kConflict, "a token with this id exists");
    }
    {
      sqlite::Use st(Cached(
          "INSERT INTO api_tokens(id, secret_hash, scope, writable, note, created_at) VALUES(?,?,?,?,?,?)"));
      sqlite::BindText(*st, 1, token.id);
      st->bind(2, token.secret_hash.data(), static_cast<int>(token.secret_hash.size()));
      sqlite::BindText(*st, 3, token.scope);
      st->bind(4, token.writable ? 1 : 0);
      sqlite::BindText(*st, 5, token.note);
      st->bind(6, static_cast<int64_t>(token.created_at));
      st->exec();
    }
    WriteAudit(audit, token.created_at);
    txn.Commit();
    return OkStatus();
  });
}

Result<std::optional<ApiToken>> SqliteStore::GetApiToken(std::string_view id) {
  return sqlite::Guard("reading API token", [&]() -> Result<std::optional<ApiToken>> {
    sqlite::Use st(Cached(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ?"));
    sqlite::BindText(*st, 1, id);
    if (!st->executeStep()) return std::optional<ApiToken>();
    return std::optional<ApiToken>(ReadToken(*st));
  });
}

Status SqliteStore::RevokeApiToken(std::string_view id, UnixTime now, const AuditEntry& audit) {
  return sqlite::Guard("revoking API token", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    int changed = 0;
    {
      sqlite::Use st(Cached("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
      st->bind(1, static_cast<int64_t>(now));
      sqlite::BindText(*st, 2, id);
      changed = st->exec();
    }
    if (changed == 0) return MakeError(ErrorCode::kNotFound, "no active token with this id");
    WriteAudit(audit, now);
    txn.Commit();
    return OkStatus();
  });
}

Result<std::vector<ApiToken>> SqliteStore::ListApiTokens() {
  return sqlite::Guard("listing API tokens", [&]() -> Result<std::vector<ApiToken>> {
    sqlite::Use st(Cached(std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY created_at, id"));
    std::vector<ApiToken> out;
    while (st->executeStep()) out.push_back(ReadToken(*st));
    return out;
  });
}

Result<std::vector<ComplaintRecord>> SqliteStore::ListComplaints(const ComplaintFilter& f) {
  if (Status s = CheckLimit(f.limit); !s.ok()) return s.error();
  return sqlite::Guard("listing complaints", [&]() -> Result<std::vector<ComplaintRecord>> {
    sqlite::Use st(Cached(ComplaintSql(f)));
    int i = 1;
    st->bind(i++, static_cast<int64_t>(f.after_id));
    if (f.client_id) sqlite::BindText(*st, i++, *f.client_id);
    if (f.provider) sqlite::BindText(*st, i++, *f.provider);
    if (f.feedback_type) sqlite::BindText(*st, i++, *f.feedback_type);
    if (f.since) st->bind(i++, static_cast<int64_t>(*f.since));
    if (f.until) st->bind(i++, static_cast<int64_t>(*f.until));
    st->bind(i++, f.limit);
    std::vector<ComplaintRecord> out;
    while (st->executeStep()) out.push_back(ReadComplaint(*st));
    return out;
  });
}

Result<ClientStats> SqliteStore::GetClientStats(std::string_view client_id, UnixTime since, UnixTime until) {
  return sqlite::Guard("reading client stats", [&]() -> Result<ClientStats> {
    sqlite::ReadTxn txn(db_);
    ClientStats out;
    {
      sqlite::Use st(Cached(
          "SELECT created_at / 86400 AS day, provider, COUNT(*) FROM complaints"
          " WHERE client_id = ? AND created_at >= ? AND created_at < ? GROUP BY day, provider"
          " ORDER BY day, provider"));
      sqlite::BindText(*st, 1, client_id);
      st->bind(2, static_cast<int64_t>(since));
      st->bind(3, static_cast<int64_t>(until));
      while (st->executeStep()) {
        out.complaints.push_back(
            {st->getColumn(0).getInt64(), st->getColumn(1).getString(), st->getColumn(2).getInt64()});
      }
    }
    sqlite::Use st(Cached(
        "SELECT day, sent FROM client_sent_daily WHERE client_id = ? AND day >= ? AND day <= ? ORDER BY day"));
    sqlite::BindText(*st, 1, client_id);
    st->bind(2, static_cast<int64_t>(since / 86400));
    st->bind(3, static_cast<int64_t>((until - 1) / 86400));
    while (st->executeStep()) out.sent.push_back({st->getColumn(0).getInt64(), st->getColumn(1).getInt64()});
    return out;
  });
}

Result<CheckResult> SqliteStore::CheckSuppressions(const std::vector<std::string>& keys) {
  if (keys.size() > kMaxCheckKeys) return MakeError(ErrorCode::kLimitExceeded, "too many addresses in one check");
  return sqlite::Guard("checking suppressions", [&]() -> Result<CheckResult> {
    sqlite::ReadTxn txn(db_);
    const std::int64_t now = std::time(nullptr);
    // Looked up once each and in key order: consecutive seeks then share the index pages
    // already in the CPU's caches (measured: about a sixth less CPU for 1,000 scattered keys).
    std::vector<std::uint32_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
    std::vector<std::string_view> unique;  // the distinct keys, sorted
    std::vector<std::uint32_t> unique_of(keys.size());
    unique.reserve(keys.size());
    for (std::uint32_t i : order) {
      if (unique.empty() || unique.back() != keys[i]) unique.push_back(keys[i]);
      unique_of[i] = static_cast<std::uint32_t>(unique.size() - 1);
    }
    CheckResult out;
    std::vector<CheckResult::Range> ranges(unique.size());
    out.rows.reserve(keys.size());
    SelectActiveMatchesOf(unique, now, ranges, &out.rows);
    out.of_key.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) out.of_key[i] = ranges[unique_of[i]];
    return out;
  });
}

Result<std::vector<AllowlistEntry>> SqliteStore::ListAllowlist(const AllowlistFilter& f) {
  if (Status s = CheckLimit(f.limit); !s.ok()) return s.error();
  return sqlite::Guard("listing allowlist", [&]() -> Result<std::vector<AllowlistEntry>> {
    sqlite::Use st(Cached(AllowlistSql(f)));
    int i = 1;
    sqlite::BindText(*st, i++, f.after_scope);
    sqlite::BindText(*st, i++, f.after_address);
    if (f.scope) sqlite::BindText(*st, i++, *f.scope);
    st->bind(i++, f.limit);
    std::vector<AllowlistEntry> out;
    while (st->executeStep()) {
      out.push_back({st->getColumn(0).getString(), st->getColumn(1).getString(), st->getColumn(2).getString(),
                     st->getColumn(3).getInt64()});
    }
    return out;
  });
}

Result<std::optional<AllowlistEntry>> SqliteStore::GetAllowlist(std::string_view scope, std::string_view address) {
  return sqlite::Guard("reading allowlist", [&]() -> Result<std::optional<AllowlistEntry>> {
    sqlite::Use st(Cached("SELECT scope, address, note, created_at FROM allowlist WHERE scope = ? AND address = ?"));
    sqlite::BindText(*st, 1, scope);
    sqlite::BindText(*st, 2, address);
    if (!st->executeStep()) return std::optional<AllowlistEntry>();
    return std::optional<AllowlistEntry>(AllowlistEntry{st->getColumn(0).getString(), st->getColumn(1).getString(),
                                                        st->getColumn(2).getString(), st->getColumn(3).getInt64()});
  });
}

Status SqliteStore::Ping() {
  return sqlite::Guard("ping", [&]() -> Status {
    sqlite::Use st(Cached("SELECT 1"));
    if (!st->executeStep()) return MakeError(ErrorCode::kUnavailable, "SELECT 1 returned nothing");
    return OkStatus();
  });
}

}  // namespace fbl
