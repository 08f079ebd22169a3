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
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class NewMailDuringMoveServer {
 public:
  NewMailDuringMoveServer(const std::string& cert, const std::string& key)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~NewMailDuringMoveServer() {
    stop_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    int fd = client_fd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
  }
  int port() const { return port_; }
  int idles() const { return idles_; }
  static std::string Body(int uid) { return testing::MakeArfReport(uid); }

 private:
  void AcceptLoop() {
    while (!stop_) {
      tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      client_fd_ = s.native_handle();
      Serve(s);
      client_fd_ = -1;
    }
  }

  void Serve(tcp::socket& s) {
    asio::ssl::stream<tcp::socket&> tls(s, ctx_);
    boost::system::error_code ec;
    tls.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    Send(tls, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE MOVE UIDPLUS] fake ready\r\n");
    asio::streambuf buf;
    while (!stop_) {
      std::size_t n = asio::read_until(tls, buf, "\r\n", ec);
      if (ec) return;
      std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
      buf.consume(n);
      line.resize(line.size() - 2);
      if (!Answer(tls, line)) return;
    }
  }

  template <typename Stream>
  void Send(Stream& tls, const std::string& text) {
    boost::system::error_code ec;
    asio::write(tls, asio::buffer(text), ec);
  }

  // The mailbox: UID 1 at first; UID 2 arrives while UID 1 is being moved.
  template <typename Stream>
  bool Answer(Stream& tls, const std::string& line) {
    if (line == "DONE") {
      Send(tls, idle_tag_ + " OK idle done\r\n");
      return true;
    }
    std::size_t space = line.find(' ');
    if (space == std::string::npos) return false;
    std::string tag = line.substr(0, space);
    std::string cmd = line.substr(space + 1);
    if (cmd.rfind("LIST \"\" \"\"", 0) == 0) {
      Send(tls, "* LIST (\\Noselect) \".\" \"\"\r\n");
    } else if (cmd.rfind("LIST", 0) == 0) {
      Send(tls, "* LIST () \".\" " + cmd.substr(cmd.rfind(' ') + 1) + "\r\n");
    } else if (cmd.rfind("SELECT", 0) == 0) {
      Send(tls, "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n");
    } else if (cmd.rfind("UID FETCH", 0) == 0 && cmd.find("RFC822.SIZE") != std::string::npos) {
      for (int uid = first_uid_; uid <= last_uid_; ++uid) {
        Send(tls, "* 1 FETCH (UID " + std::to_string(uid) + " RFC822.SIZE " +
                      std::to_string(Body(uid).size()) + ")\r\n");
      }
    } else if (cmd.rfind("UID FETCH", 0) == 0) {
      int uid = std::atoi(cmd.c_str() + 10);
      std::string body = Body(uid);
      Send(tls, "* 1 FETCH (UID " + std::to_string(uid) + " BODY[] {" +
                    std::to_string(body.size()) + "}\r\n" + body + ")\r\n");
    } else if (cmd.rfind("UID MOVE", 0) == 0) {
      int uid = std::atoi(cmd.c_str() + 9);
      first_uid_ = uid + 1;
      std::string untagged = "* 1 EXPUNGE\r\n";
      if (uid == 1) {
        last_uid_ = 2;  // arrives now: announced here, and never again
        untagged += "* 1 EXISTS\r\n";
      }
      Send(tls, untagged);
    } else if (cmd == "IDLE") {
      ++idles_;
      idle_tag_ = tag;
      Send(tls, "+ idling\r\n");
      return true;  // nothing to report; the tagged answer follows DONE
    } else if (cmd.rfind("LOGOUT", 0) == 0) {
      Send(tls, "* BYE bye\r\n" + tag + " OK done\r\n");
      return false;
    }
    Send(tls, tag + " OK done\r\n");
    return true;
  }

  asio::io_context io_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  int first_uid_ = 1;
  int last_uid_ = 1;
  std::string idle_tag_;
  std::atomic<bool> stop_{false};
  std::atomic<int> idles_{0};
  std::atomic<int> client_fd_{-1};
  std::thread thread_;
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
