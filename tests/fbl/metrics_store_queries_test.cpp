// The SQL behind the gauges (store/sqlite_metrics_queries.h) on a database built from the
// real schema migrations.
#include "store/sqlite_metrics_queries.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace fbl {
namespace {

constexpr UnixTime kNow = 20000 * 86400 + 3600;  // 01:00 UTC on day 20000

class MetricsQueriesTest : public ::testing::Test {
 protected:
  MetricsQueriesTest() : db_(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
    for (const auto& entry : std::filesystem::directory_iterator(
             std::filesystem::path(FBL_SOURCE_DIR) / "store" / "migrations")) {
      migrations_.insert(entry.path());
    }
    for (const auto& m : migrations_) db_.exec(fbl::testing::ReadFile(m));
  }
  void Exec(const std::string& sql) { db_.exec(sql); }
  void Suppress(const std::string& address, const std::string& reason, const std::string& expires) {
    Exec("INSERT INTO suppressions(scope,address,address_original,reason,first_seen,last_seen,"
         "expires_at) VALUES('*','" + address + "','" + address + "','" + reason + "',1,1," +
         expires + ")");
  }

  std::set<std::filesystem::path> migrations_;
  SQLite::Database db_;
};

TEST_F(MetricsQueriesTest, SuppressionsAreCountedByReasonWithoutExpiredRows) {
  Suppress("a@x.example", "complaint", "NULL");
  Suppress("b@x.example", "complaint", std::to_string(kNow + 10));
  Suppress("c@x.example", "complaint", std::to_string(kNow - 10));
  Suppress("d@x.example", "hard-bounce", "NULL");
  auto counts = sqlite_metrics::CountSuppressionsByReason(db_, kNow);
  ASSERT_TRUE(counts.ok()) << counts.error().ToString();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].reason, "complaint");
  EXPECT_EQ((*counts)[0].count, 2);
  EXPECT_EQ((*counts)[1].reason, "hard-bounce");
  EXPECT_EQ((*counts)[1].count, 1);
}

TEST_F(MetricsQueriesTest, OutboxStatsCountPendingAndFailedAndFindTheOldestPending) {
  Exec("INSERT INTO outbox(channel,kind,payload_json,message_id,state,created_at,due_at) VALUES"
       "('email','complaint','{}','m1','pending',500,500),"
       "('email','complaint','{}','m2','pending',300,900),"
       "('email','complaint','{}','m3','sent',100,100),"
       "('webhook','complaint','{}','m4','failed',200,200)");
  auto stats = sqlite_metrics::GetOutboxStats(db_);
  ASSERT_TRUE(stats.ok()) << stats.error().ToString();
  EXPECT_EQ(stats->pending, 2);
  EXPECT_EQ(stats->failed, 1);
  ASSERT_TRUE(stats->oldest_pending_created_at.has_value());
  EXPECT_EQ(*stats->oldest_pending_created_at, 300);
}

TEST_F(MetricsQueriesTest, AnEmptyOutboxHasNoOldestItem) {
  auto stats = sqlite_metrics::GetOutboxStats(db_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending, 0);
  EXPECT_FALSE(stats->oldest_pending_created_at.has_value());
}

TEST_F(MetricsQueriesTest, OnlyHeldAccountsAreCounted) {
  Exec("INSERT INTO accounts(username,state,updated_at) VALUES"
       "('bob','held',1),('eve','held',1),('amy','active',1)");
  auto held = sqlite_metrics::CountHeldAccounts(db_);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(*held, 2);
}

TEST_F(MetricsQueriesTest, ClientVolumesJoinComplaintsAndSentCountsSinceTheWindowStart) {
  const UnixTime since = 19999 * 86400;
  Exec("INSERT INTO reports(id,sha256,source,received_at,kind,status,raw_size) "
       "VALUES(1,x'01','pipe',1,'feedback','processed',1)");
  auto complaint = [&](const std::string& client, UnixTime at) {
    Exec("INSERT INTO complaints(report_id,client_id,address,feedback_type,created_at) VALUES(1," +
         client + ",'r@x.example','abuse'," + std::to_string(at) + ")");
  };
  complaint("'acme'", since);       // first second of the window: counted
  complaint("'acme'", since - 1);   // before it: not counted
  complaint("'acme'", kNow);
  complaint("NULL", kNow);          // unattributed: no client
  Exec("INSERT INTO client_sent_daily(client_id,day,sent) VALUES"
       "('acme',19998,5000),('acme',19999,900),('acme',20000,100),('beta',20000,40)");
  auto volumes = sqlite_metrics::GetClientVolumes(db_, since);
  ASSERT_TRUE(volumes.ok()) << volumes.error().ToString();
  ASSERT_EQ(volumes->size(), 2u);
  EXPECT_EQ((*volumes)[0].client_id, "acme");
  EXPECT_EQ((*volumes)[0].complaints, 2);
  EXPECT_EQ((*volumes)[0].sent, 1000);
  EXPECT_EQ((*volumes)[1].client_id, "beta");
  EXPECT_EQ((*volumes)[1].complaints, 0);
  EXPECT_EQ((*volumes)[1].sent, 40);
}

TEST_F(MetricsQueriesTest, TopSendingAccountsAreOrderedBusiestFirstAndLimited) {
  for (int i = 0; i < 5; ++i) {
    Exec("INSERT INTO outbound_messages(message_id,recipient,account,sent_at) VALUES('m" +
         std::to_string(i) + "','r@x.example','spammer'," + std::to_string(kNow - 60) + ")");
  }
  Exec("INSERT INTO outbound_messages(message_id,recipient,account,sent_at) VALUES"
       "('q1','r@x.example','quiet'," + std::to_string(kNow - 60) + "),"
       "('q2','r@x.example','quiet'," + std::to_string(kNow - 7200) + "),"
       "('z1','r@x.example','third'," + std::to_string(kNow - 10) + "),"
       "('n1','r@x.example',''," + std::to_string(kNow - 10) + ")");
  auto top = sqlite_metrics::TopSendingAccounts(db_, kNow - 3600, 2);
  ASSERT_TRUE(top.ok()) << top.error().ToString();
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].account, "spammer");
  EXPECT_EQ((*top)[0].recipients, 5);
  EXPECT_EQ((*top)[1].account, "quiet");  // ties broken by name: quiet < third
  EXPECT_EQ((*top)[1].recipients, 1);
}

TEST_F(MetricsQueriesTest, AMissingTableIsAnErrorValueNotAnException) {
  Exec("DROP TABLE accounts");
  auto held = sqlite_metrics::CountHeldAccounts(db_);
  ASSERT_FALSE(held.ok());
  EXPECT_NE(held.error().detail.find("held accounts"), std::string::npos) << held.error().detail;
}

}  // namespace
}  // namespace fbl
