// IMAP4rev1 server responses (RFC 3501 §7, RFC 3516 literal8), parsed by pure code: the
// session feeds whatever bytes arrived and takes out complete responses. Bytes from the server
// are untrusted: every size, depth and count is bounded, and a violation is an error that ends
// the connection, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl::imap {

// One token of a data response.
struct Value {
  enum class Type { kAtom, kString, kNil, kList };
  Type type = Type::kAtom;
  std::string text;          // kAtom: as sent (flags keep their backslash); kString: the bytes
  std::vector<Value> items;  // kList

  bool is_list() const { return type == Type::kList; }
  bool is_nil() const { return type == Type::kNil; }
  // True iff an atom equal to `upper` ignoring ASCII case.
  bool IsAtom(std::string_view upper) const;
  // Atom or string text (astring / nstring); "" for NIL and lists.
  const std::string& str() const { return text; }
};

struct Response {
  enum class Kind { kUntagged, kTagged, kContinuation };
  Kind kind = Kind::kUntagged;
  std::string tag;                       // kTagged: the command's tag
  std::optional<std::uint32_t> number;   // "* 23 EXISTS", "* 5 FETCH (...)"
  std::string name;                      // upper case: OK NO BAD BYE PREAUTH EXISTS FETCH LIST ...
  std::string code;                      // status responses: "[UIDVALIDITY 7]" → "UIDVALIDITY"
  std::string code_args;                 //                                     → "7"
  std::string text;                      // status: human text; continuation: the rest of the line
  std::vector<Value> data;               // data responses: everything after `name`

  bool is_status() const;  // OK, NO, BAD, BYE, PREAUTH
};

struct ParserLimits {
  std::size_t max_line_bytes = 1 << 20;          // one line, literals excluded
  std::size_t max_literal_bytes = 64u << 20;      // one literal (a message body)
  std::size_t max_response_bytes = 128u << 20;    // one response, literals included
  int max_depth = 32;                             // parenthesised list nesting
  std::size_t max_items = 1 << 20;                // values in one response
};

// Parses one complete response (the line(s) and their literals, final CRLF included or not).
Result<Response> ParseResponse(std::string_view framed, const ParserLimits& limits);

// Incremental framing: Feed() bytes as they arrive, take complete responses with Next().
// The result does not depend on how the bytes were split.
class ResponseParser {
 public:
  explicit ResponseParser(ParserLimits limits = {}) : limits_(limits) {}

  void Feed(std::string_view bytes);

  // The next complete response; nullopt when more bytes are needed. After an error the stream
  // cannot be trusted: every later call returns the same error (close the connection).
  std::optional<Result<Response>> Next();

  // Bytes held for an incomplete response.
  std::size_t buffered() const { return buffer_.size() - start_; }
  void Reset();

 private:
  std::optional<Result<Response>> Fail(ErrorCode code, std::string detail);
  void Compact();

  ParserLimits limits_;
  std::string buffer_;
  std::size_t start_ = 0;       // first byte of the current response
  std::size_t line_start_ = 0;  // first byte of the current line (after a literal)
  std::size_t scan_ = 0;        // where to resume looking for LF
  std::optional<Error> error_;
};

// "{123}" / "{123+}" / "~{123}" at the very end of `line` (CRLF already removed): the literal
// size; nullopt when the line does not end in a literal marker; error for a bad size.
Result<std::optional<std::uint64_t>> LiteralAtEnd(std::string_view line);

}  // namespace fbl::imap
