#include "fbl/config/sections.h"

namespace fbl {

void ReadAlertsOptions(ConfigReader& root, AlertsOptions* out) {
  ConfigReader policy = root.Table("policy");
  policy.Bool("enabled", &out->policy.enabled);
  policy.String("listen_tcp", &out->policy.listen_tcp, 256);
  policy.String("listen_unix", &out->policy.listen_unix, 108);
  policy.RejectUnknownKeys();
  ConfigReader maillog = root.Table("maillog");
  maillog.String("path", &out->maillog.path);
  maillog.RejectUnknownKeys();
}

}  // namespace fbl
