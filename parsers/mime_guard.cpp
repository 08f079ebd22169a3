#include "parsers/mime_guard.h"

#include <algorithm>
#include <cstring>

#include "parsers/text_util.h"

namespace fbl {
namespace {

constexpr std::size_t kMaxRecycled = 1 << 20;
thread_local std::string t_recycled;  // RecycleGuardedText's buffer, empty, for this thread

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view RightTrimBlanks(std::string_view s) {
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// The boundary parameter of a Content-Type value, or "" when absent.
std::string BoundaryParam(std::string_view value) {
  std::size_t at = 0;
  while ((at = text::IFind(value, "boundary", at)) != std::string_view::npos) {
    bool param_start = at == 0 || value[at - 1] == ';' || IsBlank(value[at - 1]);
    std::size_t i = at + 8;
    while (i < value.size() && IsBlank(value[i])) ++i;
    if (!param_start || i >= value.size() || value[i] != '=') {
      at += 8;
      continue;
    }
    ++i;
    while (i < value.size() && IsBlank(value[i])) ++i;
    if (i < value.size() && value[i] == '"') {
      std::size_t close = value.find('"', i + 1);
      return std::string(value.substr(i + 1, close == std::string_view::npos ? close : close - i - 1));
    }
    std::size_t e = i;
    while (e < value.size() && value[e] != ';' && !IsBlank(value[e])) ++e;
    return std::string(value.substr(i, e - i));
  }
  return "";
}

// The position of the first "\n--" at or after `from` (as text.find("\n--", from)), found by
// looking for '-', which body lines rarely hold (base64 never), instead of stopping at every
// '\n' and comparing.
std::size_t FindDashLine(std::string_view text, std::size_t from) {
  const char* base = text.data();
  std::size_t size = text.size();
  for (std::size_t at = from + 1; at + 1 < size;) {  // at: the first '-' of a "\n--"
    const void* hit = std::memchr(base + at, '-', size - 1 - at);
    if (hit == nullptr) break;
    at = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
    if (base[at - 1] == '\n' && base[at + 1] == '-') return at - 1;
    ++at;
  }
  return std::string_view::npos;
}

// True when no "--boundary" of `boundaries` appears anywhere but at the start of a line.
// More than kMaxChecked boundaries count as false (the caller takes the safe, slower path).
bool DelimitersAtLineStarts(std::string_view text, const std::vector<std::string>& boundaries) {
  constexpr std::size_t kMaxChecked = 32;
  if (boundaries.size() > kMaxChecked) return false;
  for (const std::string& b : boundaries) {
    for (std::size_t at = text.find(b); at != std::string_view::npos; at = text.find(b, at + 1)) {
      bool delimiter = at >= 2 && text[at - 1] == '-' && text[at - 2] == '-';
      if (delimiter && at > 2 && text[at - 3] != '\n') return false;
    }
  }
  return true;
}

// Walks the text line by line, tracking open multipart boundaries and message/rfc822 nesting.
class ShapeScanner {
 public:
  ShapeScanner(std::string_view text, const ParseLimits& limits, int depth_used)
      : text_(text), limits_(limits), depth_used_(depth_used) {}

  Result<GuardedText> Run() {
    out_.text = std::move(t_recycled);  // empty, with the capacity of an earlier message
    t_recycled = std::string();
    out_.text.reserve(text_.size() + 1);
    while (pos_ < text_.size()) {
      if (!in_header_ && !StartsWithDashes(pos_)) {
        CopyBodyLines();
        continue;
      }
      std::string_view line = NextLine();
      Status s = OnLine(line);
      if (!s.ok()) return s.error();
    }
    out_.delimiters_at_line_starts = DelimitersAtLineStarts(out_.text, declared_);
    return std::move(out_);
  }

 private:
  bool StartsWithDashes(std::size_t at) const {
    return at + 2 <= text_.size() && text_[at] == '-' && text_[at + 1] == '-';
  }

  std::string_view NextLine() {
    std::size_t nl = text_.find('\n', pos_);
    std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
    std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    return line;
  }

  // Body lines up to the next line that starts with "--" (which may be a delimiter) go out
  // unchanged, in one block: OnLine would emit each of them as it is.
  void CopyBodyLines() {
    std::size_t next = stack_.empty() ? std::string_view::npos : FindDashLine(text_, pos_);
    std::size_t end = next == std::string_view::npos ? text_.size() : next + 1;
    out_.text.append(text_.substr(pos_, end - pos_));
    if (end == text_.size() && text_.back() != '\n') out_.text.push_back('\n');
    pos_ = end;
  }

  void Emit(std::string_view line) {
    out_.text.append(line);
    out_.text.push_back('\n');
  }

  Status OnLine(std::string_view line) {
    if (line.size() >= 2 && line[0] == '-' && line[1] == '-' && !stack_.empty()) {
      if (OnBoundary(RightTrimBlanks(line))) return CheckParts();
    }
    if (!in_header_) {
      Emit(line);
      return OkStatus();
    }
    if (line.empty()) {
      in_header_ = block_has_rfc822_;  // a message/rfc822 body starts with headers
      block_has_rfc822_ = false;
      header_count_ = 0;
      Emit(line);
      return OkStatus();
    }
    if (!IsBlank(line[0]) && ++header_count_ > limits_.max_headers) {
      return MakeError(ErrorCode::kLimitExceeded,
                       "more than " + std::to_string(limits_.max_headers) + " header fields in one entity");
    }
    if (text::IStartsWith(line, "content-type:")) return OnContentType(line);
    Emit(line);
    return OkStatus();
  }

  // True when `line` is a delimiter of an open multipart; emits it without trailing blanks.
  bool OnBoundary(std::string_view line) {
    for (std::size_t i = stack_.size(); i-- > 0;) {
      const std::string& b = stack_[i];
      if (line.size() < b.size() + 2 || line.compare(2, b.size(), b) != 0) continue;
      std::string_view rest = line.substr(b.size() + 2);
      if (!rest.empty() && rest != "--") continue;
      bool closing = rest == "--";
      stack_.resize(closing ? i : i + 1);
      rfc822_chain_ = 0;
      in_header_ = !closing;
      block_has_rfc822_ = false;
      header_count_ = 0;
      ++parts_;
      Emit(line);
      return true;
    }
    return false;
  }

  Status CheckParts() {
    if (parts_ > limits_.max_parts) {
      return MakeError(ErrorCode::kLimitExceeded,
                       "more than " + std::to_string(limits_.max_parts) + " MIME parts");
    }
    return OkStatus();
  }

  Status OnContentType(std::string_view first) {
    std::string value(first.substr(13));
    std::size_t start_pos = pos_;
    while (pos_ < text_.size() && IsBlank(text_[pos_])) {  // folded continuation lines
      std::string_view cont = NextLine();
      value += ' ';
      value.append(cont);
    }
    std::string_view folded = text_.substr(start_pos, pos_ - start_pos);
    std::string type = text::Lower(text::Trim(std::string_view(value).substr(0, value.find(';'))));
    if (type.rfind("multipart/", 0) == 0) {
      std::string boundary = BoundaryParam(value);
      if (boundary.empty() || boundary.size() > 200) {
        out_.warnings.push_back("multipart without a usable boundary parameter read as text/plain");
        Emit("Content-Type: text/plain");
        return OkStatus();
      }
      if (std::find(stack_.begin(), stack_.end(), boundary) == stack_.end()) stack_.push_back(boundary);
      if (std::find(declared_.begin(), declared_.end(), boundary) == declared_.end()) declared_.push_back(boundary);
    } else if (type == "message/rfc822" || type == "message/global") {
      block_has_rfc822_ = true;
      ++rfc822_chain_;
    }
    Emit(first);
    out_.text.append(folded);
    if (!folded.empty() && folded.back() != '\n') out_.text.push_back('\n');
    return CheckDepth();
  }

  Status CheckDepth() {
    int depth = depth_used_ + static_cast<int>(stack_.size()) + rfc822_chain_;
    if (depth > limits_.max_depth) {
      return MakeError(ErrorCode::kLimitExceeded,
                       "MIME nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    return OkStatus();
  }

  std::string_view text_;
  std::vector<std::string> declared_;  // every boundary parameter seen, once
  const ParseLimits& limits_;
  int depth_used_;
  std::size_t pos_ = 0;
  GuardedText out_;
  std::vector<std::string> stack_;
  int rfc822_chain_ = 0;
  bool in_header_ = true;
  bool block_has_rfc822_ = false;
  int header_count_ = 0;
  int parts_ = 0;
};

}  // namespace

// NormalizeLineEndings appending to `out`.
void NormalizeLineEndingsInto(std::string_view raw, std::string* out) {
  out->reserve(out->size() + raw.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t cr = raw.find('\r', pos);
    if (cr == std::string_view::npos) {
      out->append(raw.substr(pos));
      break;
    }
    out->append(raw.substr(pos, cr - pos));
    out->push_back('\n');
    pos = cr + 1;
    if (pos < raw.size() && raw[pos] == '\n') ++pos;
  }
}

std::string NormalizeLineEndings(std::string_view raw) {
  std::string out;
  NormalizeLineEndingsInto(raw, &out);
  return out;
}

void RecycleGuardedText(GuardedText&& guarded) {
  if (guarded.text.capacity() > kMaxRecycled || guarded.text.capacity() <= t_recycled.capacity()) return;
  guarded.text.clear();
  t_recycled = std::move(guarded.text);
}

Result<GuardedText> GuardMessage(std::string_view raw, const ParseLimits& limits, int depth_used) {
  std::vector<std::string> warnings;
  if (raw.size() > limits.max_message_bytes) {
    raw = raw.substr(0, limits.max_message_bytes);
    warnings.push_back("message truncated at " + std::to_string(limits.max_message_bytes) + " bytes");
  }
  // CRLF and CR messages are normalised into a buffer kept by the thread (GuardMessage does not
  // nest: a re-parsed part is guarded after this call returned), one allocation less each.
  thread_local std::string normalized;
  normalized.clear();
  std::string_view text = raw;
  if (raw.find('\r') != std::string_view::npos) {  // most messages come with LF line endings
    NormalizeLineEndingsInto(raw, &normalized);
    text = normalized;
  }
  if (text.rfind("From ", 0) == 0) {  // an mbox separator line, not a header field
    std::size_t nl = text.find('\n');
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  Result<GuardedText> scanned = ShapeScanner(text, limits, depth_used).Run();
  if (normalized.capacity() > kMaxRecycled) normalized = std::string();  // keep no huge buffer
  if (!scanned.ok()) return scanned;
  scanned->warnings.insert(scanned->warnings.begin(), warnings.begin(), warnings.end());
  return scanned;
}

}  // namespace fbl
