// The API handlers against a real SQLite store, without sockets.
#include <gtest/gtest.h>

#include "tests/fbl/api_test_util.h"

namespace fbl {
namespace {

using testing::Encode;
using nlohmann::json;

class ApiHandlersTest : public testing::ApiStoreFixture {};

TEST_F(ApiHandlersTest, HealthzAnswersWithoutToken) {
  auto r = Call("GET", "/healthz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["status"], "ok");
}

TEST_F(ApiHandlersTest, ReadyzAnswersWhenTheStoreIsReachable) {
  EXPECT_EQ(Call("GET", "/readyz", "").status, 200);
}

TEST_F(ApiHandlersTest, RequestWithoutTokenIsUnauthorized) {
  auto r = Call("GET", "/v1/suppressions/a%40example.com", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "unauthorized");
}

TEST_F(ApiHandlersTest, MalformedWrongAndRevokedTokensAreUnauthorized) {
  std::string id;
  std::string token = testing::IssueToken(*store_, "admin", false, &id);
  EXPECT_EQ(Call("GET", "/v1/suppressions", "Bearer nonsense").status, 401);
  EXPECT_EQ(Call("GET", "/v1/suppressions", "Basic dXNlcjpwYXNz").status, 401);
  std::string wrong_secret = token.substr(0, token.size() - 4) + "0000";
  if (wrong_secret == token) wrong_secret = token.substr(0, token.size() - 4) + "1111";
  EXPECT_EQ(Call("GET", "/v1/suppressions", wrong_secret).status, 401);
  EXPECT_EQ(Call("GET", "/v1/suppressions", "Bearer abcdef.0123").status, 401);
  EXPECT_EQ(Call("GET", "/v1/suppressions", token).status, 200);
  ASSERT_TRUE(store_->RevokeApiToken(id, 2000, AuditEntry{"test", "token.revoke", id, ""}).ok());
  EXPECT_EQ(Call("GET", "/v1/suppressions", token).status, 401);
}

TEST_F(ApiHandlersTest, AnonymousReadsNeedTheOptionLoopbackAndGet) {
  Suppress("*", "anon@example.com");
  EXPECT_EQ(Call("GET", "/v1/suppressions/anon%40example.com", "").status, 401);
  options_.allow_anonymous_reads = true;
  EXPECT_EQ(Call("GET", "/v1/suppressions/anon%40example.com", "").status, 200);
  EXPECT_EQ(Call("GET", "/v1/suppressions/anon%40example.com", "", "", /*loopback=*/false).status, 401);
  EXPECT_EQ(Call("DELETE", "/v1/suppressions/anon%40example.com", "").status, 401);
  EXPECT_EQ(Call("POST", "/v1/suppressions/check", "", R"({"addresses":[]})").status, 401);
}

TEST_F(ApiHandlersTest, SuppressedAddressIsFoundWithItsRecord) {
  Suppress("*", "Victim@Example.COM");
  auto r = Call("GET", "/v1/suppressions/" + Encode("victim@example.com"), admin_ro_);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["address"], "victim@example.com");
  ASSERT_EQ(j["suppressions"].size(), 1u);
  EXPECT_EQ(j["suppressions"][0]["reason"], "complaint");
  EXPECT_EQ(j["suppressions"][0]["address_original"], "Victim@Example.COM");
  EXPECT_EQ(j["suppressions"][0]["scope"], "*");
}

TEST_F(ApiHandlersTest, UnsuppressedAddressIsNotFound) {
  auto r = Call("GET", "/v1/suppressions/nobody%40example.com", admin_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Code(r), "not_found");
}

TEST_F(ApiHandlersTest, ClientTokenSeesAnotherClientsAddressExactlyAsNotFound) {
  Suppress("globex", "secret@example.com");
  auto foreign = Call("GET", "/v1/suppressions/secret%40example.com", acme_);
  auto absent = Call("GET", "/v1/suppressions/never%40example.com", acme_);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body, absent.body);
  EXPECT_EQ(Call("GET", "/v1/suppressions/secret%40example.com", globex_).status, 200);
}

TEST_F(ApiHandlersTest, ClientTokenSeesGlobalSuppressionsButNotOtherScopesRows) {
  Suppress("*", "both@example.com");
  Suppress("globex", "both@example.com");
  auto r = Call("GET", "/v1/suppressions/both%40example.com", acme_);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(Body(r)["suppressions"].size(), 1u);
  EXPECT_EQ(Body(r)["suppressions"][0]["scope"], "*");
}

TEST_F(ApiHandlersTest, HostileAddressesSurviveThePutGetDeleteRoundTrip) {
  const std::vector<std::string> hostile = {
      "100%pure@example.com",         "a/b@example.com",          "o'brien@example.com",
      "\"quoted name\"@example.com",  "x'or'1'='1--@example.com",
      "\"x'; DROP TABLE suppressions; --\"@example.com",
      "josé@exämple.com",             "用户@例子.广告",            "a+tag%2F@example.com"};
  for (const auto& address : hostile) {
    SCOPED_TRACE(address);
    auto put = Call("PUT", "/v1/suppressions/" + Encode(address), admin_, R"({"note":"manual"})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Body(put)["address_original"], address);
    auto get = Call("GET", "/v1/suppressions/" + Encode(address), admin_);
    ASSERT_EQ(get.status, 200) << get.body;
    EXPECT_EQ(Body(get)["suppressions"][0]["address_original"], address);
    auto check = Call("POST", "/v1/suppressions/check", admin_, json{{"addresses", {address}}}.dump());
    EXPECT_EQ(Body(check)["results"][0]["suppressed"], true) << check.body;
    EXPECT_EQ(Call("DELETE", "/v1/suppressions/" + Encode(address), admin_).status, 204);
    EXPECT_EQ(Call("GET", "/v1/suppressions/" + Encode(address), admin_).status, 404);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM sqlite_master WHERE name = 'suppressions'"), 1);
}

TEST_F(ApiHandlersTest, WritesAreAuditedWithTheTokenAsActor) {
  std::string id;
  std::string token = testing::IssueToken(*store_, "client:acme", true, &id);
  ASSERT_EQ(Call("PUT", "/v1/suppressions/a%40example.com", token).status, 200);
  ASSERT_EQ(Call("DELETE", "/v1/suppressions/a%40example.com", token).status, 204);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE actor = 'token:" + id +
                  "' AND action IN ('suppression.add','suppression.remove')"),
            2);
}

TEST_F(ApiHandlersTest, ClientWritesGoToItsOwnScopeAndForeignScopeIsForbidden) {
  auto put = Call("PUT", "/v1/suppressions/c%40example.com", acme_);
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(Body(put)["scope"], "acme");
  EXPECT_EQ(Call("PUT", "/v1/suppressions/c%40example.com", acme_, R"({"scope":"globex"})").status, 403);
  EXPECT_EQ(Call("PUT", "/v1/suppressions/c%40example.com", acme_, R"({"scope":"*"})").status, 403);
}

TEST_F(ApiHandlersTest, ReadOnlyTokenCannotWrite) {
  auto r = Call("PUT", "/v1/suppressions/a%40example.com", admin_ro_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "forbidden");
}

TEST_F(ApiHandlersTest, InvalidAddressIsABadRequest) {
  auto r = Call("GET", "/v1/suppressions/not-an-address", admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "invalid_address");
}

TEST_F(ApiHandlersTest, MalformedJsonIsABadRequestWithAMessage) {
  auto r = Call("PUT", "/v1/suppressions/a%40example.com", admin_, "{\"note\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "invalid_json");
  EXPECT_NE(Body(r)["error"]["message"].get<std::string>().find("JSON"), std::string::npos);
  EXPECT_EQ(Call("POST", "/v1/suppressions/check", admin_, "[1,2]").status, 400);
  EXPECT_EQ(Call("POST", "/v1/suppressions/check", admin_, std::string(100, '[')).status, 400);
  EXPECT_EQ(Call("POST", "/v1/suppressions/check", admin_, R"({"addresses":"x"})").status, 400);
}

TEST_F(ApiHandlersTest, CheckTellsWhichAddressesAreSuppressedAndWhy) {
  Suppress("*", "bad@example.com", SuppressionReason::kHardBounce);
  Suppress("globex", "theirs@example.com");
  auto r = Call("POST", "/v1/suppressions/check", acme_,
                R"({"addresses":["Bad@Example.com","good@example.com","theirs@example.com","nope"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json results = Body(r)["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["address"], "Bad@Example.com");
  EXPECT_EQ(results[0]["suppressed"], true);
  EXPECT_EQ(results[0]["matches"][0]["reason"], "hard-bounce");
  EXPECT_EQ(results[1]["suppressed"], false);
  EXPECT_EQ(results[2]["suppressed"], false);
  EXPECT_EQ(results[3]["error"], "invalid address");
}

TEST_F(ApiHandlersTest, CheckAnswerIsWrittenExactlyAsTheJsonLibraryWouldWriteIt) {
  // The check answer is written directly (no json tree); it must stay byte-identical to
  // nlohmann's own serialisation, escapes and U+FFFD replacement included.
  const std::vector<std::string> given = {"\"q\\uote\"@example.com", "tab\there@example.com",
                                          "josé@exämple.com", "bad\xff\xfe@example.com",
                                          "two@example.com", "plain@example.com"};
  for (const auto& a : given) {
    if (a != "plain@example.com") Call("PUT", "/v1/suppressions/" + Encode(a), admin_);
  }
  Suppress("acme", "two@example.com");
  json addresses = json::array();
  for (const auto& a : given) addresses.push_back(a);
  addresses.push_back(42);
  addresses.push_back("not an address");
  std::string request = json{{"addresses", addresses}}.dump(-1, ' ', false, json::error_handler_t::replace);
  auto r = Call("POST", "/v1/suppressions/check", admin_, request);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).dump(-1, ' ', false, json::error_handler_t::replace), r.body);
  json results = json::parse(r.body)["results"];
  ASSERT_EQ(results.size(), given.size() + 2);
  EXPECT_EQ(results[4]["matches"].size(), 2u);  // two@: global and acme
  EXPECT_EQ(results[5]["suppressed"], false);
  EXPECT_EQ(results[6]["address"], "42");
  EXPECT_EQ(results[7]["error"], "invalid address");
}

TEST_F(ApiHandlersTest, LookupListPutAndErrorAnswersAreWrittenExactlyAsTheJsonLibraryWould) {
  // These answers are written directly too; each must be byte-identical to nlohmann's
  // serialisation of the same value (sorted keys, escapes, U+FFFD for invalid UTF-8).
  auto same = [](const api::Response& r) {
    EXPECT_EQ(json::parse(r.body).dump(-1, ' ', false, json::error_handler_t::replace), r.body);
  };
  const std::string put_body =
      json{{"note", "a \"quoted\" note\twith \\ and \u0001 and \u00e9"}, {"reason", "manual"},
           {"expires_at", "2099-01-02T03:04:05Z"}}
          .dump();
  for (const std::string a : {"\"q\\uote\"@example.com", "josé@exämple.com", "plain@example.com"}) {
    SCOPED_TRACE(a);
    auto put = Call("PUT", "/v1/suppressions/" + Encode(a), admin_, put_body);
    ASSERT_EQ(put.status, 200) << put.body;
    same(put);
    auto get = Call("GET", "/v1/suppressions/" + Encode(a), admin_);
    ASSERT_EQ(get.status, 200) << get.body;
    same(get);
  }
  Suppress("acme", "plain@example.com");  // a second scope: two rows in one lookup
  auto two = Call("GET", "/v1/suppressions/plain%40example.com", admin_);
  same(two);
  EXPECT_EQ(json::parse(two.body)["suppressions"].size(), 2u);
  auto list = Call("GET", "/v1/suppressions?limit=2", admin_);
  ASSERT_EQ(list.status, 200) << list.body;
  same(list);
  EXPECT_TRUE(json::parse(list.body)["next_cursor"].is_string());
  auto last = Call("GET", "/v1/suppressions?limit=100", admin_);
  same(last);
  EXPECT_TRUE(json::parse(last.body)["next_cursor"].is_null());
  EXPECT_EQ(json::parse(last.body)["items"].size(), 4u);
  auto missing = Call("GET", "/v1/suppressions/nobody%40example.com", admin_);
  EXPECT_EQ(missing.status, 404);
  same(missing);
  same(api::ErrorResponse(400, "bad_request", "quote \" backslash \\ control \x01 invalid \xff"));
}

TEST_F(ApiHandlersTest, CheckAnswersAlikeOnItsFastBodyReaderAndOnTheJsonLibrary) {
  // A compact body of plain strings takes the fast reader (api::PlainAddressList); an escape,
  // an extra key or a non-string element sends the same request through nlohmann. Same answer.
  Suppress("*", "bad@example.com", SuppressionReason::kHardBounce);
  Suppress("acme", "bad@example.com");
  Suppress("globex", "theirs@example.com");
  const std::string fast = R"({"addresses":["Bad@Example.com","theirs@example.com","nope","ok@example.com","bad@example.com"]})";
  const std::string general =
      R"({"note":1, "addresses":["Bad\u0040Example.com","theirs@example.com","nope","ok@example.com","bad@example.com"]})";
  for (const std::string& token : {admin_, acme_}) {
    auto a = Call("POST", "/v1/suppressions/check", token, fast);
    auto b = Call("POST", "/v1/suppressions/check", token, general);
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.body, b.body);
    json results = Body(a)["results"];
    ASSERT_EQ(results.size(), 5u);
    EXPECT_EQ(results[0]["matches"].size(), 2u);  // global and acme, in id order
    EXPECT_EQ(results[0]["matches"][0]["scope"], "*");
    EXPECT_EQ(results[1]["suppressed"], token == admin_);
    EXPECT_EQ(results[2]["error"], "invalid address");
    EXPECT_EQ(results[3]["suppressed"], false);
    EXPECT_EQ(results[4]["matches"], results[0]["matches"]);  // the same address asked twice
  }
}

TEST_F(ApiHandlersTest, CheckOfMoreThanTheLimitIsPayloadTooLarge) {
  json addresses = json::array();
  for (int i = 0; i < 10001; ++i) addresses.push_back("user" + std::to_string(i) + "@example.com");
  auto r = Call("POST", "/v1/suppressions/check", admin_, json{{"addresses", addresses}}.dump());
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Code(r), "payload_too_large");
  addresses.erase(addresses.begin());
  EXPECT_EQ(Call("POST", "/v1/suppressions/check", admin_, json{{"addresses", addresses}}.dump()).status, 200);
}

TEST_F(ApiHandlersTest, BulkReportsAStatusPerItem) {
  Suppress("*", "old@example.com");
  json body = {{"items",
                {{{"op", "add"}, {"address", "new@example.com"}, {"reason", "unsubscribe"}},
                 {{"op", "delete"}, {"address", "old@example.com"}},
                 {{"op", "delete"}, {"address", "never@example.com"}},
                 {{"op", "add"}, {"address", "broken"}},
                 {{"op", "frobnicate"}, {"address", "x@example.com"}}}}};
  auto r = Call("POST", "/v1/suppressions/bulk", admin_, body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json results = Body(r)["results"];
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0]["status"], "added");
  EXPECT_EQ(results[1]["status"], "deleted");
  EXPECT_EQ(results[2]["status"], "not_found");
  EXPECT_EQ(results[3]["status"], "invalid");
  EXPECT_EQ(results[4]["status"], "invalid");
  EXPECT_EQ(Call("GET", "/v1/suppressions/new%40example.com", admin_).status, 200);
}

TEST_F(ApiHandlersTest, ListingPaginatesByCursorWithoutSkippingConcurrentInserts) {
  for (int i = 0; i < 5; ++i) Suppress("*", "u" + std::to_string(i) + "@example.com");
  auto first = Call("GET", "/v1/suppressions?limit=3", admin_);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(Body(first)["items"].size(), 3u);
  std::string cursor = Body(first)["next_cursor"];
  Suppress("*", "late@example.com");
  auto second = Call("GET", "/v1/suppressions?limit=3&cursor=" + cursor, admin_);
  json items = Body(second)["items"];
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["address"], "u3@example.com");
  EXPECT_EQ(items[2]["address"], "late@example.com");
}

TEST_F(ApiHandlersTest, ClientListingMergesItsScopeWithTheGlobalOne) {
  Suppress("acme", "a1@example.com");
  Suppress("*", "g1@example.com");
  Suppress("globex", "x1@example.com");
  Suppress("acme", "a2@example.com");
  auto r = Call("GET", "/v1/suppressions?limit=2", acme_);
  json items = Body(r)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["address"], "a1@example.com");
  EXPECT_EQ(items[1]["address"], "g1@example.com");
  auto next = Call("GET", "/v1/suppressions?limit=2&cursor=" + Body(r)["next_cursor"].get<std::string>(), acme_);
  ASSERT_EQ(Body(next)["items"].size(), 1u);
  EXPECT_EQ(Body(next)["items"][0]["address"], "a2@example.com");
}

TEST_F(ApiHandlersTest, ListingFiltersByReasonAndQuery) {
  Suppress("*", "alpha@example.com", SuppressionReason::kHardBounce);
  Suppress("*", "beta@example.com", SuppressionReason::kComplaint);
  auto r = Call("GET", "/v1/suppressions?reason=hard-bounce", admin_);
  ASSERT_EQ(Body(r)["items"].size(), 1u);
  EXPECT_EQ(Body(r)["items"][0]["address"], "alpha@example.com");
  EXPECT_EQ(Body(Call("GET", "/v1/suppressions?q=bet", admin_))["items"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/suppressions?reason=bogus", admin_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?limit=0", admin_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?since=yesterday", admin_).status, 400);
}

TEST_F(ApiHandlersTest, DeleteOfAnAbsentSuppressionIsNotFound) {
  EXPECT_EQ(Call("DELETE", "/v1/suppressions/x%40example.com", admin_).status, 404);
}

TEST_F(ApiHandlersTest, AllowlistCrud) {
  EXPECT_EQ(Call("GET", "/v1/allowlist/vip%40example.com", acme_).status, 404);
  auto put = Call("PUT", "/v1/allowlist/VIP%40example.com", acme_, R"({"note":"ceo"})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto get = Call("GET", "/v1/allowlist/vip%40example.com", acme_);
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(Body(get)["note"], "ceo");
  EXPECT_EQ(Call("GET", "/v1/allowlist/vip%40example.com", globex_).status, 404);
  auto list = Call("GET", "/v1/allowlist", acme_);
  EXPECT_EQ(Body(list)["items"].size(), 1u);
  EXPECT_EQ(Body(Call("GET", "/v1/allowlist", globex_))["items"].size(), 0u);
  EXPECT_EQ(Call("DELETE", "/v1/allowlist/vip%40example.com", acme_).status, 204);
  EXPECT_EQ(Call("DELETE", "/v1/allowlist/vip%40example.com", acme_).status, 404);
}

class ApiReportsTest : public testing::ApiStoreFixture {
 protected:
  void AddComplaint(int n, const std::string& client, const std::string& provider, UnixTime at) {
    auto& db = store_->database();
    db.exec("INSERT INTO reports(id, sha256, source, received_at, kind, status, raw_size) VALUES(" +
            std::to_string(n) + ", randomblob(32), 'test', " + std::to_string(at) +
            ", 'feedback', 'processed', 1)");
    db.exec("INSERT INTO complaints(report_id, client_id, address, provider, feedback_type, created_at) VALUES(" +
            std::to_string(n) + ", '" + client + "', 'r" + std::to_string(n) + "@example.com', '" + provider +
            "', 'abuse', " + std::to_string(at) + ")");
  }
};

TEST_F(ApiReportsTest, ComplaintsAreFilteredAndAClientSeesOnlyItsOwn) {
  AddComplaint(1, "acme", "aol", now_ - 100);
  AddComplaint(2, "globex", "yahoo", now_ - 90);
  AddComplaint(3, "acme", "yahoo", now_ - 80);
  EXPECT_EQ(Body(Call("GET", "/v1/complaints", admin_))["items"].size(), 3u);
  EXPECT_EQ(Body(Call("GET", "/v1/complaints?provider=yahoo", admin_))["items"].size(), 2u);
  auto own = Body(Call("GET", "/v1/complaints", acme_))["items"];
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(own[0]["client"], "acme");
  EXPECT_EQ(Body(Call("GET", "/v1/complaints?client=globex", acme_))["items"].size(), 0u);
  EXPECT_EQ(Body(Call("GET", "/v1/complaints?since=" + std::to_string(now_ - 85), admin_))["items"].size(), 1u);
}

TEST_F(ApiReportsTest, ClientStatsGiveComplaintsByProviderAndDayWithRate) {
  UnixTime day = now_ / 86400;
  AddComplaint(1, "acme", "aol", day * 86400 + 10);
  AddComplaint(2, "acme", "aol", day * 86400 + 20);
  AddComplaint(3, "acme", "yahoo", day * 86400 + 30);
  AddComplaint(4, "acme", "aol", (day - 1) * 86400 + 30);
  store_->database().exec("INSERT INTO client_sent_daily VALUES('acme', " + std::to_string(day) + ", 1000)");
  auto r = Call("GET", "/v1/clients/acme/stats?since=" + std::to_string((day - 2) * 86400) +
                           "&until=" + std::to_string((day + 1) * 86400), acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["complaints"], 4);
  ASSERT_EQ(j["days"].size(), 2u);
  EXPECT_TRUE(j["days"][0]["complaint_rate"].is_null());
  EXPECT_EQ(j["days"][1]["by_provider"]["aol"], 2);
  EXPECT_EQ(j["days"][1]["by_provider"]["yahoo"], 1);
  EXPECT_DOUBLE_EQ(j["days"][1]["complaint_rate"].get<double>(), 0.003);
  auto foreign = Call("GET", "/v1/clients/globex/stats", acme_);
  EXPECT_EQ(foreign.status, 404);
}

TEST_F(ApiReportsTest, HeldAccountsAreListedAndReleasedByAdminOnly) {
  ASSERT_TRUE(store_->HoldAccount("bot@example.com", "rate", now_).ok());
  auto list = Call("GET", "/v1/accounts", admin_ro_);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(Body(list)["items"].size(), 1u);
  EXPECT_EQ(Body(list)["items"][0]["username"], "bot@example.com");
  EXPECT_EQ(Call("GET", "/v1/accounts", acme_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/accounts/bot%40example.com/release", acme_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/accounts/bot%40example.com/release", admin_ro_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/accounts/bot%40example.com/release", admin_).status, 200);
  EXPECT_EQ(Body(Call("GET", "/v1/accounts", admin_))["items"].size(), 0u);
  EXPECT_EQ(Call("POST", "/v1/accounts/bot%40example.com/release", admin_).status, 404);
}

TEST_F(ApiHandlersTest, RateLimitAnswers429WithRetryAfterAndRefills) {
  options_.rate_limit_per_second = 1;
  options_.rate_limit_burst = 2;
  limiter_ = std::make_unique<api::RateLimiter>(1, 2);
  context_.limiter = limiter_.get();
  EXPECT_EQ(Call("GET", "/v1/suppressions", admin_).status, 200);
  EXPECT_EQ(Call("GET", "/v1/suppressions", admin_).status, 200);
  auto limited = Call("GET", "/v1/suppressions", admin_);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Code(limited), "rate_limited");
  EXPECT_EQ(Call("GET", "/v1/suppressions", acme_).status, 200);  // buckets are per token
  monotonic_ += 1.0;
  EXPECT_EQ(Call("GET", "/v1/suppressions", admin_).status, 200);
}

TEST_F(ApiHandlersTest, UnknownPathIsNotFoundAndWrongMethodLists) {
  EXPECT_EQ(Call("GET", "/v2/nothing", admin_).status, 404);
  auto r = Call("PATCH", "/v1/suppressions/a%40example.com", admin_);
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "GET, PUT, DELETE");
  EXPECT_EQ(Call("GET", "/v1/suppressions/bad%zzescape", admin_).status, 400);
}

TEST_F(ApiHandlersTest, MetricsLabelRequestsWithTheRouteTemplate) {
  Call("GET", "/v1/suppressions/someone%40example.com", admin_);
  auto r = Call("GET", "/metrics", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("fbl_api_requests_total{code=\"404\",route=\"/v1/suppressions/{address}\"} 1"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("someone"), std::string::npos);
}

// The server answers quick requests on its I/O thread and the rest on its workers.
bool QuickFor(const std::string& method, const std::string& target) {
  api::Request r;
  r.method = method;
  r.target = target;
  return api::IsQuick(api::RouteRequest(r));
}

TEST(ApiRouting, PointReadsHealthzAndRefusalsAreQuick) {
  EXPECT_TRUE(QuickFor("GET", "/healthz"));
  EXPECT_TRUE(QuickFor("GET", "/v1/suppressions/a%40example.com"));
  EXPECT_TRUE(QuickFor("GET", "/v1/allowlist/global/a%40example.com"));
  EXPECT_TRUE(QuickFor("GET", "/nowhere"));                       // 404
  EXPECT_TRUE(QuickFor("PATCH", "/v1/suppressions/a%40b.example")); // 405
  EXPECT_TRUE(QuickFor("GET", "/v1/suppressions/%zz"));             // 400
}

TEST(ApiRouting, ListsChecksBulkWritesStatsAndMetricsAreNotQuick) {
  EXPECT_FALSE(QuickFor("GET", "/v1/suppressions?limit=10000"));
  EXPECT_FALSE(QuickFor("POST", "/v1/suppressions/check"));
  EXPECT_FALSE(QuickFor("POST", "/v1/suppressions/bulk"));
  EXPECT_FALSE(QuickFor("PUT", "/v1/suppressions/a%40example.com"));
  EXPECT_FALSE(QuickFor("DELETE", "/v1/suppressions/a%40example.com"));
  EXPECT_FALSE(QuickFor("GET", "/v1/complaints"));
  EXPECT_FALSE(QuickFor("GET", "/v1/clients/acme/stats"));
  EXPECT_FALSE(QuickFor("GET", "/metrics"));
  EXPECT_FALSE(QuickFor("GET", "/readyz"));
}

TEST(ApiRouting, RoutedRequestCarriesTheRouteOrTheRefusal) {
  api::Request r;
  r.method = "GET";
  r.target = "/v1/suppressions/a%40example.com";
  api::RoutedRequest routed = api::RouteRequest(r);
  ASSERT_NE(routed.route, nullptr);
  EXPECT_FALSE(routed.refusal.has_value());
  EXPECT_EQ(routed.route->id, api::RouteId::kSuppressionGet);
  EXPECT_EQ(routed.params, std::vector<std::string>{"a@example.com"});
  r.method = "PATCH";
  routed = api::RouteRequest(r);
  EXPECT_EQ(routed.route, nullptr);
  ASSERT_TRUE(routed.refusal.has_value());
  EXPECT_EQ(routed.refusal->status, 405);
}

}  // namespace
}  // namespace fbl
