#include "fbl/config/sections.h"

namespace fbl {

void ReadStoreOptions(ConfigReader& root, StoreOptions* out) {
  ConfigReader r = root.Table("store");
  r.Enum("backend", &out->backend, {"sqlite"});
  r.String("path", &out->path);
  r.Int("busy_timeout_ms", &out->busy_timeout_ms, 0, 600000);
  r.Int("raw_retention_days", &out->raw_retention_days, 0, 36500);
  r.Int("global_after_clients", &out->global_after_clients, 1, 1000);
  r.Int("soft_bounce_threshold", &out->soft_bounce_threshold, 1, 1000);
  r.Int("soft_bounce_window_days", &out->soft_bounce_window_days, 1, 365);
  r.Enum("synchronous", &out->synchronous, {"full", "normal"});
  r.Bool("fold_local_case", &out->address.fold_local_case);
  r.StringList("subaddress_domains", &out->address.subaddress_domains);
  r.RejectUnknownKeys();
}

}  // namespace fbl
