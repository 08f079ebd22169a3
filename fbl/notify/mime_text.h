// Pure text helpers for building notification messages from untrusted report values: make a
// value safe for one header or one body line, encode it (RFC 2047, quoted-printable), fold it.
// Nothing here can produce a bare CR or LF, a line over 998 octets, or 8-bit header bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fbl::notify {

// Longest report value kept in a header (before encoding) and in a body line.
inline constexpr std::size_t kMaxHeaderValueBytes = 400;
inline constexpr std::size_t kMaxBodyValueBytes = 2000;

// One line of valid UTF-8: invalid bytes become U+FFFD, CR, LF, TAB and every other control
// character (C0, DEL, C1) become a space, runs of spaces collapse, ends are trimmed, and the
// result is cut at a character boundary to at most `max_bytes` (plus "…" when cut).
std::string CleanLine(std::string_view text, std::size_t max_bytes);

// "Name: value" CRLF, `value` already clean (CleanLine). Printable ASCII without "=?" is
// folded at spaces to lines of at most 78 octets where possible; anything else (8-bit, "=?",
// a word too long to fold) becomes RFC 2047 "=?UTF-8?B?...?=" words, each at most 75 octets,
// never splitting a UTF-8 character, one per folded line.
std::string EncodeHeader(std::string_view name, std::string_view value);

// Quoted-printable (RFC 2045 6.7) of UTF-8 text whose lines end in LF or CRLF; output lines
// end in CRLF and are at most 76 octets.
std::string QuotedPrintable(std::string_view text);

// &, <, >, " and ' as entities.
std::string HtmlEscape(std::string_view text);

// Base64 (RFC 4648, with padding, no line breaks).
std::string Base64(std::string_view data);

// An RFC 5322 date-time in UTC: "Sat, 28 Nov 2026 19:00:00 +0000".
std::string Rfc5322Date(long long unix_seconds);
// "2026-11-28 19:00 UTC"
std::string HumanUtc(long long unix_seconds);

// True iff `address` is a plain addr-spec fit for a header and an SMTP envelope: one '@',
// non-empty parts, printable ASCII without spaces, <>, (), comma, semicolon, quotes or
// backslash, at most 254 octets.
bool IsSafeAddress(std::string_view address);

}  // namespace fbl::notify
