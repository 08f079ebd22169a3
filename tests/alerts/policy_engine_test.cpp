#include "alerts/policy_engine.h"

#include <gtest/gtest.h>

#include <string>

namespace fbl {
namespace {

constexpr EventTime kNow = 1795392000 + 10 * 3600;  // a Monday, 10:00 UTC

PolicyRequest Request(const std::string& state, const std::string& user, const std::string& instance,
                      const std::string& recipient = "rcpt@example.net", int count = 1) {
  PolicyRequest r;
  r.attributes = {{"request", "smtpd_access_policy"},
                  {"protocol_state", state},
                  {"client_address", "192.0.2.9"},
                  {"instance", instance},
                  {"recipient", recipient},
                  {"recipient_count", std::to_string(count)},
                  {"sasl_username", user}};
  return r;
}

AlertsOptions HoldOptions() {
  AlertsOptions o;
  o.detectors.action = AlertAction::kHold;
  return o;
}

// Sends n messages (RCPT then END-OF-MESSAGE) one second apart; returns the last decision.
PolicyDecision SendMessages(PolicyEngine& e, const std::string& user, int n, int* first_held = nullptr,
                            EventTime start = kNow) {
  PolicyDecision d;
  for (int i = 0; i < n; ++i) {
    std::string inst = user + std::to_string(i);
    e.Decide(Request("RCPT", user, inst), start + i);
    d = e.Decide(Request("END-OF-MESSAGE", user, inst), start + i);
    if (d.newly_held && first_held) *first_held = i + 1;
  }
  return d;
}

TEST(PolicyEngineTest, RequestWithoutSaslUsernameIsDunno) {
  PolicyEngine e(HoldOptions());
  EXPECT_EQ(e.Decide(Request("END-OF-MESSAGE", "", "i1"), kNow).action_text, "DUNNO");
}

TEST(PolicyEngineTest, BurstHoldsTheAccountAndEveryLaterRequestIsHeld) {
  PolicyEngine e(HoldOptions());
  int first = 0;
  PolicyDecision last = SendMessages(e, "bad@example.com", 40, &first);
  EXPECT_EQ(first, 31);
  EXPECT_EQ(last.action_text, "HOLD fbl: account held for outbound-rate review");
  // An hour later, at RCPT stage: still held.
  EXPECT_EQ(e.Decide(Request("RCPT", "BAD@example.com", "later"), kNow + 7200).action_text.substr(0, 4),
            "HOLD");
  EXPECT_EQ(e.held_count(), 1u);
  // Other accounts are unaffected.
  EXPECT_EQ(e.Decide(Request("END-OF-MESSAGE", "good@example.com", "g1"), kNow).action_text, "DUNNO");
}

TEST(PolicyEngineTest, ReleasedAccountIsAnsweredDunnoAgain) {
  PolicyEngine e(HoldOptions());
  SendMessages(e, "bad@example.com", 40);
  EXPECT_TRUE(e.Release("bad@example.com"));
  EXPECT_FALSE(e.Release("bad@example.com"));
  EXPECT_EQ(e.Decide(Request("RCPT", "bad@example.com", "x"), kNow + 100000).action_text, "DUNNO");
}

TEST(PolicyEngineTest, AlertOnlyPolicyRecordsAlertsButAnswersDunno) {
  PolicyEngine e(AlertsOptions{});
  int alerts = 0;
  for (int i = 0; i < 40; ++i) {
    auto d = e.Decide(Request("END-OF-MESSAGE", "bad@example.com", std::to_string(i)), kNow);
    alerts += static_cast<int>(d.alerts.size());
    EXPECT_EQ(d.action_text, "DUNNO");
  }
  EXPECT_EQ(alerts, 1);
  EXPECT_EQ(e.held_count(), 0u);
}

TEST(PolicyEngineTest, DeferAndRejectPoliciesAnswerWithTheirAction) {
  AlertsOptions o;
  o.detectors.action = AlertAction::kDeferIfPermit;
  PolicyEngine defer(o);
  EXPECT_EQ(SendMessages(defer, "u@example.com", 35).action_text.substr(0, 16), "DEFER_IF_PERMIT ");
  o.detectors.action = AlertAction::kReject;
  PolicyEngine reject(o);
  EXPECT_EQ(SendMessages(reject, "u@example.com", 35).action_text.substr(0, 11), "REJECT 5.7.");
}

TEST(PolicyEngineTest, MessageIsCountedOnceAtDataAndEndOfMessage) {
  PolicyEngine e(HoldOptions());
  for (int i = 0; i < 30; ++i) {
    std::string inst = "m" + std::to_string(i);
    e.Decide(Request("DATA", "u@example.com", inst), kNow);
    auto d = e.Decide(Request("END-OF-MESSAGE", "u@example.com", inst), kNow);
    EXPECT_EQ(d.action_text, "DUNNO") << i;  // 30 messages: at the cap, not over it
  }
}

TEST(PolicyEngineTest, RcptStageAloneDoesNotCountMessages) {
  PolicyEngine e(HoldOptions());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(e.Decide(Request("RCPT", "u@example.com", "one-message"), kNow).action_text, "DUNNO");
  }
}

TEST(PolicyEngineTest, HoldLoadedFromTheStoreAppliesAtOnce) {
  PolicyEngine e(AlertsOptions{});
  e.Hold("held@example.com", AlertAction::kHold);
  EXPECT_EQ(e.Decide(Request("RCPT", "held@example.com", "i"), kNow).action_text.substr(0, 5), "HOLD ");
}

}  // namespace
}  // namespace fbl
