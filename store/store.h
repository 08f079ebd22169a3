// The Store: the one door to the shared database (suppressions, reports, outbox, accounts).
// SQLite (store/sqlite_store.h) is the embedded default; a server database implements the same
// interface. Every method is safe to call from one thread at a time per Store object; open one
// Store per thread (SQLite in WAL mode lets readers and the writer run concurrently).
//
// Sections of this interface are owned by the component that uses them; the comment before
// each says which. Methods return errors as values; none throws.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/report.h"
#include "parsers/result.h"

namespace fbl {

using Sha256 = std::array<std::uint8_t, 32>;
using UnixTime = std::int64_t;  // seconds since the epoch, UTC

inline constexpr std::string_view kGlobalScope = "*";

enum class ReportStatus { kProcessed, kQuarantined, kIgnored, kUntrusted, kUnattributed };
const char* ReportStatusName(ReportStatus status);

enum class SuppressionReason { kComplaint, kHardBounce, kSoftBounce, kManual, kUnsubscribe };
const char* SuppressionReasonName(SuppressionReason reason);
std::optional<SuppressionReason> ParseSuppressionReason(std::string_view text);

// ---- Ingestion (pipeline) ----------------------------------------------------------------

// What happened to one recipient, as the pipeline decided (the store applies the thresholds).
struct RecipientEvent {
  enum class Type { kComplaint, kNotSpam, kOptOut, kHardBounce, kSoftBounce };
  Type type = Type::kComplaint;
  std::string address;  // as reported; the store normalises it
  std::string status;   // bounces: "5.1.1"
  std::string diagnostic;
};

struct NewOutboxItem {
  std::optional<std::string> client_id;  // nullopt: admin notification
  std::string channel;                   // "email" | "webhook" | "maildir"
  std::string kind;                      // "complaint" | "digest" | "admin-untrusted" | ...
  std::string payload_json;
  std::string message_id;                // stable; UNIQUE in the outbox
  UnixTime due_at = 0;
};

// One message and every consequence of it; committed atomically, keyed by sha256.
struct IngestItem {
  Sha256 sha256{};
  std::string source;
  std::string_view raw;  // not owned; kept compressed
  UnixTime received_at = 0;
  ReportKind kind = ReportKind::kUnknown;
  std::string provider;
  std::optional<FeedbackType> feedback_type;
  std::optional<std::string> client_id;
  ReportStatus status = ReportStatus::kIgnored;
  std::string reason;
  std::string summary_json;
  std::string original_message_id;
  std::string original_subject;
  std::vector<RecipientEvent> events;  // applied only when status == kProcessed
  std::vector<NewOutboxItem> outbox;
};

struct IngestOutcome {
  bool duplicate = false;        // the hash was already stored: nothing changed
  std::int64_t report_id = 0;
  int suppressions_added = 0;    // new (scope, address) rows
  int suppressions_updated = 0;  // existing rows whose count/last_seen moved
  std::vector<std::string> notes;  // e.g. "allowlisted: a@b.example not suppressed" (to log)
  std::vector<SuppressionReason> added_reasons;  // one per added row, for metrics
};

// ---- Suppressions (store, API, CLI) -------------------------------------------------------

struct Suppression {
  std::int64_t id = 0;
  std::string scope;  // "*" or a client id
  std::string address;
  std::string address_original;
  SuppressionReason reason = SuppressionReason::kManual;
  UnixTime first_seen = 0;
  UnixTime last_seen = 0;
  std::int64_t count = 0;
  std::optional<std::int64_t> source_report_id;
  std::optional<UnixTime> expires_at;
  std::string note;
};

// One suppression as a check needs it: enough to filter by scope and expiry and to answer.
struct SuppressionMatch {
  std::int64_t id = 0;
  std::string scope;  // "*" or a client id
  SuppressionReason reason = SuppressionReason::kManual;
  UnixTime last_seen = 0;
  std::optional<UnixTime> expires_at;
};

// The answer of Store::CheckSuppressions, flat (one allocation for all the rows of a call):
// (*this)[i] are the rows of keys[i], in id order; keys asked twice may share their rows.
struct CheckResult {
  struct Range {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };
  std::vector<SuppressionMatch> rows;
  std::vector<Range> of_key;  // one per key: its rows are rows[begin, end)

  std::size_t size() const { return of_key.size(); }
  std::span<const SuppressionMatch> operator[](std::size_t i) const {
    return {rows.data() + of_key[i].begin, of_key[i].end - of_key[i].begin};
  }
  std::span<const SuppressionMatch> back() const { return (*this)[size() - 1]; }
};

struct SuppressionFilter {
  std::optional<std::string> scope;  // exact scope; nullopt = all
  std::optional<SuppressionReason> reason;
  std::optional<UnixTime> since;  // last_seen >= since
  std::optional<UnixTime> until;  // last_seen <  until
  std::string query;              // substring of the address, may be empty
  std::int64_t after_id = 0;      // cursor: rows with id > after_id
  int limit = 100;
};

struct ManualSuppression {
  std::string scope;
  std::string address;
  SuppressionReason reason = SuppressionReason::kManual;
  std::optional<UnixTime> expires_at;
  std::string note;
};

// ---- Outbox (notify) ----------------------------------------------------------------------

struct OutboxItem {
  std::int64_t id = 0;
  std::optional<std::string> client_id;
  std::string channel;
  std::string kind;
  std::optional<std::int64_t> report_id;
  std::string payload_json;
  std::string message_id;
  int attempts = 0;
  UnixTime created_at = 0;
  UnixTime due_at = 0;
};

// ---- Accounts and alerts (alerts, API) ----------------------------------------------------

struct Account {
  std::string username;
  bool held = false;
  std::optional<UnixTime> held_at;
  std::string held_reason;
  UnixTime updated_at = 0;
};

// Opaque learned state of one account (alerts/rate_detector.h), table detector_state.
struct DetectorStateRow {
  std::string username;
  std::string state_blob;
  UnixTime updated_at = 0;
};

struct AlertRecord {
  UnixTime time = 0;
  std::string account;
  std::string detector;
  std::string action;
  std::string reason;
  std::int64_t window_count = 0;
};

// ---- Clients (config sync, attribution) ---------------------------------------------------

struct ClientRecord {
  std::string id;
  std::string name;
  std::string notify_email;
  std::vector<std::string> sending_domains;
  std::vector<std::string> dkim_domains;
};

struct AuditEntry {
  std::string actor;
  std::string action;
  std::string target;
  std::string detail;
};

struct MailboxState {
  std::uint32_t uidvalidity = 0;
  std::uint32_t last_uid = 0;
};

// ---- API (HTTP API): tokens, complaint listing, client stats ----------------------------

// A bearer token "<id>.<secret>"; only SHA-256(secret) is stored.
struct ApiToken {
  std::string id;
  Sha256 secret_hash{};
  std::string scope;  // "admin" | "client:<id>"
  bool writable = false;
  std::string note;
  UnixTime created_at = 0;
  std::optional<UnixTime> revoked_at;
};

struct ComplaintFilter {
  std::optional<std::string> client_id;
  std::optional<std::string> provider;
  std::optional<std::string> feedback_type;  // "abuse", ...
  std::optional<UnixTime> since;  // created_at >= since
  std::optional<UnixTime> until;  // created_at <  until
  std::int64_t after_id = 0;      // cursor: rows with id > after_id, ascending
  int limit = 100;
};

struct ComplaintRecord {
  std::int64_t id = 0;
  std::int64_t report_id = 0;
  std::optional<std::string> client_id;
  std::string address;
  std::string provider;
  std::string feedback_type;
  std::string message_id;
  std::string subject;
  std::optional<UnixTime> arrival_at;
  UnixTime created_at = 0;
};

// Complaints of one client on one day from one provider.
struct ClientDayProvider {
  std::int64_t day = 0;  // Unix day number (created_at / 86400)
  std::string provider;
  std::int64_t complaints = 0;
};

// Messages the client sent on one day (client_sent_daily), where known.
struct ClientDaySent {
  std::int64_t day = 0;
  std::int64_t sent = 0;
};

struct ClientStats {
  std::vector<ClientDayProvider> complaints;  // ordered by day, provider
  std::vector<ClientDaySent> sent;            // ordered by day; days without a count absent
};

struct AllowlistEntry {
  std::string scope;
  std::string address;
  std::string note;
  UnixTime created_at = 0;
};

struct AllowlistFilter {
  std::optional<std::string> scope;
  std::string after_scope;    // cursor: rows after (after_scope, after_address)
  std::string after_address;
  int limit = 100;
};

// ---- Metrics (operations): counts read by the gauges refresher ---------------------------

struct ReasonCount {
  std::string reason;  // as stored (SuppressionReasonName): "complaint", "hard-bounce", ...
  std::int64_t count = 0;
};

struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  std::optional<UnixTime> oldest_pending_created_at;  // nullopt when nothing is pending
};

struct ClientVolume {
  std::string client_id;
  std::int64_t complaints = 0;
  std::int64_t sent = 0;
};

struct AccountVolume {
  std::string account;
  std::int64_t recipients = 0;
};

// ---- Import (store owner) -----------------------------------------------------------------

struct ImportRowError {
  std::size_t index = 0;  // into the rows given
  std::string reason;
};

struct ImportResult {
  bool committed = false;
  std::int64_t added = 0;     // new (scope, address) rows
  std::int64_t existing = 0;  // rows already there, left unchanged
  std::vector<ImportRowError> invalid;
};

// A read snapshot taken by Store::BeginReadSnapshot; ends when destroyed.
class ReadSnapshot {
 public:
  virtual ~ReadSnapshot() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Until the returned object is destroyed, every read on this Store sees one committed state
  // (one read transaction instead of one per call). Only reads may run inside it: a write
  // fails. The API answers each GET inside one. The default returns null: every read is its
  // own snapshot. Never fails; a backend that cannot take one returns null.
  virtual std::unique_ptr<ReadSnapshot> BeginReadSnapshot() { return nullptr; }

  // Ingestion. Returns true iff a report with this hash is already stored.
  virtual Result<bool> HasReport(const Sha256& sha256) = 0;
  // Commits every item in one transaction (all or none). Duplicates are reported, not errors.
  virtual Result<std::vector<IngestOutcome>> Ingest(const std::vector<IngestItem>& items) = 0;

  // Suppressions. Lookup returns every row (all scopes) for the normalised address.
  virtual Result<std::vector<Suppression>> LookupSuppressions(std::string_view address) = 0;
  virtual Result<std::vector<Suppression>> ListSuppressions(const SuppressionFilter& filter) = 0;
  virtual Result<Suppression> AddSuppression(const ManualSuppression& s, const AuditEntry& audit) = 0;
  // Returns kNotFound when no such (scope, address) row exists.
  virtual Status RemoveSuppression(std::string_view scope, std::string_view address,
                                   const AuditEntry& audit) = 0;

  // Allowlist.
  virtual Status AddAllowlist(std::string_view scope, std::string_view address, std::string_view note,
                              const AuditEntry& audit) = 0;
  virtual Status RemoveAllowlist(std::string_view scope, std::string_view address,
                                 const AuditEntry& audit) = 0;
  virtual Result<bool> IsAllowlisted(std::string_view scope, std::string_view address) = 0;

  // Clients: replaces the clients table with the configured set (start-up and SIGHUP).
  virtual Status SyncClients(const std::vector<ClientRecord>& clients) = 0;

  // Outbox: items due at `now`, oldest first, at most `limit`.
  virtual Result<std::vector<OutboxItem>> DueOutbox(UnixTime now, int limit) = 0;
  virtual Status MarkOutboxSent(std::int64_t id, UnixTime now) = 0;
  virtual Status MarkOutboxRetry(std::int64_t id, UnixTime next_due, std::string_view error) = 0;
  virtual Status MarkOutboxFailed(std::int64_t id, std::string_view error) = 0;

  // Accounts.
  virtual Result<std::optional<Account>> GetAccount(std::string_view username) = 0;
  virtual Result<std::vector<Account>> ListHeldAccounts() = 0;
  virtual Status HoldAccount(std::string_view username, std::string_view reason, UnixTime now) = 0;
  // Returns kNotFound when the account is not held.
  virtual Status ReleaseAccount(std::string_view username, const AuditEntry& audit, UnixTime now) = 0;
  virtual Status RecordAlert(const AlertRecord& alert) = 0;

  // IMAP progress.
  virtual Result<std::optional<MailboxState>> GetMailboxState(std::string_view mailbox) = 0;
  virtual Status SetMailboxState(std::string_view mailbox, const MailboxState& state) = 0;

  virtual Status Audit(const AuditEntry& entry) = 0;

  // Outbound Message-ID -> recipients, learned from the maillog (alerts), read by attribution.
  virtual Status RecordOutbound(std::string_view message_id,
                                const std::vector<std::string>& recipients,
                                std::string_view account, UnixTime sent_at) = 0;
  virtual Result<std::vector<std::string>> LookupOutbound(std::string_view message_id) = 0;

  // ---- Store-owner section: bulk import, retention, reprocessing. ----

  // Adds every valid row in ONE transaction. A row whose (scope, address) already exists is
  // left as it is (so importing a file twice changes nothing). Rows whose address does not
  // normalise are listed in ImportResult::invalid; unless skip_invalid, any invalid row means
  // nothing is written (committed == false). One audit row per import.
  virtual Result<ImportResult> ImportSuppressions(const std::vector<ManualSuppression>& rows,
                                                  bool skip_invalid, const AuditEntry& audit) = 0;
  // Drops raw_zlib of reports whose raw_expires_at <= now. Returns how many were dropped.
  virtual Result<std::int64_t> ApplyRawRetention(UnixTime now) = 0;
  // Deletes suppressions whose expires_at <= now. Returns how many were deleted.
  virtual Result<std::int64_t> PurgeExpiredSuppressions(UnixTime now) = 0;
  // The raw message of a stored report. kNotFound when no report has this hash or its raw
  // message was dropped by retention (the detail says which).
  virtual Result<std::string> GetRawReport(const Sha256& sha256) = 0;

  // ---- API section (owned by the HTTP API): tokens, complaints, stats. Added below. ----
  // Implemented for SQLite in store/sqlite_store_api.cpp. The defaults answer kUnavailable so
  // that a backend without the API still builds; SqliteStore overrides every one of them.

  // Returns kConflict when the id exists. Audited.
  virtual Status CreateApiToken(const ApiToken& token, const AuditEntry& audit);
  // nullopt when no token has this id (revoked tokens are returned, with revoked_at set).
  virtual Result<std::optional<ApiToken>> GetApiToken(std::string_view id);
  // Returns kNotFound when no unrevoked token has this id. Audited.
  virtual Status RevokeApiToken(std::string_view id, UnixTime now, const AuditEntry& audit);
  virtual Result<std::vector<ApiToken>> ListApiTokens();

  virtual Result<std::vector<ComplaintRecord>> ListComplaints(const ComplaintFilter& filter);
  // Complaints by day and provider for days in [since, until), and the sent counts known for
  // those days.
  virtual Result<ClientStats> GetClientStats(std::string_view client_id, UnixTime since,
                                             UnixTime until);
  // For each key (already normalised), every unexpired suppression row (all scopes), read in
  // ONE read transaction. result[i] belongs to keys[i]. REQUIRES: keys.size() <= 100000.
  virtual Result<CheckResult> CheckSuppressions(const std::vector<std::string>& keys);

  virtual Result<std::vector<AllowlistEntry>> ListAllowlist(const AllowlistFilter& filter);
  // nullopt when (scope, address) is not allowlisted.
  virtual Result<std::optional<AllowlistEntry>> GetAllowlist(std::string_view scope,
                                                             std::string_view address);
  // True iff the database answers a trivial query (readiness).
  virtual Status Ping();

  // ---- Metrics section (owned by operations: fbl/metrics/store_gauges.cpp) ----------------
  // Read-only counts for the Prometheus gauges. Implemented for SQLite in
  // store/sqlite_store_metrics.cpp; the defaults (store/store_metrics.cpp) answer kUnavailable.

  // Unexpired suppression rows (expires_at NULL or > now), by reason; reasons without rows absent.
  virtual Result<std::vector<ReasonCount>> CountSuppressionsByReason(UnixTime now);
  // Pending and failed outbox rows, and the creation time of the oldest pending one.
  virtual Result<OutboxStats> GetOutboxStats();
  virtual Result<std::int64_t> CountHeldAccounts();
  // Per client with any complaint or sent count: complaints created at or after `since` and
  // messages sent on days >= since / 86400 (client_sent_daily). `since` should be a day start.
  virtual Result<std::vector<ClientVolume>> GetClientVolumes(UnixTime since);
  // Recipients sent per account since `since` (outbound_messages), busiest first, at most `limit`.
  virtual Result<std::vector<AccountVolume>> TopSendingAccounts(UnixTime since, int limit);

  // ---- Notify section (owned by notify: fbl/notify/notifier.cpp) --------------------------
  // Implemented for SQLite in store/sqlite_store_notify.cpp; the defaults
  // (store/store_notify.cpp) answer kUnavailable.

  // The latest sent_at of an email outbox row of `client_id` (state 'sent'), nullopt when
  // none was ever sent: the start of the client's current digest window.
  virtual Result<std::optional<UnixTime>> LastOutboxSent(std::string_view client_id);
  // Moves a pending row's due_at (a complaint held for the client's digest) without counting
  // an attempt or recording an error. kNotFound when no pending row has this id.
  virtual Status DeferOutbox(std::int64_t id, UnixTime due_at);

  // ---- Detector section (owned by alerts: fbl/policy/) ------------------------------------
  // Implemented for SQLite in store/sqlite_store_detector.cpp; the defaults
  // (store/store_detector.cpp) answer kUnavailable. SqliteStore declares the overrides in its
  // "Detector section" (store engineer: please keep those declarations when editing).

  // Upserts every row into detector_state in one transaction.
  virtual Status SaveDetectorState(const std::vector<DetectorStateRow>& rows);
  // Every stored row (one per account that ever sent).
  virtual Result<std::vector<DetectorStateRow>> LoadDetectorStates();
  // Adds an outbox item (admin alerts by mail or webhook). A message_id already in the outbox
  // is not an error and changes nothing.
  virtual Status EnqueueOutbox(const NewOutboxItem& item, UnixTime now);
  // Adds `sent` to client_sent_daily(client_id, day) (maillog follower).
  virtual Status AddClientSent(std::string_view client_id, std::int64_t day, std::int64_t sent);

  // ---- Claims section (several fbld instances on one database: fbl/notify/notifier.cpp) ----
  // Implemented for SQLite in store/sqlite_store_claims.cpp (schema version 3: outbox columns
  // claimed_by, claim_until); the default (store/store_claims.cpp) answers kUnavailable, and
  // the notifier then sends nothing (it never falls back to an unclaimed read).
  //
  // Atomically takes up to `limit` outbox rows for `instance_id` and returns them ordered by
  // (due_at, id). A row is taken iff state = 'pending' AND due_at <= now AND (claim_until IS
  // NULL OR claim_until <= now OR claimed_by = instance_id); taking it sets claimed_by =
  // instance_id and claim_until = now + lease_seconds. Rows are considered in (due_at, id)
  // order. Two concurrent callers never receive the same row while its lease runs (PostgreSQL:
  // one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING). A lease that
  // expires (the instance died, or its drain outlived the lease) makes the row claimable again
  // by anyone. MarkOutboxSent, MarkOutboxRetry, MarkOutboxFailed and DeferOutbox clear the
  // claim (claimed_by = NULL, claim_until = NULL) in the same UPDATE; a row that is no longer
  // pending (sent, failed) is never returned again. instance_id must be unique among running
  // instances (default hostname:pid); a restarted instance with a fixed id takes its own rows
  // back at once. REQUIRES: lease_seconds >= 1, limit >= 1, instance_id not empty.
  virtual Result<std::vector<OutboxItem>> ClaimOutbox(std::string_view instance_id, UnixTime now,
                                                      int lease_seconds, int limit);
};

}  // namespace fbl
