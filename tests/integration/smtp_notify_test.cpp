// Notifications end to end against a real SMTP server (aiosmtpd with STARTTLS) on loopback:
// SQLite outbox → Notifier → SMTP client → aiosmtpd Maildir. The notifier is driven with an
// explicit clock (Drain(now)); only the server start is waited for.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "fbl/notify/notifier.h"
#include "store/sqlite_store.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using testing::DecodeEncodedWords;
using testing::MailView;
constexpr UnixTime kT0 = 1795000000;

class SmtpNotifyTest : public ::testing::Test {
 protected:
  SmtpNotifyTest() : sink_(dir_ / "smtp", /*tls=*/true) {
    store_options_.path = (dir_ / "fbl.db").string();
    options_.transport = "smtp";
    options_.from = "postmaster@hoster.example";
    options_.admin_email = "admin@hoster.example";
    options_.smtp.host = "127.0.0.1";
    options_.smtp.tls = "starttls";
    options_.smtp.ca_file = (dir_ / "smtp" / "cert.pem").string();
    options_.smtp.connect_timeout_ms = 3000;
    options_.smtp.command_timeout_ms = 5000;
    ClientOptions acme;
    acme.id = "acme";
    acme.name = "ACME Ltd";
    acme.notify_email = "ops@acme.example";
    acme.notify = "digest";
    acme.digest_window_minutes = 60;
    ClientOptions solo;
    solo.id = "solo";
    solo.notify_email = "team@solo.example";
    solo.notify = "immediate";
    pipeline_.clients = {acme, solo};
  }

  void SetUp() override { OpenStore(); }

  void OpenStore() {
    store_.reset();
    Result<std::unique_ptr<Store>> s = OpenSqliteStore(store_options_);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(s).value();
  }

  // One stored report with one complaint row for `client`, created at `now`.
  void Enqueue(const std::string& client, int n, UnixTime now, const std::string& subject) {
    IngestItem item;
    item.sha256[0] = static_cast<std::uint8_t>(n);
    item.sha256[1] = static_cast<std::uint8_t>(n >> 8);
    item.source = "test";
    item.raw = "raw";
    item.received_at = now;
    item.kind = ReportKind::kFeedback;
    item.status = ReportStatus::kProcessed;
    item.client_id = client;
    NewOutboxItem o;
    o.client_id = client;
    o.channel = "email";
    o.kind = "complaint";
    o.message_id = "complaint-" + std::to_string(n) + "@hoster.example";
    o.due_at = now;
    o.payload_json = R"({"report_id":null,"client_id":")" + client +
                     R"(","provider":"yahoo","feedback_type":"abuse","recipients":["rcpt)" +
                     std::to_string(n) + R"(@example.net"],"redacted":false,"arrival_date":"2026-11-28T18:00:00Z","reporter":"feedback@yahoo.com","original":{"subject":")" +
                     subject + R"(","date":"Fri, 27 Nov 2026 10:00:00 +0000","message_id":"orig)" +
                     std::to_string(n) + R"(@acme.example","list_id":"<news.acme.example>","from":"news@acme.example"},"suppressed":["rcpt)" +
                     std::to_string(n) + R"(@example.net"]})";
    item.outbox.push_back(o);
    Result<std::vector<IngestOutcome>> r = store_->Ingest({item});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }

  DrainReport Drain(UnixTime now) {
    boost::asio::io_context io;
    Notifier notifier(io, options_, pipeline_, store_.get(), nullptr);
    DrainReport report;
    bool done = false;
    boost::asio::co_spawn(io, notifier.Drain(now), [&](std::exception_ptr e, DrainReport r) {
      EXPECT_FALSE(e) << "Drain must not throw";
      report = r;
      done = true;
    });
    io.run();
    EXPECT_TRUE(done);
    return report;
  }

  MailView Parse(const std::string& raw) {
    MailView view;
    std::string error;
    EXPECT_TRUE(testing::ParseMail(raw, &view, &error)) << error << "\n" << raw;
    return view;
  }

  testing::TempDir dir_;
  testing::SmtpSink sink_;
  StoreOptions store_options_;
  NotifyOptions options_;
  PipelineOptions pipeline_;
  std::unique_ptr<Store> store_;
};

TEST_F(SmtpNotifyTest, NotificationArrivesOverStartTlsWithHeadersAndBothParts) {
  ASSERT_TRUE(sink_.Start()) << sink_.log();
  options_.smtp.port = sink_.port();
  Enqueue("solo", 1, kT0, "Winter sale");
  DrainReport r = Drain(kT0);
  EXPECT_EQ(r.sent, 1);
  ASSERT_TRUE(sink_.WaitForMessages(1)) << sink_.log();
  MailView view = Parse(sink_.Messages()[0]);
  EXPECT_EQ(view.Header("From"), "postmaster@hoster.example");
  EXPECT_EQ(view.Header("To"), "team@solo.example");
  EXPECT_EQ(view.Header("X-RcptTo"), "team@solo.example");
  EXPECT_EQ(view.Header("X-MailFrom"), "postmaster@hoster.example");
  EXPECT_EQ(view.Header("Message-ID"), "<complaint-1@hoster.example>");
  EXPECT_EQ(view.Header("Auto-Submitted"), "auto-generated");
  EXPECT_FALSE(view.Header("Date").empty());
  EXPECT_EQ(DecodeEncodedWords(view.Header("Subject")), "Spam complaint from yahoo about \"Winter sale\"");
  EXPECT_NE(view.text.find("rcpt1@example.net"), std::string::npos);
  EXPECT_NE(view.html.find("orig1@acme.example"), std::string::npos);
  EXPECT_NE(view.html.find("<html"), std::string::npos);
  EXPECT_EQ(Drain(kT0 + 5).sent, 0) << "a sent row is not sent again";
}

TEST_F(SmtpNotifyTest, OneConnectionCarriesABatch) {
  ASSERT_TRUE(sink_.Start()) << sink_.log();
  options_.smtp.port = sink_.port();
  for (int i = 1; i <= 3; ++i) Enqueue("solo", i, kT0, "Batch " + std::to_string(i));
  DrainReport r = Drain(kT0);
  EXPECT_EQ(r.sent, 3);
  EXPECT_EQ(r.messages, 3);
  ASSERT_TRUE(sink_.WaitForMessages(3));
  std::set<std::string> peers;
  for (const std::string& m : sink_.Messages()) peers.insert(Parse(m).Header("X-Peer"));
  EXPECT_EQ(peers.size(), 1u) << "all three came over one connection (one client port)";
}

TEST_F(SmtpNotifyTest, NotificationsWaitForTheServerAcrossARestart) {
  options_.smtp.port = testing::FreePort();  // nothing listens yet
  Enqueue("solo", 7, kT0, "While down");
  DrainReport down = Drain(kT0);
  EXPECT_EQ(down.retried, 1);
  EXPECT_EQ(down.sent, 0);
  OpenStore();  // the daemon restarts: a new Store and Notifier over the same file
  ASSERT_TRUE(sink_.Start(options_.smtp.port)) << sink_.log();
  EXPECT_EQ(Drain(kT0 + 1).sent, 0) << "the retry is not due yet";
  DrainReport up = Drain(kT0 + 2 * 3600);
  EXPECT_EQ(up.sent, 1);
  ASSERT_TRUE(sink_.WaitForMessages(1));
  EXPECT_EQ(Parse(sink_.Messages()[0]).Header("Message-ID"), "<complaint-7@hoster.example>");
}

TEST_F(SmtpNotifyTest, DigestWindowGroupsComplaintsAsConfigured) {
  ASSERT_TRUE(sink_.Start()) << sink_.log();
  options_.smtp.port = sink_.port();
  Enqueue("acme", 1, kT0, "First");
  EXPECT_EQ(Drain(kT0).messages, 1) << "the first complaint is mailed at once";
  Enqueue("acme", 2, kT0 + 600, "Second");
  Enqueue("acme", 3, kT0 + 900, "Third");
  DrainReport held = Drain(kT0 + 900);
  EXPECT_EQ(held.held, 2);
  EXPECT_EQ(held.messages, 0);
  EXPECT_EQ(Drain(kT0 + 3599).messages, 0) << "the window is still open";
  DrainReport digest = Drain(kT0 + 3600);
  EXPECT_EQ(digest.messages, 1);
  EXPECT_EQ(digest.sent, 2);
  ASSERT_TRUE(sink_.WaitForMessages(2));
  std::vector<std::string> messages = sink_.Messages();
  std::vector<std::string> subjects;
  for (const auto& m : messages) subjects.push_back(DecodeEncodedWords(Parse(m).Header("Subject")));
  std::sort(subjects.begin(), subjects.end());
  EXPECT_EQ(subjects, (std::vector<std::string>{"2 spam complaints about your mail",
                                                "Spam complaint from yahoo about \"First\""}));
  for (const auto& m : messages) {
    MailView v = Parse(m);
    if (v.text.find("Second") != std::string::npos) {
      EXPECT_NE(v.text.find("Third"), std::string::npos);
    }
  }
}

TEST_F(SmtpNotifyTest, ServerWithoutStartTlsGetsNothing) {
  testing::SmtpSink plain(dir_ / "plain", /*tls=*/false);
  ASSERT_TRUE(plain.Start()) << plain.log();
  options_.smtp.port = plain.port();
  Enqueue("solo", 1, kT0, "Secret");
  DrainReport r = Drain(kT0);
  EXPECT_EQ(r.sent, 0);
  EXPECT_EQ(r.retried, 1);
  EXPECT_TRUE(plain.Messages().empty());
}

TEST_F(SmtpNotifyTest, UntrustedCertificateIsRefused) {
  ASSERT_TRUE(sink_.Start()) << sink_.log();
  options_.smtp.port = sink_.port();
  options_.smtp.ca_file = "";  // the system store does not know the self-signed cert
  Enqueue("solo", 1, kT0, "Secret");
  EXPECT_EQ(Drain(kT0).retried, 1);
  EXPECT_TRUE(sink_.Messages().empty());
}

}  // namespace
}  // namespace fbl
