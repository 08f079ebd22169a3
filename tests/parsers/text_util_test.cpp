#include "parsers/text_util.h"

#include <gtest/gtest.h>

#include "parsers/dsn.h"

namespace fbl {
namespace {

TEST(TextUtil, DatesBecomeRfc3339Utc) {
  EXPECT_EQ(text::DateToRfc3339("Thu, 29 Apr 2009 00:00:00 -0000 (EST)"), "2009-04-29T00:00:00Z");
  EXPECT_EQ(text::DateToRfc3339("Thu, 29 Apr 2013 23:45:50 PST"), "2013-04-30T07:45:50Z");
  EXPECT_EQ(text::DateToRfc3339("29 Apr 2015 23:34:45 +0900"), "2015-04-29T14:34:45Z");
  EXPECT_EQ(text::DateToRfc3339("Sat, 31 Oct 20 18:02:57 GMT"), "2020-10-31T18:02:57Z");
  EXPECT_EQ(text::DateToRfc3339("2020-10-31T18:02:57.123Z"), "2020-10-31T18:02:57Z");
  EXPECT_EQ(text::DateToRfc3339("2020-10-31T20:02:57+02:00"), "2020-10-31T18:02:57Z");
  EXPECT_EQ(text::DateToRfc3339("yesterday"), "");
  EXPECT_EQ(text::DateToRfc3339(""), "");
}

TEST(TextUtil, EncodedWordsAreDecodedToUtf8) {
  EXPECT_EQ(text::DecodeEncodedWords("=?UTF-8?B?w6l0w6k=?="), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(text::DecodeEncodedWords("=?ISO-8859-1?Q?caf=E9_cr=E8me?="), "caf\xc3\xa9 cr\xc3\xa8me");
  EXPECT_EQ(text::DecodeEncodedWords("=?utf-8?q?a?= =?utf-8?q?b?= c"), "ab c");
  EXPECT_EQ(text::DecodeEncodedWords("plain =?broken"), "plain =?broken");
}

TEST(TextUtil, RecipientsAreNormalisedWithLowercaseDomain) {
  EXPECT_EQ(text::NormalizeRecipient("rfc822; User@Example.COM"), "User@example.com");
  EXPECT_EQ(text::NormalizeRecipient("\"Name\" <a@B.org>"), "a@b.org");
  EXPECT_EQ(text::NormalizeRecipient("@mx.example.org"), "");
  EXPECT_EQ(text::NormalizeRecipient("nobody"), "");
}

TEST(TextUtil, PlaceholdersAreRecognised) {
  for (const char* p : {"redacted@example.net", "hashed@comcast.net", "anonymous@outlook.com",
                        "undisclosed-recipients@x.org", "@example.com", "user@", ""}) {
    EXPECT_TRUE(text::IsPlaceholderRecipient(p)) << p;
  }
  EXPECT_FALSE(text::IsPlaceholderRecipient("reader@example.org"));
}

TEST(TextUtil, AddressesFoundInFreeText) {
  EXPECT_EQ(text::FindAddresses("<a@b.example>: 550 unknown a@b.example, c@d.example."),
            (std::vector<std::string>{"a@b.example", "c@d.example"}));
}

TEST(TextUtil, Base64AndQuotedPrintable) {
  EXPECT_EQ(text::DecodeBase64("aGVs\nbG8="), "hello");
  EXPECT_EQ(text::DecodeQuotedPrintable("a=3Db=\nc"), "a=bc");
}

TEST(TextUtil, InvalidUtf8IsReplaced) {
  EXPECT_EQ(text::SanitizeUtf8("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(text::SanitizeUtf8("\xc3\xa9"), "\xc3\xa9");
}

TEST(BounceClass, StatusAndDiagnosticDecideHardOrSoft) {
  EXPECT_EQ(ClassifyBounce("5.1.1", ""), BounceClass::kHard);
  EXPECT_EQ(ClassifyBounce("5.0.0", "550 User unknown"), BounceClass::kHard);
  EXPECT_EQ(ClassifyBounce("5.2.2", "mailbox full"), BounceClass::kSoft);
  EXPECT_EQ(ClassifyBounce("4.4.7", "expired"), BounceClass::kSoft);
  EXPECT_EQ(ClassifyBounce("5.7.1", "spam"), BounceClass::kSoft);
  EXPECT_EQ(ClassifyBounce("", ""), BounceClass::kUnknown);
}

TEST(BounceClass, StatusCodesAreFoundInText) {
  EXPECT_EQ(FindStatus("said: 550 5.1.1 <a@b>"), "5.1.1");
  EXPECT_EQ(FindStatus("said: 550 Unknown user"), "5.0.0");
  EXPECT_EQ(FindStatus("host 192.0.2.1 version 7.5.7601"), "");
}

}  // namespace
}  // namespace fbl

namespace fbl {
namespace {

TEST(DeliveryStatus, RecipientGroupsWithoutBlankLinesAreSplit) {
  Report r;
  ParseDeliveryStatus(
      "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; a@example.jp\nAction: failed\nStatus: 5.2.2\n"
      "Final-Recipient: rfc822; b@example.jp\nAction: failed\nStatus: 5.1.1\n",
      100, 1000, &r);
  ASSERT_EQ(r.deliveries.size(), 2u);
  EXPECT_EQ(r.deliveries[0].status, "5.2.2");
  EXPECT_EQ(r.deliveries[1].recipient, "b@example.jp");
  EXPECT_EQ(r.deliveries[1].klass, BounceClass::kHard);
}

}  // namespace
}  // namespace fbl
