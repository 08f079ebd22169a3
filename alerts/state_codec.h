// Little-endian binary writer/reader for detector state blobs. The reader never reads past the
// end: a short or corrupt blob turns ok() false and every later read returns zero.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace fbl {

class StateWriter {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(std::uint32_t v) { Put(v, 4); }
  void U64(std::uint64_t v) { Put(v, 8); }
  void I64(std::int64_t v) { Put(static_cast<std::uint64_t>(v), 8); }
  void F64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    Put(bits, 8);
  }
  void Str(std::string_view s) {
    U32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  void Put(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  std::uint8_t U8() { return static_cast<std::uint8_t>(Get(1)); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(Get(4)); }
  std::uint64_t U64() { return Get(8); }
  std::int64_t I64() { return static_cast<std::int64_t>(Get(8)); }
  double F64() {
    std::uint64_t bits = Get(8);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // A count that must not exceed `max` (else the blob is corrupt).
  std::uint32_t Count(std::uint32_t max) {
    std::uint32_t n = U32();
    if (n > max) ok_ = false;
    return ok_ ? n : 0;
  }
  std::string Str(std::uint32_t max) {
    std::uint32_t n = Count(max);
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return "";
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  std::uint64_t Get(int bytes) {
    if (!ok_ || in_.size() - pos_ < static_cast<std::size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(i)]))
           << (8 * i);
    }
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace fbl
