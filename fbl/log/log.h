// Structured logs to stderr, one line per event:
//   2026-11-28T19:00:00Z info pipeline report stored sha256=ab12.. kind=feedback
// Every value passes through Sanitize(): untrusted text never carries CR, LF or control bytes
// into the log, and is capped in length.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace fbl {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogOptions {
  std::string level = "info";  // debug | info | warn | error
  std::string format = "text"; // text (key=value) | json
};

// Makes untrusted text safe for one log line: control bytes (and DEL) become \xNN, invalid
// UTF-8 bytes become \xNN, and the result is cut at `max_bytes` with "..." appended.
std::string Sanitize(std::string_view text, std::size_t max_bytes = 256);

using LogField = std::pair<std::string_view, std::string_view>;

// Thread-safe. Fields are sanitised; `message` should be a constant.
void Log(LogLevel level, std::string_view component, std::string_view message,
         std::initializer_list<LogField> fields = {});

void SetLogLevel(LogLevel level);
void SetLogJson(bool json);
bool ParseLogLevel(std::string_view text, LogLevel* out);
LogLevel CurrentLogLevel();

}  // namespace fbl
