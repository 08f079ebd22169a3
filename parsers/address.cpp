#include "parsers/address.h"

#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace fbl {
namespace {

constexpr std::size_t kMaxLocal = 64;
constexpr std::size_t kMaxDomain = 255;
constexpr std::size_t kMaxPath = 254;
constexpr std::size_t kMaxLabel = 63;

Error Invalid(std::string detail) { return MakeError(ErrorCode::kInvalidArgument, std::move(detail)); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 5322 atext, plus every byte >= 0x80 (RFC 6531 UTF-8 local parts).
bool IsAtext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (n < 0) return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

Status CheckLocal(std::string_view local) {
  if (local.empty()) return Invalid("empty local part");
  if (local.size() > kMaxLocal) return Invalid("local part longer than 64 bytes");
  if (!ValidUtf8(local)) return Invalid("local part is not UTF-8");
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (char c : local.substr(1, local.size() - 2)) {
      if (IsControl(static_cast<unsigned char>(c))) return Invalid("control byte in local part");
    }
    return OkStatus();
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return Invalid("misplaced dot in local part");
  }
  for (char c : local) {
    if (c != '.' && !IsAtext(static_cast<unsigned char>(c))) {
      return Invalid("character not allowed in local part");
    }
  }
  return OkStatus();
}

// Letter-digit-hyphen labels, 1..63 bytes, no hyphen at either end; lowercases in place.
Status CheckAsciiDomain(std::string& domain) {
  if (domain.empty()) return Invalid("empty domain");
  if (domain.size() > kMaxDomain) return Invalid("domain longer than 255 bytes");
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string::npos) end = domain.size();
    std::size_t len = end - start;
    if (len == 0 || len > kMaxLabel) return Invalid("empty or over-long domain label");
    if (domain[start] == '-' || domain[end - 1] == '-') return Invalid("domain label starts or ends with '-'");
    for (std::size_t i = start; i < end; ++i) {
      char c = Lower(domain[i]);
      domain[i] = c;
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return Invalid("character not allowed in domain");
      }
    }
    start = end + 1;
  }
  return OkStatus();
}

// Scripts, coarsely, for the mixed-script check (the "highly restrictive" idea of UTS 39).
enum class Script { kCommon, kLatin, kGreek, kCyrillic, kArmenian, kHebrew, kArabic, kDevanagari,
                    kThai, kHangul, kHiragana, kKatakana, kHan, kOther };

Script ScriptOf(char32_t c) {
  if (c < 0x80) return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? Script::kLatin : Script::kCommon;
  if (c < 0x370 || (c >= 0x1e00 && c < 0x1f00)) return Script::kLatin;
  if (c < 0x400 || (c >= 0x1f00 && c < 0x2000)) return Script::kGreek;
  if (c < 0x530) return Script::kCyrillic;
  if (c < 0x590) return Script::kArmenian;
  if (c < 0x600) return Script::kHebrew;
  if (c < 0x700) return Script::kArabic;
  if (c >= 0x900 && c < 0x980) return Script::kDevanagari;
  if (c >= 0xe00 && c < 0xe80) return Script::kThai;
  if ((c >= 0x1100 && c < 0x1200) || (c >= 0xac00 && c < 0xd7b0) || (c >= 0x3130 && c < 0x3190)) return Script::kHangul;
  if (c >= 0x3040 && c < 0x30a0) return Script::kHiragana;
  if (c >= 0x30a0 && c < 0x3100) return Script::kKatakana;
  if ((c >= 0x4e00 && c < 0xa000) || (c >= 0x3400 && c < 0x4dc0) || (c >= 0x20000 && c < 0x30000)) return Script::kHan;
  if (c >= 0x3000 && c < 0x3040) return Script::kCommon;
  return Script::kOther;
}

bool CompatibleScripts(Script a, Script b) {
  auto cjk = [](Script s) {
    return s == Script::kHan || s == Script::kHiragana || s == Script::kKatakana || s == Script::kHangul;
  };
  if (a == b) return true;
  // Japanese mixes Han and kana; Korean mixes Han and Hangul. Hangul with kana is suspicious.
  if (cjk(a) && cjk(b)) {
    bool hangul = a == Script::kHangul || b == Script::kHangul;
    bool kana = a == Script::kHiragana || a == Script::kKatakana || b == Script::kHiragana || b == Script::kKatakana;
    return !(hangul && kana);
  }
  return false;
}

std::vector<char32_t> DecodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : 3;
    char32_t cp = n == 0 ? c : n == 1 ? (c & 0x1f) : n == 2 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k <= n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out.push_back(cp);
    i += n + 1;
  }
  return out;
}

// Every label of the U-label form must be in one script (Common characters are neutral).
Status CheckLabelScripts(std::string_view unicode_domain) {
  std::size_t start = 0;
  while (start <= unicode_domain.size()) {
    std::size_t end = unicode_domain.find('.', start);
    if (end == std::string_view::npos) end = unicode_domain.size();
    std::vector<Script> seen;
    for (char32_t cp : DecodeUtf8(unicode_domain.substr(start, end - start))) {
      Script s = ScriptOf(cp);
      if (s == Script::kCommon) continue;
      for (Script t : seen) {
        if (!CompatibleScripts(s, t)) return Invalid("domain label mixes scripts");
      }
      if (std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
    }
    start = end + 1;
  }
  return OkStatus();
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

Result<std::string> ToALabels(const std::string& domain) {
  char* raw = nullptr;
  int rc = idn2_to_ascii_8z(domain.c_str(), &raw,
                            IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT | IDN2_USE_STD3_ASCII_RULES);
  std::unique_ptr<char, FreeDeleter> ascii(raw);
  if (rc != IDN2_OK) return Invalid(std::string("IDNA refused the domain: ") + idn2_strerror(rc));
  char* uraw = nullptr;
  rc = idn2_to_unicode_8z8z(ascii.get(), &uraw, 0);
  std::unique_ptr<char, FreeDeleter> unicode(uraw);
  if (rc != IDN2_OK) return Invalid(std::string("IDNA refused the domain: ") + idn2_strerror(rc));
  if (Status s = CheckLabelScripts(unicode.get()); !s.ok()) return s.error();
  return std::string(ascii.get());
}

bool NeedsIdna(std::string_view domain) {
  for (unsigned char c : domain) {
    if (c >= 0x80) return true;
  }
  for (std::size_t pos = 0; pos < domain.size();) {
    if (domain.size() - pos >= 4 && (domain[pos] | 0x20) == 'x' && (domain[pos + 1] | 0x20) == 'n' &&
        domain[pos + 2] == '-' && domain[pos + 3] == '-') {
      return true;
    }
    std::size_t dot = domain.find('.', pos);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return false;
}

Result<std::string> NormalizeDomain(std::string_view raw) {
  if (!raw.empty() && raw.back() == '.') raw.remove_suffix(1);  // the root label
  if (raw.empty()) return Invalid("empty domain");
  if (raw.size() > kMaxDomain) return Invalid("domain longer than 255 bytes");
  if (raw.front() == '[') return Invalid("address literals are not accepted");
  std::string domain(raw);
  if (NeedsIdna(domain)) {
    if (!ValidUtf8(domain)) return Invalid("domain is not UTF-8");
    auto a = ToALabels(domain);
    if (!a.ok()) return a.error();
    domain = std::move(a.value());
  }
  if (Status s = CheckAsciiDomain(domain); !s.ok()) return s.error();
  return domain;
}

std::string FoldLocal(std::string_view local, std::string_view domain, const AddressOptions& options) {
  std::string out(local);
  bool quoted = out.size() >= 2 && out.front() == '"';
  if (quoted) return out;
  if (options.fold_local_case) {
    for (char& c : out) c = Lower(c);
  }
  bool fold_tag = std::find(options.subaddress_domains.begin(), options.subaddress_domains.end(),
                            domain) != options.subaddress_domains.end();
  if (fold_tag) {
    std::size_t sep = out.find(options.subaddress_separator);
    if (sep != std::string::npos && sep > 0) out.resize(sep);
  }
  return out;
}

}  // namespace

Result<NormalizedAddress> NormalizeAddress(std::string_view address, const AddressOptions& options) {
  if (address.size() > 4 * kMaxPath) return Invalid("address longer than 254 bytes");
  std::string_view trimmed = Trim(address);
  if (trimmed.empty()) return Invalid("empty address");
  for (unsigned char c : trimmed) {
    if (IsControl(c)) return Invalid("control or NUL byte in address");
  }
  if (trimmed.size() > kMaxPath) return Invalid("address longer than 254 bytes");
  std::size_t at = trimmed.rfind('@');
  if (at == std::string_view::npos) return Invalid("no '@' in address");
  std::string_view local = trimmed.substr(0, at);
  if (Status s = CheckLocal(local); !s.ok()) return s.error();
  auto domain = NormalizeDomain(trimmed.substr(at + 1));
  if (!domain.ok()) return domain.error();
  NormalizedAddress out;
  out.original = std::string(trimmed);
  out.domain = std::move(domain.value());
  out.key = FoldLocal(local, out.domain, options) + "@" + out.domain;
  if (out.key.size() > kMaxPath) return Invalid("address longer than 254 bytes");
  return out;
}

}  // namespace fbl
