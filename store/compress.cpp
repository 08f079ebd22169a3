#include "store/compress.h"

#include <zlib.h>

namespace fbl {

std::string ZlibCompress(std::string_view data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                     reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()), 6);
  // compressBound guarantees room; Z_MEM_ERROR is the only other outcome.
  if (rc != Z_OK) throw std::bad_alloc();
  out.resize(size);
  return out;
}

ZlibCompressor::ZlibCompressor() : stream_(new z_stream{}) {
  if (deflateInit(static_cast<z_stream*>(stream_), 6) != Z_OK) throw std::bad_alloc();
}

ZlibCompressor::~ZlibCompressor() {
  deflateEnd(static_cast<z_stream*>(stream_));
  delete static_cast<z_stream*>(stream_);
}

std::string ZlibCompressor::Compress(std::string_view data) {
  auto* zs = static_cast<z_stream*>(stream_);
  deflateReset(zs);
  std::string out(deflateBound(zs, static_cast<uLong>(data.size())), '\0');
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs->avail_in = static_cast<uInt>(data.size());
  zs->next_out = reinterpret_cast<Bytef*>(out.data());
  zs->avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees room for one Z_FINISH call.
  if (deflate(zs, Z_FINISH) != Z_STREAM_END) throw std::bad_alloc();
  out.resize(zs->total_out);
  return out;
}

Result<std::string> ZlibDecompress(std::string_view data, std::size_t expected_size) {
  std::string out(expected_size, '\0');
  uLongf size = static_cast<uLongf>(expected_size);
  int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &size,
                      reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()));
  if (rc != Z_OK || size != expected_size) {
    return MakeError(ErrorCode::kMalformed, "stored raw message does not inflate (zlib " +
                                                std::to_string(rc) + ")");
  }
  return out;
}

}  // namespace fbl
