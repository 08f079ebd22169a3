// libFuzzer target: arbitrary server bytes, fed in two pieces, must parse or fail cleanly and
// give the same responses however they were split.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fbl/sources/imap_parser.h"

namespace {

std::size_t ParseAll(std::string_view a, std::string_view b) {
  fbl::imap::ParserLimits limits;
  limits.max_literal_bytes = 1 << 16;
  limits.max_line_bytes = 1 << 12;
  limits.max_depth = 8;
  limits.max_items = 1000;
  fbl::imap::ResponseParser parser(limits);
  std::size_t count = 0;
  for (std::string_view piece : {a, b}) {
    parser.Feed(piece);
    while (auto r = parser.Next()) {
      if (!r->ok()) return count + 1000000;
      ++count;
    }
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t whole = ParseAll(input, "");
  std::size_t split = ParseAll(input.substr(0, size / 2), input.substr(size / 2));
  if (whole != split) __builtin_trap();
  return 0;
}
