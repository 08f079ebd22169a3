// Every metric fbld exports, in one place: the catalogue is docs/metrics.md, and the dashboard
// and alert rules in dashboards/ use exactly these names. Label values are bounded: kinds,
// reasons, configured clients, mailboxes and providers (a report from elsewhere: "none"),
// never addresses or other free text from reports.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fbl/metrics/report_counters.h"

namespace fbl {

class Metrics final : public ReportCounters {
  // Declared first: the families below are built in it, in declaration order.
  std::shared_ptr<prometheus::Registry> registry_;

 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // Pipeline.
  prometheus::Family<prometheus::Counter>& reports;            // fbl_reports_total{kind,feedback_type,provider,status}
  prometheus::Family<prometheus::Counter>& suppressions_added; // fbl_suppressions_added_total{reason}
  prometheus::Family<prometheus::Gauge>& suppressions;         // fbl_suppressions{reason}
  prometheus::Family<prometheus::Counter>& complaints;          // fbl_complaints_total{client,provider}
  prometheus::Family<prometheus::Counter>& messages_sent;       // fbl_client_messages_sent_total{client}
  prometheus::Family<prometheus::Gauge>& complaint_rate;        // fbl_client_complaint_rate{client,window}
  prometheus::Family<prometheus::Counter>& source_errors;       // fbl_source_errors_total{source}
  // Set by StoreGauges from the database (fbl/metrics/store_gauges.h): the numerator and
  // denominator of fbl_client_complaint_rate, so that a rate over few messages can be told apart.
  prometheus::Family<prometheus::Gauge>& client_window_complaints; // fbl_client_window_complaints{client,window}
  prometheus::Family<prometheus::Gauge>& client_window_sent;       // fbl_client_window_sent{client,window}

  // Mailboxes (IMAP and Maildir).
  prometheus::Family<prometheus::Gauge>& mailbox_last_poll;     // fbl_mailbox_last_poll_timestamp_seconds{mailbox}
  prometheus::Family<prometheus::Counter>& mailbox_errors;      // fbl_mailbox_errors_total{mailbox}
  prometheus::Family<prometheus::Gauge>& mailbox_connected;     // fbl_mailbox_connected{mailbox}

  // Notifications.
  prometheus::Family<prometheus::Counter>& notifications;       // fbl_notifications_total{channel,result}
  prometheus::Family<prometheus::Gauge>& outbox_pending;        // fbl_outbox_pending
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age;     // fbl_outbox_oldest_age_seconds
  prometheus::Family<prometheus::Gauge>& outbox_failed;         // fbl_outbox_failed

  // Outbound-rate detection.
  prometheus::Family<prometheus::Counter>& policy_requests;     // fbl_policy_requests_total{action}
  prometheus::Family<prometheus::Histogram>& policy_latency;    // fbl_policy_request_duration_seconds
  prometheus::Family<prometheus::Gauge>& accounts_held;         // fbl_accounts_held
  prometheus::Family<prometheus::Counter>& detector_alerts;     // fbl_detector_alerts_total{detector,action}
  // Recipients sent in the last hour by the Nth busiest account (rank "1".."N", from the
  // maillog). Ranks, not names: account names are often addresses. `fblctl accounts` names them.
  prometheus::Family<prometheus::Gauge>& top_account_sent;      // fbl_top_account_sent_1h{rank}

  // API.
  prometheus::Family<prometheus::Counter>& api_requests;        // fbl_api_requests_total{route,code}
  prometheus::Family<prometheus::Histogram>& api_latency;       // fbl_api_request_duration_seconds{route}

  prometheus::Family<prometheus::Gauge>& build_info;            // fbl_build_info{version}
  prometheus::Family<prometheus::Gauge>& start_time;            // fbl_start_time_seconds
  // The database gauges above are only as fresh as their last refresh.
  prometheus::Family<prometheus::Gauge>& gauges_refreshed;      // fbl_store_gauges_last_refresh_timestamp_seconds
  prometheus::Family<prometheus::Counter>& gauges_errors;       // fbl_store_gauges_errors_total

  // Creates a zero-valued child for every label combination known at start (configured
  // clients, providers and mailboxes; every kind, status, reason, channel and action), so that
  // each name appears in /metrics before its first event and `rate()` starts from zero.
  // Idempotent; call again after a reload to add new clients (removed ones stay until restart).
  struct KnownLabels {
    std::vector<std::string> clients;    // configured client ids
    std::vector<std::string> providers;  // configured provider names ("none" is added)
    std::vector<std::string> mailboxes;       // every source name (fbl_mailbox_last_poll_*)
    std::vector<std::string> imap_mailboxes;  // IMAP ones (also errors and connected)
    std::vector<std::string> detectors;  // outbound-rate detector names
  };
  void InitKnownLabels(const KnownLabels& known);

  // ReportCounters (the pipeline's counts): reports, suppressions_added and complaints above.
  void CountReport(std::string_view kind, std::string_view feedback_type, std::string_view provider,
                   std::string_view status) override;
  void CountSuppressionAdded(std::string_view reason) override;
  void CountComplaint(std::string_view client, std::string_view provider) override;
};

// Label conventions (see docs/metrics.md); every component uses these spellings.
// "none": no value, e.g. the feedback_type of a bounce, or the provider of a report whose
// sender is not a configured provider.
inline constexpr std::string_view kLabelNone = "none";
// Windows of the complaint-rate families.
inline constexpr std::string_view kWindow1d = "1d";
inline constexpr std::string_view kWindow7d = "7d";
// Every value of each bounded label, in the spelling used in /metrics.
const std::vector<std::string>& ReportKindLabels();     // feedback, bounce, dmarc-aggregate, ...
const std::vector<std::string>& ReportStatusLabels();   // processed, quarantined, ignored, ...
const std::vector<std::string>& FeedbackTypeLabels();   // abuse, ..., opt-out, none
const std::vector<std::string>& SuppressionReasonLabels();  // complaint, hard-bounce, ...
const std::vector<std::string>& NotificationChannelLabels();  // email, webhook, maildir
const std::vector<std::string>& NotificationResultLabels();   // sent, retry, failed
const std::vector<std::string>& PolicyActionLabels();   // dunno, hold, defer_if_permit, reject

// Buckets for request latencies (seconds): 50 µs .. 2.5 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

}  // namespace fbl
