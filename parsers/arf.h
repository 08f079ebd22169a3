// Feedback reports: RFC 5965 (ARF), RFC 6591 (auth-failure), RFC 6692 (Source-Port),
// RFC 6430 (not-spam), and the provider shapes that deviate from them.
#pragma once

#include <string>
#include <string_view>

#include "parsers/mime_tree.h"
#include "parsers/report.h"

namespace fbl {

// Copies the fields of a message/feedback-report body into `r` (header names
// case-insensitive, repeated fields as lists, Received-Date as the old name of Arrival-Date,
// Original-Rcpt-To / Removal-Recipient into recipients). Sets r->kind = kFeedback.
void ApplyFeedbackFields(const FieldList& fields, Report* r);

// Adds one reported recipient: placeholders (redacted, hashed, anonymous, undisclosed…, empty)
// only set r->redacted; real addresses go to r->recipients once, domain lowercased.
void AddRecipient(std::string_view candidate, Report* r);

// Who sent the report, from the reporter's domain, then the User-Agent, then the DKIM d= of
// the original (Yahoo's CFL): "aol", "yahoo", "microsoft", "validity", "amazonses", "apple",
// "mailru", "google", "yandex", "comcast", ... or "".
std::string DetectProvider(const Report& r);

// The IPv4/IPv6 address after "from" in a Microsoft JMRP subject ("complaint about message
// from 192.0.2.1"), or "".
std::string IpFromSubject(std::string_view subject);

}  // namespace fbl
