// The notifier takes its rows with Store::ClaimOutbox: rows another instance claimed are left
// to it until its lease runs out (it may be sending them right now), then taken over.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "fbl/notify/notifier.h"
#include "store/sqlite_store.h"
#include "tests/testing/fbld.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

constexpr UnixTime kT0 = 1795000000;
constexpr int kLease = 300;

class NotifierClaimsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.path = (dir_ / "fbl.db").string();
    so.synchronous = "normal";
    auto s = OpenSqliteStore(so);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(s).value();
    auto other = OpenSqliteStore(so);
    ASSERT_TRUE(other.ok());
    other_ = std::move(other).value();
    options_.maildir = (dir_ / "outbox").string();
    options_.from = "postmaster@hoster.example";
    options_.claim_lease_seconds = kLease;
    ClientOptions acme;
    acme.id = "acme";
    acme.notify_email = "ops@acme.example";
    pipeline_.clients = {acme};
    for (int i = 0; i < 3; ++i) {
      NewOutboxItem o{"acme", "email", "complaint",
                      R"({"provider":"aol","feedback_type":"abuse","original":{"subject":"Hi"},"suppressed":["a@b.example"]})",
                      "row-" + std::to_string(i) + "@hoster.example", kT0};
      ASSERT_TRUE(store_->EnqueueOutbox(o, kT0).ok());
    }
  }

  DrainReport Drain(const std::string& instance, UnixTime now) {
    boost::asio::io_context io;
    Notifier notifier(io, options_, pipeline_, store_.get(), nullptr);
    notifier.SetInstanceId(instance);
    DrainReport report;
    boost::asio::co_spawn(io, notifier.Drain(now), [&](std::exception_ptr e, DrainReport r) {
      EXPECT_FALSE(e);
      report = r;
    });
    io.run();
    return report;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Store> other_;  // another instance's connection
  NotifyOptions options_;
  PipelineOptions pipeline_;
};

TEST_F(NotifierClaimsTest, RowsClaimedByAnotherInstanceWaitUntilItsLeaseRunsOut) {
  auto taken = other_->ClaimOutbox("other", kT0, kLease, 2);
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 2u);
  EXPECT_EQ(Drain("live", kT0).sent, 1);  // the one nobody claimed
  EXPECT_EQ(Drain("live", kT0 + kLease - 1).sent, 0);
  EXPECT_EQ(Drain("live", kT0 + kLease).sent, 2);  // "other" died: taken over
  EXPECT_EQ(testing::CountFiles(dir_ / "outbox" / "new"), 3);
}

TEST_F(NotifierClaimsTest, AnInstanceTakesItsOwnClaimedRowsBackAtOnce) {
  ASSERT_TRUE(other_->ClaimOutbox("restarted", kT0, kLease, 3).ok());
  EXPECT_EQ(Drain("someone-else", kT0 + 1).sent, 0);
  EXPECT_EQ(Drain("restarted", kT0 + 1).sent, 3);  // same id: its own rows, no wait
  EXPECT_EQ(testing::CountFiles(dir_ / "outbox" / "new"), 3);
}

}  // namespace
}  // namespace fbl
