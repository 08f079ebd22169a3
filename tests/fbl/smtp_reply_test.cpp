#include "fbl/notify/smtp_reply.h"

#include <gtest/gtest.h>

namespace fbl::notify {
namespace {

// Feeds `wire` split into two pieces at every position and returns the replies parsed.
std::vector<SmtpReply> ParseSplitAt(std::string_view wire, std::size_t cut) {
  std::vector<SmtpReply> out;
  SmtpReplyParser parser;
  for (std::string_view piece : {wire.substr(0, cut), wire.substr(cut)}) {
    while (!piece.empty()) {
      Result<std::size_t> used = parser.Feed(piece);
      EXPECT_TRUE(used.ok());
      if (!used.ok()) return out;
      piece.remove_prefix(used.value());
      if (parser.done()) out.push_back(parser.TakeReply());
    }
  }
  return out;
}

TEST(SmtpReplyTest, MultiLineEhloParsesTheSameWhereverItIsSplit) {
  const std::string wire =
      "250-mail.example Hello\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-STARTTLS\r\n"
      "250-AUTH PLAIN LOGIN\r\n250 HELP\r\n354 go ahead\r\n";
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    std::vector<SmtpReply> replies = ParseSplitAt(wire, cut);
    ASSERT_EQ(replies.size(), 2u) << cut;
    EXPECT_EQ(replies[0].code, 250);
    EXPECT_EQ(replies[0].lines.size(), 6u);
    EXPECT_EQ(replies[0].lines[4], "AUTH PLAIN LOGIN");
    EXPECT_EQ(replies[1].code, 354);
    EXPECT_TRUE(replies[1].intermediate());
  }
}

TEST(SmtpReplyTest, EhloCapabilitiesAreUppercaseKeywords) {
  SmtpReplyParser parser;
  ASSERT_TRUE(parser.Feed("250-h\r\n250-starttls\r\n250-SIZE 1000\r\n250 AUTH login plain\r\n").ok());
  ASSERT_TRUE(parser.done());
  SmtpCapabilities caps = ParseEhlo(parser.TakeReply());
  EXPECT_TRUE(caps.Has("STARTTLS"));
  EXPECT_EQ(caps.max_size, 1000u);
  EXPECT_EQ(caps.auth_mechanisms, (std::set<std::string>{"LOGIN", "PLAIN"}));
}

TEST(SmtpReplyTest, BareLfAndCodeOnlyLinesAreAccepted) {
  SmtpReplyParser parser;
  ASSERT_TRUE(parser.Feed("221\n").ok());
  ASSERT_TRUE(parser.done());
  SmtpReply r = parser.TakeReply();
  EXPECT_EQ(r.code, 221);
  EXPECT_EQ(r.Summary(), "221");
}

TEST(SmtpReplyTest, GarbageLineIsMalformedAndTheParserStaysFailed) {
  SmtpReplyParser parser;
  Result<std::size_t> r = parser.Feed("HTTP/1.1 400 Bad Request\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  EXPECT_FALSE(parser.Feed("250 ok\r\n").ok());
}

TEST(SmtpReplyTest, CodeChangeInsideMultiLineReplyIsMalformed) {
  SmtpReplyParser parser;
  EXPECT_FALSE(parser.Feed("250-one\r\n550 two\r\n").ok());
  SmtpReplyParser other;
  EXPECT_FALSE(other.Feed("199 too low\r\n").ok());
  SmtpReplyParser third;
  EXPECT_FALSE(third.Feed("250x\r\n").ok());
}

TEST(SmtpReplyTest, OverlongLineIsALimitError) {
  SmtpReplyParser parser({/*max_line_bytes=*/64, /*max_lines=*/10});
  Result<std::size_t> r = parser.Feed("250 " + std::string(100, 'a'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
}

TEST(SmtpReplyTest, EndlessMultiLineReplyIsALimitError) {
  SmtpReplyParser parser({2048, 10});
  std::string wire;
  for (int i = 0; i < 11; ++i) wire += "250-more\r\n";
  Result<std::size_t> r = parser.Feed(wire);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
}

TEST(SmtpReplyTest, DotStuffingDoublesLeadingDotsAndTerminates) {
  EXPECT_EQ(DotStuff(".hidden\r\nline\n.\r\n..x"), "..hidden\r\nline\r\n..\r\n...x\r\n.\r\n");
  EXPECT_EQ(DotStuff(""), ".\r\n");
  EXPECT_EQ(DotStuff("a\r\n"), "a\r\n.\r\n");
  EXPECT_EQ(DotStuff("a\rb"), "a\r\nb\r\n.\r\n");
}

TEST(SmtpReplyTest, AuthPlainTokenIsRfc4616) {
  EXPECT_EQ(AuthPlainToken("user", "pass"), "AHVzZXIAcGFzcw==");
}

}  // namespace
}  // namespace fbl::notify
