#include "fbl/config/sections.h"

namespace fbl {

void ReadApiOptions(ConfigReader& root, ApiOptions* out) {
  ConfigReader r = root.Table("api");
  r.Bool("enabled", &out->enabled);
  r.String("listen", &out->listen, 256);
  r.Int("max_connections", &out->max_connections, 1, 100000);
  r.Size("max_body_bytes", &out->max_body_bytes, 1024, 256 << 20);
  r.Int("read_timeout_ms", &out->read_timeout_ms, 100, 3600000);
  r.Int("idle_timeout_ms", &out->idle_timeout_ms, 100, 3600000);
  r.Bool("allow_anonymous_reads", &out->allow_anonymous_reads);
  r.RejectUnknownKeys();
}

}  // namespace fbl
