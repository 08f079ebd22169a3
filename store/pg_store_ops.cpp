// PostgreSQL: clients, outbox, accounts, alerts, mailbox state, outbound Message-IDs,
// retention, raw reports, detector state, sent counts (as sqlite_store_ops.cpp,
// sqlite_store_notify.cpp and sqlite_store_detector.cpp).
#include <algorithm>
#include <ctime>
#include <string>

#include "store/compress.h"
#include "store/pg_store.h"

namespace fbl {
namespace {

constexpr std::size_t kMaxRawSize = std::size_t{1} << 30;

std::string_view StripAngles(std::string_view id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return id;
}

Status NotFoundUnless(std::int64_t changed, const std::string& what) {
  if (changed == 0) return MakeError(ErrorCode::kNotFound, what);
  return OkStatus();
}

constexpr const char* kOutboxColumns =
    "id, client_id, channel, kind, report_id, payload_json, message_id, attempts, created_at, due_at";

OutboxItem ReadOutbox(const pg::Rows& rows, int i) {
  OutboxItem o;
  o.id = rows.Int(i, 0);
  o.client_id = rows.OptText(i, 1);
  o.channel = rows.Text(i, 2);
  o.kind = rows.Text(i, 3);
  o.report_id = rows.OptInt(i, 4);
  o.payload_json = rows.Text(i, 5);
  o.message_id = rows.Text(i, 6);
  o.attempts = static_cast<int>(rows.Int(i, 7));
  o.created_at = rows.Int(i, 8);
  o.due_at = rows.Int(i, 9);
  return o;
}

constexpr const char* kAccountColumns = "username, state, held_at, held_reason, updated_at";

Account ReadAccount(const pg::Rows& rows, int i) {
  Account a;
  a.username = rows.Text(i, 0);
  a.held = rows.Text(i, 1) == "held";
  a.held_at = rows.OptInt(i, 2);
  a.held_reason = rows.Text(i, 3);
  a.updated_at = rows.Int(i, 4);
  return a;
}

}  // namespace

Status PgStore::SyncClients(const std::vector<ClientRecord>& clients) {
  const std::int64_t now = std::time(nullptr);
  return Run("syncing clients", Txn::kWrite, [&](pg::Conn& c) -> Status {
    c.Exec("DELETE FROM client_domains");
    std::vector<std::string> ids;
    for (const ClientRecord& client : clients) {
      c.Exec("INSERT INTO clients(id, name, notify_email, created_at) VALUES($1,$2,$3,$4)"
             " ON CONFLICT (id) DO UPDATE SET name = excluded.name, notify_email = excluded.notify_email",
             pg::Params().Text(client.id).Text(client.name).Text(client.notify_email).Int(now));
      ids.push_back(client.id);
      auto add_domains = [&](const std::vector<std::string>& domains, const char* kind) {
        for (const std::string& d : domains) {
          c.Exec("INSERT INTO client_domains(domain, kind, client_id) VALUES($1,$2,$3)",
                 pg::Params().Text(d).Text(kind).Text(client.id));
        }
      };
      add_domains(client.sending_domains, "sending");
      add_domains(client.dkim_domains, "dkim");
    }
    c.Exec("DELETE FROM clients WHERE NOT (id = ANY($1::text[]))", pg::Params().TextArray(ids));
    return OkStatus();
  });
}

Result<std::vector<OutboxItem>> PgStore::DueOutbox(UnixTime now, int limit) {
  return Run("reading the outbox", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<OutboxItem>> {
    pg::Rows rows = c.Exec(std::string("SELECT ") + kOutboxColumns +
                               " FROM outbox WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2",
                           pg::Params().Int(now).Int(limit));
    std::vector<OutboxItem> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadOutbox(rows, i));
    return out;
  });
}

Status PgStore::MarkOutboxSent(std::int64_t id, UnixTime now) {
  return Run("marking outbox item sent", Txn::kNone, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec(
        "UPDATE outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = '',"
        " claimed_by = NULL, claim_until = NULL WHERE id = $2 AND state = 'pending'",
        pg::Params().Int(now).Int(id));
    return NotFoundUnless(r.Affected(), "no pending outbox item " + std::to_string(id));
  });
}

Status PgStore::MarkOutboxRetry(std::int64_t id, UnixTime next_due, std::string_view error) {
  return Run("rescheduling outbox item", Txn::kNone, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec(
        "UPDATE outbox SET due_at = $1, attempts = attempts + 1, last_error = $2,"
        " claimed_by = NULL, claim_until = NULL WHERE id = $3 AND state = 'pending'",
        pg::Params().Int(next_due).Text(error.substr(0, 2048)).Int(id));
    return NotFoundUnless(r.Affected(), "no pending outbox item " + std::to_string(id));
  });
}

Status PgStore::MarkOutboxFailed(std::int64_t id, std::string_view error) {
  return Run("marking outbox item failed", Txn::kNone, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $1,"
        " claimed_by = NULL, claim_until = NULL WHERE id = $2 AND state = 'pending'",
        pg::Params().Text(error.substr(0, 2048)).Int(id));
    return NotFoundUnless(r.Affected(), "no pending outbox item " + std::to_string(id));
  });
}

Result<std::vector<OutboxItem>> PgStore::ClaimOutbox(std::string_view instance_id, UnixTime now,
                                                     int lease_seconds, int limit) {
  if (instance_id.empty() || lease_seconds < 1 || limit < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "ClaimOutbox: empty instance id, lease or limit");
  }
  return Run("claiming outbox items", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<OutboxItem>> {
    // One statement: the rows are locked as they are chosen, and rows another instance is
    // claiming at this moment are skipped instead of waited for (or taken twice).
    pg::Rows rows = c.Exec(
        std::string("UPDATE outbox SET claimed_by = $2, claim_until = CAST($1 AS BIGINT) + CAST($3 AS BIGINT) WHERE id IN (SELECT id FROM outbox"
                    " WHERE state = 'pending' AND due_at <= $1 AND (claim_until IS NULL OR claim_until <= $1"
                    " OR claimed_by = $2) ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ") +
            kOutboxColumns,
        pg::Params().Int(now).Text(instance_id).Int(lease_seconds).Int(limit));
    std::vector<OutboxItem> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadOutbox(rows, i));
    std::sort(out.begin(), out.end(), [](const OutboxItem& a, const OutboxItem& b) {
      return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
    });
    return out;
  });
}

Result<std::optional<UnixTime>> PgStore::LastOutboxSent(std::string_view client_id) {
  return Run("reading the last notification", Txn::kNone, [&](pg::Conn& c) -> Result<std::optional<UnixTime>> {
    pg::Rows r = c.Exec(
        "SELECT MAX(sent_at) FROM outbox WHERE client_id = $1 AND channel = 'email' AND state = 'sent'",
        pg::Params().Text(client_id));
    if (r.empty()) return std::optional<UnixTime>();
    return r.OptInt(0, 0);
  });
}

Status PgStore::DeferOutbox(std::int64_t id, UnixTime due_at) {
  return Run("deferring outbox item", Txn::kNone, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec("UPDATE outbox SET due_at = $1, claimed_by = NULL, claim_until = NULL"
                        " WHERE id = $2 AND state = 'pending'",
                        pg::Params().Int(due_at).Int(id));
    return NotFoundUnless(r.Affected(), "no pending outbox item " + std::to_string(id));
  });
}

Status PgStore::EnqueueOutbox(const NewOutboxItem& item, UnixTime now) {
  return Run("enqueueing an outbox item", Txn::kNone, [&](pg::Conn& c) -> Status {
    c.Exec("INSERT INTO outbox (client_id, channel, kind, payload_json, message_id, created_at, due_at)"
           " VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (message_id) DO NOTHING",
           pg::Params()
               .OptText(item.client_id)
               .Text(item.channel)
               .Text(item.kind)
               .Text(item.payload_json)
               .Text(item.message_id)
               .Int(now)
               .Int(item.due_at != 0 ? item.due_at : now));
    return OkStatus();
  });
}

Result<std::optional<Account>> PgStore::GetAccount(std::string_view username) {
  return Run("reading account", Txn::kNone, [&](pg::Conn& c) -> Result<std::optional<Account>> {
    pg::Rows r = c.Exec(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE username = $1",
                        pg::Params().Text(username));
    if (r.empty()) return std::optional<Account>();
    return std::optional<Account>(ReadAccount(r, 0));
  });
}

Result<std::vector<Account>> PgStore::ListHeldAccounts() {
  return Run("listing held accounts", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<Account>> {
    pg::Rows r = c.Exec(std::string("SELECT ") + kAccountColumns +
                        " FROM accounts WHERE state = 'held' ORDER BY held_at, username");
    std::vector<Account> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(ReadAccount(r, i));
    return out;
  });
}

Status PgStore::HoldAccount(std::string_view username, std::string_view reason, UnixTime now) {
  return Run("holding account", Txn::kWrite, [&](pg::Conn& c) -> Status {
    // Holding a held account keeps the first hold time and reason.
    c.Exec("INSERT INTO accounts AS a(username, state, held_at, held_reason, updated_at)"
           " VALUES($1, 'held', $2, $3, $2) ON CONFLICT (username) DO UPDATE SET"
           " held_at = CASE WHEN a.state = 'held' THEN a.held_at ELSE excluded.held_at END,"
           " held_reason = CASE WHEN a.state = 'held' THEN a.held_reason ELSE excluded.held_reason END,"
           " state = 'held', updated_at = excluded.updated_at",
           pg::Params().Text(username).Int(now).Text(reason));
    PgWriteAudit(c, {"fbld:alerts", "account.hold", std::string(username), std::string(reason)}, now);
    return OkStatus();
  });
}

Status PgStore::ReleaseAccount(std::string_view username, const AuditEntry& audit, UnixTime now) {
  return Run("releasing account", Txn::kWrite, [&](pg::Conn& c) -> Status {
    pg::Rows r = c.Exec(
        "UPDATE accounts SET state = 'active', released_at = $1, released_by = $2, updated_at = $1"
        " WHERE username = $3 AND state = 'held'",
        pg::Params().Int(now).Text(audit.actor).Text(username));
    if (r.Affected() == 0) return MakeError(ErrorCode::kNotFound, "account " + std::string(username) + " is not held");
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "account.release";
    if (a.target.empty()) a.target = std::string(username);
    PgWriteAudit(c, a, now);
    return OkStatus();
  });
}

Status PgStore::RecordAlert(const AlertRecord& alert) {
  return Run("recording alert", Txn::kNone, [&](pg::Conn& c) -> Status {
    c.Exec("INSERT INTO alerts(time, account, detector, action, reason, window_count) VALUES($1,$2,$3,$4,$5,$6)",
           pg::Params()
               .Int(alert.time)
               .Text(alert.account)
               .Text(alert.detector)
               .Text(alert.action)
               .Text(alert.reason)
               .Int(alert.window_count));
    return OkStatus();
  });
}

Result<std::optional<MailboxState>> PgStore::GetMailboxState(std::string_view mailbox) {
  return Run("reading mailbox state", Txn::kNone, [&](pg::Conn& c) -> Result<std::optional<MailboxState>> {
    pg::Rows r = c.Exec("SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = $1",
                        pg::Params().Text(mailbox));
    if (r.empty()) return std::optional<MailboxState>();
    MailboxState m;
    m.uidvalidity = static_cast<std::uint32_t>(r.Int(0, 0));
    m.last_uid = static_cast<std::uint32_t>(r.Int(0, 1));
    return std::optional<MailboxState>(m);
  });
}

Status PgStore::SetMailboxState(std::string_view mailbox, const MailboxState& state) {
  return Run("writing mailbox state", Txn::kNone, [&](pg::Conn& c) -> Status {
    c.Exec("INSERT INTO mailbox_state(mailbox, uidvalidity, last_uid, updated_at) VALUES($1,$2,$3,$4)"
           " ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
           " last_uid = excluded.last_uid, updated_at = excluded.updated_at",
           pg::Params()
               .Text(mailbox)
               .Int(state.uidvalidity)
               .Int(state.last_uid)
               .Int(static_cast<std::int64_t>(std::time(nullptr))));
    return OkStatus();
  });
}

Status PgStore::RecordOutbound(std::string_view message_id, const std::vector<std::string>& recipients,
                               std::string_view account, UnixTime sent_at) {
  const std::string_view id = StripAngles(message_id);
  if (id.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty Message-ID");
  return Run("recording outbound message", Txn::kNone, [&](pg::Conn& c) -> Status {
    // One statement: all recipients or none.
    c.Exec("INSERT INTO outbound_messages(message_id, recipient, account, sent_at)"
           " SELECT $1, r, $3, $4 FROM unnest($2::text[]) AS r ON CONFLICT DO NOTHING",
           pg::Params().Text(id).TextArray(recipients).Text(account).Int(sent_at));
    return OkStatus();
  });
}

Result<std::vector<std::string>> PgStore::LookupOutbound(std::string_view message_id) {
  return Run("looking up outbound message", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<std::string>> {
    pg::Rows r = c.Exec("SELECT recipient FROM outbound_messages WHERE message_id = $1 ORDER BY recipient",
                        pg::Params().Text(StripAngles(message_id)));
    std::vector<std::string> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(r.Text(i, 0));
    return out;
  });
}

Result<std::int64_t> PgStore::ApplyRawRetention(UnixTime now) {
  return Run("applying raw retention", Txn::kNone, [&](pg::Conn& c) -> Result<std::int64_t> {
    return c.Exec("UPDATE reports SET raw_zlib = NULL WHERE raw_zlib IS NOT NULL AND raw_expires_at <= $1",
                  pg::Params().Int(now))
        .Affected();
  });
}

Result<std::string> PgStore::GetRawReport(const Sha256& sha256) {
  return Run("reading raw report", Txn::kNone, [&](pg::Conn& c) -> Result<std::string> {
    pg::Rows r = c.Exec("SELECT raw_size, raw_zlib FROM reports WHERE sha256 = $1",
                        pg::Params().Bytes(sha256.data(), sha256.size()));
    if (r.empty()) return MakeError(ErrorCode::kNotFound, "no report with this SHA-256");
    if (r.IsNull(0, 1)) return MakeError(ErrorCode::kNotFound, "the raw message was dropped by retention");
    const std::int64_t size = r.Int(0, 0);
    if (size < 0 || static_cast<std::uint64_t>(size) > kMaxRawSize) {
      return MakeError(ErrorCode::kMalformed, "stored raw_size out of range");
    }
    return ZlibDecompress(r.Bytes(0, 1), static_cast<std::size_t>(size));
  });
}

Status PgStore::SaveDetectorState(const std::vector<DetectorStateRow>& rows) {
  return Run("saving detector state", Txn::kWrite, [&](pg::Conn& c) -> Status {
    for (const auto& row : rows) {
      c.Exec("INSERT INTO detector_state (username, state_blob, updated_at) VALUES ($1, $2, $3)"
             " ON CONFLICT (username) DO UPDATE SET state_blob = excluded.state_blob,"
             " updated_at = excluded.updated_at",
             pg::Params().Text(row.username).Bytes(row.state_blob.data(), row.state_blob.size()).Int(row.updated_at));
    }
    return OkStatus();
  });
}

Result<std::vector<DetectorStateRow>> PgStore::LoadDetectorStates() {
  return Run("loading detector state", Txn::kNone, [&](pg::Conn& c) -> Result<std::vector<DetectorStateRow>> {
    pg::Rows r = c.Exec("SELECT username, state_blob, updated_at FROM detector_state ORDER BY username");
    std::vector<DetectorStateRow> out;
    for (int i = 0; i < r.size(); ++i) out.push_back({r.Text(i, 0), r.Bytes(i, 1), r.Int(i, 2)});
    return out;
  });
}

Status PgStore::AddClientSent(std::string_view client_id, std::int64_t day, std::int64_t sent) {
  return Run("counting messages sent", Txn::kNone, [&](pg::Conn& c) -> Status {
    c.Exec("INSERT INTO client_sent_daily AS d (client_id, day, sent) VALUES ($1, $2, $3)"
           " ON CONFLICT (client_id, day) DO UPDATE SET sent = d.sent + excluded.sent",
           pg::Params().Text(client_id).Int(day).Int(sent));
    return OkStatus();
  });
}

}  // namespace fbl
