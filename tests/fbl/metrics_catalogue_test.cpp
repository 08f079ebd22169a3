// The catalogue (docs/metrics.md) and the label lists agree with the code.
#include "fbl/metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "parsers/report.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

TEST(MetricsCatalogue, EveryRegisteredFamilyIsDocumentedInMetricsMd) {
  const std::string doc = fbl::testing::ReadFile(std::filesystem::path(FBL_SOURCE_DIR) / "docs" / "metrics.md");
  Metrics metrics;
  // prometheus-cpp leaves out families without series: give every family one.
  metrics.InitKnownLabels({{"acme"}, {"yahoo"}, {"maildir:x"}, {"postmaster"}, {"burst"}});
  const prometheus::Labels window = {{"client", "acme"}, {"window", "1d"}};
  metrics.complaint_rate.Add(window);
  metrics.client_window_complaints.Add(window);
  metrics.client_window_sent.Add(window);
  metrics.top_account_sent.Add({{"rank", "1"}});
  metrics.api_requests.Add({{"route", "/metrics"}, {"code", "200"}});
  metrics.api_latency.Add({{"route", "/metrics"}}, LatencyBuckets());
  const auto families = metrics.registry()->Collect();
  EXPECT_GE(families.size(), 27u);
  for (const auto& f : families) {
    EXPECT_NE(doc.find("| `" + f.name + "` |"), std::string::npos) << f.name << " missing from docs/metrics.md";
  }
}

TEST(MetricsCatalogue, KindStatusReasonAndFeedbackLabelsAreTheNamesTheCodeUses) {
  const auto& kinds = ReportKindLabels();
  for (auto k : {ReportKind::kFeedback, ReportKind::kBounce, ReportKind::kDmarcAggregate,
                 ReportKind::kAutoReply, ReportKind::kUnknown, ReportKind::kMalformed}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), ReportKindName(k)), kinds.end()) << ReportKindName(k);
  }
  const auto& statuses = ReportStatusLabels();
  for (auto s : {ReportStatus::kProcessed, ReportStatus::kQuarantined, ReportStatus::kIgnored,
                 ReportStatus::kUntrusted, ReportStatus::kUnattributed}) {
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), ReportStatusName(s)), statuses.end());
  }
  const auto& reasons = SuppressionReasonLabels();
  for (auto r : {SuppressionReason::kComplaint, SuppressionReason::kHardBounce,
                 SuppressionReason::kSoftBounce, SuppressionReason::kManual,
                 SuppressionReason::kUnsubscribe}) {
    EXPECT_NE(std::find(reasons.begin(), reasons.end(), SuppressionReasonName(r)), reasons.end());
  }
  const auto& types = FeedbackTypeLabels();
  for (auto t : {FeedbackType::kAbuse, FeedbackType::kFraud, FeedbackType::kVirus, FeedbackType::kOther,
                 FeedbackType::kNotSpam, FeedbackType::kAuthFailure, FeedbackType::kOptOut}) {
    EXPECT_NE(std::find(types.begin(), types.end(), FeedbackTypeName(t)), types.end());
  }
}

TEST(MetricsCatalogue, KnownLabelsAreCreatedAtZeroAndPrimingTwiceChangesNothing) {
  Metrics metrics;
  const Metrics::KnownLabels known{{"acme", "beta"}, {"yahoo"}, {"maildir:x"}, {"postmaster"}, {"burst"}};
  metrics.InitKnownLabels(known);
  const std::string once = prometheus::TextSerializer().Serialize(metrics.registry()->Collect());
  metrics.InitKnownLabels(known);
  const std::string twice = prometheus::TextSerializer().Serialize(metrics.registry()->Collect());
  EXPECT_EQ(once, twice);
  EXPECT_NE(once.find(R"(fbl_complaints_total{client="beta",provider="none"} 0)"), std::string::npos);
  EXPECT_NE(once.find(R"(fbl_mailbox_last_poll_timestamp_seconds{mailbox="postmaster"} 0)"), std::string::npos);
  EXPECT_NE(once.find(R"(fbl_mailbox_connected{mailbox="postmaster"} 0)"), std::string::npos);
  EXPECT_EQ(once.find(R"(fbl_mailbox_connected{mailbox="maildir:x"})"), std::string::npos);
  EXPECT_NE(once.find(R"(kind="malformed")"), std::string::npos);
  EXPECT_NE(once.find(R"(fbl_detector_alerts_total{action="hold",detector="burst"} 0)"), std::string::npos);
}

}  // namespace
}  // namespace fbl
