// The parse entry point: one raw message in, one Report out. Pure: no I/O, no clock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/report.h"

namespace fbl {

// Limits that fend off hostile input. Every field has its default and bounds.
struct ParseLimits {
  // Bytes of the message that are parsed; the rest is cut off with a warning and the report
  // is still parsed (a huge original must not hide the complaint).  [1 KiB, 1 GiB]
  std::size_t max_message_bytes = 10 * 1024 * 1024;
  // Nested multipart / message parts, checked before mimetic sees the input.  [1, 100]
  int max_depth = 20;
  // Header fields per entity.  [16, 100000]
  int max_headers = 1000;
  // Bytes of one unfolded header field; longer values are truncated.  [256, 1 MiB]
  std::size_t max_header_bytes = 64 * 1024;
  // MIME parts in the whole message.  [1, 100000]
  int max_parts = 500;
  // Decompressed bytes of a DMARC aggregate attachment that are inspected.  [1 KiB, 1 GiB]
  std::size_t max_decompressed_bytes = 32 * 1024 * 1024;
};

struct ParseOptions {
  ParseLimits limits;
  // Extra headers of the original to extract (e.g. "X-FBL-ID"), case-insensitive.
  std::vector<std::string> extra_headers;
};

// Never throws, whatever `raw` holds: failures come back as kind == kMalformed with the reason
// in errors[0].
Report ParseMessage(std::string_view raw, const ParseOptions& options);

}  // namespace fbl
