#include "alerts/log_replay.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace fbl {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(LogReplayTest, FixtureLogInBothStampFormatsGivesExactlyTheExpectedAlerts) {
  LogReplay replay(DetectorOptions{}, 2026);
  std::vector<Alert> alerts;
  for (const auto& line : Lines(testing::ReadFixture("maillog/backtest.log"))) {
    replay.FeedLine(line, &alerts);
  }
  std::vector<std::string> got;
  for (const auto& a : alerts) got.push_back(AlertToJson(a));
  EXPECT_EQ(got, Lines(testing::ReadFixture("maillog/backtest.expected.jsonl")));
  EXPECT_EQ(replay.stats().messages, 55);
  EXPECT_EQ(replay.stats().outcomes, 55);
  EXPECT_EQ(replay.stats().unparsed, 11);  // the dovecot lines
}

TEST(LogReplayTest, HoldPolicyMarksTheAccountHeld) {
  DetectorOptions o;
  o.action = AlertAction::kHold;
  LogReplay replay(o, 2026);
  std::vector<Alert> alerts;
  for (const auto& line : Lines(testing::ReadFixture("maillog/backtest.log"))) {
    replay.FeedLine(line, &alerts);
  }
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].action, AlertAction::kHold);
  EXPECT_EQ(replay.held().size(), 2u);
  EXPECT_TRUE(replay.held().count("burst@example.com"));
}

TEST(LogReplayTest, Rfc3339FormattingOfUnixTime) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1795892400), "2026-11-28T19:00:00Z");
  EXPECT_EQ(FormatRfc3339(951782400), "2000-02-29T00:00:00Z");
}

TEST(MaillogTrackerTest, MessageIsCompletedWhenEveryRecipientHasAFinalStatus) {
  MaillogTracker t;
  std::vector<MaillogEvent> ev;
  const char* lines[] = {
      "Nov 28 19:00:00 mx postfix/smtpd[1]: ABCDE12345: client=h[192.0.2.1], sasl_method=PLAIN, "
      "sasl_username=u@example.com",
      "Nov 28 19:00:00 mx postfix/cleanup[2]: ABCDE12345: message-id=<m1@example.com>",
      "Nov 28 19:00:00 mx postfix/qmgr[3]: ABCDE12345: from=<u@example.com>, size=10, nrcpt=2 (queue active)",
      "Nov 28 19:00:01 mx postfix/smtp[4]: ABCDE12345: to=<a@x.example>, relay=r, dsn=4.4.1, status=deferred (x)",
      "Nov 28 19:00:02 mx postfix/smtp[4]: ABCDE12345: to=<b@y.example>, relay=r, dsn=2.0.0, status=sent (ok)",
      "Nov 28 19:30:02 mx postfix/smtp[4]: ABCDE12345: to=<a@x.example>, relay=r, dsn=5.1.1, status=bounced (x)",
  };
  for (const char* l : lines) t.Feed(*ParsePostfixLogLine(l, 2026), &ev);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, MaillogEvent::Kind::kQueued);
  EXPECT_EQ(ev[0].account, "u@example.com");
  EXPECT_EQ(ev[0].message_id, "m1@example.com");
  EXPECT_EQ(ev[1].kind, MaillogEvent::Kind::kOutcome);
  EXPECT_FALSE(ev[1].bounced);
  EXPECT_TRUE(ev[2].bounced);
  EXPECT_EQ(ev[3].kind, MaillogEvent::Kind::kCompleted);
  EXPECT_EQ(ev[3].recipients, (std::vector<std::string>{"a@x.example", "b@y.example"}));
  EXPECT_EQ(t.pending(), 0u);
}

}  // namespace
}  // namespace fbl
