#include "fbl/api/router.h"

namespace fbl::api {
namespace {

// The next '/'-separated part of `path` from *start (just after a '/'); advances *start past it.
std::string_view NextPart(std::string_view path, std::size_t* start) {
  std::size_t end = path.find('/', *start);
  if (end == std::string_view::npos) end = path.size();
  std::string_view part = path.substr(*start, end - *start);
  *start = end + 1;
  return part;
}

std::vector<std::string_view> SplitTemplate(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::size_t start = 1; start <= path.size();) out.push_back(NextPart(path, &start));
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// True iff `segments` fit `tmpl`; the parameter values go to *params. Walks the template in
// place: no allocation for the routes tried that do not fit (every request tries several).
bool Fits(std::string_view tmpl, const std::vector<std::string>& segments,
          std::vector<std::string>* params) {
  params->clear();
  std::size_t i = 0;
  for (std::size_t start = 1; start <= tmpl.size(); ++i) {
    std::string_view part = NextPart(tmpl, &start);
    if (i >= segments.size() || (IsParam(part) ? segments[i].empty() : part != segments[i])) return false;
  }
  if (i != segments.size()) return false;
  i = 0;
  for (std::size_t start = 1; start <= tmpl.size(); ++i) {
    if (IsParam(NextPart(tmpl, &start))) params->push_back(segments[i]);
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status ParseQuery(std::string_view query, std::multimap<std::string, std::string>* out) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq));
    if (!key.ok()) return key.error();
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value.ok()) return value.error();
    out->emplace(std::move(*key), std::move(*value));
  }
  return OkStatus();
}

}  // namespace

const std::vector<Route>& RouteTable() {
  static const std::vector<Route> kRoutes = {
      {"GET", "/healthz", RouteId::kHealthz, false, false},
      {"GET", "/readyz", RouteId::kReadyz, false, false},
      {"GET", "/metrics", RouteId::kMetrics, false, false},
      {"GET", "/v1/suppressions", RouteId::kSuppressionsList, true, false},
      {"POST", "/v1/suppressions/check", RouteId::kSuppressionsCheck, true, false},
      {"POST", "/v1/suppressions/bulk", RouteId::kSuppressionsBulk, true, true},
      {"GET", "/v1/suppressions/{address}", RouteId::kSuppressionGet, true, false},
      {"PUT", "/v1/suppressions/{address}", RouteId::kSuppressionPut, true, true},
      {"DELETE", "/v1/suppressions/{address}", RouteId::kSuppressionDelete, true, true},
      {"GET", "/v1/allowlist", RouteId::kAllowlistList, true, false},
      {"GET", "/v1/allowlist/{address}", RouteId::kAllowlistGet, true, false},
      {"PUT", "/v1/allowlist/{address}", RouteId::kAllowlistPut, true, true},
      {"DELETE", "/v1/allowlist/{address}", RouteId::kAllowlistDelete, true, true},
      {"GET", "/v1/complaints", RouteId::kComplaintsList, true, false},
      {"GET", "/v1/clients/{id}/stats", RouteId::kClientStats, true, false},
      {"GET", "/v1/accounts", RouteId::kAccountsList, true, false},
      {"POST", "/v1/accounts/{user}/release", RouteId::kAccountRelease, true, true},
  };
  return kRoutes;
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return MakeError(ErrorCode::kMalformed, "truncated percent escape");
    }
    int hi = HexValue(text[i + 1]);
    int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return MakeError(ErrorCode::kMalformed, "bad percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return MakeError(ErrorCode::kMalformed, "request-target must start with '/'");
  }
  Target out;
  std::size_t qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  if (qmark != std::string_view::npos) {
    Status s = ParseQuery(target.substr(qmark + 1), &out.query);
    if (!s.ok()) return s.error();
  }
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (std::string_view raw : SplitTemplate(path)) {
    if (raw.empty() && path.size() > 1) return MakeError(ErrorCode::kMalformed, "empty path segment");
    auto decoded = PercentDecode(raw);
    if (!decoded.ok()) return decoded.error();
    out.segments.push_back(std::move(*decoded));
  }
  return out;
}

RouteMatch MatchRoute(std::string_view method, const std::vector<std::string>& segments) {
  RouteMatch match;
  std::vector<std::string> params;
  for (const Route& route : RouteTable()) {
    if (!Fits(route.path, segments, &params)) continue;
    if (route.method == method) {
      match.route = &route;
      match.params = std::move(params);
      match.allow.clear();
      return match;
    }
    match.allow.push_back(route.method);
  }
  return match;
}

}  // namespace fbl::api
