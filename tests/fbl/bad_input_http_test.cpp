// Bad-input catalogue (docs/bad-inputs.md), HTTP API: hostile requests written byte for byte
// to the real ApiServer on a loopback port. Each gets one precise status and error code; none
// reaches the store unchecked, and the server keeps serving.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>

#include "fbl/api/api_server.h"
#include "tests/fbl/api_test_util.h"

namespace fbl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Answer {
  int status = 0;  // 0: the server closed without answering
  std::string code;  // error.code of the JSON body, "" when none
  std::string body;
};

class BadInputHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    store_options_.path = (dir_ / "fbl.db").string();
    auto opened = SqliteStore::Open(store_options_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    admin_ = testing::IssueToken(**opened, "admin", true);
    options_.listen = "127.0.0.1:0";
    options_.threads = 1;
    options_.max_body_bytes = 64 * 1024;
    server_ = std::make_unique<ApiServer>(options_, store_options_, &metrics_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Writes `raw` on a new connection and reads `count` answers (bounded by a 10 s timeout).
  std::vector<Answer> SendRaw(const std::string& raw, int count = 1) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())));
    timeval tv{10, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::system::error_code ec;
    net::write(socket, net::buffer(raw), ec);
    std::vector<Answer> out;
    beast::flat_buffer buffer;
    for (int i = 0; i < count; ++i) {
      http::response_parser<http::string_body> parser;
      http::read(socket, buffer, parser, ec);
      if (ec) {
        out.push_back(Answer{});
        break;
      }
      Answer a;
      a.status = parser.get().result_int();
      a.body = parser.get().body();
      auto j = nlohmann::json::parse(a.body, nullptr, false);
      if (j.is_object() && j.contains("error")) a.code = j["error"]["code"].get<std::string>();
      out.push_back(a);
    }
    return out;
  }

  Answer Send(const std::string& raw) { return SendRaw(raw).front(); }

  // A request with the admin token and, when given, a JSON body.
  std::string Request(const std::string& method, const std::string& target, const std::string& body = "") {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + admin_ + "\r\n";
    if (!body.empty()) r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
  }

  // The server still answers /healthz on a new connection.
  void ExpectStillServing() { EXPECT_EQ(Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200); }

  testing::TempDir dir_;
  StoreOptions store_options_;
  ApiOptions options_;
  Metrics metrics_;
  std::unique_ptr<ApiServer> server_;
  std::string admin_;
};

TEST_F(BadInputHttp, BadPercentEscapeInThePathIsABadRequest) {
  Answer a = Send(Request("GET", "/v1/suppressions/a%zz%40example.com"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
}

TEST_F(BadInputHttp, EncodedNulInTheAddressIsAnInvalidAddress) {
  Answer a = Send(Request("PUT", "/v1/suppressions/a%00b%40example.com"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "invalid_address");
}

TEST_F(BadInputHttp, JsonArrayInsteadOfAnObjectIsInvalidJson) {
  Answer a = Send(Request("POST", "/v1/suppressions/check", R"(["a@example.com"])"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "invalid_json");
  EXPECT_NE(a.body.find("the body must be a JSON object"), std::string::npos) << a.body;
}

TEST_F(BadInputHttp, JsonNestedTenThousandDeepIsInvalidJsonWithoutRecursion) {
  std::string deep = "{\"addresses\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
  Answer a = Send(Request("POST", "/v1/suppressions/check", deep));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "invalid_json");
  EXPECT_NE(a.body.find("nested deeper than"), std::string::npos) << a.body;
}

TEST_F(BadInputHttp, InvalidUtf8InAJsonStringIsInvalidJson) {
  Answer a = Send(Request("POST", "/v1/suppressions/check", "{\"addresses\":[\"a\xff\xfe@example.com\"]}"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "invalid_json");
}

TEST_F(BadInputHttp, AddressesThatAreNotStringsAreInvalidItemsOfTheAnswer) {
  Answer a = Send(Request("POST", "/v1/suppressions/check", R"({"addresses":[1,{"x":null},"ok@example.com"]})"));
  ASSERT_EQ(a.status, 200) << a.body;
  auto results = nlohmann::json::parse(a.body)["results"];
  ASSERT_EQ(results.size(), 3u) << a.body;
  EXPECT_EQ(results[0]["error"], "invalid address");
  EXPECT_EQ(results[1]["error"], "invalid address");
  EXPECT_EQ(results[2]["suppressed"], false);
}

TEST_F(BadInputHttp, NonNumericContentLengthIsABadRequest) {
  Answer a = Send("POST /v1/suppressions/check HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n{}");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
  ExpectStillServing();
}

TEST_F(BadInputHttp, ConflictingContentLengthsAreABadRequest) {
  Answer a = Send("POST /v1/suppressions/check HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                  "Content-Length: 40\r\n\r\n{}");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
}

TEST_F(BadInputHttp, ChunkedBodyOverTheLimitIsPayloadTooLarge) {
  std::string r = "POST /v1/suppressions/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunk(16 * 1024, ' ');
  for (int i = 0; i < 5; ++i) r += "4000\r\n" + chunk + "\r\n";
  Answer a = Send(r + "0\r\n\r\n");
  EXPECT_EQ(a.status, 413);
  EXPECT_EQ(a.code, "payload_too_large");
}

TEST_F(BadInputHttp, UnknownMethodIsMethodNotAllowed) {
  Answer a = Send("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(a.code, "method_not_allowed");
}

TEST_F(BadInputHttp, DotDotSegmentsDoNotEscapeTheRouteTable) {
  Answer a = Send(Request("GET", "/v1/suppressions/../../healthz"));
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.code, "not_found");
}

TEST_F(BadInputHttp, BasicAuthorizationIsUnauthorized) {
  Answer a = Send("GET /v1/suppressions/a%40example.com HTTP/1.1\r\nHost: x\r\n"
                  "Authorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.code, "unauthorized");
}

TEST_F(BadInputHttp, TenKilobyteBearerTokenIsUnauthorized) {
  Answer a = Send("GET /v1/suppressions/a%40example.com HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  std::string(10000, 'A') + "." + std::string(100, 'b') + "\r\n\r\n");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.code, "unauthorized");
}

TEST_F(BadInputHttp, AbsoluteFormTargetIsABadRequest) {
  Answer a = Send("GET http://evil.example/healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
}

TEST_F(BadInputHttp, BadEscapeInAQueryParameterIsABadRequest) {
  Answer a = Send(Request("GET", "/v1/suppressions?cursor=%G1"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
}

TEST_F(BadInputHttp, UnixSecondsOutsideTheCalendarAreABadRequest) {
  // INT64_MIN as `since` once reached `until - since` (signed overflow) in the stats handler.
  for (std::string q : {"since=-9223372036854775808&until=100", "until=-9223372036854775807",
                        "since=9223372036854775807"}) {
    SCOPED_TRACE(q);
    Answer a = Send(Request("GET", "/v1/clients/acme/stats?" + q));
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(a.code, "bad_request");
    EXPECT_NE(a.body.find("out of range"), std::string::npos) << a.body;
  }
}

TEST_F(BadInputHttp, HeaderLineWithoutAColonIsABadRequest) {
  Answer a = Send("GET /healthz HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
  ExpectStillServing();
}

TEST_F(BadInputHttp, Http2PrefaceIsRefusedAndTheServerKeepsServing) {
  Answer a = Send(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
  EXPECT_EQ(a.status, 400);
  ExpectStillServing();
}

TEST_F(BadInputHttp, PipelinedRequestsAreAnsweredInOrder) {
  std::string two = "GET /v1/suppressions/nobody%40example.com HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                    admin_ + "\r\n\r\nGET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<Answer> answers = SendRaw(two, 2);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].status, 404);
  EXPECT_EQ(answers[0].code, "not_found");
  EXPECT_EQ(answers[1].status, 404);
}

}  // namespace
}  // namespace fbl
