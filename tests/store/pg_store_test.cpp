// What only the PostgreSQL backend has to prove (the shared suite in ingest_test,
// suppressions_test and operations_test runs on both backends): several instances at once
// (claims, concurrent ingest, thresholds across instances), reconnecting after the server
// restarts, its own migrations, authentication, and outside text PostgreSQL cannot hold.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "store/pg_store.h"
#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

using testing::Backend;

constexpr UnixTime kNow = 1'800'000'000;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = testing::FreshStoreOptions(Backend::kPostgresql, dir_);
    ASSERT_EQ(options_.backend, "postgresql");
    store_ = testing::OpenAnyStore(options_);
    ASSERT_NE(store_, nullptr);
  }
  std::int64_t Count(const std::string& sql) { return testing::QueryInt(options_, sql); }
  testing::PostgresServer* server() {
    std::string error;
    return testing::SharedPostgres(&error);
  }

  testing::TempDir dir_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresStoreTest, TwoInstancesClaimingConcurrentlyGetEveryRowExactlyOnce) {
  constexpr int kRows = 400;
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(store_->EnqueueOutbox({"acme", "email", "complaint", "{}", "m" + std::to_string(i) + "@fbl", kNow},
                                      kNow).ok());
  }
  std::mutex mu;
  std::vector<std::int64_t> taken;
  std::atomic<int> errors{0};
  auto drain = [&](const std::string& instance) {
    auto store = PgStore::Open(options_);  // its own store: another instance
    if (!store.ok()) {
      ++errors;
      return;
    }
    for (;;) {
      auto rows = (*store)->ClaimOutbox(instance, kNow, 60, 7);
      if (!rows.ok()) {
        ++errors;
        return;
      }
      if (rows->empty()) return;
      for (const OutboxItem& o : *rows) {
        if (!(*store)->MarkOutboxSent(o.id, kNow).ok()) ++errors;
        std::lock_guard lock(mu);
        taken.push_back(o.id);
      }
    }
  };
  std::thread a(drain, "host-a:1"), b(drain, "host-b:2");
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  std::set<std::int64_t> distinct(taken.begin(), taken.end());
  EXPECT_EQ(taken.size(), static_cast<std::size_t>(kRows)) << "a row was taken twice or not at all";
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE state = 'sent' AND claimed_by IS NULL"), kRows);
}

TEST_F(PostgresStoreTest, ALeaseThatRunsOutLetsAnotherInstanceTakeTheRow) {
  ASSERT_TRUE(store_->EnqueueOutbox({"acme", "email", "complaint", "{}", "lease@fbl", kNow}, kNow).ok());
  auto other = testing::OpenAnyStore(options_);
  ASSERT_NE(other, nullptr);
  auto first = store_->ClaimOutbox("dead:1", kNow, 60, 10);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_TRUE(other->ClaimOutbox("alive:2", kNow + 59, 60, 10)->empty());
  auto later = other->ClaimOutbox("alive:2", kNow + 60, 60, 10);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].message_id, "lease@fbl");
  ASSERT_TRUE(other->MarkOutboxSent((*later)[0].id, kNow + 61).ok());
  EXPECT_TRUE(store_->ClaimOutbox("dead:1", kNow + 1000, 60, 10)->empty());  // settled: never again
}

TEST_F(PostgresStoreTest, TwoInstancesIngestingTheSameReportsStoreEachOnce) {
  constexpr int kReports = 120;
  std::atomic<int> fresh{0}, duplicates{0}, errors{0};
  auto ingest = [&](bool reverse) {
    auto store = PgStore::Open(options_);
    if (!store.ok()) {
      ++errors;
      return;
    }
    for (int b = 0; b < kReports / 10; ++b) {
      std::vector<IngestItem> items;
      for (int i = 0; i < 10; ++i) {
        int n = reverse ? kReports - 1 - (b * 10 + i) : b * 10 + i;
        IngestItem item = testing::ComplaintItem(n, "acme", "r" + std::to_string(n) + "@example.com");
        item.outbox.push_back({"acme", "email", "complaint", "{}", "c" + std::to_string(n) + "@fbl", 0});
        items.push_back(std::move(item));
      }
      auto r = (*store)->Ingest(items);
      if (!r.ok()) {
        ++errors;
        continue;
      }
      for (const IngestOutcome& o : *r) (o.duplicate ? duplicates : fresh)++;
    }
  };
  std::thread a(ingest, false), b(ingest, true);
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(fresh.load(), kReports);
  EXPECT_EQ(duplicates.load(), kReports);
  EXPECT_EQ(Count("SELECT count(*) FROM reports"), kReports);
  EXPECT_EQ(Count("SELECT count(*) FROM complaints"), kReports);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), kReports);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE count = 1"), kReports);
}

TEST_F(PostgresStoreTest, ComplaintsFromThreeClientsOnThreeInstancesAtOnceSuppressGlobally) {
  // Each instance alone sees fewer than 3 clients unless the counts see each other's
  // committed complaints: the advisory lock on the address orders them.
  for (int round = 0; round < 5; ++round) {
    const std::string address = "x" + std::to_string(round) + "@example.com";
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] {
        auto store = PgStore::Open(options_);
        if (!store.ok() || !(*store)->Ingest({testing::ComplaintItem(1000 * round + i, "client" + std::to_string(i),
                                                                      address)}).ok()) {
          ++errors;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    auto rows = store_->LookupSuppressions(address);
    ASSERT_TRUE(rows.ok());
    int global = 0;
    for (const auto& s : *rows) global += s.scope == "*";
    EXPECT_EQ(global, 1) << address;
    EXPECT_EQ(rows->size(), 4u) << address;
  }
}

// The writer child: batches of 50 reports (each with a complaint, a suppression and an outbox
// row), every committed batch reported on `fd`, until it is killed.
[[noreturn]] void RunPgIngestWriter(const StoreOptions& options, int fd) {
  auto store = PgStore::Open(options);  // the child's own pool and connection
  if (!store.ok()) _exit(1);
  for (int b = 0; b < 100000; ++b) {
    std::vector<IngestItem> items;
    for (int i = 0; i < 50; ++i) {
      const std::uint64_t n = static_cast<std::uint64_t>(b) * 50 + i;
      IngestItem item = testing::ComplaintItem(n, "acme", "k" + std::to_string(n) + "@example.com");
      item.source = "batch-" + std::to_string(b);
      item.outbox.push_back({"acme", "email", "complaint", "{}", "k" + std::to_string(n) + "@fbl", 0});
      items.push_back(std::move(item));
    }
    if (!(*store)->Ingest(items).ok()) _exit(2);
    if (write(fd, &b, sizeof b) != sizeof b) _exit(3);
  }
  _exit(0);
}

TEST_F(PostgresStoreTest, KillNineDuringABatchLeavesEveryBatchWholeOrAbsent) {
  const int kill_after = 3 + static_cast<int>(getpid() % 7);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    RunPgIngestWriter(options_, fds[1]);
  }
  close(fds[1]);
  int committed = 0;
  for (int b = 0; committed < kill_after; ++committed) {
    ASSERT_EQ(read(fds[0], &b, sizeof b), static_cast<ssize_t>(sizeof b)) << "writer died early";
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);  // the writer is inside its next batch by now
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_GE(Count("SELECT count(DISTINCT source) FROM reports"), kill_after);
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT r.source, count(*) AS n, count(DISTINCT c.id) AS nc,"
                  " count(DISTINCT s.id) AS ns, count(DISTINCT o.id) AS no FROM reports r"
                  " LEFT JOIN complaints c ON c.report_id = r.id"
                  " LEFT JOIN suppressions s ON s.source_report_id = r.id"
                  " LEFT JOIN outbox o ON o.report_id = r.id GROUP BY r.source) AS b"
                  " WHERE n <> 50 OR nc <> 50 OR ns <> 50 OR no <> 50"),
            0)
      << "a batch was stored in part";
  // The killed connection's transaction is gone: the next batch can be ingested at once.
  EXPECT_TRUE(store_->Ingest({testing::ComplaintItem(999999, "acme", "after@example.com")}).ok());
}

TEST_F(PostgresStoreTest, AfterTheServerRestartsTheNextCallSucceedsOnAFreshConnection) {
  ASSERT_TRUE(store_->AddSuppression({"*", "before@example.com", SuppressionReason::kManual, {}, ""},
                                     {"t", "", "", ""}).ok());
  ASSERT_TRUE(server()->Restart()) << server()->error();
  auto rows = store_->LookupSuppressions("before@example.com");  // pooled connection is dead
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  EXPECT_EQ(rows->size(), 1u);
  EXPECT_TRUE(store_->Ping().ok());
  ASSERT_TRUE(server()->Restart()) << server()->error();
  auto added = store_->AddSuppression({"*", "after@example.com", SuppressionReason::kManual, {}, ""},
                                      {"t", "", "", ""});  // a write transaction on a dead connection
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 2);
}

TEST_F(PostgresStoreTest, WhileTheServerIsDownCallsFailAsUnavailable) {
  server()->Stop();
  Status s = store_->Ping();
  ASSERT_TRUE(server()->Start()) << server()->error();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable) << s.error().ToString();
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_F(PostgresStoreTest, ThreadsSharingAPoolOfOneConnectionTakeTurnsOnIt) {
  StoreOptions one = options_;
  one.pool_size = 1;
  one.busy_timeout_ms = 60000;
  ASSERT_TRUE(store_->AddSuppression({"*", "pool@example.com", SuppressionReason::kManual, {}, ""},
                                     {"t", "", "", ""}).ok());
  std::atomic<int> errors{0}, max_backends{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto store = PgStore::Open(one);  // four stores, one pool of one connection
      if (!store.ok()) {
        ++errors;
        return;
      }
      for (int i = 0; i < 30; ++i) {
        auto rows = (*store)->LookupSuppressions("pool@example.com");
        if (!rows.ok() || rows->size() != 1) ++errors;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    int n = static_cast<int>(Count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fbl'"
                                   " AND datname = current_database()"));
    max_backends = std::max(max_backends.load(), n);
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  // store_'s own pool (pool_size 4) holds one connection; the pool of one adds at most one.
  EXPECT_LE(max_backends.load(), 2);
}

TEST_F(PostgresStoreTest, AWrongPasswordIsRefusedWithAClearError) {
  StoreOptions o = options_;
  o.password = "wrong";
  auto s = PgStore::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(s.error().detail.find("password authentication failed"), std::string::npos) << s.error().detail;
  EXPECT_EQ(s.error().detail.find("wrong"), std::string::npos) << "the password must not be echoed";
}

TEST_F(PostgresStoreTest, NoDsnIsAConfigurationError) {
  StoreOptions o = options_;
  o.dsn.clear();
  auto s = OpenStore(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PostgresStoreTest, FreshDatabaseIsAtTheCurrentSchemaVersion) {
  EXPECT_EQ(Count("SELECT max(version) FROM schema_migrations"), CurrentPgSchemaVersion());
  EXPECT_EQ(Count("SELECT count(*) FROM schema_migrations"), CurrentPgSchemaVersion());
  EXPECT_STREQ(AllPgMigrations()[0].name, "0001_initial.sql");
}

TEST_F(PostgresStoreTest, DatabaseAtTheFirstVersionIsMigratedKeepingItsRows) {
  testing::TempDir dir;
  StoreOptions o = testing::FreshStoreOptions(Backend::kPostgresql, dir);
  {
    auto v1 = PgStore::OpenWith(o, AllPgMigrations().first(1));
    ASSERT_TRUE(v1.ok()) << v1.error().ToString();
    ASSERT_TRUE((*v1)->EnqueueOutbox({"acme", "email", "complaint", "{}", "old@fbl", kNow}, kNow).ok());
  }
  EXPECT_EQ(testing::QueryInt(o, "SELECT max(version) FROM schema_migrations"), 1);
  auto current = PgStore::Open(o);
  ASSERT_TRUE(current.ok()) << current.error().ToString();
  EXPECT_EQ(testing::QueryInt(o, "SELECT max(version) FROM schema_migrations"), CurrentPgSchemaVersion());
  auto claimed = (*current)->ClaimOutbox("i:1", kNow, 60, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.error().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].message_id, "old@fbl");
}

TEST_F(PostgresStoreTest, DatabaseNewerThanTheBinaryIsRefusedAndLeftUntouched) {
  const int newer = CurrentPgSchemaVersion() + 1;
  ASSERT_TRUE(server()->Exec(testing::DbNameOf(options_), "INSERT INTO schema_migrations VALUES(" +
                                                              std::to_string(newer) + ", 'future.sql', 0)"));
  auto s = PgStore::Open(options_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_NE(s.error().detail.find("newer"), std::string::npos) << s.error().detail;
  StoreOptions ro = options_;
  ro.read_only = true;
  EXPECT_EQ(PgStore::Open(ro).error().code, ErrorCode::kConflict);
  EXPECT_EQ(Count("SELECT max(version) FROM schema_migrations"), newer);
}

TEST_F(PostgresStoreTest, ABrokenMigrationLeavesThePreviousVersion) {
  testing::TempDir dir;
  StoreOptions o = testing::FreshStoreOptions(Backend::kPostgresql, dir);
  const Migration broken[] = {AllPgMigrations()[0],
                              {"0002_broken.sql", "CREATE TABLE extra(x INTEGER); SELECT nope FROM nowhere;"}};
  auto s = PgStore::OpenWith(o, broken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(testing::QueryInt(o, "SELECT max(version) FROM schema_migrations"), 1);
  EXPECT_EQ(testing::QueryInt(o, "SELECT count(*) FROM pg_tables WHERE tablename = 'extra'"), 0);
}

TEST_F(PostgresStoreTest, ReadOnlyOpenOfAnUnmigratedDatabaseFailsAndCreatesNothing) {
  testing::TempDir dir;
  StoreOptions o = testing::FreshStoreOptions(Backend::kPostgresql, dir);
  o.read_only = true;
  auto s = PgStore::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_EQ(testing::QueryInt(o, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
}

TEST_F(PostgresStoreTest, ReadOnlyStoreReadsButCannotWrite) {
  ASSERT_TRUE(store_->AddSuppression({"*", "ro@example.com", SuppressionReason::kManual, {}, ""},
                                     {"t", "", "", ""}).ok());
  StoreOptions ro = options_;
  ro.read_only = true;
  auto s = PgStore::Open(ro);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ((*s)->LookupSuppressions("ro@example.com")->size(), 1u);
  auto write = (*s)->AddSuppression({"*", "no@example.com", SuppressionReason::kManual, {}, ""}, {"t", "", "", ""});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, ErrorCode::kIo);
}

TEST_F(PostgresStoreTest, OutsideTextThatIsNotUtf8IsStoredWithReplacementCharacters) {
  IngestItem item = testing::ComplaintItem(1, "acme", "x@example.com");
  item.original_subject = std::string("caf\xE9 \0 ok", 9);  // Latin-1 and a NUL
  auto r = store_->Ingest({item});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ComplaintFilter f;
  auto complaints = store_->ListComplaints(f);
  ASSERT_TRUE(complaints.ok());
  ASSERT_EQ(complaints->size(), 1u);
  EXPECT_EQ((*complaints)[0].subject, "caf\xEF\xBF\xBD \xEF\xBF\xBD ok");
}

TEST_F(PostgresStoreTest, ApiTokensDetectorStateAndStatsRoundTrip) {
  ApiToken t;
  t.id = "tok1";
  t.secret_hash.fill(0xab);
  t.scope = "admin";
  t.writable = true;
  t.created_at = kNow;
  ASSERT_TRUE(store_->CreateApiToken(t, {"cli:root", "token.create", "tok1", ""}).ok());
  EXPECT_EQ(store_->CreateApiToken(t, {"cli:root", "token.create", "tok1", ""}).error().code, ErrorCode::kConflict);
  auto got = store_->GetApiToken("tok1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->secret_hash, t.secret_hash);
  EXPECT_TRUE((*got)->writable);
  ASSERT_TRUE(store_->RevokeApiToken("tok1", kNow + 1, {"cli:root", "token.revoke", "tok1", ""}).ok());
  EXPECT_EQ(store_->RevokeApiToken("tok1", kNow + 2, {"cli:root", "token.revoke", "tok1", ""}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ((*store_->GetApiToken("tok1"))->revoked_at, kNow + 1);

  std::string blob("\x00\x01\xff state", 9);
  ASSERT_TRUE(store_->SaveDetectorState({{"bob", blob, kNow}}).ok());
  ASSERT_TRUE(store_->SaveDetectorState({{"bob", blob + "2", kNow + 1}}).ok());
  auto states = store_->LoadDetectorStates();
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].state_blob, blob + "2");

  ASSERT_TRUE(store_->Ingest({testing::ComplaintItem(1, "acme", "a@example.com", 86400 * 10 + 5)}).ok());
  ASSERT_TRUE(store_->AddClientSent("acme", 10, 100).ok());
  ASSERT_TRUE(store_->AddClientSent("acme", 10, 50).ok());
  auto stats = store_->GetClientStats("acme", 86400 * 10, 86400 * 11);
  ASSERT_TRUE(stats.ok()) << stats.error().ToString();
  ASSERT_EQ(stats->complaints.size(), 1u);
  EXPECT_EQ(stats->complaints[0].day, 10);
  EXPECT_EQ(stats->complaints[0].complaints, 1);
  ASSERT_EQ(stats->sent.size(), 1u);
  EXPECT_EQ(stats->sent[0].sent, 150);
  auto volumes = store_->GetClientVolumes(0);
  ASSERT_TRUE(volumes.ok());
  ASSERT_EQ(volumes->size(), 1u);
  EXPECT_EQ((*volumes)[0].complaints, 1);
  EXPECT_EQ((*volumes)[0].sent, 150);
  auto checks = store_->CheckSuppressions({"a@example.com", "none@example.com", "a@example.com"});
  ASSERT_TRUE(checks.ok());
  ASSERT_EQ(checks->size(), 3u);
  EXPECT_EQ((*checks)[0].size(), 1u);
  EXPECT_TRUE((*checks)[1].empty());
  EXPECT_EQ((*checks)[2].size(), 1u);
  auto reasons = store_->CountSuppressionsByReason(kNow);
  ASSERT_TRUE(reasons.ok());
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ((*reasons)[0].reason, "complaint");
}

}  // namespace
}  // namespace fbl
