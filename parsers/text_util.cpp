#include "parsers/text_util.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace fbl::text {
namespace {

char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = LowerChar(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The base64 digit value of each byte (the URL-safe '-' and '_' too), -1 for the others.
struct Base64Table {
  signed char value[256];
  constexpr Base64Table() : value() {
    for (int c = 0; c < 256; ++c) {
      value[c] = c >= 'A' && c <= 'Z'   ? static_cast<signed char>(c - 'A')
                 : c >= 'a' && c <= 'z' ? static_cast<signed char>(c - 'a' + 26)
                 : c >= '0' && c <= '9' ? static_cast<signed char>(c - '0' + 52)
                 : c == '+' || c == '-' ? 62
                 : c == '/' || c == '_' ? 63
                                        : -1;
    }
  }
};
constexpr Base64Table kBase64;

int Base64Value(unsigned char c) { return kBase64.value[c]; }

void AppendUtf8(std::string* out, std::uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string CharsetToUtf8(std::string_view charset, std::string_view bytes) {
  std::string cs = Lower(charset);
  if (auto star = cs.find('*'); star != std::string::npos) cs.resize(star);  // RFC 2231 language
  bool latin = cs == "iso-8859-1" || cs == "iso-8859-15" || cs == "latin1" || cs == "windows-1252" ||
               cs == "cp1252";
  if (!latin) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) AppendUtf8(&out, static_cast<unsigned char>(c));
  return out;
}

// Decodes one "=?charset?enc?text?=" word starting at in[pos]; on success stores the decoded
// text and the index just past the word.
bool DecodeOneWord(std::string_view in, std::size_t pos, std::string* out, std::size_t* end) {
  std::size_t q1 = in.find('?', pos + 2);
  if (q1 == std::string_view::npos || q1 + 2 >= in.size() || in[q1 + 2] != '?') return false;
  char enc = LowerChar(in[q1 + 1]);
  if (enc != 'b' && enc != 'q') return false;
  std::size_t close = in.find("?=", q1 + 3);
  if (close == std::string_view::npos) return false;
  std::string_view charset = in.substr(pos + 2, q1 - pos - 2);
  std::string_view payload = in.substr(q1 + 3, close - q1 - 3);
  if (payload.find(' ') != std::string_view::npos) return false;
  std::string bytes;
  if (enc == 'b') {
    bytes = DecodeBase64(payload);
  } else {
    std::string tmp(payload);
    std::replace(tmp.begin(), tmp.end(), '_', ' ');
    bytes = DecodeQuotedPrintable(tmp);
  }
  *out = CharsetToUtf8(charset, bytes);
  *end = close + 2;
  return true;
}

bool IsLocalChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c)) return true;
  return std::string_view(".!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

bool IsDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '-' || c == '_';
}

struct ZoneName {
  const char* name;
  int minutes;
};
constexpr ZoneName kZones[] = {{"ut", 0},       {"utc", 0},      {"gmt", 0},     {"z", 0},
                               {"est", -300},   {"edt", -240},   {"cst", -360},  {"cdt", -300},
                               {"mst", -420},   {"mdt", -360},   {"pst", -480},  {"pdt", -420},
                               {"jst", 540},    {"cet", 60},     {"cest", 120},  {"bst", 60},
                               {"kst", 540},    {"ist", 330},    {"met", 60},    {"eet", 120}};

int MonthNumber(std::string_view token) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (token.size() < 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (IEquals(token.substr(0, 3), kMonths[i])) return i + 1;
  }
  return 0;
}

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2));
}

std::string FormatUtc(std::int64_t epoch) {
  std::int64_t days = epoch / 86400;
  std::int64_t secs = epoch % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  int y = 0, m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  if (y < 1900 || y > 9999) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

struct DateParts {
  int year = -1, month = 0, day = 0, hour = -1, minute = 0, second = 0;
  int zone_minutes = 0;
  bool have_zone = false;
};

bool ParseTime(std::string_view t, DateParts* p) {
  int fields[3] = {0, 0, 0};
  int n = 0;
  std::size_t i = 0;
  while (i < t.size() && n < 3) {
    if (!IsDigit(t[i])) return false;
    int v = 0, digits = 0;
    while (i < t.size() && IsDigit(t[i]) && digits < 3) v = v * 10 + (t[i++] - '0'), ++digits;
    fields[n++] = v;
    if (i < t.size() && t[i] == ':') ++i;
    else break;
  }
  if (n < 2 || fields[0] > 23 || fields[1] > 59 || fields[2] > 60) return false;
  p->hour = fields[0];
  p->minute = fields[1];
  p->second = fields[2] == 60 ? 59 : fields[2];
  return true;
}

bool ParseNumericZone(std::string_view t, DateParts* p) {
  if (t.size() != 5 || (t[0] != '+' && t[0] != '-')) return false;
  for (std::size_t i = 1; i < 5; ++i) {
    if (!IsDigit(t[i])) return false;
  }
  int hh = (t[1] - '0') * 10 + (t[2] - '0');
  int mm = (t[3] - '0') * 10 + (t[4] - '0');
  p->zone_minutes = (t[0] == '-' ? -1 : 1) * (hh * 60 + mm);
  p->have_zone = true;
  return true;
}

void ParseDateToken(std::string_view t, DateParts* p) {
  if (t.empty()) return;
  if (t.find(':') != std::string_view::npos && p->hour < 0) {
    ParseTime(t, p);
    return;
  }
  if (!p->have_zone && ParseNumericZone(t, p)) return;
  if (IsDigit(t[0])) {
    int v = 0;
    std::size_t i = 0;
    while (i < t.size() && IsDigit(t[i]) && i < 5) v = v * 10 + (t[i++] - '0');
    if (i != t.size()) return;
    if (p->day == 0 && i <= 2 && v >= 1 && v <= 31) p->day = v;
    else if (p->year < 0 && (i == 4 || i == 2)) p->year = i == 2 ? (v < 50 ? 2000 + v : 1900 + v) : v;
    return;
  }
  if (int m = MonthNumber(t); m != 0 && p->month == 0 && t.size() <= 9) {
    p->month = m;
    return;
  }
  if (!p->have_zone) {
    for (const auto& z : kZones) {
      if (IEquals(t, z.name)) {
        p->zone_minutes = z.minutes;
        p->have_zone = true;
        return;
      }
    }
  }
}

std::string StripComments(std::string_view in) {
  std::string out;
  int depth = 0;
  for (char c : in) {
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0) out.push_back(c);
  }
  return out;
}

// "2020-10-31T18:02:57Z" / "2020-10-31 18:02:57+00:00".
std::string IsoToRfc3339(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) return "";
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (!IsDigit(s[i])) return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || se < 0) return "";
  std::size_t i = 19;
  while (i < s.size() && (s[i] == '.' || IsDigit(s[i]))) ++i;
  int offset = 0;
  if (i + 5 < s.size() + 0 && (s[i] == '+' || s[i] == '-') && i + 5 <= s.size()) {
    int oh = num(i + 1, 2);
    int om = s[i + 3] == ':' ? num(i + 4, 2) : num(i + 3, 2);
    if (oh >= 0 && om >= 0) offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
  }
  std::int64_t epoch = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                       h * 3600 + mi * 60 + se - offset * 60;
  return FormatUtc(epoch);
}

}  // namespace

std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;  // overlong
  if (n == 3) {
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xE0 && c1 < 0xA0) return 0;
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
  }
  if (n == 4) {
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c > 0xF4 || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return 0;
  }
  return n;
}


std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out;
  LowerInto(s, &out);
  return out;
}

void LowerInto(std::string_view s, std::string* out) {
  out->assign(s);
  for (char& c : *out) c = LowerChar(c);
}

bool IEqualsSameSize(const char* a, const char* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

namespace {

// Next occurrence of `c` in [p, end), or nullptr.
const char* NextOf(const char* p, const char* end, char c) {
  return p < end ? static_cast<const char*>(std::memchr(p, c, static_cast<std::size_t>(end - p))) : nullptr;
}

}  // namespace

std::size_t Find(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return 0;
  if (needle.size() > hay.size()) return std::string_view::npos;
  const void* at = memmem(hay.data(), hay.size(), needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(at) - hay.data());
}

// Candidates are found with memchr (vectorised in libc) for the lower- and upper-case first
// byte, so the scan is linear and fast; only candidates are compared case-insensitively.
std::size_t IFind(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (from > hay.size() || needle.size() > hay.size() - from) return std::string_view::npos;
  const char lo = LowerChar(needle[0]);
  const char up = (lo >= 'a' && lo <= 'z') ? static_cast<char>(lo - 32) : lo;
  const std::string_view rest = needle.substr(1);
  const char* base = hay.data();
  const char* end = base + (hay.size() - needle.size() + 1);  // a match starts before `end`
  auto matches_at = [&](const char* c) { return IEquals(std::string_view(c + 1, rest.size()), rest); };
  const char* next_lo = NextOf(base + from, end, lo);
  const char* next_up = lo == up ? nullptr : NextOf(base + from, end, up);
  while (next_lo != nullptr || next_up != nullptr) {
    const bool take_lo = next_up == nullptr || (next_lo != nullptr && next_lo < next_up);
    const char* c = take_lo ? next_lo : next_up;
    if (matches_at(c)) return static_cast<std::size_t>(c - base);
    if (take_lo) {
      next_lo = NextOf(c + 1, end, lo);
    } else {
      next_up = NextOf(c + 1, end, up);
    }
  }
  return std::string_view::npos;
}

bool IContains(std::string_view hay, std::string_view needle) {
  return IFind(hay, needle) != std::string_view::npos;
}

std::string DecodeBase64(std::string_view in) {
  // Written through a pointer into a buffer sized for the worst case, then cut to size.
  std::string out(in.size() * 3 / 4 + 3, '\0');
  char* o = out.data();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    int v = Base64Value(static_cast<unsigned char>(ch));
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::string DecodeQuotedPrintable(std::string_view in) {
  // The text between two '=' is copied in one block; the output is never longer than the input.
  std::string out(in.size(), '\0');
  char* o = out.data();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const void* eq = std::memchr(in.data() + i, '=', in.size() - i);
    std::size_t at = eq ? static_cast<std::size_t>(static_cast<const char*>(eq) - in.data()) : in.size();
    std::memcpy(o, in.data() + i, at - i);
    o += at - i;
    i = at;
    if (i == in.size()) break;
    char c = in[i];
    if (i + 1 < in.size() && in[i + 1] == '\n') {  // soft line break
      ++i;
      continue;
    }
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      i += 2;
      continue;
    }
    int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
    int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      *o++ = c;
      continue;
    }
    *o++ = static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::string DecodeTransfer(std::string_view body, std::string_view encoding) {
  std::string_view enc = Trim(encoding);
  if (IEquals(enc, "base64")) return DecodeBase64(body);
  if (IEquals(enc, "quoted-printable")) return DecodeQuotedPrintable(body);
  return std::string(body);
}

std::string DecodeEncodedWords(std::string_view in) {
  if (in.find("=?") == std::string_view::npos) return std::string(in);
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  std::size_t pending_space_from = std::string::npos;  // whitespace after an encoded word
  while (i < in.size()) {
    std::string word;
    std::size_t end = 0;
    if (in[i] == '=' && i + 1 < in.size() && in[i + 1] == '?' && DecodeOneWord(in, i, &word, &end)) {
      if (pending_space_from != std::string::npos) out.resize(pending_space_from);
      out += word;
      i = end;
      pending_space_from = out.size();
      continue;
    }
    if (!IsSpace(in[i])) pending_space_from = std::string::npos;
    out.push_back(in[i++]);
  }
  return out;
}

std::string SanitizeUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t run = 0;  // start of the printable ASCII run not yet copied
  for (std::size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    out.append(in.data() + run, i - run);
    if (c < 0x20 || c == 0x7F) {
      out.push_back(c == '\t' ? '\t' : ' ');
      ++i;
    } else if (std::size_t n = Utf8SequenceLength(in, i); n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(in.data() + i, n);
      i += n;
    }
    run = i;
  }
  out.append(in.data() + run, in.size() - run);
  return out;
}

std::string ExtractAddress(std::string_view value) {
  std::size_t lt = value.rfind('<');
  if (lt != std::string_view::npos) {
    std::size_t gt = value.find('>', lt);
    std::string_view inner = value.substr(lt + 1, gt == std::string_view::npos ? gt : gt - lt - 1);
    if (inner.find('@') != std::string_view::npos) return std::string(Trim(inner));
  }
  std::vector<std::string> found = FindAddresses(value, 1);
  return found.empty() ? std::string() : found[0];
}

std::vector<std::string> FindAddresses(std::string_view text, std::size_t max) {
  std::vector<std::string> out;
  std::size_t at = text.find('@');
  while (at != std::string_view::npos && out.size() < max) {
    std::size_t b = at;
    while (b > 0 && IsLocalChar(text[b - 1]) && at - b < 64) --b;
    std::size_t e = at + 1;
    while (e < text.size() && IsDomainChar(text[e]) && e - at < 255) ++e;
    std::string_view local = text.substr(b, at - b);
    std::string_view domain = text.substr(at + 1, e - at - 1);
    while (!local.empty() && (local.front() == '.' || local.front() == '=' || local.front() == '\'')) {
      local.remove_prefix(1);
    }
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
    if (!local.empty() && domain.find('.') != std::string_view::npos && domain.front() != '.') {
      std::string addr = std::string(local) + "@" + Lower(domain);
      if (std::find(out.begin(), out.end(), addr) == out.end()) out.push_back(std::move(addr));
    }
    at = text.find('@', std::max(e, at + 1));
  }
  return out;
}

std::string NormalizeRecipient(std::string_view value) {
  std::string_view v = Trim(value);
  if (std::size_t semi = v.find(';'); semi != std::string_view::npos && semi < 12) {
    v = Trim(v.substr(semi + 1));  // "rfc822; user@example.com"
  }
  std::string addr = ExtractAddress(v);
  if (addr.empty()) {
    std::string_view bare = Trim(v);
    while (!bare.empty() && (bare.front() == '<' || bare.front() == '"')) bare.remove_prefix(1);
    while (!bare.empty() && (bare.back() == '>' || bare.back() == '"')) bare.remove_suffix(1);
    if (bare.find('@') == std::string_view::npos) return "";
    addr = std::string(bare);
  }
  std::size_t at = addr.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == addr.size()) return "";
  for (std::size_t i = at + 1; i < addr.size(); ++i) addr[i] = LowerChar(addr[i]);
  while (!addr.empty() && (addr.back() == '.' || addr.back() == '>')) addr.pop_back();
  return addr;
}

bool IsPlaceholderRecipient(std::string_view address) {
  std::string_view a = Trim(address);
  std::size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return true;
  std::string local = Lower(a.substr(0, at));
  static const char* kWords[] = {"redacted", "hashed", "anonymous", "anonymized", "anonymised",
                                 "undisclosed", "unknown-recipient", "removed", "xxxxx", "******"};
  for (const char* w : kWords) {
    if (local.find(w) != std::string::npos) return true;
  }
  return false;
}

std::string DateToRfc3339(std::string_view date) {
  std::string_view d = Trim(date);
  if (d.size() > 200) d = d.substr(0, 200);
  if (std::string iso = IsoToRfc3339(d); !iso.empty()) return iso;
  std::string clean = StripComments(d);
  DateParts p;
  std::size_t i = 0;
  while (i < clean.size()) {
    while (i < clean.size() && (IsSpace(clean[i]) || clean[i] == ',')) ++i;
    std::size_t b = i;
    while (i < clean.size() && !IsSpace(clean[i]) && clean[i] != ',') ++i;
    std::string_view token(clean.data() + b, i - b);
    // "29-Apr-2016" style.
    if (token.size() >= 9 && token.find('-') == 2 && MonthNumber(token.substr(3, 3)) != 0) {
      ParseDateToken(token.substr(0, 2), &p);
      ParseDateToken(token.substr(3, 3), &p);
      ParseDateToken(token.substr(7), &p);
      continue;
    }
    ParseDateToken(token, &p);
  }
  if (p.year < 0 || p.month == 0 || p.day == 0 || p.hour < 0) return "";
  std::int64_t epoch = DaysFromCivil(p.year, static_cast<unsigned>(p.month), static_cast<unsigned>(p.day)) *
                           86400 +
                       p.hour * 3600 + p.minute * 60 + p.second - p.zone_minutes * 60;
  return FormatUtc(epoch);
}

}  // namespace fbl::text
