// Regression test for a bug the soak found (tests/soak/README.md): new mail that the server
// announced during a drain — an untagged EXISTS in the answer to UID MOVE — was ignored, and
// the source went into IDLE, where a server does not announce it again; the report sat in
// INBOX until the next message or the IDLE renewal (25 minutes). A scripted fake server on
// loopback plays exactly that: message 2 "arrives" during the MOVE of message 1, and IDLE
// never reports anything.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <thread>

#include "fbl/config/config.h"
#include "fbl/metrics/metrics.h"
#include "fbl/pipeline/decision.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/imap_source.h"
#include "store/sqlite_store.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/process.h"
#include "tests/testing/scripted_imap_server.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class NewMailDuringMoveServer {
 public:
  NewMailDuringMoveServer(const std::string& cert, const std::string& key)
      : server_(cert, key, [this](testing::ScriptedImapServer::Connection& c, const std::string& line) {
          return Answer(c, line);
        }) {}
  int port() const { return server_.port(); }
  int idles() const { return idles_; }
  static std::string Body(int uid) { return testing::MakeArfReport(uid); }

 private:
  using Connection = testing::ScriptedImapServer::Connection;

  // The mailbox: UID 1 at first; UID 2 arrives while UID 1 is being moved.
  bool Answer(Connection& tls, const std::string& line) {
    if (line == "DONE") {
      tls.Send(idle_tag_ + " OK idle done\r\n");
      return true;
    }
    std::size_t space = line.find(' ');
    if (space == std::string::npos) return false;
    std::string tag = line.substr(0, space);
    std::string cmd = line.substr(space + 1);
    if (cmd.rfind("LIST \"\" \"\"", 0) == 0) {
      tls.Send("* LIST (\\Noselect) \".\" \"\"\r\n");
    } else if (cmd.rfind("LIST", 0) == 0) {
      tls.Send("* LIST () \".\" " + cmd.substr(cmd.rfind(' ') + 1) + "\r\n");
    } else if (cmd.rfind("SELECT", 0) == 0) {
      tls.Send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n");
    } else if (cmd.rfind("UID FETCH", 0) == 0 && cmd.find("RFC822.SIZE") != std::string::npos) {
      for (int uid = first_uid_; uid <= last_uid_; ++uid) {
        tls.Send("* 1 FETCH (UID " + std::to_string(uid) + " RFC822.SIZE " +
                      std::to_string(Body(uid).size()) + ")\r\n");
      }
    } else if (cmd.rfind("UID FETCH", 0) == 0) {
      int uid = std::atoi(cmd.c_str() + 10);
      std::string body = Body(uid);
      tls.Send("* 1 FETCH (UID " + std::to_string(uid) + " BODY[] {" +
                    std::to_string(body.size()) + "}\r\n" + body + ")\r\n");
    } else if (cmd.rfind("UID MOVE", 0) == 0) {
      int uid = std::atoi(cmd.c_str() + 9);
      first_uid_ = uid + 1;
      std::string untagged = "* 1 EXPUNGE\r\n";
      if (uid == 1) {
        last_uid_ = 2;  // arrives now: announced here, and never again
        untagged += "* 1 EXISTS\r\n";
      }
      tls.Send(untagged);
    } else if (cmd == "IDLE") {
      ++idles_;
      idle_tag_ = tag;
      tls.Send("+ idling\r\n");
      return true;  // nothing to report; the tagged answer follows DONE
    } else if (cmd.rfind("LOGOUT", 0) == 0) {
      tls.Send("* BYE bye\r\n" + tag + " OK done\r\n");
      return false;
    }
    tls.Send(tag + " OK done\r\n");
    return true;
  }

  int first_uid_ = 1;
  int last_uid_ = 1;
  std::string idle_tag_;
  std::atomic<int> idles_{0};
  testing::ScriptedImapServer server_;  // last: it serves as soon as it is built
};

TEST(ImapNewMail, MailAnnouncedDuringAMoveIsDrainedWithoutWaitingForIdle) {
  testing::TempDir dir;
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  ASSERT_EQ(testing::RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                                 "2", "-subj", "/CN=localhost", "-addext",
                                 "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert}),
            0);
  auto config = ParseConfig("[store]\npath = \"" + dir.str() + "/fbl.db\"\n", "t.toml");
  ASSERT_TRUE(config.ok());
  auto store = OpenSqliteStore(config->store);
  ASSERT_TRUE(store.ok());
  Metrics metrics;
  Pipeline pipeline(store->get(), *config, &metrics);
  NewMailDuringMoveServer server(cert, key);
  ImapSourceOptions o;
  o.name = "fake";
  o.host = "localhost";
  o.port = server.port();
  o.ca_file = cert;
  o.user = "u";
  o.password = "p";
  o.command_timeout_ms = 2000;
  o.reconnect_min_ms = 20;
  o.reconnect_max_ms = 100;
  asio::io_context io;
  ImapSource source(io, o, &pipeline, store->get(), &metrics);
  source.Start();
  Sha256 second = ComputeSha256(NewMailDuringMoveServer::Body(2));
  auto stored = [&] {
    auto r = (*store)->HasReport(second);
    return r.ok() && *r;
  };
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && !stored()) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(stored()) << "message 2 waited in INBOX (" << server.idles() << " IDLE)";
  auto first = (*store)->HasReport(ComputeSha256(NewMailDuringMoveServer::Body(1)));
  EXPECT_TRUE(first.ok() && *first);
  source.Stop();
  auto stop_deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < stop_deadline && source.running() > 0) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
}

}  // namespace
}  // namespace fbl
