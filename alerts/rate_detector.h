// Outbound-rate anomaly detectors: pure code over events, with the clock injected (every call
// carries the event's own time; nothing here reads the wall clock). One state per account
// (sasl_username), learned from its own traffic and serialisable to a blob (Store
// detector_state) so that restarts keep what was learned.
//
// Signals (detector names, as printed by `fblctl backtest` and exported as metric labels):
//   cold_start      an account with less than learning_hours of history over a cold cap
//   rate_1m ... rate_1d  a learned account over max(floor, multiplier * its decayed peak)
//   bulk_limit      a configured bulk sender over its own limits (no other detector applies)
//   client_ips      distinct client IPs in the last hour over max(floor, k * learned peak)
//   off_hours       messages in the last hour, in hours the account is normally silent
//   new_recipients  messages to never-seen recipients, spread over many domains
//   bounce_ratio    bounced recipients (from the maillog) over a ratio of outcomes
//
// Thread-compatible: callers serialise access (one detector set per policy engine).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alerts/alerts_options.h"
#include "parsers/result.h"

namespace fbl {

using EventTime = std::int64_t;  // Unix seconds, UTC

// One accepted message (policy DATA/END-OF-MESSAGE, or the maillog's qmgr record).
struct OutboundMessage {
  EventTime time = 0;
  std::string account;    // sasl_username
  std::string client_ip;  // "" when unknown
  int recipient_count = 1;
  // The recipients when known (lower-case addresses); empty when not known yet.
  std::vector<std::string> recipients;
};

// Every alert explains itself: which signal, the value, the baseline and the window.
struct Alert {
  EventTime time = 0;
  std::string account;
  std::string detector;
  AlertAction action = AlertAction::kAlert;
  std::string window;          // "1m", "10m", "1h", "1d"
  std::int64_t window_count = 0;  // messages (or IPs, bounces) counted in the window
  double baseline = 0;         // the learned value compared against (0 for cold caps)
  double threshold = 0;        // the limit that was exceeded
  std::string reason;          // one human sentence with the numbers above
};

class AccountState;

class RateDetectors {
 public:
  explicit RateDetectors(DetectorOptions options);
  ~RateDetectors();
  RateDetectors(const RateDetectors&) = delete;
  RateDetectors& operator=(const RateDetectors&) = delete;

  // Counts one message. Events of one account should come in time order; an event older than
  // the account's last one is counted at the last time. Returns the alerts it fired.
  std::vector<Alert> OnMessage(const OutboundMessage& message);
  // The recipients of a message counted earlier without them (maillog: learnt after qmgr).
  std::vector<Alert> OnRecipients(EventTime time, std::string_view account,
                                  const std::vector<std::string>& recipients);
  // One final delivery outcome of one recipient (maillog: status=sent or status=bounced).
  std::vector<Alert> OnDeliveryOutcome(EventTime time, std::string_view account, bool bounced);

  // Opaque, versioned state of one account; "" when the account is unknown.
  std::string SerializeAccount(std::string_view account) const;
  // Replaces the account's state. kMalformed for a blob this version cannot read.
  Status RestoreAccount(std::string_view account, std::string_view blob);
  std::vector<std::string> Accounts() const;
  // True iff the account's state changed since the last call of TakeDirtyAccounts.
  std::vector<std::string> TakeDirtyAccounts();
  std::size_t size() const { return accounts_.size(); }
  const DetectorOptions& options() const { return options_; }

 private:
  AccountState& State(std::string_view account, EventTime now);
  const BulkSenderOptions* BulkSender(std::string_view account) const;

  DetectorOptions options_;
  std::unordered_map<std::string, std::unique_ptr<AccountState>> accounts_;
  std::unordered_set<std::string> dirty_;
};

// Every detector name above, for metric label initialisation.
const std::vector<std::string>& DetectorNames();

// Lower-case ASCII copy (account names and addresses are compared case-insensitively).
std::string AsciiLower(std::string_view text);

}  // namespace fbl
