#include "fbl/net/timed_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <future>
#include <optional>
#include <thread>

#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A loopback server on its own thread: accepts one connection and runs `serve` on it.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(tcp::socket&)> serve)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, serve] {
      tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (!ec) serve(s);
    });
  }
  ~LoopbackServer() { thread_.join(); }
  int port() const { return port_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;
};

template <typename F>
void RunCoroutine(F body) {
  asio::io_context io;
  asio::co_spawn(io, body(io.get_executor()), asio::detached);
  io.run();
}

TEST(TimedStreamTest, ReadsLinesAndStripsCrlf) {
  LoopbackServer server([](tcp::socket& s) {
    asio::write(s, asio::buffer(std::string("* OK hello\r\nsecond\nrest")));
  });
  std::string first, second;
  IoError ec1, ec2;
  RunCoroutine([&](asio::any_io_executor ex) -> Awaitable<void> {
    TimedStream stream(ex, nullptr);
    EXPECT_FALSE(co_await stream.Connect("127.0.0.1", server.port(), Millis(2000)));
    ec1 = co_await stream.ReadLine(&first, 100, Millis(2000));
    ec2 = co_await stream.ReadLine(&second, 100, Millis(2000));
  });
  EXPECT_FALSE(ec1);
  EXPECT_EQ(first, "* OK hello");
  EXPECT_FALSE(ec2);
  EXPECT_EQ(second, "second");
}

TEST(TimedStreamTest, ServerThatStopsAnsweringEndsInTimedOut) {
  std::promise<void> done;
  auto finished = done.get_future();
  LoopbackServer server([&](tcp::socket&) { finished.wait(); });
  IoError ec;
  std::string line;
  RunCoroutine([&](asio::any_io_executor ex) -> Awaitable<void> {
    TimedStream stream(ex, nullptr);
    EXPECT_FALSE(co_await stream.Connect("127.0.0.1", server.port(), Millis(2000)));
    ec = co_await stream.ReadLine(&line, 100, Millis(100));
  });
  done.set_value();
  EXPECT_EQ(ec, asio::error::timed_out);
}

TEST(TimedStreamTest, EndlessLineEndsInMessageSize) {
  LoopbackServer server([](tcp::socket& s) {
    boost::system::error_code ec;
    asio::write(s, asio::buffer(std::string(100000, 'x')), ec);
  });
  IoError ec;
  std::string line;
  RunCoroutine([&](asio::any_io_executor ex) -> Awaitable<void> {
    TimedStream stream(ex, nullptr);
    EXPECT_FALSE(co_await stream.Connect("127.0.0.1", server.port(), Millis(2000)));
    ec = co_await stream.ReadLine(&line, 1000, Millis(2000));
  });
  EXPECT_EQ(ec, asio::error::message_size);
}

// A TLS server with a self-signed certificate for "localhost" made by the openssl CLI.
struct Certificate {
  fbl::testing::TempDir dir;
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  Certificate() {
    int rc = fbl::testing::RunCommand(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
         "-out", cert});
    EXPECT_EQ(rc, 0);
  }
};

void ServeTls(tcp::socket& s, const Certificate& c) {
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  ctx.use_certificate_chain_file(c.cert);
  ctx.use_private_key_file(c.key, asio::ssl::context::pem);
  asio::ssl::stream<tcp::socket&> tls(s, ctx);
  boost::system::error_code ec;
  tls.handshake(asio::ssl::stream_base::server, ec);
  if (!ec) asio::write(tls, asio::buffer(std::string("hello\r\n")), ec);
}

IoError ConnectTls(int port, const std::string& host, const TlsClientOptions& options,
                     std::string* line, std::string* failure) {
  IoError ec;
  RunCoroutine([&](asio::any_io_executor ex) -> Awaitable<void> {
    auto ctx = MakeTlsClientContext(options);
    EXPECT_TRUE(ctx.ok());
    TimedStream stream(ex, *ctx);
    ec = co_await stream.Connect("127.0.0.1", port, Millis(2000));
    if (!ec) ec = co_await stream.StartTls(host, options, "test", Millis(2000));
    if (!ec) ec = co_await stream.ReadLine(line, 100, Millis(2000));
    *failure = stream.tls_failure();
  });
  return ec;
}

TEST(TlsTest, TrustedCertificateWithMatchingNameIsAccepted) {
  Certificate c;
  LoopbackServer server([&](tcp::socket& s) { ServeTls(s, c); });
  std::string line, failure;
  IoError ec = ConnectTls(server.port(), "localhost", {c.cert, false}, &line, &failure);
  EXPECT_FALSE(ec) << ec.message() << " " << failure;
  EXPECT_EQ(line, "hello");
}

TEST(TlsTest, WrongHostNameIsRefused) {
  Certificate c;
  LoopbackServer server([&](tcp::socket& s) { ServeTls(s, c); });
  std::string line, failure;
  IoError ec = ConnectTls(server.port(), "mail.example.org", {c.cert, false}, &line, &failure);
  EXPECT_TRUE(ec);
  EXPECT_NE(failure.find("hostname mismatch"), std::string::npos) << failure;
}

TEST(TlsTest, UntrustedCertificateIsRefusedByDefault) {
  Certificate c;
  LoopbackServer server([&](tcp::socket& s) { ServeTls(s, c); });
  std::string line, failure;
  IoError ec = ConnectTls(server.port(), "localhost", {"", false}, &line, &failure);
  EXPECT_TRUE(ec);
  EXPECT_NE(failure.find("certificate"), std::string::npos) << failure;
}

TEST(TlsTest, InsecureSkipVerifyAcceptsAnyCertificate) {
  Certificate c;
  LoopbackServer server([&](tcp::socket& s) { ServeTls(s, c); });
  std::string line, failure;
  IoError ec = ConnectTls(server.port(), "mail.example.org", {"", true}, &line, &failure);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(line, "hello");
}

TEST(TlsTest, MissingCaFileIsAnError) {
  auto ctx = MakeTlsClientContext({"/nonexistent/ca.pem", false});
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().code, fbl::ErrorCode::kIo);
}

}  // namespace
}  // namespace fbl::net
