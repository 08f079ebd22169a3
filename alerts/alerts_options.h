// Options of outbound-rate detection, the policy service and the maillog follower;
// read from [policy], [detectors], [maillog] (fbl/config/read_alerts.cpp).
// Every field has its default here; bounds are enforced by the reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fbl {

// What a detector's alert does to the account.
//   "alert"            record and notify only; the policy answer stays DUNNO
//   "hold"             HOLD: Postfix keeps the mail in its hold queue (trapped, not lost)
//   "defer_if_permit"  DEFER_IF_PERMIT 4.7.1
//   "reject"           REJECT 5.7.1
// Any action but "alert" marks the account held until an admin releases it.
enum class AlertAction { kAlert, kHold, kDeferIfPermit, kReject };

// Limits for one account over the four windows (messages; 0 = no limit on that window).
struct WindowLimits {
  int per_minute = 0;
  int per_10_minutes = 0;
  int per_hour = 0;
  int per_day = 0;
};

// A known bulk sender (the provider's own spooler): its own limits, no learned detectors.
struct BulkSenderOptions {
  std::string account;  // sasl_username, exact (case-insensitive)
  WindowLimits limits{5000, 20000, 50000, 500000};
};

struct DetectorOptions {
  // Cold start: an account with less than `learning_hours` of history gets these caps only.
  int learning_hours = 24;  // [1, 2160]
  WindowLimits cold_caps{30, 100, 300, 3000};
  // Learned accounts: allowed(window) = max(floor, multiplier * learned peak of that window),
  // where the peak decays by `peak_half_life_days`.
  WindowLimits floors{12, 25, 40, 150};
  double multiplier = 3.0;            // [1, 100]
  double peak_half_life_days = 14.0;  // [0.5, 365]
  // Hour-of-week profile: EWMA per (weekday|weekend, hour-of-day) bucket.
  double profile_alpha = 0.25;  // [0.01, 1]
  // Off-hours: in an hour whose learned share of the account's busiest hour is below
  // `off_hours_share` (and its neighbours too), more than `off_hours_max` messages in the
  // last hour alert.
  double off_hours_share = 0.05;  // [0, 1]
  int off_hours_max = 10;         // [1, 100000]
  // Distinct client IPs per account within the last hour.
  int ips_floor = 6;           // [1, 100000]
  double ips_multiplier = 2.0;  // [1, 100]
  // New recipients: in the last hour, at least max(`new_recipient_messages`, multiplier *
  // learned peak) messages whose recipients were all never seen for this account, making at
  // least `new_recipient_ratio` of its messages, to at least `new_recipient_domains` distinct
  // domains. Learned accounts only.
  int new_recipient_messages = 20;    // [1, 100000]
  double new_recipient_ratio = 0.8;   // [0, 1]
  int new_recipient_domains = 5;      // [1, 100000]
  int known_recipients_max = 4096;    // [16, 1000000] remembered per account (oldest go first)
  // Bounces (from the maillog), last hour: at least `bounce_min` bounced recipients making at
  // least `bounce_ratio` of the account's delivery outcomes.
  int bounce_min = 8;           // [1, 100000]
  double bounce_ratio = 0.3;    // [0, 1]
  // A detector that fired for an account stays quiet for this long (one alert per episode).
  int realert_seconds = 3600;  // [0, 604800]
  std::vector<BulkSenderOptions> bulk_senders;
  AlertAction action = AlertAction::kAlert;  // "alert" | "hold" | "defer_if_permit" | "reject"
};

struct PolicyOptions {
  bool enabled = false;
  std::string listen_tcp = "127.0.0.1:10040";  // "" disables TCP
  std::string listen_unix;                      // "" disables the UNIX socket
  int unix_mode = 0660;                         // [0, 0777] permissions of the UNIX socket
  std::size_t max_line_bytes = 4096;            // [64, 1 MiB] one attribute line
  std::size_t max_attributes = 128;             // [1, 10000] per request
  std::size_t max_request_bytes = 64 * 1024;    // [256, 16 MiB] one request
  int idle_timeout_seconds = 300;               // [1, 86400] Postfix reuses connections
  int max_connections = 1024;                   // [1, 100000]
  int threads = 1;                              // [1, 64] io_context threads
  // Answer when our own processing fails (store error, internal error): Postfix keeps going.
  std::string error_action = "DUNNO";           // "DUNNO" or any Postfix action text
  std::string hold_text = "fbl: account held for outbound-rate review";
  std::string defer_text = "4.7.1 fbl: sending rate limited, try again later";
  std::string reject_text = "5.7.1 fbl: account blocked for outbound-rate review";
  int state_save_seconds = 300;                 // [1, 86400] detector state flushed to the store
};

struct MaillogOptions {
  std::string path;             // "" disables the follower
  int poll_milliseconds = 500;  // [10, 60000] how often the file is checked for growth/rotation
  int year = 0;                 // [0, 9999] year for classic stamps; 0 = the current year
  bool start_at_end = true;     // on first start, skip what is already in the file
};

struct AlertNotifyOptions {
  std::string admin_email;  // "" = no mail; else an outbox item per alert (kind "alert")
  std::string webhook_url;  // "" = none; else an outbox item on the webhook channel
};

struct AlertsOptions {
  PolicyOptions policy;
  MaillogOptions maillog;
  DetectorOptions detectors;
  AlertNotifyOptions notify;
};

// "alert", "hold", "defer_if_permit", "reject".
const char* AlertActionName(AlertAction action);
// Returns false for an unknown name.
bool ParseAlertAction(const std::string& name, AlertAction* out);

}  // namespace fbl
