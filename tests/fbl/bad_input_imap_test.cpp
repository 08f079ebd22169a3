// Bad-input catalogue (docs/bad-inputs.md), IMAP server responses: shapes a broken or hostile
// server can send that imap_parser_test and integration/imap_hostile_test do not already
// cover. The parser must answer each with a precise error (the session then drops the
// connection and reconnects with backoff) or keep waiting for bytes within its limits.
#include "fbl/sources/imap_parser.h"
#include "fbl/sources/imap_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace fbl::imap {
namespace {

using namespace std::string_literals;

// The first error of the stream, or kInternal "no error" when every response parsed.
Error FirstError(std::string_view wire, ParserLimits limits = {}) {
  ResponseParser parser(limits);
  parser.Feed(wire);
  while (auto r = parser.Next()) {
    if (!r->ok()) return r->error();
  }
  return Error{ErrorCode::kInternal, "no error"};
}

TEST(BadInputImap, NegativeLiteralSizeIsMalformed) {
  EXPECT_EQ(FirstError("* 1 FETCH (BODY[] {-1}\r\nx)\r\n").code, ErrorCode::kMalformed);
}

TEST(BadInputImap, ExtraClosingParenthesisIsMalformed) {
  EXPECT_EQ(FirstError("* 1 FETCH (UID 1))\r\n").code, ErrorCode::kMalformed);
}

TEST(BadInputImap, NulByteInAQuotedStringStaysAByteOfTheString) {
  // Not RFC 3501 (CHAR8 excludes NUL), but harmless: values are std::string, never C strings.
  ResponseParser parser;
  parser.Feed("* LIST () \"/\" \"IN\0BOX\"\r\n"s);
  auto r = parser.Next();
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->ok()) << r->error().detail;
  ASSERT_EQ((*r)->data.size(), 3u);
  EXPECT_EQ((*r)->data[2].text, "IN\0BOX"s);
}

TEST(BadInputImap, LiteralCutShortByTheServerWaitsWithinTheLimit) {
  ResponseParser parser;
  parser.Feed("* 1 FETCH (BODY[] {100}\r\nonly twenty bytes...");
  EXPECT_FALSE(parser.Next().has_value());
  EXPECT_LE(parser.buffered(), 200u);
}

TEST(BadInputImap, ManySmallLiteralsOverTheResponseLimitAreRefused) {
  ParserLimits limits;
  limits.max_response_bytes = 4096;
  std::string wire = "* 1 FETCH (";
  for (int i = 0; i < 100; ++i) wire += "X" + std::to_string(i) + " {64}\r\n" + std::string(64, 'a') + " ";
  wire += ")\r\n";
  EXPECT_EQ(FirstError(wire, limits).code, ErrorCode::kLimitExceeded);
}

TEST(BadInputImap, MessageNumberOverThirtyTwoBitsIsMalformed) {
  EXPECT_EQ(FirstError("* 4294967296 FETCH (UID 1)\r\n").code, ErrorCode::kMalformed);
}

TEST(BadInputImap, UidOverThirtyTwoBitsOrZeroIsAMalformedFetch) {
  for (std::string uid : {"99999999999999999999", "0", "-1"}) {
    SCOPED_TRACE(uid);
    ResponseParser parser;
    parser.Feed("* 1 FETCH (UID " + uid + " RFC822.SIZE 10)\r\n");
    auto r = parser.Next();
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->ok()) << "the framing is fine; the FETCH reader judges the UID";
    Result<std::optional<FetchItem>> item = ParseFetch(std::move(**r));
    ASSERT_FALSE(item.ok());
    EXPECT_EQ(item.error().code, ErrorCode::kMalformed);
    EXPECT_EQ(item.error().detail, "bad UID in FETCH");
  }
}

TEST(BadInputImap, AfterAnErrorEveryLaterResponseIsTheSameError) {
  ResponseParser parser;
  parser.Feed("* LIST ) INBOX\r\n* 1 EXISTS\r\na1 OK done\r\n");
  auto first = parser.Next();
  ASSERT_TRUE(first.has_value());
  ASSERT_FALSE(first->ok());
  auto second = parser.Next();
  ASSERT_TRUE(second.has_value());
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().detail, first->error().detail);
}

}  // namespace
}  // namespace fbl::imap
