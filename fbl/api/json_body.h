// JSON in and out of the API: bounded parsing of request bodies, times as RFC 3339.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl::api {

inline constexpr int kMaxJsonDepth = 16;

// Parses a request body that must be a JSON object. kMalformed (with the parser's message) for
// invalid JSON, nesting deeper than kMaxJsonDepth, or a top-level value that is not an object.
// An empty body gives an empty object. Never throws.
Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The fast path of POST /v1/suppressions/check: when `body` is exactly {"addresses":[...]} (JSON
// whitespace allowed) and every element is a string of printable ASCII without escapes, the
// strings, as views into `body`; nullopt for anything else, which the caller then parses with
// ParseJsonObject. What it accepts, nlohmann::json parses to the same one key and strings, so
// the two paths give the same answer (tests/fbl/api_json_body_test.cpp holds them together).
// It exists because building a json tree of 1,000 strings cost more than the check's lookups
// apart from SQLite.
std::optional<std::vector<std::string_view>> PlainAddressList(std::string_view body);

// Serialises; invalid UTF-8 in strings is replaced (U+FFFD), never thrown.
std::string DumpJson(const nlohmann::json& value);

// "2026-11-28T19:00:00Z".
std::string FormatTime(std::int64_t unix_seconds);
// Accepts RFC 3339 UTC ("2026-11-28T19:00:00Z"), a date ("2026-11-28", midnight UTC) or Unix
// seconds ("1795806000", 0 to 253402300799 = year 9999). kInvalidArgument otherwise.
Result<std::int64_t> ParseTime(std::string_view text);

}  // namespace fbl::api
