// The policy decision, apart from any socket: one request and the time in, one answer out.
// Counts each message once (at DATA or END-OF-MESSAGE, whichever comes first, keyed on the
// request's `instance`), with recipient_count; recipients seen at RCPT are attached to the
// message for the new-recipient signal. Keyed on sasl_username: requests without one get DUNNO.
// A held account gets the answer of the action that held it for every later request, until
// Release(). Thread-compatible: the server serialises calls.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/alerts_options.h"
#include "alerts/policy_protocol.h"
#include "alerts/rate_detector.h"

namespace fbl {

struct PolicyDecision {
  std::string action_text = "DUNNO";  // the answer without "action="
  std::string account;                // lower-cased sasl_username ("" when none)
  std::vector<Alert> alerts;          // fired by this request (record and notify them)
  bool newly_held = false;            // this request held the account: persist it
  std::string held_reason;
};

class PolicyEngine {
 public:
  explicit PolicyEngine(const AlertsOptions& options);

  PolicyDecision Decide(const PolicyRequest& request, EventTime now);

  // Marks an account held (e.g. loaded from the store at start), answering with `action`.
  void Hold(std::string_view account, AlertAction action);
  // Returns false when the account was not held.
  bool Release(std::string_view account);
  std::optional<AlertAction> HeldAction(std::string_view account) const;
  std::size_t held_count() const { return held_.size(); }
  std::vector<std::string> HeldAccounts() const;
  RateDetectors& detectors() { return detectors_; }

  // The answer text for an action ("DUNNO" for kAlert).
  std::string ActionText(AlertAction action) const;

 private:
  struct Instance {
    EventTime time = 0;
    std::vector<std::string> recipients;
    bool counted = false;
  };
  Instance& Track(std::string_view instance, EventTime now);

  PolicyOptions policy_;
  RateDetectors detectors_;
  std::unordered_map<std::string, AlertAction> held_;
  std::unordered_map<std::string, Instance> instances_;
  std::deque<std::pair<EventTime, std::string>> instance_order_;
};

}  // namespace fbl
