// fblctl tokens issue|list|revoke against a database, and the issued token against ApiServer.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fbl/api/api_server.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

int GetStatus(int port, const std::string& target, const std::string& auth) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, auth);
  req.keep_alive(false);
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return res.result_int();
}

std::string Fblctl(const std::vector<std::string>& args, int* code, bool merge = false) {
  std::vector<std::string> argv = {testing::BinaryPath("fblctl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  *code = testing::RunCommand(argv, &out, merge);
  return out;
}

TEST(ApiTokensTest, IssuedTokenWorksUntilRevoked) {
  testing::TempDir dir;
  std::string db = (dir / "fbl.db").string();
  int code = -1;
  std::string token = Fblctl({"tokens", "issue", "--scope", "client:acme", "--note", "mailer", "--db", db}, &code);
  ASSERT_EQ(code, 0) << token;
  while (!token.empty() && token.back() == '\n') token.pop_back();
  ASSERT_NE(token.find('.'), std::string::npos) << token;
  std::string id = token.substr(0, token.find('.'));

  std::string list = Fblctl({"tokens", "list", "--db", db}, &code);
  ASSERT_EQ(code, 0);
  auto row = nlohmann::json::parse(list.substr(0, list.find('\n')));
  EXPECT_EQ(row["id"], id);
  EXPECT_EQ(row["scope"], "client:acme");
  EXPECT_EQ(row["writable"], false);
  EXPECT_TRUE(row["revoked_at"].is_null());
  EXPECT_EQ(list.find(token.substr(token.find('.') + 1)), std::string::npos) << "the secret is never listed";

  StoreOptions store_options;
  store_options.path = db;
  ApiOptions options;
  options.listen = "127.0.0.1:0";
  ApiServer server(options, store_options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(GetStatus(server.port(), "/v1/suppressions", "Bearer " + token), 200);

  Fblctl({"tokens", "revoke", id, "--db", db}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(GetStatus(server.port(), "/v1/suppressions", "Bearer " + token), 401);
  Fblctl({"tokens", "revoke", id, "--db", db}, &code);
  EXPECT_EQ(code, 1);
  server.Stop();
}

TEST(ApiTokensTest, IssueRejectsABadScope) {
  testing::TempDir dir;
  int code = -1;
  Fblctl({"tokens", "issue", "--scope", "root", "--db", (dir / "fbl.db").string()}, &code, true);
  EXPECT_EQ(code, 64);
}

}  // namespace
}  // namespace fbl
