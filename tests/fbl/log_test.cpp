#include "fbl/log/log.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace fbl {
namespace {

TEST(LogSanitize, CarriageReturnAndLineFeedCannotStartANewLine) {
  std::string s = Sanitize("a\r\nfake line");
  EXPECT_EQ(s.find('\r'), std::string::npos);
  EXPECT_EQ(s.find('\n'), std::string::npos);
  EXPECT_EQ(s, "a\\x0d\\x0afake line");
}

TEST(LogSanitize, ControlBytesAndDeleteAreEscaped) {
  EXPECT_EQ(Sanitize(std::string("\x00\x1b[31m\x7f", 7)), "\\x00\\x1b[31m\\x7f");
}

TEST(LogSanitize, ValidUtf8IsKeptAndInvalidBytesEscaped) {
  EXPECT_EQ(Sanitize("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(Sanitize("bad\xff\xc3"), "bad\\xff\\xc3");
  EXPECT_EQ(Sanitize("\xe2\x82"), "\\xe2\\x82");  // truncated sequence
}

TEST(LogSanitize, LongTextIsCappedWithAnEllipsis) {
  std::string s = Sanitize(std::string(10000, 'a'), 100);
  EXPECT_EQ(s.size(), 103u);
  EXPECT_EQ(s.substr(100), "...");
  EXPECT_EQ(Sanitize("short", 100), "short");
}

TEST(LogSanitize, CapCountsEscapedOutputNotInput) {
  std::string s = Sanitize(std::string(1000, '\n'), 64);
  EXPECT_LE(s.size(), 64u + 4u + 3u);
}

TEST(LogLevel, ParsesTheFourNames) {
  LogLevel l = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("error", &l));
  EXPECT_EQ(l, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud", &l));
}

TEST(Log, OneLinePerEventWhateverTheFieldsHold) {
  ::testing::internal::CaptureStderr();
  SetLogLevel(LogLevel::kInfo);
  Log(LogLevel::kInfo, "test", "event", {{"subject", "x\r\nInjected: yes"}, {"k", ""}});
  Log(LogLevel::kDebug, "test", "hidden below the level");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    // Quoted values escape backslashes, so the sanitiser's \x0d shows as \\x0d.
  EXPECT_NE(out.find(" info test event subject=\"x\\\\x0d\\\\x0aInjected: yes\" k=\"\""),
            std::string::npos) << out;
}

TEST(Log, JsonFormatEscapesQuotes) {
  ::testing::internal::CaptureStderr();
  SetLogJson(true);
  Log(LogLevel::kWarn, "test", "event", {{"v", "a\"b"}});
  SetLogJson(false);
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("\"level\":\"warn\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"v\":\"a\\\"b\""), std::string::npos) << out;
}

}  // namespace
}  // namespace fbl
