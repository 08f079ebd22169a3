// Defaults of the detector section of Store (store.h): a backend without it answers
// kUnavailable; the policy server then keeps its state in memory only and says so.
#include "store/store.h"

namespace fbl {

Status Store::SaveDetectorState(const std::vector<DetectorStateRow>&) {
  return MakeError(ErrorCode::kUnavailable, "SaveDetectorState: not supported by this store backend");
}

Result<std::vector<DetectorStateRow>> Store::LoadDetectorStates() {
  return MakeError(ErrorCode::kUnavailable, "LoadDetectorStates: not supported by this store backend");
}

Status Store::EnqueueOutbox(const NewOutboxItem&, UnixTime) {
  return MakeError(ErrorCode::kUnavailable, "EnqueueOutbox: not supported by this store backend");
}

Status Store::AddClientSent(std::string_view, std::int64_t, std::int64_t) {
  return MakeError(ErrorCode::kUnavailable, "AddClientSent: not supported by this store backend");
}

}  // namespace fbl
