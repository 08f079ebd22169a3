#include "fbl/config/sections.h"

namespace fbl {

void ReadApiOptions(ConfigReader& root, ApiOptions* out) {
  ConfigReader r = root.Table("api");
  r.Bool("enabled", &out->enabled);
  r.String("listen", &out->listen, 256);
  r.Int("threads", &out->threads, 1, 64);
  r.Int("workers", &out->workers, 0, 64);
  r.Int("max_connections", &out->max_connections, 1, 100000);
  r.Size("max_header_bytes", &out->max_header_bytes, 1024, 1 << 20);
  r.Size("max_body_bytes", &out->max_body_bytes, 1024, 256 << 20);
  r.Int("read_timeout_ms", &out->read_timeout_ms, 100, 3600000);
  r.Int("idle_timeout_ms", &out->idle_timeout_ms, 100, 3600000);
  r.Int("max_check_addresses", &out->max_check_addresses, 1, 100000);
  r.Double("rate_limit_per_second", &out->rate_limit_per_second, 0, 1e7);
  r.Double("rate_limit_burst", &out->rate_limit_burst, 1, 1e7);
  r.Int("db_cache_kib", &out->db_cache_kib, 256, 1 << 20);
  r.Int("db_mmap_bytes", &out->db_mmap_bytes, 0, std::int64_t{1} << 30);
  r.Bool("allow_anonymous_reads", &out->allow_anonymous_reads);
  if (out->listen.rfind(':') == std::string::npos) r.Fail("listen", "expected host:port");
  r.RejectUnknownKeys();
}

}  // namespace fbl
