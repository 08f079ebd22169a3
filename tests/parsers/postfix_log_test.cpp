#include "parsers/postfix_log.h"

#include <gtest/gtest.h>

#include <string>

namespace fbl {
namespace {

constexpr std::int64_t kNov28_2026 = 1795824000;  // 2026-11-28T00:00:00Z

TEST(PostfixLogTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2026, 11, 28) * 86400, kNov28_2026);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
}

TEST(PostfixLogTest, ClassicSmtpdLineGivesClientAndSaslUsername) {
  auto r = ParsePostfixLogLine(
      "Nov 28 19:00:05 mx1 postfix/submission/smtpd[123]: 4ABC123DEF: client=pc1.example.net"
      "[192.0.2.7], sasl_method=PLAIN, sasl_username=alice@example.com",
      2026);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, PostfixRecordKind::kSmtpdClient);
  EXPECT_EQ(r->time, kNov28_2026 + 19 * 3600 + 5);
  EXPECT_EQ(r->host, "mx1");
  EXPECT_EQ(r->program, "postfix/submission/smtpd");
  EXPECT_EQ(r->process, "smtpd");
  EXPECT_EQ(r->queue_id, "4ABC123DEF");
  EXPECT_EQ(r->client_name, "pc1.example.net");
  EXPECT_EQ(r->client_ip, "192.0.2.7");
  EXPECT_EQ(r->sasl_method, "PLAIN");
  EXPECT_EQ(r->sasl_username, "alice@example.com");
}

TEST(PostfixLogTest, ClientWithoutSaslHasEmptyUsername) {
  auto r = ParsePostfixLogLine(
      "Nov  3 01:02:03 mx1 postfix/smtpd[9]: 1A2B3C4D5E: client=unknown[2001:db8::1]", 2026);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time, DaysFromCivil(2026, 11, 3) * 86400 + 3723);
  EXPECT_EQ(r->client_ip, "2001:db8::1");
  EXPECT_EQ(r->sasl_username, "");
}

TEST(PostfixLogTest, Rfc3339StampWithOffsetIsConvertedToUtc) {
  auto r = ParsePostfixLogLine(
      "2026-11-28T21:00:00.123456+02:00 mx1 postfix/cleanup[77]: 4ABC123DEF: "
      "message-id=<abc.123@example.com>",
      1999);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->time, kNov28_2026 + 19 * 3600);
  EXPECT_EQ(r->time_micros, 123456);
  EXPECT_EQ(r->kind, PostfixRecordKind::kMessageId);
  EXPECT_EQ(r->message_id, "abc.123@example.com");
}

TEST(PostfixLogTest, QmgrFromGivesSizeAndRecipientCount) {
  auto r = ParsePostfixLogLine(
      "2026-11-28T19:00:00Z mx1 postfix/qmgr[5]: 4ABC123DEF: from=<alice@example.com>, "
      "size=2345, nrcpt=3 (queue active)",
      2026);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, PostfixRecordKind::kQmgrFrom);
  EXPECT_EQ(r->from, "alice@example.com");
  EXPECT_EQ(r->size, 2345);
  EXPECT_EQ(r->nrcpt, 3);
}

TEST(PostfixLogTest, BouncedDeliveryGivesRecipientDsnAndStatus) {
  auto r = ParsePostfixLogLine(
      "Nov 28 19:00:09 mx1 postfix/smtp[8]: 4ABC123DEF: to=<bob@example.net>, "
      "orig_to=<Bob@example.net>, relay=mx.example.net[198.51.100.2]:25, delay=1.2, "
      "delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user, "
      "sorry)",
      2026);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, PostfixRecordKind::kDelivery);
  EXPECT_EQ(r->to, "bob@example.net");
  EXPECT_EQ(r->orig_to, "Bob@example.net");
  EXPECT_EQ(r->relay, "mx.example.net[198.51.100.2]:25");
  EXPECT_EQ(r->dsn, "5.1.1");
  EXPECT_EQ(r->status, DeliveryStatus::kBounced);
}

TEST(PostfixLogTest, AddressWithCommaSpaceStaysWhole) {
  auto r = ParsePostfixLogLine(
      "Nov 28 19:00:09 mx1 postfix/lmtp[8]: 4ABC123DEF: to=<\"a, b\"@example.net>, "
      "relay=local, dsn=2.0.0, status=sent (ok)",
      2026);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->to, "\"a, b\"@example.net");
  EXPECT_EQ(r->status, DeliveryStatus::kSent);
}

TEST(PostfixLogTest, RemovedAndLongQueueIdsAreRecognised) {
  auto r = ParsePostfixLogLine("Nov 28 19:00:10 mx1 postfix/qmgr[5]: 4Ph3Rt0Xz7z9vZk: removed",
                               2026);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, PostfixRecordKind::kRemoved);
  EXPECT_EQ(r->queue_id, "4Ph3Rt0Xz7z9vZk");
}

TEST(PostfixLogTest, WarningsAndNoqueueAreOtherPostfixLines) {
  auto w = ParsePostfixLogLine("Nov 28 19:00:10 mx1 postfix/smtpd[5]: warning: hostname x", 2026);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->kind, PostfixRecordKind::kOther);
  EXPECT_EQ(w->queue_id, "");
  auto n = ParsePostfixLogLine(
      "Nov 28 19:00:10 mx1 postfix/smtpd[5]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554", 2026);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->queue_id, "");
}

TEST(PostfixLogTest, NonPostfixAndGarbageLinesAreMalformed) {
  EXPECT_FALSE(ParsePostfixLogLine("Nov 28 19:00:10 mx1 dovecot: imap-login: Login", 2026).ok());
  EXPECT_FALSE(ParsePostfixLogLine("", 2026).ok());
  EXPECT_FALSE(ParsePostfixLogLine("Foo 28 19:00:10 mx1 postfix/smtpd[1]: x", 2026).ok());
  EXPECT_FALSE(ParsePostfixLogLine("Nov 28 25:00:10 mx1 postfix/smtpd[1]: x", 2026).ok());
  EXPECT_FALSE(ParsePostfixLogLine("2026-11-28T19:00:00 mx1 postfix/smtpd[1]: x", 2026).ok());
}

TEST(PostfixLogTest, OverlongLineIsRejectedWithLimitExceeded) {
  std::string line = "Nov 28 19:00:10 mx1 postfix/smtpd[1]: " + std::string(20000, 'x');
  auto r = ParsePostfixLogLine(line, 2026);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
}

TEST(PostfixLogTest, EveryPrefixOfALineParsesWithoutCrashing) {
  std::string line =
      "2026-11-28T19:00:00.5+00:00 mx1 postfix/smtp[8]: 4ABC123DEF: to=<bob@example.net>, "
      "relay=mx[1.2.3.4]:25, dsn=5.1.1, status=bounced (x)";
  for (std::size_t i = 0; i <= line.size(); ++i) {
    auto r = ParsePostfixLogLine(std::string_view(line).substr(0, i), 2026);
    (void)r;
  }
  SUCCEED();
}

}  // namespace
}  // namespace fbl
