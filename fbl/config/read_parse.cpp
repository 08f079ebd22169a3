#include "fbl/config/sections.h"

namespace fbl {

void ReadParseOptions(ConfigReader& root, ParseOptions* out) {
  ConfigReader r = root.Table("parse");
  ParseLimits& l = out->limits;
  r.Size("max_message_bytes", &l.max_message_bytes, 1024, std::size_t{1} << 30);
  r.Int("max_depth", &l.max_depth, 1, 100);
  r.Int("max_headers", &l.max_headers, 16, 100000);
  r.Size("max_header_bytes", &l.max_header_bytes, 256, 1 << 20);
  r.Int("max_parts", &l.max_parts, 1, 100000);
  r.Size("max_decompressed_bytes", &l.max_decompressed_bytes, 1024, std::size_t{1} << 30);
  r.StringList("extra_headers", &out->extra_headers, 100);
  r.RejectUnknownKeys();
}

}  // namespace fbl
