// Clients, outbox, accounts, alerts, mailbox state, outbound Message-IDs, retention, raw reports.
#include <ctime>
#include <string>

#include "store/compress.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {
namespace {

constexpr std::size_t kMaxRawSize = std::size_t{1} << 30;

std::string_view StripAngles(std::string_view id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return id;
}

Status NotFoundUnless(int changed, const std::string& what) {
  if (changed == 0) return MakeError(ErrorCode::kNotFound, what);
  return OkStatus();
}

}  // namespace

Status SqliteStore::SyncClients(const std::vector<ClientRecord>& clients) {
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("syncing clients", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    db_.exec("DELETE FROM client_domains");
    db_.exec("CREATE TEMP TABLE IF NOT EXISTS sync_ids(id TEXT PRIMARY KEY)");
    db_.exec("DELETE FROM temp.sync_ids");
    for (const ClientRecord& c : clients) {
      sqlite::Use st(Cached(
          "INSERT INTO clients(id, name, notify_email, created_at) VALUES(?,?,?,?)"
          " ON CONFLICT(id) DO UPDATE SET name = excluded.name, notify_email = excluded.notify_email"));
      sqlite::BindText(*st, 1, c.id);
      sqlite::BindText(*st, 2, c.name);
      sqlite::BindText(*st, 3, c.notify_email);
      st->bind(4, static_cast<int64_t>(now));
      st->exec();
      sqlite::Use ids(Cached("INSERT OR IGNORE INTO temp.sync_ids(id) VALUES(?)"));
      sqlite::BindText(*ids, 1, c.id);
      ids->exec();
      auto add_domains = [&](const std::vector<std::string>& domains, const char* kind) {
        for (const std::string& d : domains) {
          sqlite::Use dst(Cached("INSERT INTO client_domains(domain, kind, client_id) VALUES(?,?,?)"));
          sqlite::BindText(*dst, 1, d);
          dst->bind(2, kind);
          sqlite::BindText(*dst, 3, c.id);
          dst->exec();
        }
      };
      add_domains(c.sending_domains, "sending");
      add_domains(c.dkim_domains, "dkim");
    }
    db_.exec("DELETE FROM clients WHERE id NOT IN (SELECT id FROM temp.sync_ids)");
    txn.Commit();
    return OkStatus();
  });
}

Result<std::vector<OutboxItem>> SqliteStore::DueOutbox(UnixTime now, int limit) {
  return sqlite::Guard("reading the outbox", [&]() -> Result<std::vector<OutboxItem>> {
    sqlite::Use st(Cached(
        "SELECT id, client_id, channel, kind, report_id, payload_json, message_id, attempts,"
        " created_at, due_at FROM outbox WHERE state = 'pending' AND due_at <= ?"
        " ORDER BY due_at, id LIMIT ?"));
    st->bind(1, static_cast<int64_t>(now));
    st->bind(2, limit);
    std::vector<OutboxItem> out;
    while (st->executeStep()) {
      out.push_back(sqlite::ReadOutboxItem(*st));
    }
    return out;
  });
}

Status SqliteStore::MarkOutboxSent(std::int64_t id, UnixTime now) {
  return sqlite::Guard("marking outbox item sent", [&]() -> Status {
    sqlite::Use st(Cached(
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = '',"
        " claimed_by = NULL, claim_until = NULL"
        " WHERE id = ? AND state = 'pending'"));
    st->bind(1, static_cast<int64_t>(now));
    st->bind(2, static_cast<int64_t>(id));
    return NotFoundUnless(st->exec(), "no pending outbox item " + std::to_string(id));
  });
}

Status SqliteStore::MarkOutboxRetry(std::int64_t id, UnixTime next_due, std::string_view error) {
  return sqlite::Guard("rescheduling outbox item", [&]() -> Status {
    sqlite::Use st(Cached(
        "UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ?,"
        " claimed_by = NULL, claim_until = NULL"
        " WHERE id = ? AND state = 'pending'"));
    st->bind(1, static_cast<int64_t>(next_due));
    sqlite::BindText(*st, 2, error.substr(0, 2048));
    st->bind(3, static_cast<int64_t>(id));
    return NotFoundUnless(st->exec(), "no pending outbox item " + std::to_string(id));
  });
}

Status SqliteStore::MarkOutboxFailed(std::int64_t id, std::string_view error) {
  return sqlite::Guard("marking outbox item failed", [&]() -> Status {
    sqlite::Use st(Cached(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?,"
        " claimed_by = NULL, claim_until = NULL"
        " WHERE id = ? AND state = 'pending'"));
    sqlite::BindText(*st, 1, error.substr(0, 2048));
    st->bind(2, static_cast<int64_t>(id));
    return NotFoundUnless(st->exec(), "no pending outbox item " + std::to_string(id));
  });
}

namespace {

Account ReadAccount(SQLite::Statement& st) {
  Account a;
  a.username = st.getColumn(0).getString();
  a.held = st.getColumn(1).getString() == "held";
  a.held_at = sqlite::OptInt(st.getColumn(2));
  a.held_reason = st.getColumn(3).getString();
  a.updated_at = st.getColumn(4).getInt64();
  return a;
}

}  // namespace

Result<std::optional<Account>> SqliteStore::GetAccount(std::string_view username) {
  return sqlite::Guard("reading account", [&]() -> Result<std::optional<Account>> {
    sqlite::Use st(Cached(
        "SELECT username, state, held_at, held_reason, updated_at FROM accounts WHERE username = ?"));
    sqlite::BindText(*st, 1, username);
    if (!st->executeStep()) return std::optional<Account>();
    return std::optional<Account>(ReadAccount(*st));
  });
}

Result<std::vector<Account>> SqliteStore::ListHeldAccounts() {
  return sqlite::Guard("listing held accounts", [&]() -> Result<std::vector<Account>> {
    sqlite::Use st(Cached(
        "SELECT username, state, held_at, held_reason, updated_at FROM accounts"
        " WHERE state = 'held' ORDER BY held_at, username"));
    std::vector<Account> out;
    while (st->executeStep()) out.push_back(ReadAccount(*st));
    return out;
  });
}

Status SqliteStore::HoldAccount(std::string_view username, std::string_view reason, UnixTime now) {
  return sqlite::Guard("holding account", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    {
      // Holding a held account keeps the first hold time and reason.
      sqlite::Use st(Cached(
          "INSERT INTO accounts(username, state, held_at, held_reason, updated_at)"
          " VALUES(?, 'held', ?, ?, ?) ON CONFLICT(username) DO UPDATE SET"
          " held_at = CASE WHEN state = 'held' THEN held_at ELSE excluded.held_at END,"
          " held_reason = CASE WHEN state = 'held' THEN held_reason ELSE excluded.held_reason END,"
          " state = 'held', updated_at = excluded.updated_at"));
      sqlite::BindText(*st, 1, username);
      st->bind(2, static_cast<int64_t>(now));
      sqlite::BindText(*st, 3, reason);
      st->bind(4, static_cast<int64_t>(now));
      st->exec();
    }
    WriteAudit({"fbld:alerts", "account.hold", std::string(username), std::string(reason)}, now);
    txn.Commit();
    return OkStatus();
  });
}

Status SqliteStore::ReleaseAccount(std::string_view username, const AuditEntry& audit, UnixTime now) {
  return sqlite::Guard("releasing account", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    int changed = 0;
    {
      sqlite::Use st(Cached(
          "UPDATE accounts SET state = 'active', released_at = ?, released_by = ?, updated_at = ?"
          " WHERE username = ? AND state = 'held'"));
      st->bind(1, static_cast<int64_t>(now));
      sqlite::BindText(*st, 2, audit.actor);
      st->bind(3, static_cast<int64_t>(now));
      sqlite::BindText(*st, 4, username);
      changed = st->exec();
    }
    if (changed == 0) return MakeError(ErrorCode::kNotFound, "account " + std::string(username) + " is not held");
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "account.release";
    if (a.target.empty()) a.target = std::string(username);
    WriteAudit(a, now);
    txn.Commit();
    return OkStatus();
  });
}

Status SqliteStore::RecordAlert(const AlertRecord& alert) {
  return sqlite::Guard("recording alert", [&]() -> Status {
    sqlite::Use st(Cached(
        "INSERT INTO alerts(time, account, detector, action, reason, window_count) VALUES(?,?,?,?,?,?)"));
    st->bind(1, static_cast<int64_t>(alert.time));
    sqlite::BindText(*st, 2, alert.account);
    sqlite::BindText(*st, 3, alert.detector);
    sqlite::BindText(*st, 4, alert.action);
    sqlite::BindText(*st, 5, alert.reason);
    st->bind(6, static_cast<int64_t>(alert.window_count));
    st->exec();
    return OkStatus();
  });
}

Result<std::optional<MailboxState>> SqliteStore::GetMailboxState(std::string_view mailbox) {
  return sqlite::Guard("reading mailbox state", [&]() -> Result<std::optional<MailboxState>> {
    sqlite::Use st(Cached("SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?"));
    sqlite::BindText(*st, 1, mailbox);
    if (!st->executeStep()) return std::optional<MailboxState>();
    MailboxState m;
    m.uidvalidity = static_cast<std::uint32_t>(st->getColumn(0).getInt64());
    m.last_uid = static_cast<std::uint32_t>(st->getColumn(1).getInt64());
    return std::optional<MailboxState>(m);
  });
}

Status SqliteStore::SetMailboxState(std::string_view mailbox, const MailboxState& state) {
  return sqlite::Guard("writing mailbox state", [&]() -> Status {
    sqlite::Use st(Cached(
        "INSERT INTO mailbox_state(mailbox, uidvalidity, last_uid, updated_at) VALUES(?,?,?,?)"
        " ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
        " last_uid = excluded.last_uid, updated_at = excluded.updated_at"));
    sqlite::BindText(*st, 1, mailbox);
    st->bind(2, static_cast<int64_t>(state.uidvalidity));
    st->bind(3, static_cast<int64_t>(state.last_uid));
    st->bind(4, static_cast<int64_t>(std::time(nullptr)));
    st->exec();
    return OkStatus();
  });
}

Status SqliteStore::RecordOutbound(std::string_view message_id, const std::vector<std::string>& recipients,
                                   std::string_view account, UnixTime sent_at) {
  const std::string_view id = StripAngles(message_id);
  if (id.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty Message-ID");
  return sqlite::Guard("recording outbound message", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    for (const std::string& r : recipients) {
      sqlite::Use st(Cached(
          "INSERT OR IGNORE INTO outbound_messages(message_id, recipient, account, sent_at)"
          " VALUES(?,?,?,?)"));
      sqlite::BindText(*st, 1, id);
      sqlite::BindText(*st, 2, r);
      sqlite::BindText(*st, 3, account);
      st->bind(4, static_cast<int64_t>(sent_at));
      st->exec();
    }
    txn.Commit();
    return OkStatus();
  });
}

Result<std::vector<std::string>> SqliteStore::LookupOutbound(std::string_view message_id) {
  return sqlite::Guard("looking up outbound message", [&]() -> Result<std::vector<std::string>> {
    sqlite::Use st(Cached("SELECT recipient FROM outbound_messages WHERE message_id = ? ORDER BY recipient"));
    sqlite::BindText(*st, 1, StripAngles(message_id));
    std::vector<std::string> out;
    while (st->executeStep()) out.push_back(st->getColumn(0).getString());
    return out;
  });
}

Result<std::int64_t> SqliteStore::ApplyRawRetention(UnixTime now) {
  return sqlite::Guard("applying raw retention", [&]() -> Result<std::int64_t> {
    sqlite::WriteTxn txn(db_);
    sqlite::Use st(Cached(
        "UPDATE reports SET raw_zlib = NULL WHERE raw_zlib IS NOT NULL AND raw_expires_at <= ?"));
    st->bind(1, static_cast<int64_t>(now));
    std::int64_t n = st->exec();
    txn.Commit();
    return n;
  });
}

Result<std::string> SqliteStore::GetRawReport(const Sha256& sha256) {
  return sqlite::Guard("reading raw report", [&]() -> Result<std::string> {
    sqlite::Use st(Cached("SELECT raw_size, raw_zlib FROM reports WHERE sha256 = ?"));
    st->bind(1, sha256.data(), static_cast<int>(sha256.size()));
    if (!st->executeStep()) return MakeError(ErrorCode::kNotFound, "no report with this SHA-256");
    const SQLite::Column blob = st->getColumn(1);
    if (blob.isNull()) return MakeError(ErrorCode::kNotFound, "the raw message was dropped by retention");
    const std::int64_t size = st->getColumn(0).getInt64();
    if (size < 0 || static_cast<std::uint64_t>(size) > kMaxRawSize) {
      return MakeError(ErrorCode::kMalformed, "stored raw_size out of range");
    }
    return ZlibDecompress(std::string_view(static_cast<const char*>(blob.getBlob()), blob.getBytes()),
                          static_cast<std::size_t>(size));
  });
}

}  // namespace fbl
