// Hostile IMAP servers that a real Dovecot cannot imitate: a scripted fake server on loopback
// (implicit TLS with a throw-away certificate). Every case must end in a logged error, a
// counted error and a reconnect — never a crash, a hang or a stored message.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <thread>

#include "fbl/config/config.h"
#include "fbl/metrics/metrics.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/imap_source.h"
#include "store/sqlite_store.h"
#include "tests/testing/process.h"
#include "tests/testing/scripted_imap_server.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

enum class Hostility { kHugeLiteral, kEndlessLine, kMalformed, kSilent, kByeMidCommand };

// The script: a plain mailbox up to the hostile part, chosen by `mode`.
class FakeServer {
 public:
  FakeServer(Hostility mode, const std::string& cert, const std::string& key)
      : mode_(mode),
        server_(cert, key, [this](testing::ScriptedImapServer::Connection& c, const std::string& line) {
          return Answer(c, line);
        }) {}
  int port() const { return server_.port(); }
  int connections() const { return server_.connections(); }
  int fetches() const { return fetches_; }

 private:
  using Connection = testing::ScriptedImapServer::Connection;

  // False to drop the connection.
  bool Answer(Connection& tls, const std::string& line) {
    std::string tag = line.substr(0, line.find(' '));
    std::string cmd = line.substr(tag.size() + 1);
    auto ok = [&] { tls.Send(tag + " OK done\r\n"); };
    if (cmd.rfind("LIST \"\" \"\"", 0) == 0) {
      tls.Send("* LIST (\\Noselect) \".\" \"\"\r\n");
    } else if (cmd.rfind("LIST", 0) == 0) {
      std::string name = cmd.substr(cmd.rfind(' ') + 1);
      tls.Send("* LIST () \".\" " + name + "\r\n");
    } else if (cmd.rfind("SELECT", 0) == 0) {
      if (mode_ == Hostility::kSilent) {
        ++fetches_;  // counts as reaching the hostile part
        return true;  // never answers
      }
      tls.Send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n");
    } else if (cmd.rfind("UID FETCH", 0) == 0) {
      ++fetches_;
      return Hostile(tls, tag);
    } else if (cmd.rfind("LOGOUT", 0) == 0) {
      tls.Send("* BYE bye\r\n");
      ok();
      return false;
    }
    ok();
    return true;
  }

  bool Hostile(Connection& tls, const std::string& tag) {
    switch (mode_) {
      case Hostility::kHugeLiteral:
        tls.Send("* 1 FETCH (UID 1 RFC822.SIZE 10 BODY[] {9999999999}\r\n");
        tls.Send(std::string(64 * 1024, 'x'));
        return true;
      case Hostility::kEndlessLine:
        for (int i = 0; i < 64 && !tls.stopping(); ++i) tls.Send("* OK " + std::string(64 * 1024, 'x'));
        return true;
      case Hostility::kMalformed:
        tls.Send("* 1 FETCH (UID \"x\" RFC822.SIZE)))\r\n" + tag + " OK done\r\n");
        return true;
      case Hostility::kByeMidCommand:
        tls.Send("* BYE going away\r\n");
        return false;
      case Hostility::kSilent:
        break;
    }
    return true;
  }

  Hostility mode_;
  std::atomic<int> fetches_{0};
  testing::ScriptedImapServer server_;  // last: it serves as soon as it is built
};

class HostileTest : public ::testing::TestWithParam<Hostility> {
 protected:
  void SetUp() override {
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    ASSERT_EQ(testing::RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                   "-days", "2", "-subj", "/CN=localhost", "-addext",
                                   "subjectAltName=DNS:localhost", "-keyout", key_, "-out", cert_}),
              0);
    auto config = ParseConfig("[store]\npath = \"" + dir_.str() + "/fbl.db\"\n", "t.toml");
    ASSERT_TRUE(config.ok());
    config_ = std::move(config).value();
    auto store = OpenSqliteStore(config_.store);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    pipeline_ = std::make_unique<Pipeline>(store_.get(), config_, &metrics_);
  }

  ImapSourceOptions Options(int port) const {
    ImapSourceOptions o;
    o.name = "fake";
    o.host = "localhost";
    o.port = port;
    o.ca_file = cert_;
    o.user = "u";
    o.password = "p";
    o.max_line_bytes = 16 * 1024;
    o.max_message_bytes = 1024 * 1024;
    o.command_timeout_ms = 300;
    o.connect_timeout_ms = 2000;
    o.fetch_timeout_ms = 300;
    o.reconnect_min_ms = 20;
    o.reconnect_max_ms = 100;
    return o;
  }

  testing::TempDir dir_;
  std::string cert_, key_;
  Config config_;
  Metrics metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_P(HostileTest, EndsInAnErrorAndAReconnectNeverACrashOrAHang) {
  FakeServer server(GetParam(), cert_, key_);
  asio::io_context io;
  ImapSource source(io, Options(server.port()), pipeline_.get(), store_.get(), &metrics_);
  source.Start();
  auto deadline = Clock::now() + std::chrono::seconds(20);
  auto& errors = metrics_.mailbox_errors.Add({{"mailbox", "fake/INBOX"}});
  while (Clock::now() < deadline && (errors.Value() < 2 || server.connections() < 3)) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(errors.Value(), 2);
  EXPECT_GE(server.connections(), 3) << "reconnected after each failure";
  EXPECT_GE(server.fetches(), 2) << "the session got as far as the hostile answer";
  EXPECT_EQ(source.running(), 1);
  source.Stop();
  auto stop_deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < stop_deadline && source.running() > 0) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(source.running(), 0) << "Stop() ends the session promptly";
  auto state = store_->GetMailboxState(ImapStateKey(Options(0), "INBOX"));
  ASSERT_TRUE(state.ok());
  // SELECT stores the UIDVALIDITY; no batch may have advanced the last UID.
  EXPECT_TRUE(!state->has_value() || (*state)->last_uid == 0) << "nothing was processed";
}

INSTANTIATE_TEST_SUITE_P(Servers, HostileTest,
                         ::testing::Values(Hostility::kHugeLiteral, Hostility::kEndlessLine,
                                           Hostility::kMalformed, Hostility::kSilent,
                                           Hostility::kByeMidCommand),
                         [](const auto& info) {
                           switch (info.param) {
                             case Hostility::kHugeLiteral: return "HugeLiteral";
                             case Hostility::kEndlessLine: return "EndlessLine";
                             case Hostility::kMalformed: return "MalformedResponse";
                             case Hostility::kSilent: return "StopsAnswering";
                             case Hostility::kByeMidCommand: return "ByeMidCommand";
                           }
                           return "Unknown";
                         });

}  // namespace
}  // namespace fbl
