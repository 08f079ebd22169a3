// Ingest: exactly-once by hash, and every suppression rule of issue 4 item 2.
#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

using testing::BounceItem;
using testing::ComplaintItem;

// Every test runs on SQLite and on PostgreSQL (tests/store/store_test_util.h).
class IngestTest : public testing::StoreTest {
 protected:
  IngestOutcome IngestOne(const IngestItem& item) {
    auto r = store_->Ingest({item});
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok() || r->size() != 1) return {};
    return r->front();
  }

  std::vector<Suppression> Lookup(const std::string& address) {
    auto r = store_->LookupSuppressions(address);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? r.value() : std::vector<Suppression>{};
  }

  std::int64_t CountRows(const std::string& table) { return Count("SELECT count(*) FROM " + table); }
};

FBL_INSTANTIATE_FOR_EVERY_BACKEND(IngestTest);

TEST_P(IngestTest, ComplaintSuppressesTheAddressForThatClientAtOnce) {
  IngestOutcome out = IngestOne(ComplaintItem(1, "acme", "Victim@Example.COM"));
  EXPECT_FALSE(out.duplicate);
  EXPECT_EQ(out.suppressions_added, 1);
  ASSERT_EQ(out.added_reasons.size(), 1u);
  EXPECT_EQ(out.added_reasons[0], SuppressionReason::kComplaint);
  auto rows = Lookup("victim@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].scope, "acme");
  EXPECT_EQ(rows[0].address, "victim@example.com");
  EXPECT_EQ(rows[0].address_original, "Victim@Example.COM");
  EXPECT_EQ(rows[0].reason, SuppressionReason::kComplaint);
  EXPECT_EQ(rows[0].count, 1);
  EXPECT_EQ(rows[0].source_report_id, out.report_id);
  EXPECT_EQ(CountRows("complaints"), 1);
}

TEST_P(IngestTest, SameReportTwiceChangesNothing) {
  IngestItem item = ComplaintItem(7, "acme", "a@example.com");
  item.outbox.push_back({"acme", "email", "complaint", "{}", "msg-7@fbl", 0});
  IngestOutcome first = IngestOne(item);
  IngestOutcome second = IngestOne(item);
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.report_id, first.report_id);
  EXPECT_EQ(second.suppressions_added + second.suppressions_updated, 0);
  EXPECT_EQ(CountRows("reports"), 1);
  EXPECT_EQ(CountRows("complaints"), 1);
  EXPECT_EQ(CountRows("outbox"), 1);
  auto rows = Lookup("a@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 1);
}

TEST_P(IngestTest, SameReportTwiceInOneBatchIsADuplicateTheSecondTime) {
  IngestItem item = ComplaintItem(8, "acme", "a@example.com");
  auto r = store_->Ingest({item, item});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE((*r)[0].duplicate);
  EXPECT_TRUE((*r)[1].duplicate);
  EXPECT_EQ(CountRows("reports"), 1);
}

TEST_P(IngestTest, ComplaintsFromEnoughDistinctClientsSuppressGlobally) {
  options_.global_after_clients = 3;
  Reopen();
  IngestOne(ComplaintItem(1, "acme", "x@example.com"));
  IngestOne(ComplaintItem(2, "acme", "x@example.com"));  // same client again: still one client
  IngestOne(ComplaintItem(3, "beta", "x@example.com"));
  for (const auto& s : Lookup("x@example.com")) EXPECT_NE(s.scope, "*");
  IngestOutcome third = IngestOne(ComplaintItem(4, "gamma", "x@example.com"));
  EXPECT_EQ(third.suppressions_added, 2);  // gamma and '*'
  bool global = false;
  for (const auto& s : Lookup("x@example.com")) global = global || s.scope == "*";
  EXPECT_TRUE(global);
}

TEST_P(IngestTest, ComplaintWithoutClientSuppressesGlobally) {
  IngestOne(ComplaintItem(1, "", "x@example.com"));
  auto rows = Lookup("x@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].scope, "*");
}

TEST_P(IngestTest, RepeatedComplaintCountsAndMovesLastSeen) {
  IngestOne(ComplaintItem(1, "acme", "x@example.com", 1000));
  IngestOutcome out = IngestOne(ComplaintItem(2, "acme", "X@example.com", 5000));
  EXPECT_EQ(out.suppressions_updated, 1);
  auto rows = Lookup("x@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 2);
  EXPECT_EQ(rows[0].first_seen, 1000);
  EXPECT_EQ(rows[0].last_seen, 5000);
  EXPECT_EQ(rows[0].address_original, "x@example.com");  // the first spelling is kept
}

TEST_P(IngestTest, HardBounceSuppresses) {
  IngestOne(BounceItem(1, "acme", "gone@example.com", true));
  auto rows = Lookup("gone@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].reason, SuppressionReason::kHardBounce);
  EXPECT_EQ(CountRows("bounces"), 1);
}

TEST_P(IngestTest, SoftBouncesSuppressOnlyAfterKWithinDDays) {
  options_.soft_bounce_threshold = 3;
  options_.soft_bounce_window_days = 7;
  Reopen();
  const UnixTime day = 86400;
  IngestOne(BounceItem(1, "acme", "full@example.com", false, 0));
  IngestOne(BounceItem(2, "acme", "full@example.com", false, 10 * day));  // first one is too old
  IngestOne(BounceItem(3, "acme", "full@example.com", false, 11 * day));
  EXPECT_TRUE(Lookup("full@example.com").empty());
  IngestOutcome out = IngestOne(BounceItem(4, "acme", "full@example.com", false, 12 * day));
  EXPECT_EQ(out.suppressions_added, 1);
  auto rows = Lookup("full@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].reason, SuppressionReason::kSoftBounce);
}

TEST_P(IngestTest, NotSpamNeverSuppresses) {
  IngestItem item = ComplaintItem(1, "acme", "fan@example.com");
  item.feedback_type = FeedbackType::kNotSpam;
  item.events[0].type = RecipientEvent::Type::kNotSpam;
  IngestOutcome out = IngestOne(item);
  EXPECT_EQ(out.suppressions_added, 0);
  EXPECT_TRUE(Lookup("fan@example.com").empty());
  EXPECT_EQ(CountRows("complaints"), 0);
}

TEST_P(IngestTest, OptOutSuppressesAsUnsubscribe) {
  IngestItem item = ComplaintItem(1, "acme", "bye@example.com");
  item.feedback_type = FeedbackType::kOptOut;
  item.events[0].type = RecipientEvent::Type::kOptOut;
  IngestOne(item);
  auto rows = Lookup("bye@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].reason, SuppressionReason::kUnsubscribe);
}

TEST_P(IngestTest, AllowlistedAddressIsNeverSuppressedAndANoteSaysSo) {
  ASSERT_TRUE(store_->AddAllowlist("*", "vip@example.com", "ceo", {"test", "", "", ""}).ok());
  IngestOutcome out = IngestOne(ComplaintItem(1, "acme", "VIP@example.com"));
  EXPECT_EQ(out.suppressions_added, 0);
  ASSERT_FALSE(out.notes.empty());
  EXPECT_NE(out.notes[0].find("allowlisted"), std::string::npos);
  EXPECT_TRUE(Lookup("vip@example.com").empty());
  EXPECT_EQ(CountRows("complaints"), 1);  // the complaint itself is still recorded
}

TEST_P(IngestTest, ClientAllowlistProtectsOnlyThatClient) {
  ASSERT_TRUE(store_->AddAllowlist("acme", "vip@example.com", "", {"test", "", "", ""}).ok());
  IngestOne(ComplaintItem(1, "acme", "vip@example.com"));
  IngestOne(ComplaintItem(2, "beta", "vip@example.com"));
  auto rows = Lookup("vip@example.com");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].scope, "beta");
}

TEST_P(IngestTest, EventsOfReportsNotProcessedAreNotApplied) {
  for (ReportStatus s : {ReportStatus::kQuarantined, ReportStatus::kIgnored, ReportStatus::kUntrusted,
                         ReportStatus::kUnattributed}) {
    IngestItem item = ComplaintItem(static_cast<std::uint64_t>(s) + 10, "acme", "x@example.com");
    item.status = s;
    IngestOutcome out = IngestOne(item);
    EXPECT_EQ(out.suppressions_added, 0);
  }
  EXPECT_TRUE(Lookup("x@example.com").empty());
  EXPECT_EQ(CountRows("reports"), 4);
  EXPECT_EQ(CountRows("complaints"), 0);
}

TEST_P(IngestTest, OutboxRowWithAKnownMessageIdIsIgnored) {
  IngestItem a = ComplaintItem(1, "acme", "x@example.com");
  a.outbox.push_back({"acme", "email", "digest", "{\"n\":1}", "digest-acme-1@fbl", 100});
  IngestItem b = ComplaintItem(2, "acme", "y@example.com");
  b.outbox.push_back({"acme", "email", "digest", "{\"n\":2}", "digest-acme-1@fbl", 100});
  IngestOne(a);
  IngestOne(b);
  EXPECT_EQ(CountRows("outbox"), 1);
  auto due = store_->DueOutbox(100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].payload_json, "{\"n\":1}");
}

TEST_P(IngestTest, InvalidRecipientIsNotedAndTheRestIsApplied) {
  IngestItem item = ComplaintItem(1, "acme", "not-an-address");
  item.events.push_back({RecipientEvent::Type::kComplaint, "ok@example.com", "", ""});
  IngestOutcome out = IngestOne(item);
  EXPECT_EQ(out.suppressions_added, 1);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_NE(out.notes[0].find("invalid recipient"), std::string::npos);
}

TEST_P(IngestTest, ABadOutboxChannelRollsBackTheWholeBatch) {
  IngestItem good = ComplaintItem(1, "acme", "x@example.com");
  IngestItem bad = ComplaintItem(2, "acme", "y@example.com");
  bad.outbox.push_back({"acme", "carrier-pigeon", "complaint", "{}", "m@fbl", 0});
  auto r = store_->Ingest({good, bad});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(CountRows("reports"), 0);
  EXPECT_EQ(CountRows("suppressions"), 0);
}

TEST_P(IngestTest, RawReportIsKeptCompressedAndCanBeReadBack) {
  IngestItem item = ComplaintItem(1, "acme", "x@example.com");
  std::string raw(100000, 'a');
  item.raw = raw;
  IngestOne(item);
  auto back = store_->GetRawReport(item.sha256);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back.value(), raw);
  auto stored = Count("SELECT length(raw_zlib) FROM reports");
  EXPECT_LT(stored, 2000);
}

TEST_P(IngestTest, RetentionDropsRawMessagesPastTheirExpiry) {
  options_.raw_retention_days = 1;
  Reopen();
  IngestItem item = ComplaintItem(1, "acme", "x@example.com", 1000);
  IngestOne(item);
  auto none = store_->ApplyRawRetention(1000 + 86400 - 1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value(), 0);
  auto dropped = store_->ApplyRawRetention(1000 + 86400);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped.value(), 1);
  auto back = store_->GetRawReport(item.sha256);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, ErrorCode::kNotFound);
  EXPECT_NE(back.error().detail.find("retention"), std::string::npos);
  EXPECT_TRUE(store_->HasReport(item.sha256).value());  // the report itself stays
}

}  // namespace
}  // namespace fbl
