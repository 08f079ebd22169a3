// The PostgreSQL backend of Store (libpq), for several fbld instances on one database. Same
// semantics as SqliteStore (store/SCHEMA.md): exactly-once ingest keyed by the report's
// SHA-256, the suppression rules, allowlist, outbox, accounts, audit, API tokens, statistics.
//
// Connections: each call borrows a connection from a pool shared by every PgStore of the
// process opened with the same dsn (at most options.pool_size connections, opened lazily),
// and returns it when the call ends; a PgStore is therefore cheap, and one per thread is fine.
// A call that finds every connection busy waits up to options.busy_timeout_ms (kUnavailable).
// A call that fails because the connection broke (server restart, failover, network) is
// retried once on a fresh connection when the lost work cannot have been applied (see Run);
// otherwise it answers kUnavailable (a lost COMMIT has an unknown outcome; replaying an
// ingest would be harmless, as it is keyed by the report hash, but a counter would not be).
//
// Concurrency between instances: ingest inserts with ON CONFLICT (a report committed by
// another instance is a duplicate here), and takes transaction-scoped advisory locks on the
// batch's addresses in one global order before counting complaints or soft bounces, so
// thresholds count every committed event and two batches never deadlock.
//
// Schema: store/migrations/pg/NNNN_*.sql, applied in order at Open and recorded in
// schema_migrations (store/pg_migrations.cpp). Files: pg_store.cpp (open, shared helpers),
// pg_store_ingest.cpp, pg_store_suppressions.cpp, pg_store_ops.cpp, pg_store_api.cpp,
// pg_store_metrics.cpp, pg_migrations.cpp, pg_util.{h,cpp} (libpq wrapper, pool).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parsers/result.h"
#include "store/migrations.h"
#include "store/open_store.h"
#include "store/pg_util.h"
#include "store/store.h"
#include "store/store_options.h"

namespace fbl {

// The PostgreSQL migrations compiled in (store/migrations/pg/*.sql, oldest first).
std::span<const Migration> AllPgMigrations();
int CurrentPgSchemaVersion();

class PgStore final : public Store {
 public:
  // Connects and migrates to the schema this binary carries (kConflict when the database is
  // newer; kUnavailable when the server cannot be reached). With options.read_only nothing is
  // written and the schema must be current.
  static Result<std::unique_ptr<PgStore>> Open(const StoreOptions& options);
  // Same, applying `migrations` instead of AllPgMigrations() (tests of the migration path).
  static Result<std::unique_ptr<PgStore>> OpenWith(const StoreOptions& options,
                                                   std::span<const Migration> migrations);

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

  Result<std::vector<ReasonCount>> CountSuppressionsByReason(UnixTime now) override;
  Result<OutboxStats> GetOutboxStats() override;
  Result<std::int64_t> CountHeldAccounts() override;
  Result<std::vector<ClientVolume>> GetClientVolumes(UnixTime since) override;
  Result<std::vector<AccountVolume>> TopSendingAccounts(UnixTime since, int limit) override;

  Result<std::optional<UnixTime>> LastOutboxSent(std::string_view client_id) override;
  Status DeferOutbox(std::int64_t id, UnixTime due_at) override;

  Status SaveDetectorState(const std::vector<DetectorStateRow>& rows) override;
  Result<std::vector<DetectorStateRow>> LoadDetectorStates() override;
  Status EnqueueOutbox(const NewOutboxItem& item, UnixTime now) override;
  Status AddClientSent(std::string_view client_id, std::int64_t day, std::int64_t sent) override;

  // Claims section: UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING.
  Result<std::vector<OutboxItem>> ClaimOutbox(std::string_view instance_id, UnixTime now, int lease_seconds,
                                              int limit) override;

  const StoreOptions& options() const { return options_; }

  // How a call's statements are grouped.
  enum class Txn {
    kNone,      // autocommit: one statement
    kWrite,     // BEGIN ... COMMIT (READ COMMITTED), rolled back on any error
    kSnapshot,  // REPEATABLE READ READ ONLY: several SELECTs see one snapshot
  };

  // Runs `body(conn)` (returning Result<T> or Status) on a pooled connection inside `txn`,
  // turning pg::Failure into an Error ("<what>: <server message>"). A body returning an error
  // value rolls back. On a lost connection the whole call is retried once, when safe.
  template <typename F>
  auto Run(std::string_view what, Txn txn, F&& body) -> decltype(body(std::declval<pg::Conn&>()));

  // Ingest (pg_store_ingest.cpp): an item ready for the transaction, and its context there.
  struct Prepared;
  struct ItemContext;

 private:
  explicit PgStore(const StoreOptions& options);

  // Ingest helpers; all run inside the ingest transaction.
  void IngestOne(pg::Conn& c, const Prepared& item, IngestOutcome* out);
  void ApplyEvent(pg::Conn& c, const ItemContext& ctx, const RecipientEvent& event,
                  const std::string& key, const std::string& original, IngestOutcome* out);
  void Suppress(pg::Conn& c, const ItemContext& ctx, const std::string& scope, const std::string& key,
                const std::string& original, SuppressionReason reason, IngestOutcome* out);

  StoreOptions options_;
  std::shared_ptr<pg::Pool> pool_;
};

// Writes one audit row in the current transaction of `c` (pg_store.cpp).
void PgWriteAudit(pg::Conn& c, const AuditEntry& entry, std::int64_t now);

template <typename F>
auto PgStore::Run(std::string_view what, Txn txn, F&& body) -> decltype(body(std::declval<pg::Conn&>())) {
  using R = decltype(body(std::declval<pg::Conn&>()));
  Error last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = pool_->Acquire(std::chrono::milliseconds(options_.busy_timeout_ms));
    if (!lease.ok()) {
      return MakeError(lease.error().code, std::string(what) + ": " + lease.error().detail);
    }
    pg::Conn& c = lease->conn();
    c.ResetExecuted();
    bool in_txn = false;  // opened here
    bool committing = false;
    try {
      if (txn == Txn::kWrite) c.Command("BEGIN");
      if (txn == Txn::kSnapshot) c.Command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      in_txn = txn != Txn::kNone;
      R result = body(c);
      if (in_txn) {
        if (result.ok()) {
          committing = true;
          c.Command("COMMIT");
        } else {
          c.RollbackQuietly();
        }
      }
      return result;
    } catch (const pg::Failure& f) {
      c.RollbackQuietly();  // also ends a transaction the body opened itself
      last = MakeError(f.code, std::string(what) + ": " + f.message);
      if (!f.connection_lost) return last;
      lease->MarkBroken();  // dropped when the lease ends; the retry opens a fresh one
      // Retry only when the lost work cannot have been applied: a transaction that broke
      // before its COMMIT was sent is rolled back by the server; an autocommit call whose
      // first statement failed met a connection that was already dead (a stale pooled one
      // after a server restart). A lost COMMIT, or a broken autocommit sequence, has an
      // unknown outcome: the caller gets kUnavailable and decides.
      const bool safe = in_txn ? !committing : c.executed() == 0;
      if (!safe) return last;
    }
  }
  return last;
}

}  // namespace fbl
