// Defaults of the API section of Store (store.h): a backend that does not implement the API
// answers kUnavailable. SqliteStore overrides all of them (sqlite_store_api.cpp).
#include "store/store.h"

namespace fbl {
namespace {

Error NotSupported(const char* what) {
  return MakeError(ErrorCode::kUnavailable, std::string(what) + ": not supported by this store backend");
}

}  // namespace

Status Store::CreateApiToken(const ApiToken&, const AuditEntry&) { return NotSupported("CreateApiToken"); }
Result<std::optional<ApiToken>> Store::GetApiToken(std::string_view) { return NotSupported("GetApiToken"); }
Status Store::RevokeApiToken(std::string_view, UnixTime, const AuditEntry&) {
  return NotSupported("RevokeApiToken");
}
Result<std::vector<ApiToken>> Store::ListApiTokens() { return NotSupported("ListApiTokens"); }
Result<std::vector<ComplaintRecord>> Store::ListComplaints(const ComplaintFilter&) {
  return NotSupported("ListComplaints");
}
Result<ClientStats> Store::GetClientStats(std::string_view, UnixTime, UnixTime) {
  return NotSupported("GetClientStats");
}
Result<CheckResult> Store::CheckSuppressions(const std::vector<std::string>&) {
  return NotSupported("CheckSuppressions");
}
Result<std::vector<AllowlistEntry>> Store::ListAllowlist(const AllowlistFilter&) {
  return NotSupported("ListAllowlist");
}
Result<std::optional<AllowlistEntry>> Store::GetAllowlist(std::string_view, std::string_view) {
  return NotSupported("GetAllowlist");
}
Status Store::Ping() { return NotSupported("Ping"); }

}  // namespace fbl
