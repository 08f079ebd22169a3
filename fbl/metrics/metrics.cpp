#include "fbl/metrics/metrics.h"

#include <chrono>

namespace fbl {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5};
  return kBuckets;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      reports(BuildCounter().Name("fbl_reports_total")
                  .Help("Messages processed, by kind, feedback type, provider and outcome status")
                  .Register(*registry_)),
      suppressions_added(BuildCounter().Name("fbl_suppressions_added_total")
                             .Help("New suppression rows, by reason").Register(*registry_)),
      suppressions(BuildGauge().Name("fbl_suppressions")
                       .Help("Suppression rows in the database, by reason").Register(*registry_)),
      complaints(BuildCounter().Name("fbl_complaints_total")
                     .Help("Complaints recorded, by client and provider").Register(*registry_)),
      messages_sent(BuildCounter().Name("fbl_client_messages_sent_total")
                        .Help("Messages sent per client, counted from the maillog")
                        .Register(*registry_)),
      complaint_rate(BuildGauge().Name("fbl_client_complaint_rate")
                         .Help("Complaints divided by messages sent, per client and window (1d, 7d)")
                         .Register(*registry_)),
      source_errors(BuildCounter().Name("fbl_source_errors_total")
                        .Help("Errors reading a mail source").Register(*registry_)),
      client_window_complaints(
          BuildGauge().Name("fbl_client_window_complaints")
              .Help("Complaints per client in the window (1d, 7d), from the database")
              .Register(*registry_)),
      client_window_sent(BuildGauge().Name("fbl_client_window_sent")
                             .Help("Messages sent per client in the window (1d, 7d), from the database")
                             .Register(*registry_)),
      mailbox_last_poll(BuildGauge().Name("fbl_mailbox_last_poll_timestamp_seconds")
                            .Help("Unix time of the last successful poll of a mailbox")
                            .Register(*registry_)),
      mailbox_errors(BuildCounter().Name("fbl_mailbox_errors_total")
                         .Help("Errors polling a mailbox (connect, protocol, timeout)")
                         .Register(*registry_)),
      mailbox_connected(BuildGauge().Name("fbl_mailbox_connected")
                            .Help("1 while the IMAP connection of a mailbox is up")
                            .Register(*registry_)),
      notifications(BuildCounter().Name("fbl_notifications_total")
                        .Help("Notification attempts by channel and result (sent, retry, failed)")
                        .Register(*registry_)),
      outbox_pending(BuildGauge().Name("fbl_outbox_pending")
                         .Help("Notifications waiting in the outbox").Register(*registry_)),
      outbox_oldest_age(BuildGauge().Name("fbl_outbox_oldest_age_seconds")
                            .Help("Age of the oldest pending notification")
                            .Register(*registry_)),
      outbox_failed(BuildGauge().Name("fbl_outbox_failed")
                        .Help("Notifications given up on (state failed) in the outbox")
                        .Register(*registry_)),
      policy_requests(BuildCounter().Name("fbl_policy_requests_total")
                          .Help("Postfix policy requests answered, by action")
                          .Register(*registry_)),
      policy_latency(BuildHistogram().Name("fbl_policy_request_duration_seconds")
                         .Help("Time to answer a policy request").Register(*registry_)),
      accounts_held(BuildGauge().Name("fbl_accounts_held")
                        .Help("Submission accounts currently held").Register(*registry_)),
      detector_alerts(BuildCounter().Name("fbl_detector_alerts_total")
                          .Help("Outbound-rate alerts, by detector signal and action")
                          .Register(*registry_)),
      top_account_sent(BuildGauge().Name("fbl_top_account_sent_1h")
                           .Help("Recipients sent in the last hour by the Nth busiest account")
                           .Register(*registry_)),
      api_requests(BuildCounter().Name("fbl_api_requests_total")
                       .Help("HTTP API requests by route and status code").Register(*registry_)),
      api_latency(BuildHistogram().Name("fbl_api_request_duration_seconds")
                      .Help("HTTP API request latency by route").Register(*registry_)),
      build_info(BuildGauge().Name("fbl_build_info").Help("Build information; always 1")
                     .Register(*registry_)),
      start_time(BuildGauge().Name("fbl_start_time_seconds")
                     .Help("Unix time the daemon started").Register(*registry_)),
      gauges_refreshed(BuildGauge().Name("fbl_store_gauges_last_refresh_timestamp_seconds")
                           .Help("Unix time the database gauges were last read")
                           .Register(*registry_)),
      gauges_errors(BuildCounter().Name("fbl_store_gauges_errors_total")
                        .Help("Failed reads of the database gauges").Register(*registry_)) {
  // Label-less families: one child from the start, so the names are always exposed.
  outbox_pending.Add({}).Set(0);
  outbox_oldest_age.Add({}).Set(0);
  outbox_failed.Add({}).Set(0);
  accounts_held.Add({}).Set(0);
  gauges_refreshed.Add({}).Set(0);
  gauges_errors.Add({});
  policy_latency.Add({}, LatencyBuckets());
  build_info.Add({{"version", FBL_VERSION}}).Set(1);
  start_time.Add({}).Set(static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch()).count()));
}

const std::vector<std::string>& ReportKindLabels() {
  static const std::vector<std::string> kValues = {
      "feedback", "bounce", "dmarc-aggregate", "auto-reply", "unknown", "malformed"};
  return kValues;
}

const std::vector<std::string>& ReportStatusLabels() {
  static const std::vector<std::string> kValues = {
      "processed", "quarantined", "ignored", "untrusted", "unattributed"};
  return kValues;
}

const std::vector<std::string>& FeedbackTypeLabels() {
  static const std::vector<std::string> kValues = {
      "abuse", "fraud", "virus", "other", "not-spam", "auth-failure", "opt-out", "none"};
  return kValues;
}

const std::vector<std::string>& SuppressionReasonLabels() {
  static const std::vector<std::string> kValues = {
      "complaint", "hard-bounce", "soft-bounce", "manual", "unsubscribe"};
  return kValues;
}

const std::vector<std::string>& NotificationChannelLabels() {
  static const std::vector<std::string> kValues = {"email", "webhook", "maildir"};
  return kValues;
}

const std::vector<std::string>& NotificationResultLabels() {
  static const std::vector<std::string> kValues = {"sent", "retry", "failed"};
  return kValues;
}

const std::vector<std::string>& PolicyActionLabels() {
  static const std::vector<std::string> kValues = {"dunno", "hold", "defer_if_permit", "reject"};
  return kValues;
}

void Metrics::InitKnownLabels(const KnownLabels& known) {
  const std::string none(kLabelNone);
  std::vector<std::string> providers = known.providers;
  providers.push_back(none);
  // Every kind and status once; real children carry real feedback types and providers.
  for (const auto& kind : ReportKindLabels()) {
    for (const auto& status : ReportStatusLabels()) {
      reports.Add({{"kind", kind}, {"feedback_type", none}, {"provider", none}, {"status", status}});
    }
  }
  for (const auto& reason : SuppressionReasonLabels()) {
    suppressions_added.Add({{"reason", reason}});
    suppressions.Add({{"reason", reason}});
  }
  for (const auto& client : known.clients) {
    for (const auto& provider : providers) complaints.Add({{"client", client}, {"provider", provider}});
    messages_sent.Add({{"client", client}});
  }
  for (const auto& mailbox : known.mailboxes) mailbox_last_poll.Add({{"mailbox", mailbox}});
  // A Maildir has no connection: "connected 0" would be a false alarm.
  for (const auto& mailbox : known.imap_mailboxes) {
    mailbox_last_poll.Add({{"mailbox", mailbox}});
    mailbox_errors.Add({{"mailbox", mailbox}});
    mailbox_connected.Add({{"mailbox", mailbox}});
  }
  for (const char* source : {"maildir", "imap", "pipe"}) source_errors.Add({{"source", source}});
  for (const auto& channel : NotificationChannelLabels()) {
    for (const auto& result : NotificationResultLabels()) {
      notifications.Add({{"channel", channel}, {"result", result}});
    }
  }
  for (const auto& action : PolicyActionLabels()) policy_requests.Add({{"action", action}});
  for (const auto& detector : known.detectors) {
    for (const auto& action : PolicyActionLabels()) {
      detector_alerts.Add({{"detector", detector}, {"action", action}});
    }
  }
}

void Metrics::CountReport(std::string_view kind, std::string_view feedback_type, std::string_view provider,
                          std::string_view status) {
  reports
      .Add({{"kind", std::string(kind)},
            {"feedback_type", std::string(feedback_type)},
            {"provider", std::string(provider)},
            {"status", std::string(status)}})
      .Increment();
}

void Metrics::CountSuppressionAdded(std::string_view reason) {
  suppressions_added.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::CountComplaint(std::string_view client, std::string_view provider) {
  complaints.Add({{"client", std::string(client)}, {"provider", std::string(provider)}}).Increment();
}

}  // namespace fbl
