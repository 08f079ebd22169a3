#include "fbl/log/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace fbl {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_json{false};
std::mutex g_mu;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

void AppendHex(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=') return true;
  }
  return false;
}

}  // namespace

std::string Sanitize(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 4);
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() >= max_bytes) {
      out.append("...");
      break;
    }
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = Utf8Length(text, i);
    if (c < 0x20 || c == 0x7F || n == 0) {
      AppendHex(&out, c);
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

void Log(LogLevel level, std::string_view component, std::string_view message,
         std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  std::string line;
  if (g_json.load(std::memory_order_relaxed)) {
    line = "{\"time\":\"" + Timestamp() + "\",\"level\":\"" + LevelName(level) + "\",\"component\":";
    AppendJsonString(&line, Sanitize(component, 64));
    line += ",\"msg\":";
    AppendJsonString(&line, Sanitize(message, 512));
    for (const auto& [k, v] : fields) {
      line.push_back(',');
      AppendJsonString(&line, Sanitize(k, 64));
      line.push_back(':');
      AppendJsonString(&line, Sanitize(v));
    }
    line += "}\n";
  } else {
    line = Timestamp() + " " + LevelName(level) + " " + Sanitize(component, 64) + " " +
           Sanitize(message, 512);
    for (const auto& [k, v] : fields) {
      std::string value = Sanitize(v);
      // Appended piecewise: `" " + std::string&&` trips GCC 12's -Wrestrict at -O3.
      line += ' ';
      line += Sanitize(k, 64);
      line += '=';
      if (NeedsQuotes(value)) {
        AppendJsonString(&line, value);
      } else {
        line += value;
      }
    }
    line.push_back('\n');
  }
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
void SetLogJson(bool json) { g_json.store(json); }
LogLevel CurrentLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

}  // namespace fbl
