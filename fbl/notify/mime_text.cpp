#include "fbl/notify/mime_text.h"

#include <cstdint>
#include <ctime>
#include <vector>

namespace fbl::notify {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::size_t kFoldWidth = 78;
constexpr std::size_t kMaxPlainWord = 70;
constexpr std::size_t kEncodedChunkBytes = 45;  // 60 base64 chars: a 72-octet encoded word

// Length of the valid UTF-8 sequence at the start of `s` (1..4), or 0 when invalid.
std::size_t Utf8SequenceLength(std::string_view s, char32_t* code_point) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return n;
}

bool IsControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0xFEFF;
}

// Largest prefix length <= limit that ends on a UTF-8 character boundary.
std::size_t Utf8Boundary(std::string_view s, std::size_t limit) {
  if (limit >= s.size()) return s.size();
  while (limit > 0 && (static_cast<unsigned char>(s[limit]) & 0xC0) == 0x80) --limit;
  return limit;
}

bool IsPlainAscii(std::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  if (value.find("=?") != std::string_view::npos) return false;
  std::size_t word = 0;
  for (char c : value) {
    word = c == ' ' ? 0 : word + 1;
    if (word > kMaxPlainWord) return false;
  }
  return true;
}

std::string FoldPlain(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ':';
  std::size_t line = out.size();
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t end = value.find(' ', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view word = value.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    if (line + 1 + word.size() > kFoldWidth && line > name.size() + 1) {
      out += "\r\n";
      line = 0;
    }
    out += ' ';
    out += word;
    line += 1 + word.size();
  }
  return out + "\r\n";
}

std::string FoldEncoded(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ':';
  std::size_t pos = 0;
  bool first = true;
  while (pos < value.size()) {
    std::size_t n = Utf8Boundary(value.substr(pos), kEncodedChunkBytes);
    if (n == 0) n = 1;  // cannot happen for clean input; never loop forever
    if (!first) out += "\r\n";
    out += " =?UTF-8?B?" + Base64(value.substr(pos, n)) + "?=";
    pos += n;
    first = false;
  }
  return out + "\r\n";
}

void AppendQpLine(std::string_view line, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::size_t width = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool last = i + 1 == line.size();
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
    std::string piece = literal ? std::string(1, static_cast<char>(c))
                                : std::string{'=', kHex[c >> 4], kHex[c & 15]};
    if (width + piece.size() > 75) {
      *out += "=\r\n";
      width = 0;
    }
    *out += piece;
    width += piece.size();
  }
  *out += "\r\n";
}

}  // namespace

std::string CleanLine(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes + 8));
  std::size_t pos = 0;
  // Stop reading well after the cap: a 100 KB value costs no more than a short one.
  while (pos < text.size() && out.size() <= max_bytes + 8) {
    char32_t cp = 0;
    std::size_t n = Utf8SequenceLength(text.substr(pos), &cp);
    if (n == 0) {
      out += kReplacement;
      pos += 1;
      continue;
    }
    if (IsControl(cp) || cp == ' ') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out.append(text.substr(pos, n));
    }
    pos += n;
  }
  bool cut = pos < text.size() || out.size() > max_bytes;
  if (cut) {
    std::size_t keep = max_bytes >= kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
    out.resize(Utf8Boundary(out, keep));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (cut) out += kEllipsis;
  std::size_t start = out.find_first_not_of(' ');
  return start == std::string::npos ? std::string() : out.substr(start);
}

std::string EncodeHeader(std::string_view name, std::string_view value) {
  return IsPlainAscii(value) ? FoldPlain(name, value) : FoldEncoded(name, value);
}

std::string QuotedPrintable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!(last && line.empty())) AppendQpLine(line, &out);
    pos = end + 1;
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) v |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::string Rfc5322Date(long long unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string HumanUtc(long long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  return buf;
}

bool IsSafeAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  std::size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : address) {
    if (c <= 0x20 || c >= 0x7F) return false;
    if (std::string_view("<>(),;:\"\\[]").find(c) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace fbl::notify
