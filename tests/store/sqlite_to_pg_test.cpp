// fblctl db migrate --to postgresql: a SQLite database with every kind of row is copied into a
// private PostgreSQL cluster, verified by counts and checksums, resumed after an interruption,
// and then answers the same lookups through PgStore as it did through SqliteStore.
#include "store/sqlite_to_pg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "store/pg_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {
namespace {

// A SQLite store with reports, complaints, bounces, suppressions (one with bytes PostgreSQL's
// text cannot hold), allowlist, clients, accounts, tokens, audit rows and outbox rows.
void FillSource(const StoreOptions& options, int reports) {
  auto store = OpenTestStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SyncClients({{"acme", "Acme", "ops@acme.example", {"acme.example"}, {"acme.example"}}}).ok());
  std::vector<IngestItem> batch;
  for (int i = 0; i < reports; ++i) {
    batch.push_back(i % 5 == 4 ? BounceItem(i, "acme", "b" + std::to_string(i) + "@x.example", true)
                               : ComplaintItem(i, "acme", "c" + std::to_string(i) + "@x.example"));
    if (batch.size() == 100) {
      ASSERT_TRUE(store->Ingest(batch).ok());
      batch.clear();
    }
  }
  if (!batch.empty()) {
    ASSERT_TRUE(store->Ingest(batch).ok());
  }
  const AuditEntry audit{"test", "", "", ""};
  ASSERT_TRUE(store->AddSuppression({"*", "Manual.Person@Example.ORG", SuppressionReason::kManual, 1'900'000'000, "it's \"quoted\""}, audit).ok());
  ASSERT_TRUE(store->AddSuppression({"acme", "weird@x.example", SuppressionReason::kManual, {}, "latin1 \xe9t\xe9"}, audit).ok());
  ASSERT_TRUE(store->AddAllowlist("*", "vip@x.example", "CEO", audit).ok());
  ASSERT_TRUE(store->HoldAccount("bob@acme.example", "burst", 1'700'000'100).ok());
  ASSERT_TRUE(store->AddClientSent("acme", 19'700, 1234).ok());
  ASSERT_TRUE(store->RecordOutbound("<m1@acme.example>", {"c1@x.example", "c2@x.example"}, "bob", 1'700'000'000).ok());
}

class SqliteToPostgresMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    from_ = TestStoreOptions(dir_);
    to_ = FreshStoreOptions(Backend::kPostgresql, dir_);
  }
  TempDir dir_;
  StoreOptions from_, to_;
};

const TableMigration* Find(const SqliteToPgReport& r, const std::string& table) {
  auto it = std::find_if(r.tables.begin(), r.tables.end(), [&](const TableMigration& t) { return t.table == table; });
  return it == r.tables.end() ? nullptr : &*it;
}

TEST(SqliteToPostgresMigrationLimits, RefusesWrongBackendsAndBatchSizes) {
  StoreOptions a, b;
  a.backend = "postgresql";
  EXPECT_EQ(MigrateSqliteToPg(a, b, {}).error().code, ErrorCode::kInvalidArgument);
  a.backend = "sqlite";
  b.backend = "postgresql";
  SqliteToPgOptions o;
  o.batch_rows = 0;
  EXPECT_EQ(MigrateSqliteToPg(a, b, o).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteToPostgresMigration, CopiesEveryTableAndVerifiesCountsAndChecksums) {
  FillSource(from_, 250);
  auto report = MigrateSqliteToPg(from_, to_, {});
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_TRUE(report->complete);
  EXPECT_TRUE(report->verified());
  for (const char* table : {"reports", "complaints", "bounces", "suppressions", "allowlist", "outbox",
                            "accounts", "audit_log", "clients", "client_domains", "client_sent_daily",
                            "outbound_messages"}) {
    const TableMigration* t = Find(*report, table);
    ASSERT_NE(t, nullptr) << table;
    EXPECT_TRUE(t->verified()) << table;
    EXPECT_EQ(t->source_rows, t->copied_rows) << table;
  }
  EXPECT_EQ(Find(*report, "reports")->source_rows, 250);
  EXPECT_EQ(Find(*report, "suppressions")->adjusted_texts, 1);  // the Latin-1 note

  // The copy answers like the original, and new rows get ids after the copied ones.
  auto sqlite = OpenTestStore(from_);
  auto pg = OpenAnyStore(to_);
  ASSERT_NE(pg, nullptr);
  for (const char* address : {"c1@x.example", "b4@x.example", "manual.person@example.org", "nobody@x.example"}) {
    auto a = sqlite->LookupSuppressions(address);
    auto b = pg->LookupSuppressions(address);
    ASSERT_TRUE(a.ok() && b.ok()) << address;
    ASSERT_EQ(a->size(), b->size()) << address;
    for (std::size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].id, (*b)[i].id);
      EXPECT_EQ((*a)[i].scope, (*b)[i].scope);
      EXPECT_EQ((*a)[i].reason, (*b)[i].reason);
      EXPECT_EQ((*a)[i].first_seen, (*b)[i].first_seen);
      EXPECT_EQ((*a)[i].note, (*b)[i].note);
    }
  }
  auto held = pg->ListHeldAccounts();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].username, "bob@acme.example");
  auto added = pg->AddSuppression({"acme", "new@x.example", SuppressionReason::kManual, {}, ""}, {"test", "", "", ""});
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_GT(added->id, QueryInt(from_, "SELECT max(id) FROM suppressions"));
}

TEST_F(SqliteToPostgresMigration, AnInterruptedCopyIsResumedAndEndsIdentical) {
  FillSource(from_, 400);
  SqliteToPgOptions first;
  first.batch_rows = 64;
  first.stop_after_rows = 300;  // stops inside the reports table
  auto partial = MigrateSqliteToPg(from_, to_, first);
  ASSERT_TRUE(partial.ok()) << partial.error().ToString();
  EXPECT_FALSE(partial->complete);
  EXPECT_FALSE(partial->verified());

  // Without --resume a database that holds rows is refused: a migration never merges into a
  // database in use.
  auto refused = MigrateSqliteToPg(from_, to_, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);

  SqliteToPgOptions resume;
  resume.resume = true;
  auto rest = MigrateSqliteToPg(from_, to_, resume);
  ASSERT_TRUE(rest.ok()) << rest.error().ToString();
  EXPECT_TRUE(rest->verified());
  std::int64_t copied_now = 0, total = 0;
  for (const TableMigration& t : rest->tables) {
    copied_now += t.copied_rows;
    total += t.source_rows;
  }
  EXPECT_EQ(copied_now, total - 300);  // nothing copied twice

  // Running it again changes nothing and still verifies.
  auto again = MigrateSqliteToPg(from_, to_, resume);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->verified());
  for (const TableMigration& t : again->tables) EXPECT_EQ(t.copied_rows, 0) << t.table;
}

TEST_F(SqliteToPostgresMigration, AChangedDestinationRowIsReportedAsNotVerified) {
  FillSource(from_, 20);
  ASSERT_TRUE(MigrateSqliteToPg(from_, to_, {}).ok());
  std::string error;
  PostgresServer* server = SharedPostgres(&error);
  ASSERT_NE(server, nullptr) << error;
  ASSERT_TRUE(server->Exec(DbNameOf(to_), "UPDATE suppressions SET count = count + 1 WHERE id = 1")) << server->error();
  SqliteToPgOptions resume;
  resume.resume = true;
  auto check = MigrateSqliteToPg(from_, to_, resume);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->verified());
  EXPECT_FALSE(Find(*check, "suppressions")->verified());
  EXPECT_TRUE(Find(*check, "reports")->verified());
}

TEST_F(SqliteToPostgresMigration, ASourceThatDoesNotExistIsAnErrorAndCreatesNothing) {
  from_.path = (dir_ / "missing.db").string();
  auto r = MigrateSqliteToPg(from_, to_, {});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(from_.path));
}

// The command an operator runs (docs/operations.md "Moving to PostgreSQL"), with the password
// from FBL_PG_PASSWORD: one JSON line per table, then the summary; exit 0 when verified; a
// second run without --resume is refused (exit 69) and with it copies nothing.
TEST_F(SqliteToPostgresMigration, FblctlDbMigrateCopiesVerifiesAndRefusesToMerge) {
  FillSource(from_, 30);
  ::setenv("FBL_PG_PASSWORD", to_.password.c_str(), 1);
  const std::vector<std::string> argv = {BinaryPath("fblctl").string(), "db", "migrate",
                                         "--from", "sqlite:" + from_.path, "--to", "postgresql:" + to_.dsn};
  std::string out;
  ASSERT_EQ(RunCommand(argv, &out, /*merge_stderr=*/false), 0) << out;
  EXPECT_NE(out.find("{\"table\":\"reports\",\"source_rows\":30,\"copied_rows\":30,\"dest_rows\":30"),
            std::string::npos) << out;
  EXPECT_NE(out.find("{\"complete\":true,\"verified\":true,"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"verified\":false"), std::string::npos) << out;

  std::string refused;
  EXPECT_EQ(RunCommand(argv, &refused), 69) << refused;
  EXPECT_NE(refused.find("--resume"), std::string::npos) << refused;

  std::vector<std::string> resume = argv;
  resume.push_back("--resume");
  std::string again;
  ASSERT_EQ(RunCommand(resume, &again, false), 0) << again;
  EXPECT_EQ(again.find("\"copied_rows\":1"), std::string::npos) << again;

  std::string usage;
  EXPECT_EQ(RunCommand({BinaryPath("fblctl").string(), "db", "migrate", "--to", "mysql:x"}, &usage), 64) << usage;
  ::unsetenv("FBL_PG_PASSWORD");
}

}  // namespace
}  // namespace fbl::testing
