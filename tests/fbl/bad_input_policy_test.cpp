// Bad-input catalogue (docs/bad-inputs.md), Postfix policy delegation: hostile requests sent
// to the real PolicyServer over loopback. A request that is well-framed but makes no sense is
// answered DUNNO (mail never stops because of bad input); a framing violation closes that
// connection only, and the server keeps answering everyone else.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <string>

#include "fbl/policy/policy_server.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using namespace std::string_literals;

namespace asio = boost::asio;

const std::string kDunno = "action=DUNNO\n\n";
const std::string kValid =
    "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nsasl_username=u@example.com\n"
    "instance=1.2\nrecipient_count=1\nclient_address=192.0.2.1\n\n";

class BadInputPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    AlertsOptions o;
    o.policy.listen_tcp = "127.0.0.1:0";
    o.detectors.action = AlertAction::kHold;
    server_ = std::make_unique<PolicyServer>(o, nullptr, nullptr);
    server_->set_clock([] { return EventTime{1795392000 + 36000}; });
    ASSERT_TRUE(server_->Start().ok());
  }

  // Sends `bytes` on a fresh connection and returns the first answer, or "closed".
  std::string Ask(const std::string& bytes) {
    asio::ip::tcp::socket s(io_);
    s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->tcp_port())});
    boost::system::error_code ec;
    asio::write(s, asio::buffer(bytes), ec);
    if (ec) return "closed";
    std::string in;
    asio::read_until(s, asio::dynamic_buffer(in), "\n\n", ec);
    return ec ? "closed" : in;
  }

  // The server still answers a valid request on a new connection.
  void ExpectStillServing() { EXPECT_EQ(Ask(kValid), kDunno); }

  asio::io_context io_;
  std::unique_ptr<PolicyServer> server_;
};

TEST_F(BadInputPolicy, RequestWithoutSaslUsernameIsDunno) {
  EXPECT_EQ(Ask("request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nrecipient_count=900\n\n"), kDunno);
}

TEST_F(BadInputPolicy, UnknownRequestTypeIsDunno) {
  EXPECT_EQ(Ask("request=junk_policy\nprotocol_state=END-OF-MESSAGE\nsasl_username=u@example.com\n\n"), kDunno);
}

TEST_F(BadInputPolicy, EmptyRequestIsDunno) {
  EXPECT_EQ(Ask("\n"), kDunno);
  ExpectStillServing();
}

TEST_F(BadInputPolicy, NonNumericAndHugeRecipientCountsAreDunno) {
  for (std::string count : {"lots", "-5", "99999999999999999999999", "0x10"}) {
    SCOPED_TRACE(count);
    std::string r = kValid;
    r.replace(r.find("recipient_count=1"), 17, "recipient_count=" + count);
    EXPECT_EQ(Ask(r), kDunno);
  }
}

TEST_F(BadInputPolicy, EightBitAndControlBytesInTheUsernameAreDunno) {
  std::string r = kValid;
  r.replace(r.find("u@example.com"), 13, "\xff\xfe\x1b[2J\r\x7f@example.com");
  EXPECT_EQ(Ask(r), kDunno);
}

TEST_F(BadInputPolicy, NulByteClosesTheConnectionOnly) {
  EXPECT_EQ(Ask("request=smtpd_access_policy\nsasl_username=u\0x\n\n"s), "closed");
  ExpectStillServing();
}

TEST_F(BadInputPolicy, AttributeWithAnEmptyNameClosesTheConnectionOnly) {
  EXPECT_EQ(Ask("request=smtpd_access_policy\n=value\n\n"), "closed");
  ExpectStillServing();
}

TEST_F(BadInputPolicy, HundredTwentyNineAttributesCloseTheConnectionOnly) {
  std::string r = "request=smtpd_access_policy\n";
  for (int i = 0; i < 128; ++i) r += "x" + std::to_string(i) + "=1\n";
  EXPECT_EQ(Ask(r + "\n"), "closed");
  ExpectStillServing();
}

TEST_F(BadInputPolicy, HttpRequestOnThePolicyPortClosesTheConnection) {
  EXPECT_EQ(Ask("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "closed");
  ExpectStillServing();
}

TEST_F(BadInputPolicy, CrLfLineEndingsAreAnsweredLikeLf) {
  std::string r;
  for (char c : kValid) r += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_EQ(Ask(r), kDunno);
}

}  // namespace
}  // namespace fbl
