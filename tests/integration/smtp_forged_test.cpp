// Forged reports end to end: Pipeline → SQLite Store → Notifier → real aiosmtpd (STARTTLS).
// A genuine report reaches the client; a forged one (wrong sender, missing or failing
// Authentication-Results, a foreign authserv-id, a tampered feedback identifier) produces no
// suppression and no customer mail. Each forged case has a genuine twin that does reach the
// customer, so a test that cannot fail is not possible here.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "fbl/notify/notifier.h"
#include "fbl/pipeline/fbl_id.h"
#include "fbl/pipeline/pipeline.h"
#include "store/sqlite_store.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

constexpr UnixTime kT0 = 1795000000;
constexpr const char* kCustomer = "ops@example.com";
const FblIdKey kKey{"k1", "0123456789abcdef-fbl-id-key"};

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  std::size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture lacks: " << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

class SmtpForgedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sink_.Start()) << sink_.log();
    StoreOptions so;
    so.path = (dir_ / "fbl.db").string();
    Result<std::unique_ptr<Store>> s = OpenSqliteStore(so);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(s).value();
    config_.pipeline.authserv_id = "mx.fbl.test";
    config_.pipeline.fbl_id_keys = {{kKey.id, kKey.secret}};
    ProviderOptions yahoo;
    yahoo.name = "yahoo";
    yahoo.domains = {"yahoo.com"};
    config_.pipeline.providers = {yahoo};
    ClientOptions demo;
    demo.id = "demo";
    demo.name = "Demo";
    demo.notify_email = kCustomer;
    demo.domains = {"example.com"};
    demo.dkim_domains = {"example.com"};
    config_.pipeline.clients = {demo};
    config_.notify.transport = "smtp";
    config_.notify.from = "postmaster@fbl.test";
    config_.notify.admin_email = "admin@fbl.test";
    config_.notify.smtp.host = "127.0.0.1";
    config_.notify.smtp.port = sink_.port();
    config_.notify.smtp.ca_file = sink_.cert_path().string();
    genuine_ = testing::ReadFixture("daemon/complaint-yahoo.eml");
    ASSERT_FALSE(genuine_.empty());
  }

  ProcessResult Ingest(const std::string& raw) {
    Pipeline pipeline(store_.get(), config_, nullptr);
    Result<ProcessResult> r = pipeline.Process({raw, "test"}, kT0);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
    return r.ok() ? r.value() : ProcessResult();
  }

  void Drain() {
    boost::asio::io_context io;
    Notifier notifier(io, config_.notify, config_.pipeline, store_.get(), nullptr);
    boost::asio::co_spawn(io, notifier.Drain(kT0 + 10), [](std::exception_ptr e, DrainReport) {
      EXPECT_FALSE(e);
    });
    io.run();
  }

  // Messages the sink received for `rcpt` (by the envelope recipient aiosmtpd records).
  int MailsTo(const std::string& rcpt) {
    int n = 0;
    for (const std::string& m : sink_.Messages()) {
      testing::MailView v;
      std::string error;
      testing::ParseMail(m, &v, &error);
      n += v.Header("X-RcptTo") == rcpt;
    }
    return n;
  }

  bool Suppressed(const std::string& address) {
    Result<std::vector<Suppression>> rows = store_->LookupSuppressions(address);
    EXPECT_TRUE(rows.ok());
    return rows.ok() && !rows->empty();
  }

  // Ingests `raw`, drains, and expects the customer to get nothing and the reader not to be
  // suppressed. The admin is told instead (one admin mail).
  void ExpectNoCustomerMail(const std::string& raw) {
    ProcessResult r = Ingest(raw);
    EXPECT_NE(r.status, ReportStatus::kProcessed) << r.reason;
    Drain();
    ASSERT_TRUE(sink_.WaitForMessages(1)) << "the admin hears about it";
    EXPECT_EQ(MailsTo(kCustomer), 0);
    EXPECT_EQ(MailsTo("admin@fbl.test"), 1);
    EXPECT_FALSE(Suppressed("reader@example.net"));
  }

  std::string Redacted(const std::string& token) {
    std::string raw = Replace(genuine_, "Original-Rcpt-To: <reader@example.net>",
                              "Original-Rcpt-To: <redacted@example.net>");
    raw = Replace(raw, "To: reader@example.net", "To: redacted@example.net");
    return Replace(raw, "Subject: Weekly news from Example\nList-Id",
                   "Subject: Weekly news from Example\nX-FBL-ID: " + token + "\nList-Id");
  }

  testing::TempDir dir_;
  testing::SmtpSink sink_{dir_ / "smtp", /*tls=*/true};
  std::unique_ptr<Store> store_;
  Config config_;
  std::string genuine_;
};

TEST_F(SmtpForgedTest, GenuineReportReachesTheCustomerAndSuppresses) {
  ProcessResult r = Ingest(genuine_);
  EXPECT_EQ(r.status, ReportStatus::kProcessed) << r.reason;
  Drain();
  ASSERT_TRUE(sink_.WaitForMessages(1)) << sink_.log();
  EXPECT_EQ(MailsTo(kCustomer), 1);
  EXPECT_TRUE(Suppressed("reader@example.net"));
}

TEST_F(SmtpForgedTest, WrongSenderProducesNoCustomerMail) {
  std::string raw = Replace(genuine_, "From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>",
                            "From: Yahoo! Mail AntiSpam Feedback <feedback@yahoo-fbl.example>");
  ExpectNoCustomerMail(raw);
}

TEST_F(SmtpForgedTest, MissingAuthenticationResultsProducesNoCustomerMail) {
  std::string raw = Replace(genuine_,
                            "Authentication-Results: mx.fbl.test; dkim=pass (2048-bit key) header.d=yahoo.com "
                            "header.s=arf; spf=pass smtp.mailfrom=feedback@arf.mail.yahoo.com\n",
                            "");
  ExpectNoCustomerMail(raw);
}

TEST_F(SmtpForgedTest, FailingAuthenticationResultsProduceNoCustomerMail) {
  std::string raw = Replace(genuine_, "dkim=pass (2048-bit key) header.d=yahoo.com header.s=arf; spf=pass",
                            "dkim=fail (2048-bit key) header.d=yahoo.com header.s=arf; spf=softfail");
  ExpectNoCustomerMail(raw);
}

TEST_F(SmtpForgedTest, ForeignAuthservIdProducesNoCustomerMail) {
  std::string raw = Replace(genuine_, "Authentication-Results: mx.fbl.test;",
                            "Authentication-Results: mx.attacker.example;");
  ExpectNoCustomerMail(raw);
}

TEST_F(SmtpForgedTest, ValidIdentifierTokenResolvesARedactedReport) {
  FblIdCodec codec({kKey});
  std::string token = codec.Issue({"demo", "reader@example.net", "news-48", kT0 - 3600});
  ProcessResult r = Ingest(Redacted(token));
  EXPECT_EQ(r.status, ReportStatus::kProcessed) << r.reason;
  Drain();
  ASSERT_TRUE(sink_.WaitForMessages(1));
  EXPECT_EQ(MailsTo(kCustomer), 1);
  EXPECT_TRUE(Suppressed("reader@example.net"));
}

TEST_F(SmtpForgedTest, TamperedIdentifierTokenProducesNoCustomerMail) {
  FblIdCodec codec({kKey});
  std::string token = codec.Issue({"demo", "reader@example.net", "news-48", kT0 - 3600});
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  ExpectNoCustomerMail(Redacted(token));
}

}  // namespace
}  // namespace fbl
