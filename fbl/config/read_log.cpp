#include "fbl/config/sections.h"

namespace fbl {

void ReadLogOptions(ConfigReader& root, LogOptions* out) {
  ConfigReader r = root.Table("log");
  r.Enum("level", &out->level, {"debug", "info", "warn", "error"});
  r.Enum("format", &out->format, {"text", "json"});
  r.RejectUnknownKeys();
}

}  // namespace fbl
