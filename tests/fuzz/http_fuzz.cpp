// libFuzzer: HTTP request parsing (Beast parser with the server's limits), request-target
// decoding and routing, JSON bodies, and the whole handler against a scratch SQLite store.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "fbl/api/handlers.h"
#include "fbl/api/json_body.h"
#include "fbl/api/router.h"
#include "store/sqlite_store.h"

namespace {

namespace http = boost::beast::http;

struct Fixture {
  fbl::ApiOptions options;
  fbl::StoreOptions store_options;
  std::unique_ptr<fbl::Store> store;
  fbl::api::RateLimiter limiter{0, 1};
  fbl::api::ApiContext context;

  Fixture() {
    options.allow_anonymous_reads = true;  // reach the handlers without a token
    options.max_body_bytes = 64 * 1024;
    store_options.path = "/tmp/fbl-http-fuzz-" + std::to_string(getpid()) + ".db";
    store_options.synchronous = "normal";
    auto opened = fbl::OpenSqliteStore(store_options);
    if (!opened.ok()) std::abort();
    store = std::move(*opened);
    context.store = store.get();
    context.options = &options;
    context.address = &store_options.address;
    context.limiter = &limiter;
    context.now = [] { return fbl::UnixTime{1795800000}; };
    context.monotonic_seconds = [] { return 1.0; };
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)fbl::api::ParseJsonObject(input);
  if (auto target = fbl::api::ParseTarget(input); target.ok()) {
    (void)fbl::api::MatchRoute("GET", target->segments);
  }
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(fixture.options.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  auto req = parser.release();
  fbl::api::Request in;
  in.method = std::string(req.method_string());
  in.target = std::string(req.target());
  in.body = req.body();
  in.from_loopback = true;
  (void)fbl::api::HandleRequest(in, fixture.context);
  return 0;
}
