#include "fbl/notify/webhook.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/testing/test_util.h"

namespace fbl::notify {
namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// A one-request HTTP server on loopback (a thread with blocking Beast I/O): records the
// request and answers with `status`.
class OneShotServer {
 public:
  explicit OneShotServer(unsigned status)
      : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, status] {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      boost::beast::flat_buffer buffer;
      http::read(socket, buffer, request_, ec);
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = "{}";
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    });
  }
  ~OneShotServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/fbl?x=1"; }
  // REQUIRES: the request was served (call after PostWebhook returned).
  const http::request<http::string_body>& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  http::request<http::string_body> request_;
};

Status Post(const WebhookRequest& request) {
  boost::asio::io_context io;
  WebhookOptions options;
  options.timeout_ms = 3000;
  Status result = MakeError(ErrorCode::kInternal, "did not run");
  boost::asio::co_spawn(io, PostWebhook(io.get_executor(), options, request),
                        [&](std::exception_ptr e, Status s) {
                          EXPECT_FALSE(e);
                          result = s;
                        });
  io.run();
  return result;
}

OutboxItem SampleRow() {
  OutboxItem row;
  row.id = 9;
  row.client_id = "acme";
  row.kind = "complaint";
  row.channel = "webhook";
  row.message_id = "complaint-9@hoster.example";
  row.created_at = 1795000000;
  row.payload_json = R"({"client_id":"acme","provider":"aol","recipients":["a@b.example"]})";
  return row;
}

TEST(WebhookTest, SignedPostCarriesBodyAndVerifiableSignature) {
  OneShotServer server(200);
  Result<std::string> body = WebhookBody(SampleRow());
  ASSERT_TRUE(body.ok());
  WebhookRequest request{server.url(), "0123456789abcdef-secret", body.value(),
                         "complaint-9@hoster.example", 1795000123};
  Status s = Post(request);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  const auto& req = server.request();
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/hooks/fbl?x=1");
  EXPECT_EQ(req["X-FBL-Timestamp"], "1795000123");
  EXPECT_EQ(req["X-FBL-Message-ID"], "complaint-9@hoster.example");
  EXPECT_EQ(std::string(req["X-FBL-Signature"]),
            WebhookSignature("0123456789abcdef-secret", 1795000123, req.body()));
  EXPECT_NE(WebhookSignature("another-secret-of-16b", 1795000123, req.body()),
            std::string(req["X-FBL-Signature"]));
  nlohmann::json j = nlohmann::json::parse(req.body());
  EXPECT_EQ(j["message_id"], "complaint-9@hoster.example");
  EXPECT_EQ(j["event"]["provider"], "aol");
}

TEST(WebhookTest, ServerErrorIsWorthRetrying) {
  OneShotServer server(503);
  Status s = Post({server.url(), "0123456789abcdef", "{}", "m@x", 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
}

TEST(WebhookTest, ClientErrorIsPermanent) {
  OneShotServer server(410);
  Status s = Post({server.url(), "0123456789abcdef", "{}", "m@x", 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(WebhookTest, UnreachableReceiverIsWorthRetrying) {
  int port = testing::FreePort();
  Status s = Post({"http://127.0.0.1:" + std::to_string(port) + "/", "0123456789abcdef", "{}", "m@x", 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
}

TEST(WebhookTest, UrlsAreParsedStrictly) {
  Result<WebhookUrl> u = ParseWebhookUrl("https://hooks.example:8443/a/b?c=d");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/a/b?c=d");
  EXPECT_EQ(ParseWebhookUrl("http://h.example")->target, "/");
  EXPECT_FALSE(ParseWebhookUrl("ftp://h.example/").ok());
  EXPECT_FALSE(ParseWebhookUrl("http://h.example:99999/").ok());
  EXPECT_FALSE(ParseWebhookUrl("http://user@h.example/").ok());
  EXPECT_FALSE(ParseWebhookUrl("http://h.example/a b").ok());
}

}  // namespace
}  // namespace fbl::notify
