// The guard in front of mimetic: everything hostile input could use against Debian's mimetic
// 0.9.8 is cut off here, before the library sees a byte (see recipes/DEPENDENCIES.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parsers/parse.h"
#include "parsers/result.h"

namespace fbl {

// Returns `raw` with every CRLF and bare CR turned into LF. Never fails.
std::string NormalizeLineEndings(std::string_view raw);

// The input as mimetic may see it.
struct GuardedText {
  std::string text;                   // LF line endings, cleaned (see GuardMessage)
  std::vector<std::string> warnings;  // e.g. "message truncated at 10485760 bytes"
  // True when every "--boundary" of every multipart starts a line. mimetic's fast iterator
  // parser splits a part at a delimiter found mid-line; ParseMimeTree uses its (slower,
  // correct) istream parser when this is false.
  bool delimiters_at_line_starts = true;
};

// Prepares `raw` for mimetic:
//  - cuts it at limits.max_message_bytes (a warning, not an error);
//  - normalises line endings to LF and drops a leading mbox "From " separator line;
//  - strips the blanks RFC 2046 allows after a boundary delimiter (mimetic loses headers there);
//  - turns a multipart Content-Type without a boundary parameter into text/plain (warning);
// and refuses, with kLimitExceeded, input whose multipart/message nesting exceeds
// limits.max_depth, whose delimiter lines exceed limits.max_parts, or with an entity of more
// than limits.max_headers header fields. The scan is linear in the input size.
// `depth_used` is the nesting already spent by the enclosing message (for re-parsed parts).
Result<GuardedText> GuardMessage(std::string_view raw, const ParseLimits& limits, int depth_used = 0);

// Hands the text buffer of a GuardedText that is no longer needed to the next GuardMessage of
// the calling thread: one large allocation (and malloc's consolidation) less per message.
// Buffers above 1 MiB are freed instead of kept.
void RecycleGuardedText(GuardedText&& guarded);

}  // namespace fbl
