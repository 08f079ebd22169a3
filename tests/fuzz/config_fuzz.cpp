// libFuzzer: arbitrary bytes as an fbld.toml through toml++ and every section reader. A config
// must load or fail with a non-empty error naming the file; nothing may crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fbl/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fbl::Result<fbl::Config> config = fbl::ParseConfig(text, "fuzz.toml");
  if (!config.ok()) {
    const std::string& detail = config.error().detail;
    if (detail.rfind("fuzz.toml", 0) != 0) __builtin_trap();
  }
  return 0;
}
