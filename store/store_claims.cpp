// Default of the claims section of Store (store.h): a backend without outbox claims answers
// kUnavailable, so several instances never send the same row through an unclaimed read.
#include "store/store.h"

namespace fbl {

Result<std::vector<OutboxItem>> Store::ClaimOutbox(std::string_view, UnixTime, int, int) {
  return MakeError(ErrorCode::kUnavailable, "ClaimOutbox: not supported by this store backend");
}

}  // namespace fbl
