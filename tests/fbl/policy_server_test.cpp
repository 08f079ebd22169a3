#include "fbl/policy/policy_server.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <set>
#include <thread>
#include <string>
#include <utility>
#include <vector>
#include <boost/asio.hpp>

#include "store/sqlite_store.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace asio = boost::asio;

const std::string kRequest =
    "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nsasl_username=u@example.com\n"
    "instance=1.2\nrecipient_count=1\nclient_address=192.0.2.1\n\n";

// Writes `bytes` in `chunk`-sized writes and reads until "\n\n" or EOF.
template <typename Socket>
std::string Exchange(Socket& s, const std::string& bytes, std::size_t chunk) {
  boost::system::error_code ec;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    asio::write(s, asio::buffer(bytes.data() + i, std::min(chunk, bytes.size() - i)), ec);
    if (ec) return "closed";  // the server closed (reset) while we were still writing
  }
  std::string in;
  asio::read_until(s, asio::dynamic_buffer(in), "\n\n", ec);
  return ec ? "closed" : in;
}

class PolicyServerTest : public ::testing::Test {
 protected:
  void Start(AlertsOptions o) {
    o.policy.listen_tcp = "127.0.0.1:0";
    o.policy.listen_unix = (dir_ / "policy.sock").string();
    server_ = std::make_unique<PolicyServer>(o, nullptr, nullptr);
    server_->set_clock([] { return EventTime{1795392000 + 36000}; });
    ASSERT_TRUE(server_->Start().ok());
  }
  asio::ip::tcp::socket Connect() {
    asio::ip::tcp::socket s(io_);
    s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->tcp_port())});
    return s;
  }
  testing::TempDir dir_;
  asio::io_context io_;
  std::unique_ptr<PolicyServer> server_;
};

TEST_F(PolicyServerTest, RequestWrittenByteByByteIsAnsweredDunno) {
  Start(AlertsOptions{});
  auto s = Connect();
  EXPECT_EQ(Exchange(s, kRequest, 1), "action=DUNNO\n\n");
  EXPECT_EQ(Exchange(s, kRequest, 7), "action=DUNNO\n\n");  // persistent connection
}

TEST_F(PolicyServerTest, UnixSocketAnswersToo) {
  Start(AlertsOptions{});
  asio::local::stream_protocol::socket s(io_);
  s.connect(asio::local::stream_protocol::endpoint((dir_ / "policy.sock").string()));
  EXPECT_EQ(Exchange(s, kRequest, 64), "action=DUNNO\n\n");
}

TEST_F(PolicyServerTest, OneMegabyteLineClosesThatConnectionOnly) {
  Start(AlertsOptions{});
  auto bad = Connect();
  EXPECT_EQ(Exchange(bad, "request=" + std::string(1 << 20, 'a') + "\n\n", 1 << 16), "closed");
  auto good = Connect();
  EXPECT_EQ(Exchange(good, kRequest, 4096), "action=DUNNO\n\n");
}

TEST_F(PolicyServerTest, AbruptDisconnectsAndGarbageLeaveTheServerAnswering) {
  Start(AlertsOptions{});
  for (int i = 0; i < 20; ++i) {
    auto s = Connect();
    boost::system::error_code ec;
    asio::write(s, asio::buffer(kRequest.substr(0, static_cast<std::size_t>(i * 5))), ec);
  }  // each socket closes mid-request
  auto garbage = Connect();
  EXPECT_EQ(Exchange(garbage, "\x01\x02 no equals\n\n", 3), "closed");
  auto s = Connect();
  EXPECT_EQ(Exchange(s, kRequest, 4096), "action=DUNNO\n\n");
}

// The idle timeout runs on the real steady clock (an asio timer): these two tests wait for
// it, about 1 s each, bounded by a 10 s receive timeout.
TEST_F(PolicyServerTest, ConnectionLeftIdleIsClosedAfterTheIdleTimeout) {
  AlertsOptions o;
  o.policy.idle_timeout_seconds = 1;
  Start(o);
  auto s = Connect();
  EXPECT_EQ(Exchange(s, kRequest, 4096), "action=DUNNO\n\n");
  timeval limit{10, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  auto waited_from = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);  // closed by the server, not the 10 s receive timeout
  EXPECT_GE(std::chrono::steady_clock::now() - waited_from, std::chrono::milliseconds(900));
}

TEST_F(PolicyServerTest, ConnectionAskingMoreOftenThanTheIdleTimeoutStaysOpen) {
  AlertsOptions o;
  o.policy.idle_timeout_seconds = 1;
  Start(o);
  auto s = Connect();
  // 4 requests 600 ms apart: 1.8 s in all, longer than the timeout, no gap as long.
  for (int i = 0; i < 4; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(600));
    EXPECT_EQ(Exchange(s, kRequest, 4096), "action=DUNNO\n\n") << "request " << i;
  }
}

TEST_F(PolicyServerTest, HeldAccountIsAnsweredHoldUntilReleased) {
  AlertsOptions o;
  o.detectors.action = AlertAction::kHold;
  o.detectors.cold_caps.per_minute = 2;
  Start(o);
  auto s = Connect();
  std::string last;
  for (int i = 0; i < 4; ++i) {
    std::string r = kRequest;
    r.replace(r.find("instance=1.2"), 12, "instance=9." + std::to_string(i));
    last = Exchange(s, r, 4096);
  }
  EXPECT_EQ(last.substr(0, 12), "action=HOLD ");
  EXPECT_EQ(server_->held_count(), 1u);
  EXPECT_TRUE(server_->Release("u@example.com", AuditEntry{"test", "account.release", "u@example.com", ""}).ok());
  EXPECT_EQ(Exchange(s, kRequest, 4096), "action=DUNNO\n\n");
}

// Runs a PolicyServer (options `o`, its store at `so`, a fixed clock) and sends `requests` on one
// connection; the server has stopped, and saved its state, when this returns the answers.
std::vector<std::string> ServeWithStore(AlertsOptions o, const StoreOptions& so, const std::vector<std::string>& requests) {
  o.policy.listen_tcp = "127.0.0.1:0";
  PolicyServer server(o, [&] { return OpenSqliteStore(so); }, nullptr);
  server.set_clock([] { return EventTime{1795392000 + 36000}; });
  std::vector<std::string> answers;
  if (!server.Start().ok()) return answers;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.tcp_port())});
  for (const auto& r : requests) answers.push_back(Exchange(s, r, 4096));
  server.Stop();
  return answers;
}

// kRequest with another instance (and account, when given).
std::string RequestFor(const std::string& instance, const std::string& account = "u@example.com") {
  std::string r = kRequest;
  r.replace(r.find("instance=1.2"), 12, "instance=" + instance);
  r.replace(r.find("u@example.com"), 13, account);
  return r;
}

TEST(PolicyServerStoreTest, LearnedStateAndHoldsSurviveARestartThroughTheStore) {
  testing::TempDir dir;
  StoreOptions so;
  so.path = (dir / "fbl.db").string();
  AlertsOptions o;
  o.policy.listen_tcp = "127.0.0.1:0";
  o.detectors.action = AlertAction::kHold;
  o.detectors.cold_caps.per_minute = 2;
  EXPECT_EQ(ServeWithStore(o, so, {RequestFor("7.0"), RequestFor("7.1"), RequestFor("7.2")}).size(), 3u);
  auto store = OpenSqliteStore(so);
  ASSERT_TRUE(store.ok());
  auto states = (*store)->LoadDetectorStates();
  ASSERT_TRUE(states.ok()) << states.error().ToString();
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].username, "u@example.com");
  RateDetectors restored(DetectorOptions{});
  EXPECT_TRUE(restored.RestoreAccount("u@example.com", (*states)[0].state_blob).ok());
  // A new server starts with the account held (from the accounts table).
  PolicyServer again(o, [&] { return OpenSqliteStore(so); }, nullptr);
  ASSERT_TRUE(again.Start().ok());
  EXPECT_EQ(again.held_count(), 1u);
  again.Stop();
}

// The state save serialises the dirty accounts a slice at a time (so that answers go on
// between slices); every account still reaches the store, more than one slice of them.
TEST(PolicyServerStoreTest, EveryDirtyAccountIsSavedAcrossSlices) {
  testing::TempDir dir;
  StoreOptions so;
  so.path = (dir / "fbl.db").string();
  constexpr int kAccounts = 40;  // two and a half slices
  std::vector<std::string> requests;
  for (int i = 0; i < kAccounts; ++i) {
    requests.push_back(RequestFor("8." + std::to_string(i), "u" + std::to_string(i) + "@example.com"));
  }
  EXPECT_EQ(ServeWithStore(AlertsOptions{}, so, requests), std::vector<std::string>(kAccounts, "action=DUNNO\n\n"));
  auto store = OpenSqliteStore(so);
  ASSERT_TRUE(store.ok());
  auto states = (*store)->LoadDetectorStates();
  ASSERT_TRUE(states.ok()) << states.error().ToString();
  ASSERT_EQ(states->size(), static_cast<std::size_t>(kAccounts));
  std::set<std::string> names;
  RateDetectors restored(DetectorOptions{});
  for (const auto& st : *states) {
    names.insert(st.username);
    EXPECT_TRUE(restored.RestoreAccount(st.username, st.state_blob).ok()) << st.username;
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kAccounts));
  EXPECT_EQ(names.count("u39@example.com"), 1u);
}

}  // namespace
}  // namespace fbl
