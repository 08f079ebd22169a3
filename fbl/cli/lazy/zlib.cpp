// zlib for fblctl, loaded at the first (de)compression (lazy_lib.h): a gzip DMARC report in
// `parse`, compressed raw messages in the store. The functions parsers/ and store/ call.
// Not used in sanitizer builds (cmake/FblStaticDeps.cmake): they link with --no-as-needed, keep
// libprometheus-cpp-pull, which needs zlib, and these names would then be exported to it.
#include <zlib.h>

#include "fbl/cli/lazy/lazy_lib.h"

namespace {
constexpr const char* kLibz = "libz.so.1";
}  // namespace

#define FBL_LAZY(name) static auto* const real = fbl::lazy::Resolve<kLibz>(&::name, #name)

extern "C" {

int deflateInit_(z_streamp strm, int level, const char* version, int stream_size) {
  FBL_LAZY(deflateInit_);
  return real(strm, level, version, stream_size);
}

int deflate(z_streamp strm, int flush) {
  FBL_LAZY(deflate);
  return real(strm, flush);
}

int deflateReset(z_streamp strm) {
  FBL_LAZY(deflateReset);
  return real(strm);
}

uLong deflateBound(z_streamp strm, uLong source_len) {
  FBL_LAZY(deflateBound);
  return real(strm, source_len);
}

int deflateEnd(z_streamp strm) {
  FBL_LAZY(deflateEnd);
  return real(strm);
}

int inflateInit2_(z_streamp strm, int window_bits, const char* version, int stream_size) {
  FBL_LAZY(inflateInit2_);
  return real(strm, window_bits, version, stream_size);
}

int inflate(z_streamp strm, int flush) {
  FBL_LAZY(inflate);
  return real(strm, flush);
}

int inflateEnd(z_streamp strm) {
  FBL_LAZY(inflateEnd);
  return real(strm);
}

int compress2(Bytef* dest, uLongf* dest_len, const Bytef* source, uLong source_len, int level) {
  FBL_LAZY(compress2);
  return real(dest, dest_len, source, source_len, level);
}

uLong compressBound(uLong source_len) {
  FBL_LAZY(compressBound);
  return real(source_len);
}

int uncompress(Bytef* dest, uLongf* dest_len, const Bytef* source, uLong source_len) {
  FBL_LAZY(uncompress);
  return real(dest, dest_len, source, source_len);
}

}  // extern "C"
