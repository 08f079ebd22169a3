// The guard in front of mimetic: limits, nesting, line endings, and input that must never
// crash or throw.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "parsers/mime_guard.h"
#include "parsers/parse.h"
#include "parsers/report_json.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

std::string NestedMultiparts(int levels) {
  std::string s = "From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 1; i <= levels; ++i) {
    s += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n";
  }
  return s + "--b" + std::to_string(levels) + "\n\ntext\n";
}

std::string NestedMessages(int levels) {
  std::string s = "From: a@example.com\n";
  for (int i = 0; i < levels; ++i) s += "Content-Type: message/rfc822\n\n";
  return s + "Subject: deep\n\nx\n";
}

TEST(ParseGuard, TwentyThousandNestedMultipartsAreRefusedQuicklyAsMalformed) {
  std::string input = NestedMultiparts(20000);
  auto start = std::chrono::steady_clock::now();
  Report r = ParseMessage(input, ParseOptions{});
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.kind, ReportKind::kMalformed);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("nesting"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(2));  // generous bound; the figure is in BENCHMARKS.md
}

TEST(ParseGuard, FiftyThousandNestedMultipartsDoNotOverflowTheStack) {
  Report r = ParseMessage(NestedMultiparts(50000), ParseOptions{});
  EXPECT_EQ(r.kind, ReportKind::kMalformed);
}

TEST(ParseGuard, DeepMessageRfc822ChainsAreRefused) {
  Report r = ParseMessage(NestedMessages(100000), ParseOptions{});
  EXPECT_EQ(r.kind, ReportKind::kMalformed);
}

TEST(ParseGuard, NestingWithinTheLimitIsParsed) {
  Report r = ParseMessage(NestedMultiparts(10), ParseOptions{});
  EXPECT_NE(r.kind, ReportKind::kMalformed);
}

TEST(ParseGuard, HundredThousandHeadersAreRefused) {
  std::string input;
  for (int i = 0; i < 100000; ++i) input += "X-H" + std::to_string(i) + ": v\n";
  input += "\nbody\n";
  Report r = ParseMessage(input, ParseOptions{});
  EXPECT_EQ(r.kind, ReportKind::kMalformed);
  EXPECT_NE(r.errors[0].find("header fields"), std::string::npos);
}

TEST(ParseGuard, TwentyMegabyteMessageIsTruncatedButTheReportIsStillRead) {
  std::string input = testing::ReadFixture("parsers/yahoo_cfl.eml");
  input.resize(input.rfind("--yb--"));
  input += std::string(20 * 1024 * 1024, 'A');
  Report r = ParseMessage(input, ParseOptions{});
  EXPECT_EQ(r.kind, ReportKind::kFeedback);
  EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("truncated"), std::string::npos);
}

TEST(ParseGuard, TooManyPartsAreRefused) {
  std::string input = "From: a@example.com\nContent-Type: multipart/mixed; boundary=x\n\n";
  for (int i = 0; i < 600; ++i) input += "--x\n\npart\n";
  ParseOptions options;
  Report r = ParseMessage(input, options);
  EXPECT_EQ(r.kind, ReportKind::kMalformed);
  EXPECT_NE(r.errors[0].find("parts"), std::string::npos);
}

TEST(ParseGuard, LineEndingsCrLfAndBareCrGiveTheSameReportAsLf) {
  std::string lf = testing::ReadFixture("parsers/aol.eml");
  std::string crlf, cr;
  for (char c : lf) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    cr += c == '\n' ? '\r' : c;
  }
  ParseOptions options;
  std::string expected = ReportToJsonLine(ParseMessage(lf, options), "x");
  EXPECT_EQ(ReportToJsonLine(ParseMessage(crlf, options), "x"), expected);
  EXPECT_EQ(ReportToJsonLine(ParseMessage(cr, options), "x"), expected);
}

TEST(ParseGuard, NormalizeLineEndingsHandlesEveryMix) {
  EXPECT_EQ(NormalizeLineEndings("a\r\nb\rc\nd\r"), "a\nb\nc\nd\n");
  EXPECT_EQ(NormalizeLineEndings("\r\r\n"), "\n\n");
}

TEST(ParseGuard, BlanksAfterABoundaryAreStripped) {
  Result<GuardedText> g = GuardMessage("Content-Type: multipart/mixed; boundary=q\n\n--q  \n\nx\n--q--\t\n", ParseLimits{});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->text, "Content-Type: multipart/mixed; boundary=q\n\n--q\n\nx\n--q--\n");
}

TEST(ParseGuard, EmptyAndHeaderlessInputIsMalformed) {
  EXPECT_EQ(ParseMessage("", ParseOptions{}).kind, ReportKind::kMalformed);
  EXPECT_EQ(ParseMessage("\n\n\n", ParseOptions{}).kind, ReportKind::kMalformed);
  EXPECT_EQ(ParseMessage(std::string(1000, '\0'), ParseOptions{}).kind, ReportKind::kMalformed);
}

TEST(ParseGuard, EightBitBytesNeverMakeTheJsonDumpThrow) {
  std::string input = "From: \xff\xfe@\xc3(.example\nSubject: \x80\x81\nContent-Type: text/plain\n\n\xff";
  Report r = ParseMessage(input, ParseOptions{});
  EXPECT_NO_THROW(ReportToJsonLine(r, "\xff.eml"));
}

TEST(ParseGuard, FuzzInputThatTimedOutUnderMachineLoadParsesAsABounce) {
  // libFuzzer flagged it (828 ms wall on a machine at load 18, ~0.1 s CPU under ASan).
  Report r = ParseMessage(testing::ReadFixture("parsers/fuzz_slow_under_load.eml"), ParseOptions{});
  EXPECT_NE(r.kind, ReportKind::kMalformed);
  EXPECT_NO_THROW(ReportToJsonLine(r, "x"));
}

}  // namespace
}  // namespace fbl
