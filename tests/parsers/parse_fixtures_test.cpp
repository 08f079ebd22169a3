// One small hand-written .eml per provider shape (tests/fixtures/parsers/), with its expected
// reading.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parsers/parse.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Report Parse(std::string_view fixture, std::vector<std::string> headers = {}) {
  ParseOptions options;
  options.extra_headers = std::move(headers);
  return ParseMessage(testing::ReadFixture(std::string("parsers/") + std::string(fixture)), options);
}

TEST(ParseFixtures, AolReportIsRedactedAbuseWithIdentifierHeader) {
  Report r = Parse("aol.eml", {"X-FBL-ID"});
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse);
  EXPECT_THAT(r.recipients, IsEmpty());
  EXPECT_TRUE(r.redacted);
  EXPECT_EQ(r.provider, "aol");
  EXPECT_EQ(r.reporter, "scomp@aol.net");
  EXPECT_EQ(r.source_ip, "192.0.2.10");
  EXPECT_EQ(r.arrival_date, "2026-11-28T14:58:00Z");  // Received-Date, EST
  EXPECT_THAT(r.reported_domains, ElementsAre("shop.example.com"));
  EXPECT_EQ(r.original.subject, "Soldes d\u2019hiver");  // RFC 2047 B-encoded UTF-8
  EXPECT_EQ(r.original.message_id, "news-42@shop.example.com");
  EXPECT_EQ(r.original.return_path, "bounce-42@shop.example.com");
  EXPECT_EQ(r.original.list_unsubscribe, "<mailto:unsub-42@shop.example.com>");
  EXPECT_THAT(r.original.dkim_domains, ElementsAre("shop.example.com"));
  ASSERT_EQ(r.original.headers.size(), 1u);
  EXPECT_EQ(r.original.headers[0].second, "c42.n7.abc123");
  ASSERT_EQ(r.outer_authentication_results.size(), 1u);
}

TEST(ParseFixtures, YahooCflCarriesEveryDkimDomainOfTheOriginal) {
  Report r = Parse("yahoo_cfl.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.provider, "yahoo");
  EXPECT_THAT(r.recipients, ElementsAre("Complainer@yahoo.com"));
  EXPECT_THAT(r.original_rcpt_to, ElementsAre("Complainer@YAHOO.COM"));
  EXPECT_EQ(r.original_mail_from, "bounce@deals.example.org");
  EXPECT_THAT(r.original.dkim_domains, ElementsAre("deals.example.org", "esp.example.net"));
  EXPECT_EQ(r.original.feedback_id, "77:campaign:esp");
  EXPECT_THAT(r.authentication_results, ::testing::SizeIs(1));
}

TEST(ParseFixtures, MicrosoftJmrpOldFormTakesTheHmXmrRecipient) {
  Report r = Parse("microsoft_jmrp_old.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse);
  EXPECT_EQ(r.provider, "microsoft");
  EXPECT_THAT(r.recipients, ElementsAre("Person@outlook.com"));
  EXPECT_EQ(r.source_ip, "198.51.100.7");
  EXPECT_EQ(r.original.message_id, "offer-1@sender.example.com");
}

TEST(ParseFixtures, MicrosoftSparseFormIsRedacted) {
  Report r = Parse("microsoft_sparse.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.provider, "microsoft");
  EXPECT_EQ(r.version, "1.0");
  EXPECT_THAT(r.recipients, IsEmpty());
  EXPECT_TRUE(r.redacted);
}

TEST(ParseFixtures, ValidityHashedAndEmptyRecipientsAreLeftOut) {
  Report r = Parse("validity_hashed.eml");
  EXPECT_EQ(r.provider, "validity");
  EXPECT_THAT(r.recipients, IsEmpty());
  EXPECT_TRUE(r.redacted);
  EXPECT_EQ(r.arrival_date, "2026-11-28T15:00:00Z");
}

TEST(ParseFixtures, SesJsonComplaintIsFeedback) {
  Report r = Parse("ses_complaint.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse);
  EXPECT_EQ(r.provider, "amazonses");
  EXPECT_THAT(r.recipients, ElementsAre("Angry@example.com"));
  EXPECT_EQ(r.original.subject, "Sale");
  EXPECT_EQ(r.arrival_date, "2026-11-28T09:59:00Z");
}

TEST(ParseFixtures, AppleUnsubscribeIsOptOutFromTheSender) {
  Report r = Parse("apple_optout.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.feedback_type, FeedbackType::kOptOut);
  EXPECT_EQ(r.provider, "apple");
  EXPECT_THAT(r.recipients, ElementsAre("someone@icloud.com"));
  EXPECT_EQ(r.original.to, "opt-out-123.abc@lists.example.org");
}

TEST(ParseFixtures, MailRuReportWithRfc822Headers) {
  Report r = Parse("mailru.eml", {"X-Mailru-Msgtype"});
  EXPECT_EQ(r.provider, "mailru");
  EXPECT_THAT(r.recipients, ElementsAre("user@mail.ru"));
  ASSERT_EQ(r.original.headers.size(), 1u);
  EXPECT_EQ(r.original.headers[0].second, "news42");
  EXPECT_EQ(r.arrival_date, "2026-11-28T09:00:00Z");
}

TEST(ParseFixtures, AuthFailureFieldsOfRfc6591AndSourcePortOfRfc6692) {
  Report r = Parse("auth_failure.eml");
  EXPECT_EQ(r.feedback_type, FeedbackType::kAuthFailure);
  EXPECT_EQ(r.auth_failure, "dkim");
  EXPECT_EQ(r.delivery_result, "reject");
  EXPECT_EQ(r.dkim_domain, "example.com");
  EXPECT_EQ(r.dkim_identity, "@example.com");
  EXPECT_EQ(r.dkim_selector, "s2026");
  EXPECT_EQ(r.identity_alignment, "dkim");
  EXPECT_EQ(r.spf_dns, "txt : example.com : \"v=spf1 -all\"");
  EXPECT_EQ(r.source_port, "46123");
  EXPECT_THAT(r.reported_uris, ElementsAre("http://phish.example/"));
  EXPECT_EQ(r.original_mail_from, "spoof@example.com");
}

TEST(ParseFixtures, NotSpamIsKeptAsNotSpam) {
  Report r = Parse("not_spam.eml");
  EXPECT_EQ(r.feedback_type, FeedbackType::kNotSpam);
  EXPECT_THAT(r.recipients, ElementsAre("happy@provider.example"));
}

TEST(ParseFixtures, FieldNamesAreCaseInsensitive) {
  Report r = Parse("source_ip_casing.eml");
  EXPECT_EQ(r.source_ip, "10.0.0.1");
  EXPECT_EQ(r.source_port, "2525");
  EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse);
  EXPECT_THAT(r.recipients, ElementsAre("reader@example.org"));
}

TEST(ParseFixtures, ReceivedDateIsTheOldArrivalDate) {
  Report r = Parse("received_date.eml");
  EXPECT_EQ(r.feedback_type, FeedbackType::kFraud);
  EXPECT_EQ(r.arrival_date, "2009-04-29T05:00:00Z");
}

TEST(ParseFixtures, MisspeltSingularRfc822HeaderPartIsRead) {
  Report r = Parse("rfc822_header_singular.eml");
  EXPECT_EQ(r.feedback_type, FeedbackType::kOptOut);
  EXPECT_THAT(r.recipients, ElementsAre("leaver@example.com"));
  EXPECT_EQ(r.original.message_id, "n-1@example.net");
}

TEST(ParseFixtures, Base64OriginalIsDecodedAndParsed) {
  Report r = Parse("base64_original.eml");
  EXPECT_EQ(r.original.subject, "Encoded original");
  EXPECT_EQ(r.original.message_id, "b64-1@sender.example.com");
  EXPECT_THAT(r.original.dkim_domains, ElementsAre("sender.example.com"));
}

TEST(ParseFixtures, TruncatedOriginalStillGivesItsHeaders) {
  Report r = Parse("truncated_original.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.original.message_id, "cut-1@sender.example.com");
  EXPECT_THAT(r.recipients, ElementsAre("cut@isp.example"));
}

TEST(ParseFixtures, HardBounceFromDeliveryStatus) {
  Report r = Parse("bounce_hard.eml");
  EXPECT_EQ(r.kind, ReportKind::kBounce);
  ASSERT_EQ(r.deliveries.size(), 1u);
  EXPECT_EQ(r.deliveries[0].recipient, "Gone@example.net");
  EXPECT_EQ(r.deliveries[0].action, "failed");
  EXPECT_EQ(r.deliveries[0].status, "5.1.1");
  EXPECT_EQ(r.deliveries[0].klass, BounceClass::kHard);
  EXPECT_NE(r.deliveries[0].diagnostic.find("User unknown in virtual mailbox table"), std::string::npos);
}

TEST(ParseFixtures, SoftBouncesForFullMailboxAndPolicy) {
  Report r = Parse("bounce_soft.eml");
  ASSERT_EQ(r.deliveries.size(), 2u);
  EXPECT_EQ(r.deliveries[0].action, "delayed");
  EXPECT_EQ(r.deliveries[0].klass, BounceClass::kSoft);
  EXPECT_EQ(r.deliveries[1].status, "5.7.1");
  EXPECT_EQ(r.deliveries[1].klass, BounceClass::kSoft);
}

TEST(ParseFixtures, QmailTextBounceNamesTheFailedRecipient) {
  Report r = Parse("bounce_qmail.eml");
  EXPECT_EQ(r.kind, ReportKind::kBounce);
  EXPECT_THAT(r.recipients, ElementsAre("nobody@example.ne.jp"));
  ASSERT_EQ(r.deliveries.size(), 1u);
  EXPECT_EQ(r.deliveries[0].klass, BounceClass::kHard);
}

TEST(ParseFixtures, DmarcAggregateGzipAndZip) {
  for (const char* f : {"dmarc_gz.eml", "dmarc_zip.eml"}) {
    Report r = Parse(f);
    EXPECT_EQ(r.kind, ReportKind::kDmarcAggregate) << f;
    EXPECT_THAT(r.reported_domains, ElementsAre("example.com")) << f;
  }
}

TEST(ParseFixtures, AutoReplyNamesTheAbsentPerson) {
  Report r = Parse("auto_reply.eml");
  EXPECT_EQ(r.kind, ReportKind::kAutoReply);
  EXPECT_THAT(r.recipients, ElementsAre("traveller@example.org"));
}

TEST(ParseFixtures, HumanForwardOfSpamIsFeedbackFromTheForwarder) {
  Report r = Parse("human_forward.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse);
  EXPECT_THAT(r.recipients, ElementsAre("annoyed@customer.example"));
  EXPECT_EQ(r.original.message_id, "spam-1@spammer.example");
}

TEST(ParseFixtures, OrdinaryMailIsUnknown) {
  Report r = Parse("junk.eml");
  EXPECT_EQ(r.kind, ReportKind::kUnknown);
  EXPECT_THAT(r.recipients, IsEmpty());
}

TEST(ParseFixtures, WhitespaceAfterBoundaryKeepsPartHeaders) {
  Report r = Parse("boundary_whitespace.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_THAT(r.recipients, ElementsAre("spaced@isp.example"));
  EXPECT_EQ(r.original.subject, "Spaced");
}

TEST(ParseFixtures, BoundaryMidLineDoesNotLoseTheFeedbackPart) {
  Report r = Parse("boundary_midline.eml");
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_THAT(r.recipients, ElementsAre("midline@isp.example"));
}

TEST(ParseFixtures, MissingBoundaryIsReadAsTextWithAWarning) {
  Report r = Parse("missing_boundary.eml");
  EXPECT_NE(r.kind, ReportKind::kFeedback);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("boundary"), std::string::npos);
}

TEST(ParseFixtures, MimeticLengthErrorShapeIsSurvived) {
  // mimetic's iterator path throws std::length_error (and leaks) on this shape; the guarded
  // istream path must not.
  Report r = Parse("mimetic_length_error.eml");
  EXPECT_TRUE(r.kind == ReportKind::kUnknown || r.kind == ReportKind::kMalformed);
}

}  // namespace
}  // namespace fbl
