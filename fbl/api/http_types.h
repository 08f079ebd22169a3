// The request and response values the handlers see: plain data, no sockets, so that every
// handler is testable (and fuzzable) without a server. api_server.cpp converts from and to Beast.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fbl::api {

struct Request {
  std::string method;         // "GET", "PUT", ... as received (case-sensitive, RFC 9110)
  std::string target;         // the raw request-target: "/v1/suppressions/a%40b.example?x=1"
  std::string authorization;  // the Authorization header, "" when absent
  std::string body;
  bool from_loopback = false;  // the peer address is 127.0.0.0/8 or ::1
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: Allow, Retry-After, ...
};

// {"error":{"code":"<code>","message":"<message>"}}. Codes are stable (docs/openapi.yaml):
// bad_request, invalid_json, invalid_address, unauthorized, forbidden, not_found,
// method_not_allowed, payload_too_large, headers_too_large, rate_limited, unavailable,
// internal.
Response ErrorResponse(int status, std::string_view code, std::string_view message);

}  // namespace fbl::api
