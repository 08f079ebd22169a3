// fbl/api/json_body: the time format of every answer; the check's fast body reader.
#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

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

using Views = std::vector<std::string_view>;

TEST(PlainAddressList, ReadsTheCommonShapeWithAnyJsonWhitespace) {
  EXPECT_EQ(PlainAddressList(R"({"addresses":["a@example.com","b@example.net"]})"),
            (Views{"a@example.com", "b@example.net"}));
  EXPECT_EQ(PlainAddressList(" \r\n{ \"addresses\" :\t[ \"a@x\" , \"not an address\" ] }\n"),
            (Views{"a@x", "not an address"}));
  EXPECT_EQ(PlainAddressList(R"({"addresses":[]})"), Views{});
  EXPECT_EQ(PlainAddressList(R"({"addresses":[""]})"), Views{""});
}

TEST(PlainAddressList, LeavesEveryOtherBodyToTheJsonLibrary) {
  for (std::string_view body : {
           "", "{}", "[]", R"({"addresses":["a@x"],"scope":"acme"})", R"({"scope":"acme","addresses":["a@x"]})",
           R"({"addresses":["a@x"],"addresses":["b@x"]})", R"({"addresses":["a\u0040x"]})", R"({"addresses":["a\"b@x"]})",
           "{\"addresses\":[\"caf\xc3\xa9@x\"]}", "{\"addresses\":[\"tab\there@x\"]}", R"({"addresses":[1]})",
           R"({"addresses":[null]})", R"({"addresses":[["a@x"]]})", R"({"addresses":["a@x",]})", R"({"addresses":[,"a@x"]})",
           R"({"addresses":["a@x"]} x)", R"({"addresses":["a@x"])", R"({"addresses":["a@x)", R"({"addresses":"a@x"})",
           R"({"Addresses":["a@x"]})", "{\"addresses\":[\"a@x\"]}\f", "\xef\xbb\xbf{\"addresses\":[]}"}) {
    EXPECT_FALSE(PlainAddressList(body).has_value()) << body;
  }
}

TEST(PlainAddressList, AgreesWithTheJsonLibraryOnEveryBodyItAccepts) {
  // Mutations of a valid body, byte by byte from an alphabet of JSON's structural characters,
  // escapes, whitespace and a UTF-8 lead byte. Whatever the fast reader accepts, nlohmann must
  // parse to the same single key and the same strings.
  const std::string seed = R"({"addresses":["a@example.com", "b@x" ,"c d"]})";
  const std::string alphabet = "{}[]\":, \t\n\\ua@x0\xc3\x01";
  std::mt19937 rng(20261129);
  int accepted = 0;
  int declined = 0;
  for (int n = 0; n < 50000; ++n) {
    std::string body = seed;
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      const std::size_t at = rng() % (body.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: if (at < body.size()) body[at] = c; break;
        case 1: body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: if (at < body.size()) body.erase(at, 1); break;
      }
    }
    auto fast = PlainAddressList(body);
    if (!fast) {
      ++declined;
      continue;
    }
    ++accepted;
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(body)) << body;
    ASSERT_TRUE(parsed.is_object()) << body;
    ASSERT_EQ(parsed.size(), 1u) << body;
    ASSERT_TRUE(parsed.contains("addresses")) << body;
    ASSERT_TRUE(parsed["addresses"].is_array()) << body;
    ASSERT_EQ(parsed["addresses"].size(), fast->size()) << body;
    for (std::size_t i = 0; i < fast->size(); ++i) {
      ASSERT_TRUE(parsed["addresses"][i].is_string()) << body;
      ASSERT_EQ(parsed["addresses"][i].get<std::string>(), (*fast)[i]) << body;
    }
  }
  EXPECT_GT(accepted, 1000);  // the sweep exercised both answers
  EXPECT_GT(declined, 1000);
}

}  // namespace
}  // namespace fbl::api
