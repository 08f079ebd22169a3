#include "alerts/alerts_options.h"

namespace fbl {

const char* AlertActionName(AlertAction action) {
  switch (action) {
    case AlertAction::kHold: return "hold";
    case AlertAction::kDeferIfPermit: return "defer_if_permit";
    case AlertAction::kReject: return "reject";
    case AlertAction::kAlert: break;
  }
  return "alert";
}

bool ParseAlertAction(const std::string& name, AlertAction* out) {
  if (name == "alert") *out = AlertAction::kAlert;
  else if (name == "hold") *out = AlertAction::kHold;
  else if (name == "defer_if_permit") *out = AlertAction::kDeferIfPermit;
  else if (name == "reject") *out = AlertAction::kReject;
  else return false;
  return true;
}

}  // namespace fbl
