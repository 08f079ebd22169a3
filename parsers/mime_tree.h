// A small owned MIME tree built with mimetic behind the guard, and the header-block splitter
// used for the machine-readable parts (message/feedback-report, message/delivery-status,
// text/rfc822-headers), whose "headers" are bodies to mimetic.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parsers/mime_guard.h"
#include "parsers/parse.h"
#include "parsers/result.h"

namespace fbl {

struct Field {
  std::string name;   // as written
  std::string value;  // unfolded, trimmed, at most ParseLimits::max_header_bytes
};
using FieldList = std::vector<Field>;

// First value of `name` (case-insensitive), or nullptr.
const std::string* FindField(const FieldList& fields, std::string_view name);
// Every value of `name`, in order.
std::vector<std::string> FindAll(const FieldList& fields, std::string_view name);

struct Entity {
  FieldList headers;
  std::string type;     // lowercase media type "multipart", "message", "text"... ("text" if absent)
  std::string subtype;  // lowercase "report", "rfc822", "plain"...
  std::string body;     // leaves: transfer-decoded body; containers: empty
  std::vector<Entity> children;  // multipart parts, or the one message/rfc822 child
  // A message/rfc822 child whose headers ended before its body did (a truncated original).
  // Also set in TreeDetail::kReport for a leaf original, whose body is not decoded there.
  bool headers_only = false;

  bool Is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
  std::string ContentTypeParam(std::string_view name) const;
};

// How much of the tree ParseMimeTree fills in.
enum class TreeDetail {
  kFull,    // every header field and every transfer-decoded body
  // What the report builder reads: below a message/rfc822 part only the original message's
  // own header fields are kept (and headers_only); the parts under it keep Content-Type and
  // Content-Transfer-Encoding only and their bodies are left empty, undecoded. The tree is
  // walked all the same, so part limits, encoded messages re-parsed, warnings and errors are
  // those of kFull.
  kReport,
};

// Parses a guarded (LF-only) text with mimetic into an Entity tree. Base64 or quoted-printable
// message/rfc822 parts are decoded and parsed again (through the guard). Every mimetic
// exception becomes kMalformed with its message; limits.max_parts bounds the tree.
// Never throws.
Result<Entity> ParseMimeTree(const GuardedText& guarded, const ParseLimits& limits,
                             std::vector<std::string>* warnings, int depth_used = 0,
                             TreeDetail detail = TreeDetail::kFull);

// Parses "Name: value" lines (with folding) up to the first empty line. Lines without a colon
// are skipped. Returns the offset just past the block's terminating empty line.
std::size_t ParseFieldBlock(std::string_view text, std::size_t max_fields, std::size_t max_value,
                            FieldList* out);
// Every blank-line separated block of fields in `text` (RFC 3464 delivery-status layout).
std::vector<FieldList> ParseFieldBlocks(std::string_view text, std::size_t max_fields,
                                        std::size_t max_value);

}  // namespace fbl
