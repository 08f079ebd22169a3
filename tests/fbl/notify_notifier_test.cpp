// The notifier over a real SQLite outbox with the Maildir transport (the embedded default),
// driven with an explicit clock.
#include "fbl/notify/notifier.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "fbl/metrics/metrics.h"
#include "store/sqlite_store.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

constexpr UnixTime kT0 = 1795000000;

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.path = (dir_ / "fbl.db").string();
    so.busy_timeout_ms = 50;
    Result<std::unique_ptr<Store>> s = OpenSqliteStore(so);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(s).value();
    options_.maildir = (dir_ / "outbox").string();
    options_.from = "postmaster@hoster.example";
    ClientOptions acme;
    acme.id = "acme";
    acme.notify_email = "ops@acme.example";
    ClientOptions quiet;
    quiet.id = "quiet";
    quiet.notify_email = "q@quiet.example";
    quiet.notify = "off";
    pipeline_.clients = {acme, quiet};
  }

  void Enqueue(std::optional<std::string> client, int n, const std::string& kind = "complaint") {
    IngestItem item;
    item.sha256[0] = static_cast<std::uint8_t>(n);
    item.source = "test";
    item.raw = "raw";
    item.received_at = kT0;
    item.kind = ReportKind::kFeedback;
    item.status = client ? ReportStatus::kProcessed : ReportStatus::kUntrusted;
    item.client_id = client;
    NewOutboxItem o;
    o.client_id = client;
    o.channel = "email";
    o.kind = kind;
    o.message_id = "row-" + std::to_string(n) + "@hoster.example";
    o.due_at = kT0;
    o.payload_json = R"({"provider":"aol","feedback_type":"abuse","original":{"subject":"Hello\r\nBcc: x@y"},"suppressed":["a@b.example"],"status":"untrusted","reason":"no Authentication-Results"})";
    item.outbox.push_back(o);
    ASSERT_TRUE(store_->Ingest({item}).ok());
  }

  DrainReport Drain(UnixTime now) {
    boost::asio::io_context io;
    Notifier notifier(io, options_, pipeline_, store_.get(), &metrics_);
    DrainReport report;
    boost::asio::co_spawn(io, notifier.Drain(now), [&](std::exception_ptr e, DrainReport r) {
      EXPECT_FALSE(e);
      report = r;
    });
    io.run();
    return report;
  }

  std::vector<std::string> Delivered() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "outbox" / "new", ec)) {
      out.push_back(testing::ReadFile(e.path()));
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  NotifyOptions options_;
  PipelineOptions pipeline_;
  Metrics metrics_;
};

TEST_F(NotifierTest, MaildirTransportDeliversOnceAndMarksTheRowSent) {
  Enqueue("acme", 1);
  DrainReport r = Drain(kT0);
  EXPECT_EQ(r.sent, 1);
  std::vector<std::string> mails = Delivered();
  ASSERT_EQ(mails.size(), 1u);
  testing::MailView view;
  std::string error;
  ASSERT_TRUE(testing::ParseMail(mails[0], &view, &error)) << error;
  EXPECT_EQ(view.Header("To"), "ops@acme.example");
  EXPECT_EQ(view.Header("Message-ID"), "<row-1@hoster.example>");
  EXPECT_EQ(view.Count("Bcc"), 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "outbox" / "tmp"));
  EXPECT_EQ(Drain(kT0 + 10).sent, 0);
  EXPECT_EQ(Delivered().size(), 1u);
  EXPECT_EQ(metrics_.notifications.Add({{"channel", "maildir"}, {"result", "sent"}}).Value(), 1);
  EXPECT_EQ(metrics_.outbox_pending.Add({}).Value(), 0);
}

TEST_F(NotifierTest, AnOutboxThatCannotBeWrittenDeliversNothingUntilItCanBe) {
  for (int n = 1; n <= 5; ++n) Enqueue("acme", n);
  {
    // Another process holds the write lock: every write fails (as on a full disk). Rows are
    // claimed (a write) before they are delivered, so nothing goes out whose outcome could
    // not be recorded. (Before outbox claims, one delivery went out and the drain stopped.)
    SQLite::Database other((dir_ / "fbl.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN EXCLUSIVE");
    DrainReport r = Drain(kT0);
    EXPECT_EQ(r.sent, 0);
    EXPECT_EQ(Delivered().size(), 0u) << "nothing claimed, nothing delivered";
    other.exec("ROLLBACK");
  }
  DrainReport r = Drain(kT0 + 1);
  EXPECT_EQ(r.sent, 5);
  EXPECT_EQ(Delivered().size(), 5u);
  EXPECT_EQ(Drain(kT0 + 2).sent, 0);
}

TEST_F(NotifierTest, AdminNoticeGoesToTheAdminAddress) {
  options_.admin_email = "admin@hoster.example";
  Enqueue(std::nullopt, 2, "admin-untrusted");
  EXPECT_EQ(Drain(kT0).sent, 1);
  std::vector<std::string> mails = Delivered();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].find("To: admin@hoster.example"), std::string::npos);
}

TEST_F(NotifierTest, AdminNoticeWithoutAdminAddressFailsVisibly) {
  Enqueue(std::nullopt, 3, "admin-untrusted");
  DrainReport r = Drain(kT0);
  EXPECT_EQ(r.failed, 1);
  EXPECT_TRUE(Delivered().empty());
  Result<OutboxStats> stats = store_->GetOutboxStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->failed, 1);
}

TEST_F(NotifierTest, ClientWithNotificationsOffGetsNothing) {
  Enqueue("quiet", 4);
  EXPECT_EQ(Drain(kT0).failed, 1);
  EXPECT_TRUE(Delivered().empty());
}

TEST_F(NotifierTest, RetriesStopAfterMaxAttempts) {
  options_.transport = "smtp";
  options_.smtp.host = "127.0.0.1";
  options_.smtp.port = testing::FreePort();  // nobody listens
  options_.smtp.connect_timeout_ms = 1000;
  options_.max_attempts = 3;
  Enqueue("acme", 5);
  EXPECT_EQ(Drain(kT0).retried, 1);
  EXPECT_EQ(Drain(kT0 + 100000).retried, 1);
  DrainReport last = Drain(kT0 + 200000);
  EXPECT_EQ(last.failed, 1);
  EXPECT_EQ(Drain(kT0 + 300000).retried + Drain(kT0 + 300000).failed, 0);
  EXPECT_EQ(metrics_.notifications.Add({{"channel", "smtp"}, {"result", "failed"}}).Value(), 1);
}

TEST_F(NotifierTest, RetryWaitsForTheBackoff) {
  options_.transport = "smtp";
  options_.smtp.host = "127.0.0.1";
  options_.smtp.port = testing::FreePort();
  options_.retry_initial_seconds = 60;
  Enqueue("acme", 6);
  EXPECT_EQ(Drain(kT0).retried, 1);
  EXPECT_EQ(Drain(kT0 + 29).retried, 0) << "the first delay is at least half the initial one";
  EXPECT_EQ(Drain(kT0 + 61).retried, 1);
}

}  // namespace
}  // namespace fbl
