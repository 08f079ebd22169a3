// The route table of the HTTP API and the matching of a request-target against it.
// docs/openapi.yaml lists exactly these routes (tests/fbl/api_openapi_test.cpp checks it).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl::api {

enum class RouteId {
  kHealthz,
  kReadyz,
  kMetrics,
  kSuppressionsList,
  kSuppressionsCheck,
  kSuppressionsBulk,
  kSuppressionGet,
  kSuppressionPut,
  kSuppressionDelete,
  kAllowlistList,
  kAllowlistGet,
  kAllowlistPut,
  kAllowlistDelete,
  kComplaintsList,
  kClientStats,
  kAccountsList,
  kAccountRelease,
};

struct Route {
  std::string_view method;
  std::string_view path;  // template: literal segments and "{name}" parameters
  RouteId id;
  bool needs_auth;  // false for /healthz, /readyz, /metrics
  bool writes;      // needs a read-write token
};

// Every route, literal paths before parameterised ones.
const std::vector<Route>& RouteTable();

// A request-target split into percent-decoded path segments and query parameters.
// Segments are split BEFORE decoding, so "%2F" stays inside its segment. '+' is a plain '+'.
struct Target {
  std::vector<std::string> segments;  // "/v1/a%40b" -> {"v1", "a@b"}
  std::multimap<std::string, std::string> query;
};

// kMalformed for a target that is not origin-form ("/..."), a bad or truncated %XX escape,
// or an empty segment other than a trailing slash.
Result<Target> ParseTarget(std::string_view target);

// Decodes %XX escapes. kMalformed on a bad escape.
Result<std::string> PercentDecode(std::string_view text);

struct RouteMatch {
  const Route* route = nullptr;        // null: no route for this path (or method; see below)
  std::vector<std::string> params;     // the {name} segments, in order
  std::vector<std::string_view> allow; // path known but method not: the methods that are
};

RouteMatch MatchRoute(std::string_view method, const std::vector<std::string>& segments);

}  // namespace fbl::api
