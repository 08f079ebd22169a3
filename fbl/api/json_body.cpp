#include "fbl/api/json_body.h"

#include <charconv>
#include <ctime>

namespace fbl::api {
namespace {

// Deepest nesting of [ and { outside strings; stops counting once over `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}') --depth;
    if (deepest > limit) break;
  }
  return deepest;
}

constexpr std::int64_t kMaxUnixSeconds = 253402300799;  // 9999-12-31T23:59:59Z

bool ParseDigits(std::string_view s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return nlohmann::json::object();
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return MakeError(ErrorCode::kMalformed, "JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("invalid JSON: ") + e.what());
  }
  if (!value.is_object()) return MakeError(ErrorCode::kMalformed, "the body must be a JSON object");
  return value;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FormatTime(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::int64_t> ParseTime(std::string_view text) {
  std::int64_t seconds = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && p == text.data() + text.size()) {
    // Bounded to the calendar FormatTime can print, so that handlers may subtract times.
    if (seconds < 0 || seconds > kMaxUnixSeconds) {
      return MakeError(ErrorCode::kInvalidArgument, "Unix seconds out of range (0 to 253402300799)");
    }
    return seconds;
  }
  std::tm tm{};
  bool date_only = text.size() == 10;
  bool full = text.size() == 20 && text[10] == 'T' && text[19] == 'Z' && text[13] == ':' && text[16] == ':';
  if ((date_only || full) && text[4] == '-' && text[7] == '-' &&
      ParseDigits(text.substr(0, 4), &tm.tm_year) && ParseDigits(text.substr(5, 2), &tm.tm_mon) &&
      ParseDigits(text.substr(8, 2), &tm.tm_mday) &&
      (date_only || (ParseDigits(text.substr(11, 2), &tm.tm_hour) &&
                     ParseDigits(text.substr(14, 2), &tm.tm_min) &&
                     ParseDigits(text.substr(17, 2), &tm.tm_sec))) &&
      tm.tm_mon >= 1 && tm.tm_mon <= 12 && tm.tm_mday >= 1 && tm.tm_mday <= 31 && tm.tm_hour < 24 &&
      tm.tm_min < 60 && tm.tm_sec < 61) {
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(timegm(&tm));
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "expected RFC 3339 UTC time (2026-11-28T19:00:00Z), a date or Unix seconds");
}

}  // namespace fbl::api
