// Rules every Store backend applies the same way (sqlite_store_*.cpp and pg_store_*.cpp call
// these instead of carrying their own copies, so the backends cannot drift).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parsers/result.h"
#include "store/store.h"

namespace fbl::store_rules {

inline constexpr int kMaxListLimit = 10000;
inline constexpr std::size_t kMaxNote = 1024;
inline constexpr std::size_t kMaxScope = 128;

// '*' or a client id: 1..128 bytes, no space or control byte.
inline Status CheckScope(std::string_view scope) {
  if (scope.empty() || scope.size() > kMaxScope) {
    return MakeError(ErrorCode::kInvalidArgument, "scope must be '*' or a client id (1..128 bytes)");
  }
  for (unsigned char c : scope) {
    if (c < 0x21 || c == 0x7f) return MakeError(ErrorCode::kInvalidArgument, "scope contains a space or control byte");
  }
  return OkStatus();
}

// At most 1024 bytes, no NUL.
inline Status CheckNote(std::string_view note) {
  if (note.size() > kMaxNote) return MakeError(ErrorCode::kInvalidArgument, "note longer than 1024 bytes");
  if (note.find('\0') != std::string_view::npos) return MakeError(ErrorCode::kInvalidArgument, "NUL byte in note");
  return OkStatus();
}

// The feedback type a complaint row records: the report's, except not-spam and opt-out
// (which are not complaints) and a missing one, recorded as "abuse".
inline std::string ComplaintFeedbackType(const IngestItem& item) {
  if (item.feedback_type && *item.feedback_type != FeedbackType::kNotSpam &&
      *item.feedback_type != FeedbackType::kOptOut) {
    return FeedbackTypeName(*item.feedback_type);
  }
  return "abuse";
}

// A short, printable rendering of outside input for notes: at most 200 bytes, control bytes
// as '?'.
inline std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace fbl::store_rules
