// Held accounts are shared by every fbld instance on one database: rate detection stays per
// instance, but a hold made by one is answered HOLD by the others after their next re-read of
// the store (every 5 s; SyncHeldNow() here instead of waiting), and so is a release.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "fbl/policy/policy_server.h"
#include "store/sqlite_store.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace asio = boost::asio;

std::string Request(const std::string& account, int n) {
  return "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nsasl_username=" + account +
         "\ninstance=5." + std::to_string(n) + "\nrecipient_count=1\nclient_address=192.0.2.1\n\n";
}

class Instance {
 public:
  Instance(const AlertsOptions& o, const StoreOptions& so) : server_(o, [so] { return OpenSqliteStore(so); }, nullptr) {
    server_.set_clock([] { return EventTime{1795392000 + 36000}; });
  }
  bool Start() {
    if (!server_.Start().ok()) return false;
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_.tcp_port())});
    return true;
  }
  // The action word of the answer: "DUNNO", "HOLD", ...
  std::string Ask(const std::string& account, int n) {
    std::string out = Request(account, n);
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(out), ec);
    std::string in;
    asio::read_until(socket_, asio::dynamic_buffer(in), "\n\n", ec);
    if (ec) return "closed";
    std::string action = in.substr(in.find('=') + 1);
    return action.substr(0, action.find_first_of(" \n"));
  }
  PolicyServer& server() { return server_; }

 private:
  PolicyServer server_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
};

TEST(PolicySharedHolds, AHoldMadeByOneInstanceIsAnsweredByAnotherAfterItsNextSync) {
  testing::TempDir dir;
  StoreOptions so;
  so.path = (dir / "fbl.db").string();
  AlertsOptions o;
  o.policy.listen_tcp = "127.0.0.1:0";
  o.detectors.action = AlertAction::kHold;
  o.detectors.cold_caps.per_minute = 2;
  AlertsOptions lenient = o;  // b's own detector never holds in this test
  lenient.detectors.cold_caps.per_minute = 1000;
  Instance a(o, so);
  Instance b(lenient, so);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  EXPECT_EQ(b.Ask("spam@client.example", 0), "DUNNO");  // b has seen one message only

  std::string last;
  for (int i = 1; i <= 4; ++i) last = a.Ask("spam@client.example", i);
  ASSERT_EQ(last, "HOLD");  // a's detector held it
  EXPECT_EQ(b.server().held_count(), 0u);
  b.server().SyncHeldNow();
  EXPECT_EQ(b.server().held_count(), 1u);
  EXPECT_EQ(b.Ask("spam@client.example", 9), "HOLD");  // without any burst seen by b
  EXPECT_EQ(b.Ask("other@client.example", 1), "DUNNO");

  ASSERT_TRUE(a.server().Release("spam@client.example", AuditEntry{"test", "account.release", "spam@client.example", ""}).ok());
  b.server().SyncHeldNow();
  EXPECT_EQ(b.server().held_count(), 0u);
  EXPECT_EQ(b.Ask("spam@client.example", 10), "DUNNO");
  a.server().Stop();
  b.server().Stop();
}

}  // namespace
}  // namespace fbl
