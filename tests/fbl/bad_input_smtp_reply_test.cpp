// Bad-input catalogue (docs/bad-inputs.md), SMTP replies: what a broken or hostile SMTP
// server (our notification relay) can send, through the pure reply parser the client uses.
// Each line ends in kMalformed / kLimitExceeded (the client then fails the attempt and
// retries later) or in a reply whose text is safe to log.
#include "fbl/notify/smtp_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace fbl::notify {
namespace {

using namespace std::string_literals;

Error FirstError(std::string_view wire) {
  SmtpReplyParser parser;
  Result<std::size_t> r = parser.Feed(wire);
  return r.ok() ? Error{ErrorCode::kInternal, "no error"} : r.error();
}

SmtpReply OneReply(std::string_view wire) {
  SmtpReplyParser parser;
  Result<std::size_t> r = parser.Feed(wire);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(parser.done());
  return parser.done() ? parser.TakeReply() : SmtpReply{};
}

TEST(BadInputSmtpReply, EmptyLineIsMalformed) {
  Error e = FirstError("\r\n");
  EXPECT_EQ(e.code, ErrorCode::kMalformed);
  EXPECT_EQ(e.detail, "not an SMTP reply line");
}

TEST(BadInputSmtpReply, CodesOutsideTwoToFiveHundredAreMalformed) {
  EXPECT_EQ(FirstError("600 six hundred\r\n").code, ErrorCode::kMalformed);
  EXPECT_EQ(FirstError("099 low\r\n").code, ErrorCode::kMalformed);
  EXPECT_EQ(FirstError("25\r\n").code, ErrorCode::kMalformed);
}

TEST(BadInputSmtpReply, TabInsteadOfASpaceAfterTheCodeIsMalformed) {
  EXPECT_EQ(FirstError("250\tOK\r\n").code, ErrorCode::kMalformed);
}

TEST(BadInputSmtpReply, ControlBytesInTheTextNeverReachTheSummary) {
  SmtpReply r = OneReply("550 no\0such\x1b[2J user\r\n"s);
  EXPECT_EQ(r.code, 550);
  EXPECT_TRUE(r.permanent());
  EXPECT_EQ(r.Summary(), "550 no such [2J user");
}

TEST(BadInputSmtpReply, LongReplyTextIsCutInTheSummary) {
  SmtpReply r = OneReply("451 " + std::string(2000, 'x') + "\r\n");
  EXPECT_LE(r.Summary().size(), 4 + 200 + 3u);
}

TEST(BadInputSmtpReply, BytesAfterTheReplyAreLeftForTheNextReply) {
  // A server (or a man in the middle) that sends ahead must not have its bytes taken as the
  // answer to a command not yet sent; the client checks for such bytes after STARTTLS.
  SmtpReplyParser parser;
  Result<std::size_t> used = parser.Feed("220 ready\r\n250 injected\r\n");
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used.value(), 11u);
  EXPECT_EQ(parser.TakeReply().code, 220);
}

TEST(BadInputSmtpReply, MultiLineReplyWithoutItsLastLineWaitsForMore) {
  SmtpReplyParser parser;
  Result<std::size_t> used = parser.Feed("250-one\r\n250-two\r\n");
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used.value(), 18u);
  EXPECT_FALSE(parser.done());
}

TEST(BadInputSmtpReply, EhloSizeThatOverflowsOrIsNegativeIsIgnored) {
  SmtpCapabilities caps =
      ParseEhlo(OneReply("250-mx\r\n250-SIZE 999999999999999999999999999999\r\n250 SIZE -1\r\n"));
  EXPECT_TRUE(caps.Has("SIZE"));
  EXPECT_EQ(caps.max_size, 0u);
}

}  // namespace
}  // namespace fbl::notify
