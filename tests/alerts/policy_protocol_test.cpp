#include "alerts/policy_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fbl {
namespace {

const std::string kTwoRequests =
    "request=smtpd_access_policy\nprotocol_state=RCPT\nsasl_username=a@example.com\n"
    "recipient=x@example.net\n\n"
    "request=smtpd_access_policy\r\nprotocol_state=END-OF-MESSAGE\r\nrecipient_count=3\r\n"
    "empty=\r\n\r\n";

void ExpectTheTwoRequests(const std::vector<PolicyRequest>& got) {
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].Get("sasl_username"), "a@example.com");
  EXPECT_EQ(got[0].Get("recipient"), "x@example.net");
  EXPECT_EQ(got[1].Get("protocol_state"), "END-OF-MESSAGE");
  EXPECT_EQ(got[1].Get("recipient_count"), "3");
  EXPECT_EQ(got[1].Get("empty"), "");
  EXPECT_EQ(got[1].Get("missing"), "");
  EXPECT_EQ(got[1].attributes.size(), 4u);
}

TEST(PolicyProtocolTest, TwoRequestsInOneChunkAreBothParsed) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> got;
  ASSERT_TRUE(p.Feed(kTwoRequests, &got).ok());
  ExpectTheTwoRequests(got);
  EXPECT_FALSE(p.InRequest());
}

TEST(PolicyProtocolTest, InputSplitAtEveryByteGivesTheSameRequests) {
  for (std::size_t cut = 0; cut <= kTwoRequests.size(); ++cut) {
    PolicyRequestParser p;
    std::vector<PolicyRequest> got;
    ASSERT_TRUE(p.Feed(std::string_view(kTwoRequests).substr(0, cut), &got).ok());
    ASSERT_TRUE(p.Feed(std::string_view(kTwoRequests).substr(cut), &got).ok());
    ExpectTheTwoRequests(got);
  }
}

TEST(PolicyProtocolTest, InputFedOneByteAtATimeGivesTheSameRequests) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> got;
  for (char c : kTwoRequests) ASSERT_TRUE(p.Feed(std::string_view(&c, 1), &got).ok());
  ExpectTheTwoRequests(got);
}

TEST(PolicyProtocolTest, OneMegabyteLineIsRefusedWithoutBufferingIt) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> got;
  std::string huge = "request=" + std::string(1 << 20, 'a') + "\n\n";
  Status s = p.Feed(huge, &got);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kLimitExceeded);
  EXPECT_TRUE(got.empty());
  // Once failed, it stays failed.
  EXPECT_FALSE(p.Feed("a=b\n\n", &got).ok());
}

TEST(PolicyProtocolTest, LongLineArrivingInPiecesIsRefused) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> got;
  Status s = OkStatus();
  for (int i = 0; i < 100 && s.ok(); ++i) s = p.Feed(std::string(100, 'b'), &got);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kLimitExceeded);
}

TEST(PolicyProtocolTest, TooManyAttributesAreRefused) {
  PolicyLimits limits;
  limits.max_attributes = 3;
  PolicyRequestParser p(limits);
  std::vector<PolicyRequest> got;
  EXPECT_TRUE(p.Feed("a=1\nb=2\nc=3\n\n", &got).ok());
  EXPECT_FALSE(p.Feed("a=1\nb=2\nc=3\nd=4\n", &got).ok());
}

TEST(PolicyProtocolTest, OversizedRequestIsRefused) {
  PolicyLimits limits;
  limits.max_request_bytes = 300;
  PolicyRequestParser p(limits);
  std::vector<PolicyRequest> got;
  Status s = OkStatus();
  for (int i = 0; i < 40 && s.ok(); ++i) s = p.Feed("attr=0123456789\n", &got);
  EXPECT_FALSE(s.ok());
}

TEST(PolicyProtocolTest, LineWithoutEqualsOrWithNulIsMalformed) {
  for (const std::string& bad : {std::string("garbage\n"), std::string("=value\n"), std::string("a=b\0c\n", 6)}) {
    PolicyRequestParser p;
    std::vector<PolicyRequest> got;
    Status s = p.Feed(bad, &got);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kMalformed);
  }
}

TEST(PolicyProtocolTest, AnswerEndsWithAnEmptyLine) {
  EXPECT_EQ(PolicyAnswer("DUNNO"), "action=DUNNO\n\n");
}

}  // namespace
}  // namespace fbl
