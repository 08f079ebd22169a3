#include "fbl/api/json_body.h"

#include <charconv>
#include <cstdio>
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

std::optional<std::vector<std::string_view>> PlainAddressList(std::string_view body) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) ++i;
  };
  auto take = [&](std::string_view token) {
    skip_space();
    if (body.substr(i, token.size()) != token) return false;
    i += token.size();
    return true;
  };
  if (!take("{") || !take("\"addresses\"") || !take(":") || !take("[")) return std::nullopt;
  std::vector<std::string_view> out;
  out.reserve(body.size() / 16);
  skip_space();
  if (i < body.size() && body[i] == ']') {
    ++i;
  } else {
    for (;;) {
      if (!take("\"")) return std::nullopt;
      const std::size_t start = i;
      while (i < body.size() && body[i] >= 0x20 && body[i] <= 0x7e && body[i] != '"' && body[i] != '\\') ++i;
      if (i >= body.size() || body[i] != '"') return std::nullopt;  // escape, control or non-ASCII byte
      out.push_back(body.substr(start, i - start));
      ++i;
      if (take("]")) break;
      if (!take(",")) return std::nullopt;
    }
  }
  if (!take("}")) return std::nullopt;
  skip_space();
  if (i != body.size()) return std::nullopt;
  return out;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's civil_from_days),
// without gmtime/strftime (their locale and time-zone machinery cost more than the rest of a
// check answer's line).
std::string FormatTime(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / 86400;
  std::int64_t rest = unix_seconds % 86400;
  if (rest < 0) rest += 86400, --days;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                   // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                 // [0, 11]
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;                       // [1, 31]
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;                        // [1, 12]
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const std::int64_t hour = rest / 3600, minute = rest / 60 % 60, second = rest % 60;
  if (year >= 0 && year <= 9999) {
    char out[20] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
    auto put = [&out](int at, std::int64_t value, int width) {
      for (int i = width - 1; i >= 0; --i, value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, year, 4), put(5, month, 2), put(8, day, 2), put(11, hour, 2), put(14, minute, 2), put(17, second, 2);
    return std::string(out, sizeof out);
  }
  char buf[64];  // beyond the years ParseTime accepts: as strftime's %Y would print them
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(year),
                        static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(hour),
                        static_cast<long long>(minute), static_cast<long long>(second));
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
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
