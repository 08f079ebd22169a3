// ApiServer in-process on an ephemeral loopback port, spoken to over real HTTP.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "fbl/api/api_server.h"
#include "tests/fbl/api_test_util.h"

namespace fbl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using testing::Encode;

constexpr auto kBound = std::chrono::seconds(10);  // longest any wait in these tests may take

// One client connection with a bounded receive timeout (never hangs the test).
class Client {
 public:
  explicit Client(int port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    timeval tv{static_cast<time_t>(kBound.count()), 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  http::response<http::string_body> Send(http::verb method, const std::string& target, const std::string& auth = "",
                                         const std::string& body = "", bool keep_alive = true) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.keep_alive(keep_alive);
    req.prepare_payload();
    http::write(socket_, req);
    return Read();
  }

  http::response<http::string_body> Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  void WriteRaw(std::string_view bytes) { net::write(socket_, net::buffer(bytes)); }

  // True iff the server closes the connection (EOF or reset) within `bound`. Data before the
  // close is read and dropped. (SO_RCVTIMEO does not bound asio's blocking reads: asio polls
  // again on EAGAIN; hence poll() here.)
  bool ClosedByServer(std::chrono::milliseconds bound = kBound) {
    char c;
    boost::system::error_code ec;
    const auto end = std::chrono::steady_clock::now() + bound;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) == 0) return false;
      socket_.read_some(net::buffer(&c, 1), ec);
      if (ec) return true;  // eof, reset, or another error: closed
    }
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string ErrorCodeOf(const http::response<http::string_body>& r) {
  auto j = json::parse(r.body(), nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"]["code"].get<std::string>() : "";
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_options_.path = (dir_ / "fbl.db").string();
    auto opened = SqliteStore::Open(store_options_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    admin_ = testing::IssueToken(*store_, "admin", true);
    acme_ = testing::IssueToken(*store_, "client:acme", true);
    options_.listen = "127.0.0.1:0";
    options_.threads = 2;
  }

  void StartServer() {
    server_ = std::make_unique<ApiServer>(options_, store_options_, &metrics_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    ASSERT_GT(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  testing::TempDir dir_;
  StoreOptions store_options_;
  ApiOptions options_;
  Metrics metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<ApiServer> server_;
  std::string admin_, acme_;
};

TEST_F(ApiServerTest, HealthzAndMetricsAnswerWithoutToken) {
  StartServer();
  Client c(server_->port());
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").result_int(), 200);
  EXPECT_EQ(c.Send(http::verb::get, "/readyz").result_int(), 200);
  auto m = c.Send(http::verb::get, "/metrics");
  EXPECT_EQ(m.result_int(), 200);
  EXPECT_NE(m.body().find("fbl_api_requests_total{code=\"200\",route=\"/healthz\"} 1"), std::string::npos) << m.body();
}

TEST_F(ApiServerTest, NoTokenAndBadTokenAreUnauthorized) {
  StartServer();
  Client c(server_->port());
  auto none = c.Send(http::verb::get, "/v1/suppressions/a%40example.com");
  EXPECT_EQ(none.result_int(), 401);
  EXPECT_EQ(ErrorCodeOf(none), "unauthorized");
  auto bad = c.Send(http::verb::get, "/v1/suppressions/a%40example.com", "", "", true);
  EXPECT_EQ(bad.result_int(), 401);
  auto wrong = c.Send(http::verb::get, "/v1/suppressions/a%40example.com", "Bearer 0123456789ab.deadbeef");
  EXPECT_EQ(wrong.result_int(), 401);
  EXPECT_EQ(ErrorCodeOf(wrong), "unauthorized");
}

TEST_F(ApiServerTest, ClientTokenOnAnotherClientsDataIsNotFound) {
  StartServer();
  Client c(server_->port());
  ASSERT_EQ(c.Send(http::verb::put, "/v1/suppressions/theirs%40example.com", admin_, R"({"scope":"globex"})")
                .result_int(), 200);
  auto foreign = c.Send(http::verb::get, "/v1/suppressions/theirs%40example.com", acme_);
  auto absent = c.Send(http::verb::get, "/v1/suppressions/nobody%40example.com", acme_);
  EXPECT_EQ(foreign.result_int(), 404);
  EXPECT_EQ(foreign.body(), absent.body());
}

TEST_F(ApiServerTest, OversizedBodyIsPayloadTooLargeWithAMessage) {
  options_.max_body_bytes = 64 * 1024;
  StartServer();
  Client c(server_->port());
  auto r = c.Send(http::verb::post, "/v1/suppressions/check", admin_, std::string(100 * 1024, ' '));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorCodeOf(r), "payload_too_large");
}

TEST_F(ApiServerTest, MalformedJsonIsABadRequestWithAMessage) {
  StartServer();
  Client c(server_->port());
  auto r = c.Send(http::verb::post, "/v1/suppressions/check", admin_, R"({"addresses": [)");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(ErrorCodeOf(r), "invalid_json");
  EXPECT_FALSE(json::parse(r.body())["error"]["message"].get<std::string>().empty());
}

TEST_F(ApiServerTest, CheckOf10001AddressesIsPayloadTooLarge) {
  StartServer();
  Client c(server_->port());
  json addresses = json::array();
  for (int i = 0; i < 10001; ++i) addresses.push_back("user" + std::to_string(i) + "@example.com");
  auto r = c.Send(http::verb::post, "/v1/suppressions/check", admin_, json{{"addresses", addresses}}.dump());
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorCodeOf(r), "payload_too_large");
}

TEST_F(ApiServerTest, OversizedHeadersAreRefused) {
  StartServer();
  Client c(server_->port());
  c.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(c.Read().result_int(), 431);
}

TEST_F(ApiServerTest, GarbageRequestIsABadRequest) {
  StartServer();
  Client c(server_->port());
  c.WriteRaw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(c.Read().result_int(), 400);
}

// Each timeout is checked with the other one far longer (60 s), so that the connection is not
// closed by the wrong one; the 10 s bound only tells "closed by this timeout" from "not".
TEST_F(ApiServerTest, IdleConnectionIsClosedByTheIdleTimeout) {
  options_.idle_timeout_ms = 200;
  options_.read_timeout_ms = 60000;
  StartServer();
  Client c(server_->port());
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").result_int(), 200);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ApiServerTest, SlowRequestIsClosedByTheReadTimeout) {
  options_.read_timeout_ms = 200;
  options_.idle_timeout_ms = 60000;
  StartServer();
  Client c(server_->port());
  c.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ApiServerTest, AnsweredConnectionStaysOpenWithinTheIdleTimeout) {
  options_.idle_timeout_ms = 60000;
  options_.read_timeout_ms = 200;  // shorter: must not close a connection waiting between requests
  StartServer();
  Client c(server_->port());
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").result_int(), 200);
  EXPECT_FALSE(c.ClosedByServer(std::chrono::milliseconds(1000)));
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").result_int(), 200);
}

TEST_F(ApiServerTest, HostileAddressesSurviveTheRoundTripOverHttp) {
  StartServer();
  Client c(server_->port());
  for (std::string address : {"100%pure@example.com", "a/b@example.com", "o'brien@example.com",
                              "\"x'; DROP TABLE suppressions; --\"@example.com", "josé@exämple.com",
                              "用户@例子.广告"}) {
    SCOPED_TRACE(address);
    auto put = c.Send(http::verb::put, "/v1/suppressions/" + Encode(address), admin_);
    ASSERT_EQ(put.result_int(), 200) << put.body();
    auto get = c.Send(http::verb::get, "/v1/suppressions/" + Encode(address), admin_);
    ASSERT_EQ(get.result_int(), 200) << get.body();
    EXPECT_EQ(json::parse(get.body())["suppressions"][0]["address_original"], address);
  }
}

TEST_F(ApiServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  Client c(server_->port());
  for (int i = 0; i < 50; ++i) {
    auto r = c.Send(http::verb::get, "/v1/suppressions/k" + std::to_string(i) + "%40example.com", admin_);
    ASSERT_EQ(r.result_int(), 404);
    EXPECT_TRUE(r.keep_alive());
  }
  auto last = c.Send(http::verb::get, "/healthz", "", "", /*keep_alive=*/false);
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ApiServerTest, ConnectionsBeyondTheLimitAreRefusedWith503) {
  options_.max_connections = 2;
  StartServer();
  auto a = std::make_unique<Client>(server_->port());
  Client b(server_->port());
  ASSERT_EQ(a->Send(http::verb::get, "/healthz").result_int(), 200);
  ASSERT_EQ(b.Send(http::verb::get, "/healthz").result_int(), 200);
  Client refused(server_->port());
  auto r = refused.Read();
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_TRUE(refused.ClosedByServer());
  a.reset();
  // Bounded poll until the server has noticed the close and frees the slot.
  auto start = std::chrono::steady_clock::now();
  while (server_->connections() >= 2 && std::chrono::steady_clock::now() - start < kBound) {
    std::this_thread::yield();
  }
  Client again(server_->port());
  EXPECT_EQ(again.Send(http::verb::get, "/healthz").result_int(), 200);
}

TEST_F(ApiServerTest, ReadyzAndRequestsWorkFromEveryThread) {
  options_.threads = 4;
  StartServer();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      Client c(server_->port());
      for (int i = 0; i < 25; ++i) {
        if (c.Send(http::verb::get, "/readyz").result_int() == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 100);
}

// The same requests, answered with every request on its I/O thread (workers = 0) and with the
// requests that are not point reads on workers: the answers are the same.
TEST_F(ApiServerTest, AnswersAreTheSameWithAndWithoutWorkers) {
  auto check_body = json{{"addresses", {"w1@example.com", "nobody@example.com", "W1@Example.COM"}}}.dump();
  std::vector<std::vector<std::string>> answers;
  for (int workers : {0, 2}) {
    SCOPED_TRACE(workers);
    options_.threads = 1;
    options_.workers = workers;
    StartServer();
    Client c(server_->port());
    std::vector<std::string> got;
    // The rows are written anew in each round, so their times may differ by a second: masked.
    const std::regex stamp(R"("\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")");
    auto add = [&](const http::response<http::string_body>& r, bool with_body) {
      got.push_back(std::to_string(r.result_int()) + " " +
                    (with_body ? std::regex_replace(r.body(), stamp, "\"<time>\"") : std::string()));
    };
    // Writes: their bodies carry the time, so only the status is compared.
    add(c.Send(http::verb::put, "/v1/suppressions/w1%40example.com", admin_), false);
    add(c.Send(http::verb::get, "/v1/suppressions/w1%40example.com", admin_), true);
    add(c.Send(http::verb::get, "/v1/suppressions/nobody%40example.com", admin_), true);
    add(c.Send(http::verb::post, "/v1/suppressions/check", admin_, check_body), true);
    add(c.Send(http::verb::get, "/v1/suppressions?limit=5", admin_), true);
    add(c.Send(http::verb::get, "/v1/suppressions/w1%40example.com", acme_), true);
    add(c.Send(http::verb::get, "/v1/complaints", admin_), true);
    add(c.Send(http::verb::post, "/v1/suppressions/check", admin_, "{not json"), true);
    add(c.Send(http::verb::patch, "/v1/suppressions/w1%40example.com", admin_), true);
    add(c.Send(http::verb::get, "/readyz"), true);
    add(c.Send(http::verb::delete_, "/v1/suppressions/w1%40example.com", admin_), false);
    answers.push_back(got);
    server_->Stop();
    server_.reset();
  }
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_EQ(answers[0][0], "200 ");
  EXPECT_EQ(answers[0][3].substr(0, 4), "200 ");
  EXPECT_NE(answers[0][3].find("\"suppressed\":true"), std::string::npos) << answers[0][3];
  EXPECT_NE(answers[0][1].find("\"first_seen\":\"<time>\""), std::string::npos) << answers[0][1];
}

// A request on a worker when the server stops: Stop() returns, and the connection is closed
// (the answer may or may not have been written before).
TEST_F(ApiServerTest, StopWhileAWorkerAnswersEndsTheConnection) {
  options_.threads = 1;
  options_.workers = 1;
  StartServer();
  json addresses = json::array();
  for (int i = 0; i < 10000; ++i) addresses.push_back("stop" + std::to_string(i) + "@example.com");
  std::string body = json{{"addresses", addresses}}.dump();
  Client c(server_->port());
  http::request<http::string_body> req{http::verb::post, "/v1/suppressions/check", 11};
  req.set(http::field::authorization, admin_);
  req.body() = body;
  req.prepare_payload();
  std::ostringstream raw;
  raw << req;
  c.WriteRaw(raw.str());
  server_->Stop();
  server_.reset();
  EXPECT_TRUE(c.ClosedByServer());
}

}  // namespace
}  // namespace fbl
