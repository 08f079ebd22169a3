// Options of the HTTP API (/v1, /healthz, /readyz, /metrics); read from [api]
// (fbl/config/read_api.cpp). Bounds are those the reader enforces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fbl {

struct ApiOptions {
  bool enabled = true;
  std::string listen = "127.0.0.1:8025";  // host:port; loopback by default; port 0 = ephemeral
  int threads = 1;                         // [1, 64] I/O threads, one Store each
  // [0, 64] threads for the requests that are not point reads (lists, check, bulk, writes,
  // stats; see api::IsQuick), one Store each, so that those never delay a point read.
  // 0: every request is answered on its connection's I/O thread.
  int workers = 2;
  int max_connections = 256;               // [1, 100000] beyond this, new connections get 503
  std::size_t max_header_bytes = 16 * 1024;      // [1024, 1 MiB] request line + headers
  std::size_t max_body_bytes = 2 * 1024 * 1024;  // [1024, 256 MiB] request body
  int read_timeout_ms = 10000;   // [100, 3600000] to receive a request once its first byte came
  int idle_timeout_ms = 60000;   // [100, 3600000] keep-alive wait for the next request
  int max_check_addresses = 10000;  // [1, 100000] addresses per check / items per bulk call
  // Per-token rate limit (token bucket): sustained requests per second and burst size.
  // 0 disables the limit.
  double rate_limit_per_second = 1000;  // [0, 1e7]
  double rate_limit_burst = 2000;       // [1, 1e7]
  // The API's own database connections (one per thread): page cache and memory-mapped reads.
  // Small by default so that the daemon's resident memory stays bounded with a large list; the
  // operating system's file cache still holds the hot pages.
  int db_cache_kib = 8192;          // [256, 1048576] SQLite cache per connection
  std::int64_t db_mmap_bytes = 0;   // [0, 1 GiB] PRAGMA mmap_size; 0 = plain reads
  // Unauthenticated reads of /v1 are allowed only when true (the local demo); off by default.
  // When on, a GET without a token from a loopback peer acts as an admin read-only token.
  bool allow_anonymous_reads = false;
};

}  // namespace fbl
