#include "fbl/config/sections.h"

namespace fbl {

void ReadNotifyOptions(ConfigReader& root, NotifyOptions* out) {
  ConfigReader r = root.Table("notify");
  r.Enum("transport", &out->transport, {"maildir", "smtp", "off"});
  r.String("maildir", &out->maildir);
  r.String("from", &out->from, 254);
  r.String("admin_email", &out->admin_email, 254);
  r.RejectUnknownKeys();
}

}  // namespace fbl
