// Shared by the API tests: a real SQLite store in a temp dir, tokens, and request helpers.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "fbl/api/auth.h"
#include "fbl/api/handlers.h"
#include "fbl/metrics/metrics.h"
#include "store/sqlite_store.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {

// Percent-encodes everything but unreserved characters (RFC 3986).
inline std::string Encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Issues a token straight into the store; returns "Bearer <id>.<secret>".
inline std::string IssueToken(Store& store, const std::string& scope, bool writable,
                              std::string* id = nullptr) {
  auto issued = api::GenerateToken(scope, writable, "test", 1000);
  EXPECT_TRUE(issued.ok());
  Status s = store.CreateApiToken(issued->record, AuditEntry{"test", "token.issue", issued->record.id, scope});
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
  if (id != nullptr) *id = issued->record.id;
  return "Bearer " + issued->token;
}

class ApiStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_options_.path = (dir_ / "fbl.db").string();
    auto opened = SqliteStore::Open(store_options_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    limiter_ = std::make_unique<api::RateLimiter>(options_.rate_limit_per_second, options_.rate_limit_burst);
    context_.store = store_.get();
    context_.options = &options_;
    context_.address = &store_options_.address;
    context_.limiter = limiter_.get();
    context_.metrics = &metrics_;
    context_.now = [this] { return now_; };
    context_.monotonic_seconds = [this] { return monotonic_; };
    admin_ = IssueToken(*store_, "admin", true);
    admin_ro_ = IssueToken(*store_, "admin", false);
    acme_ = IssueToken(*store_, "client:acme", true);
    globex_ = IssueToken(*store_, "client:globex", true);
  }

  api::Response Call(const std::string& method, const std::string& target, const std::string& auth,
                     const std::string& body = "", bool loopback = true) {
    api::Request r;
    r.method = method;
    r.target = target;
    r.authorization = auth;
    r.body = body;
    r.from_loopback = loopback;
    return api::HandleRequest(r, context_);
  }

  static nlohmann::json Body(const api::Response& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  static std::string Code(const api::Response& r) {
    auto j = Body(r);
    return j.contains("error") ? j["error"]["code"].get<std::string>() : "";
  }

  void Suppress(const std::string& scope, const std::string& address,
                SuppressionReason reason = SuppressionReason::kComplaint) {
    auto r = store_->AddSuppression(ManualSuppression{scope, address, reason, std::nullopt, ""},
                                    AuditEntry{"test", "suppression.add", address, ""});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }

  std::int64_t Count(const std::string& sql) { return store_->database().execAndGet(sql).getInt64(); }

  TempDir dir_;
  StoreOptions store_options_;
  ApiOptions options_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<api::RateLimiter> limiter_;
  Metrics metrics_;
  api::ApiContext context_;
  UnixTime now_ = 1795800000;  // 2026-11-28
  double monotonic_ = 100;
  std::string admin_, admin_ro_, acme_, globex_;
};

}  // namespace fbl::testing
