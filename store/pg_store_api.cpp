// PostgreSQL: the API section (tokens, complaints, client stats, batch checks, allowlist
// listing) and the metrics section (counts for the gauges), as sqlite_store_api.cpp and
// sqlite_store_metrics.cpp.
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/pg_store.h"
#include "store/pg_suppression_row.h"

namespace fbl {
namespace {

constexpr int kMaxLimit = 10000;
constexpr std::size_t kMaxCheckKeys = 100000;
constexpr std::size_t kCheckChunk = 5000;  // keys per = ANY($1) query

constexpr const char* kTokenColumns = "id, secret_hash, scope, writable, note, created_at, revoked_at";

ApiToken ReadToken(const pg::Rows& r, int i) {
  ApiToken t;
  t.id = r.Text(i, 0);
  const std::string hash = r.Bytes(i, 1);
  if (hash.size() == t.secret_hash.size()) {
    std::copy(hash.begin(), hash.end(), t.secret_hash.begin());
  }  // else: a corrupt hash stays all-zero, which no secret's SHA-256 matches
  t.scope = r.Text(i, 2);
  t.writable = r.Bool(i, 3);
  t.note = r.Text(i, 4);
  t.created_at = r.Int(i, 5);
  t.revoked_at = r.OptInt(i, 6);
  return t;
}

std::string ComplaintSql(const ComplaintFilter& f) {
  std::string sql =
      "SELECT id, report_id, client_id, address, provider, feedback_type, message_id, subject,"
      " arrival_at, created_at FROM complaints WHERE id > $1";
  int n = 2;
  auto next = [&] { return "$" + std::to_string(n++); };
  if (f.client_id) sql += " AND client_id = " + next();
  if (f.provider) sql += " AND provider = " + next();
  if (f.feedback_type) sql += " AND feedback_type = " + next();
  if (f.since) sql += " AND created_at >= " + next();
  if (f.until) sql += " AND created_at < " + next();
  return sql + " ORDER BY id LIMIT " + next();
}

ComplaintRecord ReadComplaint(const pg::Rows& r, int i) {
  ComplaintRecord c;
  c.id = r.Int(i, 0);
  c.report_id = r.Int(i, 1);
  c.client_id = r.OptText(i, 2);
  c.address = r.Text(i, 3);
  c.provider = r.Text(i, 4);
  c.feedback_type = r.Text(i, 5);
  c.message_id = r.Text(i, 6);
  c.subject = r.Text(i, 7);
  c.arrival_at = r.OptInt(i, 8);
  c.created_at = r.Int(i, 9);
  return c;
}

Status CheckLimit(int limit) {
  if (limit < 1 || limit > kMaxLimit) return MakeError(ErrorCode::kInvalidArgument, "limit must be in [1, 10000]");
  return OkStatus();
}

}  // namespace

Status PgStore::CreateApiToken(const ApiToken& token, const AuditEntry& audit) {
  return Run("creating API token", Txn::kWrite, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec(
        "INSERT INTO api_tokens(id, secret_hash, scope, writable, note, created_at) VALUES($1,$2,$3,$4,$5,$6)"
        " ON CONFLICT (id) DO NOTHING",
        pg::Params()
            .Text(token.id)
            .Bytes(token.secret_hash.data(), token.secret_hash.size())
            .Text(token.scope)
            .Bool(token.writable)
            .Text(token.note)
            .Int(token.created_at));
    if (r.Affected() == 0) return MakeError(ErrorCode::kConflict, "a token with this id exists");
    PgWriteAudit(c, audit, token.created_at);
    return OkStatus();
  });
}

Result<std::optional<ApiToken>> PgStore::GetApiToken(std::string_view id) {
  return Run("reading API token", Txn::kNone, [&](pg::Conn& c) -> Result<std::optional<ApiToken>> {
    pg::Rows r = c.Exec(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = $1",
                        pg::Params().Text(id));
    if (r.empty()) return std::optional<ApiToken>();
    return std::optional<ApiToken>(ReadToken(r, 0));
  });
}

Status PgStore::RevokeApiToken(std::string_view id, UnixTime now, const AuditEntry& audit) {
  return Run("revoking API token", Txn::kWrite, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                        pg::Params().Int(now).Text(id));
    if (r.Affected() == 0) return MakeError(ErrorCode::kNotFound, "no active token with this id");
    PgWriteAudit(c, audit, now);
    return OkStatus();
  });
}

Result<std::vector<ApiToken>> PgStore::ListApiTokens() {
  return Run("listing API tokens", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<ApiToken>> {
    pg::Rows r = c.Exec(std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY created_at, id");
    std::vector<ApiToken> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(ReadToken(r, i));
    return out;
  });
}

Result<std::vector<ComplaintRecord>> PgStore::ListComplaints(const ComplaintFilter& f) {
  if (Status s = CheckLimit(f.limit); !s.ok()) return s.error();
  return Run("listing complaints", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<ComplaintRecord>> {
    pg::Params p;
    p.Int(f.after_id);
    if (f.client_id) p.Text(*f.client_id);
    if (f.provider) p.Text(*f.provider);
    if (f.feedback_type) p.Text(*f.feedback_type);
    if (f.since) p.Int(*f.since);
    if (f.until) p.Int(*f.until);
    p.Int(f.limit);
    pg::Rows r = c.Exec(ComplaintSql(f), p);
    std::vector<ComplaintRecord> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(ReadComplaint(r, i));
    return out;
  });
}

Result<ClientStats> PgStore::GetClientStats(std::string_view client_id, UnixTime since, UnixTime until) {
  return Run("reading client stats", Txn::kSnapshot, [&](pg::Conn& c) -> Result<ClientStats> {
    ClientStats out;
    // created_at / 86400 truncates toward zero, as SQLite's integer division does.
    pg::Rows r = c.Exec(
        "SELECT created_at / 86400 AS day, provider, COUNT(*) FROM complaints"
        " WHERE client_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY day, provider"
        " ORDER BY day, provider",
        pg::Params().Text(client_id).Int(since).Int(until));
    for (int i = 0; i < r.size(); ++i) out.complaints.push_back({r.Int(i, 0), r.Text(i, 1), r.Int(i, 2)});
    pg::Rows s = c.Exec(
        "SELECT day, sent FROM client_sent_daily WHERE client_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        pg::Params().Text(client_id).Int(since / 86400).Int((until - 1) / 86400));
    for (int i = 0; i < s.size(); ++i) out.sent.push_back({s.Int(i, 0), s.Int(i, 1)});
    return out;
  });
}

Result<CheckResult> PgStore::CheckSuppressions(const std::vector<std::string>& keys) {
  if (keys.size() > kMaxCheckKeys) return MakeError(ErrorCode::kLimitExceeded, "too many addresses in one check");
  return Run("checking suppressions", Txn::kSnapshot, [&](pg::Conn& c) -> Result<CheckResult> {
    const std::int64_t now = std::time(nullptr);
    CheckResult out;
    out.of_key.resize(keys.size());
    // Chunks of keys in one query each. The rows come back in id order, are gathered by
    // address, and each address's rows are appended once; every position that asked for that
    // address (a key may be asked twice) gets their range.
    struct Gathered {
      std::vector<SuppressionMatch> rows;
      std::optional<CheckResult::Range> placed;  // where rows went in out.rows
    };
    for (std::size_t start = 0; start < keys.size(); start += kCheckChunk) {
      const std::size_t end = std::min(keys.size(), start + kCheckChunk);
      std::unordered_map<std::string_view, Gathered> found;
      std::vector<std::string> chunk;
      for (std::size_t i = start; i < end; ++i) {
        if (found.try_emplace(keys[i]).second) chunk.push_back(keys[i]);
      }
      pg::Rows r = c.Exec(std::string("SELECT address, ") + pg::kMatchColumns +
                              " FROM suppressions WHERE address = ANY($1::text[])"
                              " AND (expires_at IS NULL OR expires_at > $2) ORDER BY id",
                          pg::Params().TextArray(chunk).Int(now));
      for (int i = 0; i < r.size(); ++i) {
        auto it = found.find(r.Text(i, 0));
        if (it != found.end()) it->second.rows.push_back(pg::ReadMatch(r, i, 1));
      }
      for (std::size_t i = start; i < end; ++i) {
        Gathered& g = found.at(keys[i]);
        if (!g.placed) {
          const auto begin = static_cast<std::uint32_t>(out.rows.size());
          out.rows.insert(out.rows.end(), g.rows.begin(), g.rows.end());
          g.placed = CheckResult::Range{begin, static_cast<std::uint32_t>(out.rows.size())};
        }
        out.of_key[i] = *g.placed;
      }
    }
    return out;
  });
}

Result<std::vector<AllowlistEntry>> PgStore::ListAllowlist(const AllowlistFilter& f) {
  if (Status s = CheckLimit(f.limit); !s.ok()) return s.error();
  return Run("listing allowlist", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<AllowlistEntry>> {
    pg::Params p;
    p.Text(f.after_scope).Text(f.after_address);
    std::string sql = "SELECT scope, address, note, created_at FROM allowlist WHERE (scope, address) > ($1, $2)";
    if (f.scope) {
      sql += " AND scope = $3 ORDER BY scope, address LIMIT $4";
      p.Text(*f.scope);
    } else {
      sql += " ORDER BY scope, address LIMIT $3";
    }
    p.Int(f.limit);
    pg::Rows r = c.Exec(sql, p);
    std::vector<AllowlistEntry> out;
    for (int i = 0; i < r.size(); ++i) out.push_back({r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Int(i, 3)});
    return out;
  });
}

Result<std::optional<AllowlistEntry>> PgStore::GetAllowlist(std::string_view scope, std::string_view address) {
  return Run("reading allowlist", Txn::kNone, [&](pg::Conn& c) -> Result<std::optional<AllowlistEntry>> {
    pg::Rows r = c.Exec("SELECT scope, address, note, created_at FROM allowlist WHERE scope = $1 AND address = $2",
                        pg::Params().Text(scope).Text(address));
    if (r.empty()) return std::optional<AllowlistEntry>();
    return std::optional<AllowlistEntry>(AllowlistEntry{r.Text(0, 0), r.Text(0, 1), r.Text(0, 2), r.Int(0, 3)});
  });
}

// ---- Metrics section ------------------------------------------------------------------------

Result<std::vector<ReasonCount>> PgStore::CountSuppressionsByReason(UnixTime now) {
  return Run("suppressions by reason", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<ReasonCount>> {
    pg::Rows r = c.Exec(
        "SELECT reason, COUNT(*) FROM suppressions WHERE expires_at IS NULL OR expires_at > $1"
        " GROUP BY reason ORDER BY reason",
        pg::Params().Int(now));
    std::vector<ReasonCount> out;
    for (int i = 0; i < r.size(); ++i) out.push_back({r.Text(i, 0), r.Int(i, 1)});
    return out;
  });
}

Result<OutboxStats> PgStore::GetOutboxStats() {
  return Run("outbox stats", Txn::kNone, [&](pg::Conn& c) -> Result<OutboxStats> {
    // One statement: one snapshot.
    pg::Rows r = c.Exec(
        "SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'failed'),"
        " MIN(created_at) FILTER (WHERE state = 'pending') FROM outbox");
    OutboxStats stats;
    stats.pending = r.Int(0, 0);
    stats.failed = r.Int(0, 1);
    stats.oldest_pending_created_at = r.OptInt(0, 2);
    return stats;
  });
}

Result<std::int64_t> PgStore::CountHeldAccounts() {
  return Run("held accounts", Txn::kNone, [&](pg::Conn& c) -> Result<std::int64_t> {
    return c.Exec("SELECT COUNT(*) FROM accounts WHERE state = 'held'").Int(0, 0);
  });
}

Result<std::vector<ClientVolume>> PgStore::GetClientVolumes(UnixTime since) {
  return Run("client volumes", Txn::kSnapshot, [&](pg::Conn& c) -> Result<std::vector<ClientVolume>> {
    std::map<std::string, ClientVolume> by_client;
    pg::Rows complaints = c.Exec(
        "SELECT client_id, COUNT(*) FROM complaints WHERE client_id IS NOT NULL AND created_at >= $1"
        " GROUP BY client_id",
        pg::Params().Int(since));
    for (int i = 0; i < complaints.size(); ++i) by_client[complaints.Text(i, 0)].complaints = complaints.Int(i, 1);
    pg::Rows sent = c.Exec("SELECT client_id, SUM(sent) FROM client_sent_daily WHERE day >= $1 GROUP BY client_id",
                           pg::Params().Int(since / 86400));
    for (int i = 0; i < sent.size(); ++i) by_client[sent.Text(i, 0)].sent = sent.Int(i, 1);
    std::vector<ClientVolume> out;
    out.reserve(by_client.size());
    for (auto& [id, volume] : by_client) {
      volume.client_id = id;
      out.push_back(std::move(volume));
    }
    return out;
  });
}

Result<std::vector<AccountVolume>> PgStore::TopSendingAccounts(UnixTime since, int limit) {
  return Run("top sending accounts", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<AccountVolume>> {
    pg::Rows r = c.Exec(
        "SELECT account, COUNT(*) AS n FROM outbound_messages WHERE sent_at >= $1 AND account <> ''"
        " GROUP BY account ORDER BY n DESC, account LIMIT $2",
        pg::Params().Int(since).Int(limit));
    std::vector<AccountVolume> out;
    for (int i = 0; i < r.size(); ++i) out.push_back({r.Text(i, 0), r.Int(i, 1)});
    return out;
  });
}

}  // namespace fbl
