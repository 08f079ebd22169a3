// Defaults of the metrics section of Store (store.h): a backend without it answers kUnavailable,
// and the gauges refresher counts the error (fbl_store_gauges_errors_total) instead of lying.
#include "store/store.h"

namespace fbl {
namespace {

Error NotSupported(const char* what) {
  return MakeError(ErrorCode::kUnavailable,
                   std::string(what) + ": not supported by this store backend");
}

}  // namespace

Result<std::vector<ReasonCount>> Store::CountSuppressionsByReason(UnixTime) {
  return NotSupported("CountSuppressionsByReason");
}
Result<OutboxStats> Store::GetOutboxStats() { return NotSupported("GetOutboxStats"); }
Result<std::int64_t> Store::CountHeldAccounts() { return NotSupported("CountHeldAccounts"); }
Result<std::vector<ClientVolume>> Store::GetClientVolumes(UnixTime) {
  return NotSupported("GetClientVolumes");
}
Result<std::vector<AccountVolume>> Store::TopSendingAccounts(UnixTime, int) {
  return NotSupported("TopSendingAccounts");
}

}  // namespace fbl
