// libFuzzer target over the parse entry point: ParseMessage must never crash, leak or throw,
// and its JSON must always dump (8-bit bytes replaced). Small limits make deep shapes cheap.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parsers/parse.h"
#include "parsers/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fbl::ParseOptions options = [] {
    fbl::ParseOptions o;
    o.extra_headers = {"X-FBL-ID"};
    return o;
  }();
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  fbl::Report report = fbl::ParseMessage(raw, options);
  std::string line = fbl::ReportToJsonLine(report, "fuzz");
  if (line.empty()) __builtin_trap();
  return 0;
}
