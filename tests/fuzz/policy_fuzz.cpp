// libFuzzer: the policy protocol parser and the decision engine on arbitrary bytes, split at
// a fuzzer-chosen point. Must never crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "alerts/policy_engine.h"
#include "alerts/policy_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fbl::PolicyEngine* engine = [] {
    fbl::AlertsOptions o;
    o.detectors.action = fbl::AlertAction::kHold;
    return new fbl::PolicyEngine(o);
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  fbl::PolicyRequestParser parser;
  std::vector<fbl::PolicyRequest> requests;
  if (parser.Feed(in.substr(0, cut), &requests).ok()) (void)parser.Feed(in.substr(cut), &requests);
  fbl::EventTime now = 1795392000;
  for (const auto& r : requests) (void)engine->Decide(r, now++);
  return 0;
}
