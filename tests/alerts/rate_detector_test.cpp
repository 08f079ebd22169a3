#include "alerts/rate_detector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fbl {
namespace {

// Monday 2026-11-23 00:00:00 UTC.
constexpr EventTime kMonday = 1795392000;
constexpr EventTime kHour = 3600;
constexpr EventTime kDay = 86400;

OutboundMessage Msg(EventTime t, const std::string& account, const std::string& ip = "192.0.2.1",
                    std::vector<std::string> recipients = {}) {
  OutboundMessage m;
  m.time = t;
  m.account = account;
  m.client_ip = ip;
  m.recipients = std::move(recipients);
  return m;
}

// Sends `n` messages spaced `gap` seconds from `start`; returns every alert.
std::vector<Alert> Send(RateDetectors& d, const std::string& account, EventTime start, int n,
                        EventTime gap, int* first_alert_at = nullptr) {
  std::vector<Alert> all;
  for (int i = 0; i < n; ++i) {
    auto a = d.OnMessage(Msg(start + i * gap, account));
    if (!a.empty() && first_alert_at && *first_alert_at == 0) *first_alert_at = i + 1;
    all.insert(all.end(), a.begin(), a.end());
  }
  return all;
}

// An office worker: `per_day` messages between 09:00 and 17:00 on weekdays, for `days` days.
void LearnOfficeHours(RateDetectors& d, const std::string& account, int days, int per_day) {
  for (int day = 0; day < days; ++day) {
    EventTime start = kMonday + day * kDay + 9 * kHour;
    for (int i = 0; i < per_day; ++i) {
      auto a = d.OnMessage(Msg(start + i * (8 * kHour / per_day), account));
      ASSERT_TRUE(a.empty()) << a[0].reason;
    }
  }
}

TEST(RateDetectorTest, NeverSeenAccountIsCheckedAgainstColdStartCaps) {
  RateDetectors d(DetectorOptions{});
  int first = 0;
  auto alerts = Send(d, "new@example.com", kMonday + 10 * kHour, 40, 1, &first);
  EXPECT_EQ(first, 31);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].detector, "cold_start");
  EXPECT_EQ(alerts[0].window, "1m");
  EXPECT_EQ(alerts[0].window_count, 31);
  EXPECT_EQ(alerts[0].threshold, 30);
}

// Found by fuzz_maillog: a time before 1970 made the window index negative, and the detector
// wrote outside its ring of buckets. Times before the epoch now behave like any other: a burst
// shifted back by whole weeks alerts exactly as the same burst today.
TEST(RateDetectorTest, TimesBeforeTheEpochBehaveLikeAnyOtherTime) {
  constexpr EventTime kWeeks3000 = 3000 * 7 * kDay;
  static_assert(kMonday - kWeeks3000 < 0);
  for (EventTime shift : {EventTime{0}, kWeeks3000}) {
    RateDetectors d(DetectorOptions{});
    int first = 0;
    auto alerts = Send(d, "new@example.com", kMonday + 10 * kHour - shift, 400, 1, &first);
    EXPECT_EQ(first, 31) << "shift " << shift;
    ASSERT_FALSE(alerts.empty());
    EXPECT_EQ(alerts[0].detector, "cold_start");
    EXPECT_EQ(alerts[0].window_count, 31);
  }
}

TEST(RateDetectorTest, BurstFromLearnedAccountFiresAtTheMinuteFloor) {
  RateDetectors d(DetectorOptions{});
  LearnOfficeHours(d, "u@example.com", 3, 5);
  int first = 0;
  auto alerts = Send(d, "u@example.com", kMonday + 3 * kDay + 11 * kHour, 50, 1, &first);
  EXPECT_EQ(first, 13);
  EXPECT_EQ(alerts.at(0).detector, "rate_1m");
  EXPECT_NE(alerts[0].reason.find("13 messages in 1m"), std::string::npos) << alerts[0].reason;
}

TEST(RateDetectorTest, TrickleFromQuietAccountIsCaughtWithinTheTenMinuteWindow) {
  RateDetectors d(DetectorOptions{});
  LearnOfficeHours(d, "quiet@example.com", 3, 5);
  int first = 0;
  auto alerts = Send(d, "quiet@example.com", kMonday + 3 * kDay + 10 * kHour, 200, 18, &first);
  EXPECT_EQ(first, 26);
  EXPECT_EQ(alerts.at(0).detector, "rate_10m");
}

TEST(RateDetectorTest, NightActivityOutsideUsualHoursAlerts) {
  RateDetectors d(DetectorOptions{});
  LearnOfficeHours(d, "day@example.com", 3, 8);
  int first = 0;
  auto alerts = Send(d, "day@example.com", kMonday + 3 * kDay + 2 * kHour, 40, 90, &first);
  EXPECT_EQ(first, 11);
  EXPECT_EQ(alerts.at(0).detector, "off_hours");
}

TEST(RateDetectorTest, ManyClientIpsInAnHourAlert) {
  RateDetectors d(DetectorOptions{});
  LearnOfficeHours(d, "pw@example.com", 3, 5);
  std::vector<Alert> alerts;
  int first = 0;
  for (int i = 0; i < 10 && first == 0; ++i) {
    alerts = d.OnMessage(Msg(kMonday + 3 * kDay + 10 * kHour + i * 60, "pw@example.com",
                             "198.51.100." + std::to_string(i)));
    if (!alerts.empty()) first = i + 1;
  }
  EXPECT_EQ(first, 7);
  EXPECT_EQ(alerts.at(0).detector, "client_ips");
  EXPECT_EQ(alerts[0].window_count, 7);
}

TEST(RateDetectorTest, BulkSenderHasItsOwnLimitsOnly) {
  DetectorOptions o;
  o.bulk_senders.push_back(BulkSenderOptions{"Spooler@Provider.example", {2000, 0, 0, 0}});
  RateDetectors d(o);
  auto quiet = Send(d, "spooler@provider.example", kMonday + 3 * kHour, 1000, 0);
  EXPECT_TRUE(quiet.empty());
  int first = 0;
  auto loud = Send(d, "spooler@provider.example", kMonday + 3 * kHour + 5, 1500, 0, &first);
  EXPECT_EQ(first, 1001);
  EXPECT_EQ(loud.at(0).detector, "bulk_limit");
}

TEST(RateDetectorTest, BusyAccountLearnsItsOwnBaseline) {
  RateDetectors d(DetectorOptions{});
  // A help desk: 40 messages an hour, 08:00-18:00, for three days.
  for (int day = 0; day < 3; ++day) {
    auto a = Send(d, "help@example.com", kMonday + day * kDay + 8 * kHour, 400, 90);
    ASSERT_TRUE(a.empty()) << a[0].reason;
  }
  auto busy = Send(d, "help@example.com", kMonday + 3 * kDay + 8 * kHour, 60, 60);
  EXPECT_TRUE(busy.empty());
  // The same hour is too much for an account that learned 5 a day.
  LearnOfficeHours(d, "calm@example.com", 3, 5);
  auto calm = Send(d, "calm@example.com", kMonday + 3 * kDay + 8 * kHour, 60, 60);
  EXPECT_FALSE(calm.empty());
}

TEST(RateDetectorTest, NewRecipientsAcrossManyDomainsAlert) {
  RateDetectors d(DetectorOptions{});
  for (int day = 0; day < 3; ++day) {
    for (int i = 0; i < 5; ++i) {
      auto a = d.OnMessage(Msg(kMonday + day * kDay + 9 * kHour + i * 600, "c@example.com", "192.0.2.1",
                               {"friend" + std::to_string(i) + "@example.org"}));
      ASSERT_TRUE(a.empty());
    }
  }
  int first = 0;
  std::vector<Alert> alerts;
  for (int i = 0; i < 40 && first == 0; ++i) {
    alerts = d.OnMessage(Msg(kMonday + 3 * kDay + 10 * kHour + i * 150, "c@example.com", "192.0.2.1",
                             {"x" + std::to_string(i) + "@d" + std::to_string(i % 9) + ".example"}));
    if (!alerts.empty()) first = i + 1;
  }
  EXPECT_EQ(first, 20);
  EXPECT_EQ(alerts.at(0).detector, "new_recipients");
}

TEST(RateDetectorTest, BounceRatioFromTheMaillogAlerts) {
  RateDetectors d(DetectorOptions{});
  std::vector<Alert> alerts;
  int n = 0;
  for (; n < 30 && alerts.empty(); ++n) {
    alerts = d.OnDeliveryOutcome(kMonday + n * 60, "b@example.com", n % 3 == 0);
  }
  EXPECT_EQ(n, 22);  // the 8th bounce: 8 of 22 = 36%
  EXPECT_EQ(alerts.at(0).detector, "bounce_ratio");
}

TEST(RateDetectorTest, ADetectorStaysQuietDuringItsRealertPeriod) {
  RateDetectors d(DetectorOptions{});
  auto alerts = Send(d, "new@example.com", kMonday, 200, 0);
  int cold = 0;
  for (const auto& a : alerts) cold += a.detector == "cold_start";
  EXPECT_EQ(cold, 1);
}

TEST(RateDetectorTest, StateRoundTripKeepsWhatWasLearned) {
  RateDetectors a(DetectorOptions{});
  LearnOfficeHours(a, "u@example.com", 3, 5);
  std::string blob = a.SerializeAccount("U@example.com");
  ASSERT_FALSE(blob.empty());
  RateDetectors b(DetectorOptions{});
  ASSERT_TRUE(b.RestoreAccount("u@example.com", blob).ok());
  EXPECT_EQ(b.SerializeAccount("u@example.com"), blob);
  int first_a = 0, first_b = 0;
  Send(a, "u@example.com", kMonday + 3 * kDay + 11 * kHour, 20, 1, &first_a);
  Send(b, "u@example.com", kMonday + 3 * kDay + 11 * kHour, 20, 1, &first_b);
  EXPECT_EQ(first_a, 13);
  EXPECT_EQ(first_b, 13);
}

TEST(RateDetectorTest, TruncatedOrForeignBlobIsMalformed) {
  RateDetectors a(DetectorOptions{});
  Send(a, "u@example.com", kMonday, 3, 10);
  std::string blob = a.SerializeAccount("u@example.com");
  RateDetectors b(DetectorOptions{});
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, blob.size() / 2, blob.size() - 1}) {
    Status s = b.RestoreAccount("u@example.com", blob.substr(0, cut));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kMalformed);
  }
  EXPECT_FALSE(b.RestoreAccount("u@example.com", blob + "x").ok());
}

TEST(RateDetectorTest, DirtyAccountsAreReportedOnce) {
  RateDetectors d(DetectorOptions{});
  Send(d, "a@example.com", kMonday, 2, 1);
  Send(d, "b@example.com", kMonday, 1, 1);
  EXPECT_EQ(d.TakeDirtyAccounts(), (std::vector<std::string>{"a@example.com", "b@example.com"}));
  EXPECT_TRUE(d.TakeDirtyAccounts().empty());
}

}  // namespace
}  // namespace fbl
