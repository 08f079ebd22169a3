// Amazon SES notifications (Complaint, Bounce, Delivery) delivered by e-mail as JSON, bare or
// inside an SNS envelope ({"Type":"Notification","Message":"<json>"}).
#pragma once

#include <string_view>

#include "parsers/report.h"

namespace fbl {

// Returns true and fills `r` (kind, feedback type, recipients, deliveries, original) when
// `body` holds an SES notification; false (and `r` untouched) otherwise. Never throws.
bool ParseSesNotification(std::string_view body, Report* r);

}  // namespace fbl
