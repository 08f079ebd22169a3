// Small pure text helpers shared by the report parsers: case folding, trimming, transfer
// decodings, RFC 2047 words, addresses and dates. None of them throws or allocates unboundedly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fbl::text {

std::string_view Trim(std::string_view s);
std::string Lower(std::string_view s);
// Lower(s) into `out` (replacing its content), reusing its capacity.
void LowerInto(std::string_view s, std::string* out);
bool IEqualsSameSize(const char* a, const char* b, std::size_t n);  // IEquals for equal sizes
inline bool IEquals(std::string_view a, std::string_view b) {  // inline: most calls differ in size
  return a.size() == b.size() && IEqualsSameSize(a.data(), b.data(), a.size());
}
bool IStartsWith(std::string_view s, std::string_view prefix);
// The first position of `needle` in `hay` (as std::string_view::find), or npos; memmem's skip
// search instead of a memchr stop at every occurrence of the needle's first byte.
std::size_t Find(std::string_view hay, std::string_view needle);
// Returns the position of `needle` in `hay`, ASCII case-insensitively, or npos.
std::size_t IFind(std::string_view hay, std::string_view needle, std::size_t from = 0);
bool IContains(std::string_view hay, std::string_view needle);

// RFC 2045 base64; invalid characters are skipped, a truncated tail is dropped.
std::string DecodeBase64(std::string_view in);
// RFC 2045 quoted-printable; malformed escapes are kept as-is.
std::string DecodeQuotedPrintable(std::string_view in);
// Decodes by Content-Transfer-Encoding name (base64, quoted-printable; others: unchanged).
std::string DecodeTransfer(std::string_view body, std::string_view encoding);

// RFC 2047 encoded words (B and Q) decoded to UTF-8; UTF-8, US-ASCII and ISO-8859-1/15 and
// Windows-1252 charsets are converted, others are kept as raw bytes. Whitespace between
// adjacent encoded words is dropped (RFC 2047 section 6.2).
std::string DecodeEncodedWords(std::string_view in);

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when it is not valid UTF-8
// (truncated, overlong, surrogate, above U+10FFFF). REQUIRES: i < s.size().
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i);

// Replaces bytes that are not valid UTF-8 with U+FFFD and control bytes (except TAB) by space.
std::string SanitizeUtf8(std::string_view in);

// The addr-spec inside a header value: "Name <a@b>" → "a@b", "<a@b>" → "a@b", "a@b (c)" → "a@b".
// Returns "" when no '@' is present.
std::string ExtractAddress(std::string_view value);
// Every plausible addr-spec in free text, in order, without duplicates (at most `max`).
std::vector<std::string> FindAddresses(std::string_view text, std::size_t max = 64);
// Trims <>, spaces and a "rfc822;" type prefix; lowercases the domain. "" when not an address.
std::string NormalizeRecipient(std::string_view value);
// True for recipients that stand for "withheld": redacted, hashed, anonymous, undisclosed…,
// an empty local part or domain, or a value without '@'.
bool IsPlaceholderRecipient(std::string_view address);

// RFC 5322 date (and the usual deviations: missing weekday, named zones, "(EST)" comments,
// two-digit years) → "YYYY-MM-DDTHH:MM:SSZ". "" when unparsable.
std::string DateToRfc3339(std::string_view date);

}  // namespace fbl::text
