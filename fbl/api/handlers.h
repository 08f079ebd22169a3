// The HTTP API as a plain function: a Request and a Store in, a Response out. No sockets, no
// threads; the server (api_server.h) only reads, calls HandleRequest and writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <functional>
#include <unordered_map>
#include <utility>

#include "fbl/api/api_options.h"
#include "fbl/api/auth.h"
#include "fbl/api/http_types.h"
#include "fbl/api/router.h"
#include "fbl/metrics/metrics.h"
#include "parsers/address.h"
#include "store/store.h"

namespace fbl::api {

// What a handler may use besides the request. Pointers are not owned and must outlive the call.
struct ApiContext {
  Store* store = nullptr;
  const ApiOptions* options = nullptr;
  const AddressOptions* address = nullptr;
  RateLimiter* limiter = nullptr;  // null: no rate limit
  Metrics* metrics = nullptr;      // null: no metrics recorded, /metrics answers 503
  std::function<UnixTime()> now;   // wall clock, Unix seconds (times stored and compared)
  std::function<double()> monotonic_seconds;  // the rate limiter's clock
  // Filled by HandleRequest: the metric children already looked up, per (route, status), so
  // that a request does not build label maps and search the families again.
  std::unordered_map<std::uint64_t, std::pair<prometheus::Counter*, prometheus::Histogram*>> metric_children;
};

// A request matched against the route table: the route and its parameters, or the answer
// that refuses it (400 bad target, 404 no such path, 405 method not allowed, with Allow).
struct RoutedRequest {
  const Route* route = nullptr;   // null iff refusal is set
  Target target;
  std::vector<std::string> params;
  std::optional<Response> refusal;
  std::chrono::steady_clock::time_point start;  // when routing began: the latency metric's start
};

// Routes one request. Never throws.
RoutedRequest RouteRequest(const Request& request);

// True when the answer costs a few microseconds whatever the input: a refusal, /healthz, and
// the point reads (one suppression, one allowlist entry). The server answers those on its I/O
// thread and hands the rest (lists, check, bulk, writes, stats, /readyz, /metrics) to its
// worker threads, so that a point read never waits behind a 10,000-address check.
bool IsQuick(const RoutedRequest& routed);

// Authenticates, rate-limits and answers a routed request. A request of a route that does not
// write is answered from one read snapshot of the store (token and data alike). Records
// fbl_api_requests_total{route,code} and fbl_api_request_duration_seconds{route} (from
// routed.start) with the route TEMPLATE as label ("unmatched" when no route fits). Never throws.
Response HandleRouted(const Request& request, const RoutedRequest& routed, ApiContext& context);

// RouteRequest, then HandleRouted.
Response HandleRequest(const Request& request, ApiContext& context);

}  // namespace fbl::api
