// zlib (RFC 1950) compression of raw reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parsers/result.h"

namespace fbl {

// Level 6 (zlib's default): ~4x on mail at tens of MB/s.
std::string ZlibCompress(std::string_view data);

// The same, reusing one deflate state for many messages: compress2() allocates and zeroes
// ~270 KB per call, which on a VM costs more (brk trims and TLB shootdowns) than compressing
// a 3 KB report.
class ZlibCompressor {
 public:
  ZlibCompressor();
  ~ZlibCompressor();
  ZlibCompressor(const ZlibCompressor&) = delete;
  ZlibCompressor& operator=(const ZlibCompressor&) = delete;
  std::string Compress(std::string_view data);

 private:
  void* stream_;  // z_stream
};
// kMalformed unless `data` inflates to exactly `expected_size` bytes.
// REQUIRES: expected_size is the size given to ZlibCompress (reports.raw_size).
Result<std::string> ZlibDecompress(std::string_view data, std::size_t expected_size);

}  // namespace fbl
