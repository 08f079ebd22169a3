#include "fbl/config/sections.h"

namespace fbl {

void ReadDaemonOptions(ConfigReader& root, DaemonOptions* out) {
  ConfigReader r = root.Table("daemon");
  r.String("instance_id", &out->instance_id, 128);
  for (char c : out->instance_id) {
    if (c < 0x21 || c > 0x7e) {
      r.Fail("instance_id", "printable ASCII without spaces only");
      break;
    }
  }
  r.RejectUnknownKeys();
}

}  // namespace fbl
