// The HTTP API as a plain function: a Request and a Store in, a Response out. No sockets, no
// threads; the server (api_server.h) only reads, calls HandleRequest and writes.
#pragma once

#include <cstdint>
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

// Routes, authenticates, rate-limits and answers one request. A request of a route that does
// not write is answered from one read snapshot of the store (token and data alike). Records
// fbl_api_requests_total{route,code} and fbl_api_request_duration_seconds{route} with the
// route TEMPLATE as label ("unmatched" when no route fits). Never throws.
Response HandleRequest(const Request& request, ApiContext& context);

}  // namespace fbl::api
