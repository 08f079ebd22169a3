// Every metric fbld exports, in one place: the catalogue is docs/metrics.md, and the dashboard
// and alert rules in dashboards/ use exactly these names. Label values are bounded: kinds,
// reasons, configured clients, mailboxes and providers (unknown providers become "other"),
// never addresses or other free text from reports.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace fbl {

class Metrics {
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

  // Mailboxes (IMAP and Maildir).
  prometheus::Family<prometheus::Gauge>& mailbox_last_poll;     // fbl_mailbox_last_poll_timestamp_seconds{mailbox}
  prometheus::Family<prometheus::Counter>& mailbox_errors;      // fbl_mailbox_errors_total{mailbox}
  prometheus::Family<prometheus::Gauge>& mailbox_connected;     // fbl_mailbox_connected{mailbox}

  // Notifications.
  prometheus::Family<prometheus::Counter>& notifications;       // fbl_notifications_total{channel,result}
  prometheus::Family<prometheus::Gauge>& outbox_pending;        // fbl_outbox_pending
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age;     // fbl_outbox_oldest_age_seconds

  // Outbound-rate detection.
  prometheus::Family<prometheus::Counter>& policy_requests;     // fbl_policy_requests_total{action}
  prometheus::Family<prometheus::Histogram>& policy_latency;    // fbl_policy_request_duration_seconds
  prometheus::Family<prometheus::Gauge>& accounts_held;         // fbl_accounts_held
  prometheus::Family<prometheus::Counter>& detector_alerts;     // fbl_detector_alerts_total{detector,action}

  // API.
  prometheus::Family<prometheus::Counter>& api_requests;        // fbl_api_requests_total{route,code}
  prometheus::Family<prometheus::Histogram>& api_latency;       // fbl_api_request_duration_seconds{route}

  prometheus::Family<prometheus::Gauge>& build_info;            // fbl_build_info{version}
  prometheus::Family<prometheus::Gauge>& start_time;            // fbl_start_time_seconds
};

// Buckets for request latencies (seconds): 50 µs .. 2.5 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

}  // namespace fbl
