#include <cstdlib>
#include <memory>

#include "fbl/config/sections.h"
#include "store/pg_lib.h"

namespace fbl {
namespace {

// The dsn must parse as libpq conninfo (or a URI) and must not carry the password, which
// belongs in password_file / password_env / FBL_PG_PASSWORD (a dsn ends up in logs and ps).
// libpq is loaded here, at run time (store/pg_lib.h): only PostgreSQL users ever load it.
void CheckDsn(ConfigReader& r, const std::string& dsn) {
  auto loaded = pg::LoadLib();
  if (!loaded.ok()) {
    r.Fail("dsn", "cannot be checked: " + loaded.error().detail);
    return;
  }
  const pg::Lib& pq = *loaded.value();
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(pq.PQconninfoParse(dsn.c_str(), &error),
                                                                          pq.PQconninfoFree);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    pq.PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    r.Fail("dsn", "not a libpq connection string: " + message);
    return;
  }
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "password" && o->val != nullptr && o->val[0] != '\0') {
      r.Fail("dsn", "holds a password: give it with password_file, password_env or FBL_PG_PASSWORD");
    }
  }
}

}  // namespace

void ReadStoreOptions(ConfigReader& root, StoreOptions* out) {
  ConfigReader r = root.Table("store");
  r.Enum("backend", &out->backend, {"sqlite", "postgresql"});
  r.String("path", &out->path);
  r.String("dsn", &out->dsn);
  r.Secret("password", &out->password);
  r.Int("pool_size", &out->pool_size, 1, 64);
  r.Int("busy_timeout_ms", &out->busy_timeout_ms, 0, 600000);
  r.Int("raw_retention_days", &out->raw_retention_days, 0, 36500);
  r.Int("global_after_clients", &out->global_after_clients, 1, 1000);
  r.Int("soft_bounce_threshold", &out->soft_bounce_threshold, 1, 1000);
  r.Int("soft_bounce_window_days", &out->soft_bounce_window_days, 1, 365);
  r.Enum("synchronous", &out->synchronous, {"full", "normal"});
  r.Bool("fold_local_case", &out->address.fold_local_case);
  r.StringList("subaddress_domains", &out->address.subaddress_domains);
  if (out->backend == "postgresql") {
    if (out->dsn.empty()) {
      r.Fail("dsn", "required with backend = \"postgresql\"");
    } else {
      CheckDsn(r, out->dsn);
    }
    if (out->password.empty()) {
      if (const char* env = std::getenv("FBL_PG_PASSWORD"); env != nullptr) out->password = env;
    }
  }
  r.RejectUnknownKeys();
}

}  // namespace fbl
