// A scripted IMAP server on loopback for the cases a real Dovecot cannot play (hostile
// answers, mail announced at an exact moment): implicit TLS with the given certificate, one
// connection at a time, one line (without CRLF) at a time handed to the test's script.
// Header-only: the integration tests that use it already link Boost.Asio and OpenSSL.
#pragma once

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace fbl::testing {

class ScriptedImapServer {
 public:
  // What a script may do on the connection it answers.
  class Connection {
   public:
    explicit Connection(boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>& tls,
                        const std::atomic<bool>& stop)
        : tls_(tls), stop_(stop) {}
    void Send(const std::string& text) {
      boost::system::error_code ec;
      boost::asio::write(tls_, boost::asio::buffer(text), ec);
    }
    bool stopping() const { return stop_; }

   private:
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>& tls_;
    const std::atomic<bool>& stop_;
  };
  // Answers one command line; false drops the connection.
  using Script = std::function<bool(Connection& c, const std::string& line)>;

  // Starts serving at once: whatever `script` uses must already exist.
  ScriptedImapServer(const std::string& cert, const std::string& key, Script script)
      : script_(std::move(script)),
        ctx_(boost::asio::ssl::context::tls_server),
        acceptor_(io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, boost::asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~ScriptedImapServer() {
    stop_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    int fd = client_fd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
  }
  ScriptedImapServer(const ScriptedImapServer&) = delete;
  ScriptedImapServer& operator=(const ScriptedImapServer&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      boost::asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      ++connections_;
      client_fd_ = s.native_handle();
      Serve(s);
      client_fd_ = -1;
    }
  }

  void Serve(boost::asio::ip::tcp::socket& s) {
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> tls(s, ctx_);
    boost::system::error_code ec;
    tls.handshake(boost::asio::ssl::stream_base::server, ec);
    if (ec) return;
    Connection c(tls, stop_);
    c.Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE MOVE UIDPLUS] fake ready\r\n");
    boost::asio::streambuf buf;
    while (!stop_) {
      std::size_t n = boost::asio::read_until(tls, buf, "\r\n", ec);
      if (ec) return;
      std::string line(boost::asio::buffers_begin(buf.data()), boost::asio::buffers_begin(buf.data()) + n);
      buf.consume(n);
      line.resize(line.size() - 2);  // CRLF
      if (!script_(c, line)) return;
    }
  }

  Script script_;
  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> client_fd_{-1};
  std::thread thread_;
};

}  // namespace fbl::testing
