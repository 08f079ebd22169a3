// The pipeline against a real SQLite store in a temp dir.
#include "fbl/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include "fbl/metrics/metrics.h"
#include "fbl/pipeline/fbl_id.h"
#include "store/sqlite_store.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using testing::ReadFixture;
using testing::TempDir;

constexpr UnixTime kNow = 1795000000;

std::string ConfigText(const TempDir& dir, std::string provider_trust, std::string extra = "") {
  return "[store]\npath = \"" + dir.str() + "/fbl.db\"\n"
         "[trust]\nauthserv_id = \"mx.fbl.test\"\n"
         "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"" + provider_trust + "\"\n"
         "[[client]]\nid = \"demo\"\ndomains = [\"example.com\"]\nnotify_email = \"c@example.com\"\n"
         "[notify]\nfrom = \"postmaster@fbl.test\"\nadmin_email = \"admin@fbl.test\"\n"
         "[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret = \"0123456789abcdef0123\"\n" + extra;
}

class PipelineTest : public ::testing::Test {
 protected:
  void Open(std::string provider_trust = "authentication-results") {
    auto config = ParseConfig(ConfigText(dir_, provider_trust), "test.toml");
    ASSERT_TRUE(config.ok()) << config.error().detail;
    config_ = config.value();
    auto store = OpenSqliteStore(config_.store);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store.value());
    ASSERT_TRUE(store_->SyncClients({{"demo", "", "c@example.com", {"example.com"}, {}}}).ok());
    pipeline_ = std::make_unique<Pipeline>(store_.get(), config_, &metrics_);
  }

  ProcessResult Process(const std::string& raw) {
    auto r = pipeline_->Process({raw, "test"}, kNow);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
    return r.ok() ? r.value() : ProcessResult{};
  }

  std::size_t Suppressions(const std::string& address) {
    auto rows = store_->LookupSuppressions(address);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  }

  std::vector<OutboxItem> Outbox() {
    auto items = store_->DueOutbox(kNow + 86400 * 365, 1000);
    EXPECT_TRUE(items.ok());
    return items.ok() ? items.value() : std::vector<OutboxItem>{};
  }

  static std::string Replace(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  }

  TempDir dir_;
  Config config_;
  Metrics metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  const std::string fixture_ = ReadFixture("daemon/complaint-yahoo.eml");
};

TEST_F(PipelineTest, TrustedComplaintSuppressesAndQueuesTheClientNotification) {
  Open();
  ProcessResult r = Process(fixture_);
  EXPECT_EQ(r.status, ReportStatus::kProcessed) << r.reason;
  EXPECT_EQ(r.disposition, Disposition::kProcessed);
  EXPECT_EQ(r.suppressions_added, 1);
  EXPECT_EQ(Suppressions("reader@example.net"), 1u);
  auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].kind, "complaint");
  EXPECT_EQ(outbox[0].client_id, "demo");
  EXPECT_EQ(outbox[0].channel, "email");
  EXPECT_EQ(outbox[0].message_id.rfind("<fbl-", 0), 0u);
  EXPECT_NE(outbox[0].message_id.find(".complaint@fbl.test>"), std::string::npos);
  EXPECT_NE(outbox[0].payload_json.find("\"suppressed\":[\"reader@example.net\"]"), std::string::npos)
      << outbox[0].payload_json;
}

TEST_F(PipelineTest, ProcessingTheSameBytesTwiceChangesNothing) {
  Open();
  Process(fixture_);
  ProcessResult again = Process(fixture_);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.disposition, Disposition::kProcessed);
  EXPECT_EQ(again.suppressions_added, 0);
  EXPECT_EQ(Outbox().size(), 1u);
  auto rows = store_->LookupSuppressions("reader@example.net");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 1);
}

TEST_F(PipelineTest, NotSpamNeverSuppresses) {
  Open();
  ProcessResult r = Process(Replace(fixture_, "Feedback-Type: abuse", "Feedback-Type: not-spam"));
  EXPECT_EQ(r.status, ReportStatus::kProcessed) << r.reason;
  EXPECT_EQ(Suppressions("reader@example.net"), 0u);
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(PipelineTest, ForgedReportIsUntrustedWithoutSuppressionOrClientMail) {
  Open();
  std::string forged = Replace(fixture_, "Authentication-Results: mx.fbl.test;",
                               "Authentication-Results: mx.evil.example;");
  ProcessResult r = Process(forged);
  EXPECT_EQ(r.status, ReportStatus::kUntrusted);
  EXPECT_EQ(Suppressions("reader@example.net"), 0u);
  auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].kind, "admin-untrusted");
  EXPECT_FALSE(outbox[0].client_id.has_value());
  EXPECT_NE(outbox[0].payload_json.find("\"status\":\"untrusted\""), std::string::npos);
}

TEST_F(PipelineTest, RedactedReportWithValidTokenSuppressesTheTokenRecipient) {
  Open();
  FblIdCodec codec(std::vector<FblIdKey>{FblIdKey{"k1", "0123456789abcdef0123"}});
  std::string token = codec.Issue({"demo", "hidden@example.net", "", kNow});
  std::string redacted = Replace(fixture_, "Original-Rcpt-To: <reader@example.net>\n", "");
  redacted = Replace(redacted, "To: reader@example.net\n", "To: redacted@example.net\nX-FBL-ID: " + token + "\n");
  ProcessResult r = Process(redacted);
  EXPECT_EQ(r.status, ReportStatus::kProcessed) << r.reason;
  EXPECT_EQ(Suppressions("hidden@example.net"), 1u);
}

TEST_F(PipelineTest, RedactedReportWithTamperedTokenIsUnattributed) {
  Open();
  FblIdCodec codec(std::vector<FblIdKey>{FblIdKey{"k1", "0123456789abcdef0123"}});
  std::string token = codec.Issue({"demo", "hidden@example.net", "", kNow});
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  std::string redacted = Replace(fixture_, "Original-Rcpt-To: <reader@example.net>\n", "");
  redacted = Replace(redacted, "To: reader@example.net\n", "To: redacted@example.net\nX-FBL-ID: " + token + "\n");
  ProcessResult r = Process(redacted);
  EXPECT_EQ(r.status, ReportStatus::kUnattributed) << r.reason;
  EXPECT_EQ(Suppressions("hidden@example.net"), 0u);
  auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].kind, "admin-unattributed");
}

TEST_F(PipelineTest, MalformedIsQuarantinedAndAPersonsMailIgnored) {
  Open();
  EXPECT_EQ(Process("").disposition, Disposition::kQuarantine);
  ProcessResult person = Process("From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n");
  EXPECT_EQ(person.disposition, Disposition::kIgnored);
  EXPECT_EQ(person.status, ReportStatus::kIgnored);
}

TEST_F(PipelineTest, BatchIsStoredInOneTransactionAndCounted) {
  Open("none");
  std::string second = Replace(fixture_, "reader@example.net>", "other@example.net>");
  auto results = pipeline_->ProcessBatch({{fixture_, "t"}, {second, "t"}, {"", "t"}}, kNow);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ(Suppressions("reader@example.net"), 1u);
  EXPECT_EQ(Suppressions("other@example.net"), 1u);
  auto& family = metrics_.suppressions_added;
  EXPECT_EQ(family.Add({{"reason", "complaint"}}).Value(), 2);
}

}  // namespace
}  // namespace fbl
