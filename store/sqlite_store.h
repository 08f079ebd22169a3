// The SQLite backend of Store (SQLiteCpp). One SqliteStore is one connection: use it from one
// thread at a time, and open one per thread. The database runs in WAL mode, so any number of
// readers (other threads, other processes such as the bulk mailer) read while one writer
// writes; writers queue on the busy timeout. Schema: store/SCHEMA.md.
//
// Files: sqlite_store.cpp (open, pragmas, statement cache), sqlite_store_ingest.cpp,
// sqlite_store_suppressions.cpp, sqlite_store_ops.cpp (clients, outbox, accounts, ...),
// sqlite_admin.cpp (check, backup), migrations.cpp. sqlite_store_api.cpp belongs to the API.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parsers/result.h"
#include "store/store.h"
#include "store/store_options.h"

namespace fbl {
namespace sqlite {
class RawStatement;
}

// Opens (creating it and its directory's file when absent) and migrates the database to the
// schema this binary carries. Fails with kConflict if the database is newer than the binary,
// kIo if it cannot be opened, kUnavailable if it stays locked beyond the busy timeout.
// With options.read_only the file must exist and be at the current schema version; nothing
// is ever written (fblctl lookups).
Result<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options);

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const StoreOptions& options);
  ~SqliteStore() override;

  std::unique_ptr<ReadSnapshot> BeginReadSnapshot() override;
  Result<bool> HasReport(const Sha256& sha256) override;
  Result<std::vector<IngestOutcome>> Ingest(const std::vector<IngestItem>& items) override;

  Result<std::vector<Suppression>> LookupSuppressions(std::string_view address) override;
  Result<std::vector<Suppression>> ListSuppressions(const SuppressionFilter& filter) override;
  Result<Suppression> AddSuppression(const ManualSuppression& s, const AuditEntry& audit) override;
  Status RemoveSuppression(std::string_view scope, std::string_view address,
                           const AuditEntry& audit) override;

  Status AddAllowlist(std::string_view scope, std::string_view address, std::string_view note,
                      const AuditEntry& audit) override;
  Status RemoveAllowlist(std::string_view scope, std::string_view address,
                         const AuditEntry& audit) override;
  Result<bool> IsAllowlisted(std::string_view scope, std::string_view address) override;

  Status SyncClients(const std::vector<ClientRecord>& clients) override;

  Result<std::vector<OutboxItem>> DueOutbox(UnixTime now, int limit) override;
  Status MarkOutboxSent(std::int64_t id, UnixTime now) override;
  Status MarkOutboxRetry(std::int64_t id, UnixTime next_due, std::string_view error) override;
  Status MarkOutboxFailed(std::int64_t id, std::string_view error) override;

  Result<std::optional<Account>> GetAccount(std::string_view username) override;
  Result<std::vector<Account>> ListHeldAccounts() override;
  Status HoldAccount(std::string_view username, std::string_view reason, UnixTime now) override;
  Status ReleaseAccount(std::string_view username, const AuditEntry& audit, UnixTime now) override;
  Status RecordAlert(const AlertRecord& alert) override;

  Result<std::optional<MailboxState>> GetMailboxState(std::string_view mailbox) override;
  Status SetMailboxState(std::string_view mailbox, const MailboxState& state) override;

  Status Audit(const AuditEntry& entry) override;

  Status RecordOutbound(std::string_view message_id, const std::vector<std::string>& recipients,
                        std::string_view account, UnixTime sent_at) override;
  Result<std::vector<std::string>> LookupOutbound(std::string_view message_id) override;

  Result<ImportResult> ImportSuppressions(const std::vector<ManualSuppression>& rows,
                                          bool skip_invalid, const AuditEntry& audit) override;
  Result<std::int64_t> ApplyRawRetention(UnixTime now) override;
  Result<std::int64_t> PurgeExpiredSuppressions(UnixTime now) override;
  Result<std::string> GetRawReport(const Sha256& sha256) override;

  // ---- API section: declared here by the API owner, defined in sqlite_store_api.cpp. ----
  Status CreateApiToken(const ApiToken& token, const AuditEntry& audit) override;
  Result<std::optional<ApiToken>> GetApiToken(std::string_view id) override;
  Status RevokeApiToken(std::string_view id, UnixTime now, const AuditEntry& audit) override;
  Result<std::vector<ApiToken>> ListApiTokens() override;
  Result<std::vector<ComplaintRecord>> ListComplaints(const ComplaintFilter& filter) override;
  Result<ClientStats> GetClientStats(std::string_view client_id, UnixTime since, UnixTime until) override;
  Result<CheckResult> CheckSuppressions(
      const std::vector<std::string>& keys) override;
  Result<std::vector<AllowlistEntry>> ListAllowlist(const AllowlistFilter& filter) override;
  Result<std::optional<AllowlistEntry>> GetAllowlist(std::string_view scope, std::string_view address) override;
  Status Ping() override;
  // ---- end of API section ----

  // ---- Metrics section: declared here by operations, defined in sqlite_store_metrics.cpp. ----
  Result<std::vector<ReasonCount>> CountSuppressionsByReason(UnixTime now) override;
  Result<OutboxStats> GetOutboxStats() override;
  Result<std::int64_t> CountHeldAccounts() override;
  Result<std::vector<ClientVolume>> GetClientVolumes(UnixTime since) override;
  Result<std::vector<AccountVolume>> TopSendingAccounts(UnixTime since, int limit) override;
  // ---- end of metrics section ----

  // ---- Notify section: declared here by notify, defined in sqlite_store_notify.cpp. ----
  Result<std::optional<UnixTime>> LastOutboxSent(std::string_view client_id) override;
  Status DeferOutbox(std::int64_t id, UnixTime due_at) override;
  // ---- end of notify section ----

  // ---- Detector section: declared here by alerts, defined in sqlite_store_detector.cpp. ----
  Status SaveDetectorState(const std::vector<DetectorStateRow>& rows) override;
  Result<std::vector<DetectorStateRow>> LoadDetectorStates() override;
  Status EnqueueOutbox(const NewOutboxItem& item, UnixTime now) override;
  Status AddClientSent(std::string_view client_id, std::int64_t day, std::int64_t sent) override;
  // ---- end of detector section ----

  // ---- Claims section: declared here by multi-instance, defined in sqlite_store_claims.cpp. ----
  Result<std::vector<OutboxItem>> ClaimOutbox(std::string_view instance_id, UnixTime now,
                                              int lease_seconds, int limit) override;
  // ---- end of claims section ----

  // The connection, for tests and admin tools (backup). Not for callers of Store.
  SQLite::Database& database() { return db_; }
  const StoreOptions& options() const { return options_; }

 private:
  SqliteStore(const StoreOptions& options, int open_flags);

  // A prepared statement for `sql`, compiled on first use and reused afterwards.
  SQLite::Statement& Cached(std::string_view sql);
  // The rows of normalised address `key` not expired at `now`, in id order, appended to *out
  // (LookupSuppressions, CheckSuppressions). Throws SQLite::Exception: call inside a Guard.
  void SelectActiveSuppressions(const std::string& key, std::int64_t now, std::vector<Suppression>* out);
  // The same rows of `key`, only the columns of SuppressionMatch, appended to *out in id order
  // (CheckSuppressions). Throws SQLite::Exception: call inside a Guard.
  void SelectActiveMatches(std::string_view key, std::int64_t now, std::vector<SuppressionMatch>* out);
  // The same for every one of `keys` (sorted, unique) in one statement: ranges[i] receives the
  // rows of keys[i], appended to *rows in id order. Keys JSON cannot carry byte for byte (a
  // control byte) go through SelectActiveMatches. Throws SQLite::Exception: call inside a Guard.
  void SelectActiveMatchesOf(std::span<const std::string_view> keys, std::int64_t now,
                             std::span<CheckResult::Range> ranges, std::vector<SuppressionMatch>* rows);
  void WriteAudit(const AuditEntry& entry, std::int64_t now);

  // Ingest helpers (sqlite_store_ingest.cpp); all run inside the ingest transaction.
  struct ItemContext;
  void IngestOne(const IngestItem& item, const std::string& raw_zlib, IngestOutcome* out);
  void ApplyEvent(const ItemContext& ctx, const RecipientEvent& event, IngestOutcome* out);
  void Suppress(const ItemContext& ctx, const std::string& scope, const std::string& key,
                const std::string& original, SuppressionReason reason, IngestOutcome* out);
  bool AllowlistedInTxn(const std::string& scope, const std::string& key);

  StoreOptions options_;
  SQLite::Database db_;
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, SqlHash, std::equal_to<>> cache_;
  SQLite::Statement* lookup_ = nullptr;  // SelectActiveSuppressions' statement (owned by cache_)
  std::unique_ptr<sqlite::RawStatement> match_;    // SelectActiveMatches' statement
  std::unique_ptr<sqlite::RawStatement> matches_;  // SelectActiveMatchesOf's statement
};

// ---- Administration (fblctl db) --------------------------------------------------------------

struct DbCheckReport {
  bool ok = false;
  int schema_version = 0;        // PRAGMA user_version of the file
  int expected_version = 0;      // what this binary carries
  std::vector<std::string> problems;  // integrity_check and foreign_key_check findings
};

// integrity_check + foreign_key_check + schema version, read-only. Error only when the file
// cannot be read at all.
Result<DbCheckReport> CheckSqliteDatabase(const std::string& path, int busy_timeout_ms);

// Online backup (sqlite3_backup) of `path` into `dest` (overwritten), consistent even while
// another process writes: the copy restarts whenever the source changes mid-copy, and the last
// pass runs in one step under a read transaction.
Status BackupSqliteDatabase(const std::string& path, const std::string& dest, int busy_timeout_ms);

}  // namespace fbl
