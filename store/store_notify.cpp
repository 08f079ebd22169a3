// Defaults of the notify section of Store (store.h): a backend without it answers kUnavailable,
// and the notifier retries later instead of guessing.
#include "store/store.h"

namespace fbl {

Result<std::optional<UnixTime>> Store::LastOutboxSent(std::string_view) {
  return MakeError(ErrorCode::kUnavailable, "LastOutboxSent: not supported by this store backend");
}

Status Store::DeferOutbox(std::int64_t, UnixTime) {
  return MakeError(ErrorCode::kUnavailable, "DeferOutbox: not supported by this store backend");
}

}  // namespace fbl
