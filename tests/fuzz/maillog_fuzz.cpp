// libFuzzer: Postfix log lines through the parser, the tracker and the detectors (LogReplay).
// A fresh LogReplay per input: its state is bounded by the input, every finding reproduces
// from its one file, and the run does not slow down as state piles up across inputs (a
// shared one grew to ~500 MB and 7 executions/s).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "alerts/log_replay.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fbl::LogReplay replay(fbl::DetectorOptions{}, 2026);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<fbl::Alert> alerts;
  while (!in.empty()) {
    std::size_t nl = in.find('\n');
    replay.FeedLine(in.substr(0, nl), &alerts);
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  for (const auto& a : alerts) (void)fbl::AlertToJson(a);
  return 0;
}
