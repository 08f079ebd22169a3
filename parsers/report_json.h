// The `fblctl parse` JSON contract (DESIGN.md, contracts item 1); field list in
// docs/parse-json.md. Extend, never rename.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "parsers/report.h"

namespace fbl {

// Every contract key is always present: absent strings are null, lists are [], redacted is a
// bool, feedback_type is null unless kind is "feedback". `original.headers` is an object
// {requested name: value}. Extra keys: version, provider, reporter, source_port, reported_uris,
// authentication_results, outer_authentication_results, auth_failure, delivery_result,
// dkim_domain, dkim_identity, dkim_selector, spf_dns, identity_alignment, report_subject,
// report_message_id.
nlohmann::json ReportToJson(const Report& report, std::string_view source);

// ReportToJson dumped on one line; invalid UTF-8 is replaced (never throws on 8-bit input).
std::string ReportToJsonLine(const Report& report, std::string_view source);
// The same line appended to `out` (no newline): lets a caller reuse one buffer.
void AppendReportJsonLine(const Report& report, std::string_view source, std::string* out);

// Appends `text` as a JSON string, byte for byte as nlohmann's dump(-1, ' ', false,
// error_handler_t::replace) writes it: the same escapes, non-ASCII kept, invalid UTF-8 replaced
// by U+FFFD. Used by every JSON answer written directly instead of through a json tree.
void AppendJsonString(std::string* out, std::string_view text);

}  // namespace fbl
