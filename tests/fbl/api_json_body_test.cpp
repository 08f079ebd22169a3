// fbl/api/json_body: the time format of every answer.
#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "fbl/api/json_body.h"

namespace fbl::api {
namespace {

std::string WithStrftime(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

TEST(FormatTime, WritesRfc3339Utc) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1795806000), "2026-11-27T19:00:00Z");
  EXPECT_EQ(FormatTime(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatTime(4107542399), "2100-02-28T23:59:59Z");
  EXPECT_EQ(FormatTime(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59Z");
}

TEST(FormatTime, AgreesWithGmtimeAndStrftimeOverTheWholeRange) {
  // Every ParseTime-able second is 0 .. 253402300799; a prime stride visits all days of the
  // month, leap days, century years and every time of day over the sweep.
  for (std::int64_t t = 0; t <= 253402300799; t += 12'345'679) {
    ASSERT_EQ(FormatTime(t), WithStrftime(t)) << t;
  }
  for (std::int64_t t = -86400 * 3; t < 86400 * 3; t += 997) ASSERT_EQ(FormatTime(t), WithStrftime(t)) << t;
  EXPECT_EQ(FormatTime(253402300800), WithStrftime(253402300800));  // year 10000, five digits
}

TEST(ParseTime, ReadsWhatFormatTimeWrites) {
  for (std::int64_t t : {std::int64_t{0}, std::int64_t{1795806000}, std::int64_t{253402300799}}) {
    auto back = ParseTime(FormatTime(t));
    ASSERT_TRUE(back.ok()) << FormatTime(t);
    EXPECT_EQ(*back, t);
  }
}

}  // namespace
}  // namespace fbl::api
