// StoreGauges over a real SQLite store: what the database holds is what /metrics shows.
#include "fbl/metrics/store_gauges.h"

#include <prometheus/text_serializer.h>

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

constexpr UnixTime kDay = 86400;
constexpr UnixTime kNow = 20000 * kDay + 7200;  // 02:00 UTC on day 20000

// The value of the sample of `family` whose labels include all of `labels`; nullopt if none.
std::optional<double> Sample(Metrics& metrics, const std::string& family,
                             const prometheus::Labels& labels) {
  for (const auto& f : metrics.registry()->Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      std::size_t matched = 0;
      for (const auto& l : m.label) {
        auto it = labels.find(l.name);
        if (it != labels.end() && it->second == l.value) ++matched;
      }
      if (matched != labels.size()) continue;
      if (f.type == prometheus::MetricType::Counter) return m.counter.value;
      return m.gauge.value;
    }
  }
  return std::nullopt;
}

class StoreGaugesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.path = (dir_ / "fbl.db").string();
    auto store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
  }
  void Exec(const std::string& sql) { store_->database().exec(sql); }
  StoreGauges MakeGauges(StoreGaugesOptions options = {}) {
    return StoreGauges(store_.get(), &metrics_, options, [this] { return now_; });
  }

  fbl::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  Metrics metrics_;
  UnixTime now_ = kNow;
};

TEST_F(StoreGaugesTest, AnEmptyDatabaseGivesZerosForEveryGauge) {
  auto gauges = MakeGauges();
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Sample(metrics_, "fbl_outbox_pending", {}), 0.0);
  EXPECT_EQ(Sample(metrics_, "fbl_outbox_oldest_age_seconds", {}), 0.0);
  EXPECT_EQ(Sample(metrics_, "fbl_accounts_held", {}), 0.0);
  EXPECT_EQ(Sample(metrics_, "fbl_suppressions", {{"reason", "complaint"}}), 0.0);
  EXPECT_EQ(Sample(metrics_, "fbl_top_account_sent_1h", {{"rank", "10"}}), 0.0);
  EXPECT_EQ(Sample(metrics_, "fbl_store_gauges_last_refresh_timestamp_seconds", {}),
            static_cast<double>(kNow));
}

TEST_F(StoreGaugesTest, SuppressionsOutboxAndHeldAccountsAreReadFromTheDatabase) {
  Exec("INSERT INTO suppressions(scope,address,address_original,reason,first_seen,last_seen) VALUES"
       "('*','a@x.example','a@x.example','complaint',1,1),"
       "('*','b@x.example','b@x.example','complaint',1,1),"
       "('*','c@x.example','c@x.example','hard-bounce',1,1)");
  Exec("INSERT INTO outbox(channel,kind,payload_json,message_id,state,created_at,due_at) VALUES"
       "('email','complaint','{}','m1','pending'," + std::to_string(kNow - 600) + "," +
       std::to_string(kNow) + "),('email','complaint','{}','m2','failed',1,1)");
  Exec("INSERT INTO accounts(username,state,updated_at) VALUES('bot@x.example','held',1)");
  auto gauges = MakeGauges();
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Sample(metrics_, "fbl_suppressions", {{"reason", "complaint"}}), 2.0);
  EXPECT_EQ(Sample(metrics_, "fbl_suppressions", {{"reason", "hard-bounce"}}), 1.0);
  EXPECT_EQ(Sample(metrics_, "fbl_suppressions", {{"reason", "manual"}}), 0.0);
  EXPECT_EQ(Sample(metrics_, "fbl_outbox_pending", {}), 1.0);
  EXPECT_EQ(Sample(metrics_, "fbl_outbox_failed", {}), 1.0);
  EXPECT_EQ(Sample(metrics_, "fbl_outbox_oldest_age_seconds", {}), 600.0);
  EXPECT_EQ(Sample(metrics_, "fbl_accounts_held", {}), 1.0);
}

TEST_F(StoreGaugesTest, ComplaintRateIsComplaintsOverMessagesSentInTheWindow) {
  Exec("INSERT INTO reports(id,sha256,source,received_at,kind,status,raw_size) "
       "VALUES(1,x'01','pipe',1,'feedback','processed',1)");
  for (int i = 0; i < 3; ++i) {
    Exec("INSERT INTO complaints(report_id,client_id,address,feedback_type,created_at) "
         "VALUES(1,'acme','r@x.example','abuse'," + std::to_string(kNow - 3600) + ")");
  }
  // One complaint 5 days ago: in the 7d window only.
  Exec("INSERT INTO complaints(report_id,client_id,address,feedback_type,created_at) "
       "VALUES(1,'acme','r@x.example','abuse'," + std::to_string(kNow - 5 * kDay) + ")");
  Exec("INSERT INTO client_sent_daily(client_id,day,sent) VALUES"
       "('acme',19999,1000),('acme',20000,500),('acme',19995,2500)");
  auto gauges = MakeGauges();
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Sample(metrics_, "fbl_client_window_complaints", {{"client", "acme"}, {"window", "1d"}}), 3.0);
  EXPECT_EQ(Sample(metrics_, "fbl_client_window_sent", {{"client", "acme"}, {"window", "1d"}}), 1500.0);
  EXPECT_DOUBLE_EQ(*Sample(metrics_, "fbl_client_complaint_rate", {{"client", "acme"}, {"window", "1d"}}),
                   3.0 / 1500.0);
  EXPECT_DOUBLE_EQ(*Sample(metrics_, "fbl_client_complaint_rate", {{"client", "acme"}, {"window", "7d"}}),
                   4.0 / 4000.0);
}

TEST_F(StoreGaugesTest, AClientWithoutCountedMessagesHasNoRateAndLosesAnOldOne) {
  Exec("INSERT INTO client_sent_daily(client_id,day,sent) VALUES('acme',20000,100)");
  auto gauges = MakeGauges();
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Sample(metrics_, "fbl_client_complaint_rate", {{"client", "acme"}, {"window", "1d"}}), 0.0);
  now_ = kNow + 3 * kDay;  // the sent day has left the 1d window
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_FALSE(Sample(metrics_, "fbl_client_complaint_rate", {{"client", "acme"}, {"window", "1d"}}));
  EXPECT_TRUE(Sample(metrics_, "fbl_client_complaint_rate", {{"client", "acme"}, {"window", "7d"}}));
}

TEST_F(StoreGaugesTest, BusiestAccountsAreExportedByRankNotByName) {
  for (int i = 0; i < 4; ++i) {
    Exec("INSERT INTO outbound_messages(message_id,recipient,account,sent_at) VALUES('m" +
         std::to_string(i) + "','r@x.example','bot@x.example'," + std::to_string(kNow - 60) + ")");
  }
  Exec("INSERT INTO outbound_messages(message_id,recipient,account,sent_at) VALUES"
       "('q','r@x.example','amy@x.example'," + std::to_string(kNow - 60) + ")");
  auto gauges = MakeGauges({std::chrono::seconds(30), 3});
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Sample(metrics_, "fbl_top_account_sent_1h", {{"rank", "1"}}), 4.0);
  EXPECT_EQ(Sample(metrics_, "fbl_top_account_sent_1h", {{"rank", "2"}}), 1.0);
  EXPECT_EQ(Sample(metrics_, "fbl_top_account_sent_1h", {{"rank", "3"}}), 0.0);
  const std::string text = prometheus::TextSerializer().Serialize(metrics_.registry()->Collect());
  EXPECT_EQ(text.find("bot@x.example"), std::string::npos);
}

TEST_F(StoreGaugesTest, AFailedReadKeepsTheOldValueAndIsCounted) {
  Exec("INSERT INTO accounts(username,state,updated_at) VALUES('bot','held',1)");
  auto gauges = MakeGauges();
  ASSERT_TRUE(gauges.Refresh().ok());
  Exec("DROP TABLE accounts");
  now_ += 30;
  Status status = gauges.Refresh();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(Sample(metrics_, "fbl_accounts_held", {}), 1.0);
  EXPECT_EQ(Sample(metrics_, "fbl_store_gauges_errors_total", {}), 1.0);
  EXPECT_EQ(Sample(metrics_, "fbl_store_gauges_last_refresh_timestamp_seconds", {}),
            static_cast<double>(kNow));
}

TEST(ComplaintWindowStartTest, WindowsStartAtMidnightUtcWholeDaysAgo) {
  EXPECT_EQ(ComplaintWindowStart(20000 * kDay + 5, 1), 19999 * kDay);
  EXPECT_EQ(ComplaintWindowStart(20000 * kDay, 7), 19993 * kDay);
  EXPECT_EQ(ComplaintWindowStart(20000 * kDay - 1, 1), 19998 * kDay);
}

TEST(StoreGaugesRunnerTest, RefreshesAtOnceAndStopsPromptly) {
  fbl::testing::TempDir dir;
  StoreOptions options;
  options.path = (dir / "fbl.db").string();
  auto store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok());
  Metrics metrics;
  StoreGaugesRunner runner(store->get(), &metrics, {std::chrono::seconds(3600), 10},
                           [] { return kNow; });
  // The first refresh happens at start; wait for it (bounded), never for the interval.
  for (int i = 0; i < 500 && runner.refreshes() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(runner.refreshes(), 1u);
  const auto start = std::chrono::steady_clock::now();
  runner.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace fbl
