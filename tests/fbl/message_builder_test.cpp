#include "fbl/notify/message_builder.h"

#include <gtest/gtest.h>

#include "fbl/notify/mime_text.h"
#include "tests/testing/smtp_sink.h"

namespace fbl::notify {
namespace {

using fbl::testing::DecodeEncodedWords;
using fbl::testing::MailView;

Notice SampleNotice() {
  Notice n;
  n.kind = "complaint";
  n.client_id = "acme";
  n.provider = "yahoo";
  n.feedback_type = "abuse";
  n.arrival_date = "2026-11-28T18:59:00Z";
  n.reporter = "feedback@yahoo.com";
  n.recipients = {"alice@example.net"};
  n.suppressed = {"alice@example.net"};
  n.original.subject = "Winter sale: 20% off";
  n.original.date = "Fri, 27 Nov 2026 10:00:00 +0000";
  n.original.message_id = "abc.123@mail.acme.example";
  n.original.list_id = "<news.acme.example>";
  n.original.from = "news@acme.example";
  return n;
}

Envelope SampleEnvelope() {
  return Envelope{"postmaster@hoster.example", "ops@acme.example", "ACME Ltd",
                  "outbox-42@hoster.example", 1795900000};
}

// Structure every notification must have whatever the input: CRLF lines of at most 998
// octets, 7-bit, one of each required header, multipart/alternative with text and HTML.
MailView ExpectWellFormed(const std::string& raw) {
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    EXPECT_LT(c, 0x80) << "8-bit byte at " << i;
    if (c == '\r') {
      EXPECT_TRUE(i + 1 < raw.size() && raw[i + 1] == '\n') << "bare CR at " << i;
    }
    if (c == '\n') {
      EXPECT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
      EXPECT_LE(i - line_start - 1, 998u) << "long line at " << i;
      line_start = i + 1;
    }
  }
  MailView view;
  std::string error;
  EXPECT_TRUE(fbl::testing::ParseMail(raw, &view, &error)) << error;
  for (const char* name : {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                           "MIME-Version", "Content-Type"}) {
    EXPECT_EQ(view.Count(name), 1) << name;
  }
  EXPECT_EQ(view.headers.size(), 9u) << "no header may be added by a report";
  EXPECT_EQ(view.Header("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(view.part_types, (std::vector<std::string>{"text/plain", "text/html"}));
  EXPECT_EQ(view.html.rfind("<!DOCTYPE html>\r\n<html", 0), 0u);
  EXPECT_NE(view.html.find("</html>"), std::string::npos);
  return view;
}

std::string Build(const Notice& n) {
  Result<std::string> m = BuildNoticeMessage(n, SampleEnvelope());
  EXPECT_TRUE(m.ok()) << m.error().ToString();
  return m.ok() ? m.value() : std::string();
}

TEST(MessageBuilderTest, ComplaintNoticeCarriesHeadersAndBothParts) {
  MailView view = ExpectWellFormed(Build(SampleNotice()));
  EXPECT_EQ(view.Header("From"), "postmaster@hoster.example");
  EXPECT_EQ(view.Header("To"), "ops@acme.example");
  EXPECT_EQ(view.Header("Message-ID"), "<outbox-42@hoster.example>");
  EXPECT_EQ(view.Header("Date"), "Sat, 28 Nov 2026 21:06:40 +0000");
  EXPECT_EQ(DecodeEncodedWords(view.Header("Subject")),
            "Spam complaint from yahoo about \"Winter sale: 20% off\"");
  for (const std::string* part : {&view.text, &view.html}) {
    EXPECT_NE(part->find("yahoo"), std::string::npos);
    EXPECT_NE(part->find("2026-11-28T18:59:00Z"), std::string::npos);
    EXPECT_NE(part->find("Winter sale: 20% off"), std::string::npos);
    EXPECT_NE(part->find("abc.123@mail.acme.example"), std::string::npos);
    EXPECT_NE(part->find("news.acme.example"), std::string::npos);
    EXPECT_NE(part->find("suppression list"), std::string::npos);
    EXPECT_NE(part->find("unsubscribe"), std::string::npos);
  }
}

TEST(MessageBuilderTest, ResendIsByteIdentical) {
  EXPECT_EQ(Build(SampleNotice()), Build(SampleNotice()));
}

TEST(MessageBuilderTest, CrLfInEveryReportFieldAddsNoHeader) {
  Notice n = SampleNotice();
  const std::string evil = "x\r\nBcc: victim@example.org\r\n\r\n--=_fbl_\r\nContent-Type: text/html";
  n.provider = n.feedback_type = n.arrival_date = n.reporter = evil;
  n.original.subject = n.original.date = n.original.message_id = evil;
  n.original.list_id = n.original.from = evil;
  n.recipients = n.suppressed = {evil};
  std::string raw = Build(n);
  MailView view = ExpectWellFormed(raw);
  EXPECT_EQ(view.Count("Bcc"), 0);
  EXPECT_EQ(raw.find("\r\nBcc:"), std::string::npos);
  std::string subject = DecodeEncodedWords(view.Header("Subject"));
  EXPECT_EQ(subject.find_first_of("\r\n"), std::string::npos);
  EXPECT_NE(subject.find("x Bcc: victim@example.org"), std::string::npos);
}

TEST(MessageBuilderTest, InvalidEightBitBytesBecomeReplacementCharacters) {
  Notice n = SampleNotice();
  n.original.subject = "Caf\xE9 \xFF\xFE cr\xC3\xA8me";  // Latin-1 bytes mixed with UTF-8
  MailView view = ExpectWellFormed(Build(n));
  std::string subject = DecodeEncodedWords(view.Header("Subject"));
  EXPECT_NE(subject.find("Caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD cr\xC3\xA8me"), std::string::npos)
      << subject;
  EXPECT_NE(view.text.find("cr\xC3\xA8me"), std::string::npos);
}

TEST(MessageBuilderTest, HundredKilobyteValuesAreCappedAndFolded) {
  Notice n = SampleNotice();
  n.original.subject = std::string(100 * 1024, 'A');  // one unbreakable word
  n.original.list_id = std::string(100 * 1024, 'b') + " end";
  n.recipients.assign(5000, "bob@example.org");
  std::string raw = Build(n);
  ExpectWellFormed(raw);
  EXPECT_LT(raw.size(), 64u * 1024);
  EXPECT_NE(raw.find("and 4950 more"), std::string::npos);
}

TEST(MessageBuilderTest, EncodedWordBombIsShownLiterallyNotExpanded) {
  Notice n = SampleNotice();
  // Each level is an encoded-word whose text is the previous level: decoding recursively
  // would expand it; one pass must leave the inner words as literal text.
  std::string word = "=?UTF-8?Q?boom?=";
  for (int level = 0; level < 6; ++level) word = "=?UTF-8?B?" + Base64(word) + "?=";
  std::string bomb;
  while (bomb.size() < 100 * 1024) bomb += word + " ";
  n.original.subject = bomb;
  n.provider = bomb;
  MailView view = ExpectWellFormed(Build(n));
  std::string subject = DecodeEncodedWords(view.Header("Subject"));
  // One decoding pass gives back the report's literal text (capped), not its expansion.
  EXPECT_NE(subject.find("Spam complaint from =?UTF-8?B?"), std::string::npos) << subject;
  EXPECT_LE(subject.size(), kMaxHeaderValueBytes + 3);
}

TEST(MessageBuilderTest, HtmlPartEscapesEveryReportValue) {
  Notice n = SampleNotice();
  n.original.subject = "<script>alert('x')</script> & \"quotes\"";
  n.original.from = "<img src=x onerror=alert(1)>";
  MailView view = ExpectWellFormed(Build(n));
  EXPECT_EQ(view.html.find("<script>"), std::string::npos);
  EXPECT_EQ(view.html.find("<img"), std::string::npos);
  EXPECT_NE(view.html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
  EXPECT_NE(view.text.find("<script>alert('x')</script>"), std::string::npos)
      << "the text part shows the value as it was";
}

TEST(MessageBuilderTest, RedactedComplaintSaysNothingCouldBeSuppressed) {
  Notice n = SampleNotice();
  n.recipients.clear();
  n.suppressed.clear();
  n.redacted = true;
  MailView view = ExpectWellFormed(Build(n));
  EXPECT_NE(view.text.find("redacted by the provider"), std::string::npos);
  EXPECT_NE(view.text.find("No address could be suppressed"), std::string::npos);
}

TEST(MessageBuilderTest, AdminNoticeNamesStatusAndReason) {
  Notice n = SampleNotice();
  n.kind = "admin-untrusted";
  n.client_id.reset();
  n.status = "untrusted";
  n.reason = "no Authentication-Results from our authserv-id";
  MailView view = ExpectWellFormed(Build(n));
  EXPECT_EQ(DecodeEncodedWords(view.Header("Subject")),
            "[fbl] Untrusted report from feedback@yahoo.com stored for review");
  EXPECT_NE(view.text.find("no Authentication-Results from our authserv-id"), std::string::npos);
  EXPECT_NE(view.text.find("not acted on"), std::string::npos);
}

TEST(MessageBuilderTest, UnsafeEnvelopeAddressIsRefused) {
  Envelope env = SampleEnvelope();
  env.to = "ops@acme.example\r\nBcc: x@y.example";
  Result<std::string> m = BuildNoticeMessage(SampleNotice(), env);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
}

TEST(MessageBuilderTest, DigestListsComplaintsUpToTheCap) {
  std::vector<Notice> notices;
  for (int i = 0; i < 7; ++i) {
    Notice n = SampleNotice();
    n.recipients = n.suppressed = {"user" + std::to_string(i) + "@example.net"};
    notices.push_back(n);
  }
  Result<std::string> m = BuildDigestMessage(notices, SampleEnvelope(), 5);
  ASSERT_TRUE(m.ok());
  MailView view = ExpectWellFormed(m.value());
  EXPECT_EQ(DecodeEncodedWords(view.Header("Subject")), "7 spam complaints about your mail");
  EXPECT_NE(view.text.find("user4@example.net"), std::string::npos);
  EXPECT_EQ(view.text.find("user5@example.net"), std::string::npos);
  EXPECT_NE(view.text.find("2 further complaints"), std::string::npos);
  EXPECT_NE(view.html.find("user0@example.net"), std::string::npos);
}

TEST(MessageBuilderTest, DigestMessageIdDependsOnlyOnTheSetOfRows) {
  EXPECT_EQ(DigestMessageId({"a@x", "b@x"}, "h.example"), DigestMessageId({"b@x", "a@x"}, "h.example"));
  EXPECT_NE(DigestMessageId({"a@x", "b@x"}, "h.example"), DigestMessageId({"a@x"}, "h.example"));
  EXPECT_NE(DigestMessageId({"a@x"}, "h.example").find("@h.example"), std::string::npos);
}

TEST(MessageBuilderTest, MessageIdIsReducedToSafeCharacters) {
  EXPECT_EQ(NormalizeMessageId("<abc@def>", "h.example"), "abc@def");
  EXPECT_EQ(NormalizeMessageId("abc\r\nBcc: x", "h.example"), "abcBccx@h.example");
  EXPECT_EQ(NormalizeMessageId("a@b@c", "h.example"), "a.b.c@h.example");
  EXPECT_EQ(NormalizeMessageId("", "h\r\n.example"), "notice@h.example");
}

TEST(MessageBuilderTest, PayloadOfThePipelineParses) {
  Result<Notice> n = ParseNotice(
      R"({"report_id":null,"client_id":"acme","provider":"aol","feedback_type":"abuse",
          "recipients":["a@b.example"],"redacted":false,"arrival_date":"2026-11-28T10:00:00Z",
          "reporter":"scomp@aol.net","original":{"subject":"S","date":"D","message_id":"m@x",
          "list_id":"L","from":"f@x"},"suppressed":["a@b.example"]})",
      "complaint");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->client_id, "acme");
  EXPECT_EQ(n->original.message_id, "m@x");
  EXPECT_EQ(n->suppressed.size(), 1u);
  EXPECT_FALSE(ParseNotice("[1,2]", "complaint").ok());
  EXPECT_FALSE(ParseNotice("{not json", "complaint").ok());
}

TEST(MimeTextTest, EncodedHeaderWordsStayWithinSeventyFiveOctets) {
  std::string value = CleanLine(std::string(300, '\xC3') + "x", 1000);  // invalid → U+FFFD
  std::string header = EncodeHeader("Subject", CleanLine("\xC3\xA9t\xC3\xA9 " + std::string(200, 'z'), 400));
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find("\r\n", start);
    std::string line = header.substr(start, end - start);
    std::size_t q = line.find("=?");
    if (q != std::string::npos) {
      EXPECT_LE(line.size() - q, 75u) << line;
    }
    start = end + 2;
  }
  EXPECT_NE(value.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(MimeTextTest, CleanLineNeverSplitsACharacterWhenCutting) {
  std::string s;
  for (int i = 0; i < 100; ++i) s += "\xE2\x82\xAC";  // €
  for (std::size_t cap = 4; cap < 40; ++cap) {
    std::string out = CleanLine(s, cap);
    EXPECT_LE(out.size(), cap);
    EXPECT_EQ(out.size() % 3, 0u) << cap;
  }
}

TEST(MimeTextTest, QuotedPrintableLinesAreShortAndEndInCrLf) {
  std::string qp = QuotedPrintable(std::string(500, '=') + "\n" + std::string(300, 'a') + " \n");
  std::size_t start = 0;
  while (start < qp.size()) {
    std::size_t end = qp.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_EQ(fbl::testing::DecodeQuotedPrintable(qp),
            std::string(500, '=') + "\r\n" + std::string(300, 'a') + " \r\n");
}

}  // namespace
}  // namespace fbl::notify
