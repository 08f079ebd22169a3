// zlib (RFC 1950) compression of raw reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parsers/result.h"

namespace fbl {

// Level 6 (zlib's default): ~4x on mail at tens of MB/s.
std::string ZlibCompress(std::string_view data);
// kMalformed unless `data` inflates to exactly `expected_size` bytes.
// REQUIRES: expected_size is the size given to ZlibCompress (reports.raw_size).
Result<std::string> ZlibDecompress(std::string_view data, std::size_t expected_size);

}  // namespace fbl
