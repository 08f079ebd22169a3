// A real Postfix asks our PolicyServer (check_policy_service at RCPT and END-OF-MESSAGE):
// a burst from one SASL account ends with its mail in the hold queue, trapped not lost, and
// other accounts are unaffected. Also: garbage, 1 MB lines and abrupt disconnects on the
// same server change nothing for Postfix.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <filesystem>

#include "fbl/policy/policy_server.h"
#include "store/sqlite_store.h"
#include "tests/testing/postfix.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

int CountQueued(const std::vector<testing::QueuedMessage>& q, const std::string& sender,
                const std::string& queue_name) {
  int n = 0;
  for (const auto& m : q) n += (m.sender == sender && m.queue_name == queue_name) ? 1 : 0;
  return n;
}

// Sends raw bytes to the policy port and closes at once (abrupt disconnects, garbage).
void SendAndDrop(int port, const std::string& bytes) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  if (ec) return;
  asio::write(s, asio::buffer(bytes), ec);
  s.close(ec);
}

TEST(PolicyPostfixTest, BurstFromOneAccountEndsInTheHoldQueueAndOthersAreUnaffected) {
  std::string why;
  if (!testing::PostfixInstance::Available(&why)) GTEST_SKIP() << why;
  testing::TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));  // postfix must traverse it
  StoreOptions store_options;
  store_options.path = (dir / "fbl.db").string();
  AlertsOptions options;
  options.policy.listen_tcp = "127.0.0.1:0";
  options.detectors.action = AlertAction::kHold;
  options.detectors.cold_caps.per_minute = 5;  // a burst of 8 is enough to trip it
  PolicyServer server(options, [&] { return OpenSqliteStore(store_options); }, nullptr);
  ASSERT_TRUE(server.Start().ok());

  testing::PostfixInstance postfix((dir / "postfix").string(),
                                   {{"bad@example.test", "bad-secret"}, {"good@example.test", "good-secret"}});
  std::string error;
  ASSERT_TRUE(postfix.Start(server.tcp_port(), &error)) << error;

  SendAndDrop(server.tcp_port(), "request=smtpd_access_policy\nsasl_user");  // cut mid-request
  SendAndDrop(server.tcp_port(), "no equals sign here\n\n");
  SendAndDrop(server.tcp_port(), "request=" + std::string(1 << 20, 'x') + "\n\n");

  for (int i = 0; i < 8; ++i) {
    std::string out;
    EXPECT_EQ(postfix.Submit("bad@example.test", "bad-secret", "rcpt" + std::to_string(i) + "@example.net", &out),
              0)
        << out;
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(postfix.Submit("good@example.test", "good-secret", "friend@example.net"), 0);
  }

  auto queue = postfix.Queue();
  // Messages 1-5 pass; the 6th trips the cap at END-OF-MESSAGE; 7 and 8 are held at RCPT.
  EXPECT_EQ(CountQueued(queue, "bad@example.test", "hold"), 3);
  EXPECT_EQ(CountQueued(queue, "good@example.test", "hold"), 0);
  int good_total = 0, bad_total = 0;
  for (const auto& m : queue) {
    good_total += m.sender == "good@example.test";
    bad_total += m.sender == "bad@example.test";
  }
  EXPECT_EQ(bad_total, 8);  // trapped, not lost
  EXPECT_EQ(good_total, 2);
  EXPECT_EQ(server.held_count(), 1u);

  auto store = OpenSqliteStore(store_options);
  ASSERT_TRUE(store.ok());
  auto account = (*store)->GetAccount("bad@example.test");
  ASSERT_TRUE(account.ok());
  ASSERT_TRUE(account->has_value());
  EXPECT_TRUE((*account)->held);
  postfix.Stop();
  server.Stop();
}

}  // namespace
}  // namespace fbl
