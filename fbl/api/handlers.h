// The HTTP API as a plain function: a Request and a Store in, a Response out. No sockets, no
// threads; the server (api_server.h) only reads, calls HandleRequest and writes.
#pragma once

#include <functional>

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
};

// Routes, authenticates, rate-limits and answers one request. Records
// fbl_api_requests_total{route,code} and fbl_api_request_duration_seconds{route} with the
// route TEMPLATE as label ("unmatched" when no route fits). Never throws.
Response HandleRequest(const Request& request, ApiContext& context);

}  // namespace fbl::api
