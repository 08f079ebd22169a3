// Bad-input catalogue (docs/bad-inputs.md), mail: hostile or broken ARF / DMARC messages that
// the existing parser tests (parse_guard_test, parse_fixtures_test) do not already cover.
// Each ends in a precise, stated outcome: a kind, a dropped field, a warning or an error code.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "parsers/dmarc.h"
#include "parsers/parse.h"
#include "parsers/report_json.h"

namespace fbl {
namespace {

using namespace std::string_literals;

// A minimal RFC 5965 report; `fields` are the feedback-report fields, `original` the
// message/rfc822 part.
std::string Arf(const std::string& fields, const std::string& original = "From: a@sender.example\n"
                                                                          "Subject: hi\n\nbody\n") {
  return "From: fbl@provider.example\nTo: fbl@example.net\nSubject: report\nMIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n"
         "--b\nContent-Type: message/feedback-report\n\n" + fields +
         "\n--b\nContent-Type: message/rfc822\n\n" + original + "--b--\n";
}

Report Parse(const std::string& raw) { return ParseMessage(raw, ParseOptions{}); }

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A local-file-header-only zip: method, then the member bytes.
std::string Zip(std::uint16_t method, const std::string& payload, std::uint16_t extra_len = 0) {
  std::string h("PK\x03\x04", 4);
  h += std::string(4, '\0');                                      // version, flags
  h += static_cast<char>(method & 0xff);
  h += static_cast<char>(method >> 8);
  h += std::string(16, '\0');                                     // time, crc, sizes
  h += std::string("\x01\x00", 2);                                // name length 1
  h += static_cast<char>(extra_len & 0xff);
  h += static_cast<char>(extra_len >> 8);
  return h + "x" + payload;
}

TEST(BadInputMail, GzipBombStopsAtTheDecompressionLimit) {
  std::string bomb = Gzip(std::string(8 << 20, '\0'));  // 8 MiB of zeros, ~8 KiB compressed
  ASSERT_LT(bomb.size(), 64u * 1024);
  Result<std::string> out = Gunzip(bomb, 1 << 20);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(out.error().detail, "decompressed attachment exceeds the limit");
}

TEST(BadInputMail, CorruptGzipIsMalformed) {
  Result<std::string> out = Gunzip(std::string("\x1f\x8b\x08\x00garbage-not-deflate", 23), 1 << 20);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kMalformed);
  EXPECT_EQ(out.error().detail, "invalid compressed data");
}

TEST(BadInputMail, ZipWithAnUnsupportedMethodIsMalformed) {
  Result<std::string> out = UnzipFirst(Zip(12, "BZh91AY&SY"), 1 << 20);  // bzip2
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().detail, "unsupported zip compression method");
}

TEST(BadInputMail, ZipWhoseHeaderPointsPastTheEndIsMalformed) {
  Result<std::string> out = UnzipFirst(Zip(8, "", /*extra_len=*/60000), 1 << 20);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().detail, "truncated zip header");
}

TEST(BadInputMail, StoredZipMemberOverTheLimitIsALimitError) {
  Result<std::string> out = UnzipFirst(Zip(0, std::string(4096, '<')), 1024);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kLimitExceeded);
}

TEST(BadInputMail, DmarcMessageWithAGzipBombAttachmentIsNotAnAggregateReport) {
  std::string xml = "<feedback><report_metadata></report_metadata><policy_published><domain>"
                    "example.com</domain></policy_published>" + std::string(4 << 20, ' ') + "</feedback>";
  std::string gz = Gzip(xml);
  std::string b64;
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < gz.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(gz[i]) << 16;
    if (i + 1 < gz.size()) n |= static_cast<unsigned char>(gz[i + 1]) << 8;
    if (i + 2 < gz.size()) n |= static_cast<unsigned char>(gz[i + 2]);
    b64 += kB64[(n >> 18) & 63];
    b64 += kB64[(n >> 12) & 63];
    b64 += i + 1 < gz.size() ? kB64[(n >> 6) & 63] : '=';
    b64 += i + 2 < gz.size() ? kB64[n & 63] : '=';
    if (b64.size() % 77 == 76) b64 += '\n';
  }
  std::string raw = "From: noreply-dmarc-support@google.com\nTo: dmarc@example.com\n"
                    "Subject: Report domain: example.com\nMIME-Version: 1.0\n"
                    "Content-Type: application/gzip; name=\"r.xml.gz\"\n"
                    "Content-Transfer-Encoding: base64\n\n" + b64 + "\n";
  ParseOptions small;
  small.limits.max_decompressed_bytes = 1 << 20;
  EXPECT_EQ(ParseMessage(raw, small).kind, ReportKind::kUnknown);
  EXPECT_EQ(Parse(raw).kind, ReportKind::kDmarcAggregate);  // the same bytes within the limit
}

TEST(BadInputMail, UnknownFeedbackTypeIsOther) {
  Report r = Parse(Arf("Feedback-Type: totally-made-up\nVersion: 1\nOriginal-Rcpt-To: x@provider.example\n"));
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  ASSERT_TRUE(r.feedback_type.has_value());
  EXPECT_EQ(*r.feedback_type, FeedbackType::kOther);
}

TEST(BadInputMail, GarbageSourceIpIsKeptAsTextAndGarbageArrivalDateIsDropped) {
  Report r = Parse(Arf("Feedback-Type: abuse\nVersion: 1\nSource-IP: 999.1.1.1; DROP TABLE\n"
                       "Arrival-Date: the day after tomorrow\nOriginal-Rcpt-To: x@provider.example\n"));
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.source_ip, "999.1.1.1; DROP TABLE");  // reported text, never parsed or guessed
  EXPECT_EQ(r.arrival_date, "");
}

TEST(BadInputMail, RecipientThatIsNotAnAddressIsLeftOutOfRecipients) {
  Report r = Parse(Arf("Feedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: <<<>>>@@\n"));
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_TRUE(r.recipients.empty());
}

TEST(BadInputMail, NulAndControlBytesInHeadersNeverReachTheJson) {
  std::string original = "From: a@sender.example\nSubject: x\0y\x1b[31mred\n\nbody\n"s;
  Report r = Parse(Arf("Feedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: x@provider.example\n", original));
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  std::string line = ReportToJsonLine(r, "t");
  EXPECT_EQ(line.find('\0'), std::string::npos);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one JSON object, one line";
}

TEST(BadInputMail, EncodedWordWithAnUnknownCharsetKeepsTheSubjectReadable) {
  Report r = Parse(Arf("Feedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: x@provider.example\n",
                       "From: a@sender.example\nSubject: =?x-klingon?B?cUFwbGEh?= tail\n\nbody\n"));
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_NE(r.original.subject.find("tail"), std::string::npos) << r.original.subject;
}

TEST(BadInputMail, InvalidBase64InTheOriginalStillGivesTheComplaint) {
  std::string raw = Arf("Feedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: x@provider.example\n");
  raw.replace(raw.find("Content-Type: message/rfc822\n"), 29,
              "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n");
  raw.replace(raw.find("From: a@sender.example"), 22, "!!!!not*base64$$$$");
  Report r = Parse(raw);
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0], "x@provider.example");
}

TEST(BadInputMail, EmptyBoundaryParameterIsReadAsTextWithAWarning) {
  std::string raw = Arf("Feedback-Type: abuse\nVersion: 1\n");
  raw.replace(raw.find("boundary=\"b\""), 12, "boundary=\"\"");
  Report r = Parse(raw);
  EXPECT_NE(r.kind, ReportKind::kMalformed);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0], "multipart without a usable boundary parameter read as text/plain");
}

TEST(BadInputMail, HeaderLongerThanTheLimitIsTruncatedNotRefused) {
  std::string original = "From: a@sender.example\nSubject: " + std::string(200 * 1024, 's') + "\n\nbody\n";
  Report r = Parse(Arf("Feedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: x@provider.example\n", original));
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_LE(r.original.subject.size(), ParseLimits{}.max_header_bytes);
  EXPECT_EQ(r.recipients.size(), 1u);
}

}  // namespace
}  // namespace fbl
