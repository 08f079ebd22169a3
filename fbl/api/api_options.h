// Options of the HTTP API (/v1, /healthz, /readyz, /metrics); read from [api].
#pragma once

#include <cstddef>
#include <string>

namespace fbl {

struct ApiOptions {
  bool enabled = true;
  std::string listen = "127.0.0.1:8025";  // loopback by default
  int max_connections = 256;               // [1, 100000]
  std::size_t max_body_bytes = 2 * 1024 * 1024;
  int read_timeout_ms = 10000;
  int idle_timeout_ms = 60000;
  // Unauthenticated reads of /v1 are allowed only when true (the local demo); off by default.
  bool allow_anonymous_reads = false;
};

}  // namespace fbl
