#include "fbl/sources/imap_parser.h"

#include <algorithm>
#include <charconv>

namespace fbl::imap {

namespace {

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Upper(c);
  return out;
}

bool EqualsUpper(std::string_view s, std::string_view upper) {
  if (s.size() != upper.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (Upper(s[i]) != upper[i]) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T>
std::optional<T> ToNumber(std::string_view s) {
  if (!IsDigits(s)) return std::nullopt;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Error Malformed(std::string detail) { return MakeError(ErrorCode::kMalformed, std::move(detail)); }

// Reads the tokens of one framed response. Literals are found inline: "{n}\r\n" then n bytes.
class Cursor {
 public:
  Cursor(std::string_view text, const ParserLimits& limits) : s_(text), limits_(limits) {}

  bool AtEnd() const { return pos_ >= s_.size() || AtEol(); }
  bool AtEol() const { return pos_ < s_.size() && (s_[pos_] == '\r' || s_[pos_] == '\n'); }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // The rest of the current line, CRLF excluded.
  std::string_view RestOfLine() {
    std::size_t end = s_.find_first_of("\r\n", pos_);
    if (end == std::string_view::npos) end = s_.size();
    std::string_view out = s_.substr(pos_, end - pos_);
    pos_ = end;
    return out;
  }
  // A run of non-space characters (tag, number, response name).
  std::string_view Word() {
    std::size_t end = s_.find_first_of(" \r\n", pos_);
    if (end == std::string_view::npos) end = s_.size();
    std::string_view out = s_.substr(pos_, end - pos_);
    pos_ = end;
    return out;
  }
  Status ResponseCode(std::string* code, std::string* args);
  Result<Value> ParseValue(int depth);
  Status ParseValues(std::vector<Value>* out);

 private:
  Result<Value> ParseList(int depth);
  Result<Value> ParseQuoted();
  Result<Value> ParseLiteral();
  Result<Value> ParseAtom();
  Status CountItem() {
    if (++items_ > limits_.max_items) {
      return MakeError(ErrorCode::kLimitExceeded, "too many items in one response");
    }
    return OkStatus();
  }

  std::string_view s_;
  const ParserLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t items_ = 0;
};

Status Cursor::ResponseCode(std::string* code, std::string* args) {
  // "[" atom [SP text-without-"]"] "]"; quoted strings inside may hold "]".
  std::size_t end = pos_;
  bool quoted = false;
  while (end < s_.size() && s_[end] != '\r' && s_[end] != '\n') {
    char c = s_[end];
    if (quoted && c == '\\') {
      end += 2;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c == ']' && !quoted) break;
    ++end;
  }
  if (end >= s_.size() || s_[end] != ']') return Malformed("unterminated response code");
  std::string_view inside = s_.substr(pos_, end - pos_);
  pos_ = end + 1;
  std::size_t sp = inside.find(' ');
  *code = ToUpper(inside.substr(0, sp));
  if (code->empty()) return Malformed("empty response code");
  *args = sp == std::string_view::npos ? "" : std::string(inside.substr(sp + 1));
  return OkStatus();
}

Status Cursor::ParseValues(std::vector<Value>* out) {
  while (!AtEnd()) {
    if (Eat(' ')) continue;
    Result<Value> v = ParseValue(0);
    if (!v.ok()) return v.error();
    out->push_back(std::move(v).value());
  }
  return OkStatus();
}

Result<Value> Cursor::ParseValue(int depth) {
  if (Status s = CountItem(); !s.ok()) return s.error();
  char c = Peek();
  if (c == '(') return ParseList(depth + 1);
  if (c == '"') return ParseQuoted();
  if (c == '{' || (c == '~' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{')) return ParseLiteral();
  return ParseAtom();
}

Result<Value> Cursor::ParseList(int depth) {
  if (depth > limits_.max_depth) return MakeError(ErrorCode::kLimitExceeded, "lists nested too deep");
  ++pos_;  // '('
  Value list;
  list.type = Value::Type::kList;
  for (;;) {
    if (Eat(')')) return list;
    if (pos_ >= s_.size() || AtEol()) return Malformed("unterminated list");
    if (Eat(' ')) continue;
    Result<Value> v = ParseValue(depth);
    if (!v.ok()) return v;
    list.items.push_back(std::move(v).value());
  }
}

Result<Value> Cursor::ParseQuoted() {
  ++pos_;  // '"'
  Value v;
  v.type = Value::Type::kString;
  while (pos_ < s_.size()) {
    char c = s_[pos_++];
    if (c == '"') return v;
    if (c == '\r' || c == '\n') break;
    if (c == '\\') {
      if (pos_ >= s_.size()) break;
      c = s_[pos_++];
      if (c != '\\' && c != '"') return Malformed("bad escape in quoted string");
    }
    v.text.push_back(c);
  }
  return Malformed("unterminated quoted string");
}

Result<Value> Cursor::ParseLiteral() {
  Eat('~');
  std::size_t close = s_.find('}', pos_);
  if (close == std::string_view::npos) return Malformed("unterminated literal size");
  std::string_view size_text = s_.substr(pos_ + 1, close - pos_ - 1);
  if (!size_text.empty() && (size_text.back() == '+' || size_text.back() == '-')) {
    size_text.remove_suffix(1);
  }
  std::optional<std::uint64_t> size = ToNumber<std::uint64_t>(size_text);
  if (!size) return Malformed("bad literal size");
  if (*size > limits_.max_literal_bytes) {
    return MakeError(ErrorCode::kLimitExceeded, "literal of " + std::to_string(*size) + " bytes");
  }
  pos_ = close + 1;
  Eat('\r');
  if (!Eat('\n')) return Malformed("literal size not at end of line");
  if (s_.size() - pos_ < *size) return Malformed("truncated literal");
  Value v;
  v.type = Value::Type::kString;
  v.text.assign(s_.substr(pos_, *size));
  pos_ += *size;
  return v;
}

Result<Value> Cursor::ParseAtom() {
  std::size_t begin = pos_;
  int bracket = 0;
  while (pos_ < s_.size()) {
    char c = s_[pos_];
    if (c == '\r' || c == '\n') break;
    if (bracket == 0 && (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{')) break;
    if (c == '[') ++bracket;
    if (c == ']') {
      if (bracket == 0) break;
      --bracket;
    }
    ++pos_;
  }
  if (pos_ == begin) return Malformed("unexpected character in response");
  if (bracket != 0) return Malformed("unterminated section");
  Value v;
  v.text.assign(s_.substr(begin, pos_ - begin));
  v.type = EqualsUpper(v.text, "NIL") ? Value::Type::kNil : Value::Type::kAtom;
  if (v.is_nil()) v.text.clear();
  return v;
}

bool IsStatusName(std::string_view name) {
  return name == "OK" || name == "NO" || name == "BAD" || name == "BYE" || name == "PREAUTH";
}

Status ParseStatusText(Cursor& c, Response* r) {
  c.Eat(' ');
  if (c.Eat('[')) {
    if (Status s = c.ResponseCode(&r->code, &r->code_args); !s.ok()) return s;
    c.Eat(' ');
  }
  r->text.assign(c.RestOfLine());
  return OkStatus();
}

}  // namespace

bool Value::IsAtom(std::string_view upper) const {
  return type == Type::kAtom && EqualsUpper(text, upper);
}

bool Response::is_status() const { return IsStatusName(name); }

Result<Response> ParseResponse(std::string_view framed, const ParserLimits& limits) {
  Cursor c(framed, limits);
  Response r;
  if (c.Eat('+')) {
    r.kind = Response::Kind::kContinuation;
    c.Eat(' ');
    r.text.assign(c.RestOfLine());
    return r;
  }
  std::string_view tag = c.Word();
  if (tag.empty()) return Malformed("empty response line");
  if (tag == "*") {
    r.kind = Response::Kind::kUntagged;
  } else {
    r.kind = Response::Kind::kTagged;
    r.tag.assign(tag);
  }
  if (!c.Eat(' ')) return Malformed("response without a name");
  std::string_view name = c.Word();
  if (r.kind == Response::Kind::kUntagged && IsDigits(name)) {
    r.number = ToNumber<std::uint32_t>(name);
    if (!r.number) return Malformed("message number out of range");
    if (!c.Eat(' ')) return Malformed("number without a name");
    name = c.Word();
  }
  if (name.empty()) return Malformed("response without a name");
  r.name = ToUpper(name);
  if (r.kind == Response::Kind::kTagged && !r.is_status()) {
    return Malformed("tagged response is not OK/NO/BAD");
  }
  if (r.is_status()) {
    if (Status s = ParseStatusText(c, &r); !s.ok()) return s.error();
    return r;
  }
  if (Status s = c.ParseValues(&r.data); !s.ok()) return s.error();
  return r;
}

Result<std::optional<std::uint64_t>> LiteralAtEnd(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::optional<std::uint64_t>();
  std::size_t open = line.rfind('{');
  if (open == std::string_view::npos) return std::optional<std::uint64_t>();
  std::string_view digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && (digits.back() == '+' || digits.back() == '-')) digits.remove_suffix(1);
  if (!IsDigits(digits)) return std::optional<std::uint64_t>();
  std::optional<std::uint64_t> size = ToNumber<std::uint64_t>(digits);
  if (!size) return Malformed("literal size out of range");
  return std::optional<std::uint64_t>(*size);
}

void ResponseParser::Feed(std::string_view bytes) {
  if (error_) return;
  Compact();
  buffer_.append(bytes);
}

void ResponseParser::Compact() {
  if (start_ == 0) return;
  if (start_ == buffer_.size() || start_ > (1u << 16)) {
    buffer_.erase(0, start_);
    line_start_ -= start_;
    scan_ -= start_;
    start_ = 0;
  }
}

void ResponseParser::Reset() {
  buffer_.clear();
  start_ = line_start_ = scan_ = 0;
  error_.reset();
}

std::optional<Result<Response>> ResponseParser::Fail(ErrorCode code, std::string detail) {
  error_ = MakeError(code, std::move(detail));
  return Result<Response>(*error_);
}

std::optional<Result<Response>> ResponseParser::Next() {
  if (error_) return Result<Response>(*error_);
  for (;;) {
    if (scan_ > buffer_.size()) return std::nullopt;  // inside a literal: wait for its bytes
    std::size_t lf = buffer_.find('\n', scan_);
    std::size_t line_end = lf == std::string::npos ? buffer_.size() : lf;
    if (line_end - line_start_ > limits_.max_line_bytes) {
      return Fail(ErrorCode::kLimitExceeded, "response line longer than " +
                                                 std::to_string(limits_.max_line_bytes) + " bytes");
    }
    if (lf == std::string::npos) {
      scan_ = buffer_.size();
      return std::nullopt;
    }
    if ((lf + 1) - start_ > limits_.max_response_bytes) {
      return Fail(ErrorCode::kLimitExceeded, "response too large");
    }
    std::string_view line(buffer_.data() + line_start_, lf - line_start_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Result<std::optional<std::uint64_t>> literal = LiteralAtEnd(line);
    if (!literal.ok()) return Fail(literal.error().code, literal.error().detail);
    if (literal->has_value()) {
      std::uint64_t size = **literal;
      if (size > limits_.max_literal_bytes || size > limits_.max_response_bytes) {
        return Fail(ErrorCode::kLimitExceeded, "literal of " + std::to_string(size) + " bytes");
      }
      // The literal's bytes belong to the response; the line resumes after them.
      line_start_ = scan_ = lf + 1 + size;
      if (scan_ > buffer_.size()) return std::nullopt;
      continue;
    }
    std::string_view framed(buffer_.data() + start_, lf + 1 - start_);
    Result<Response> r = ParseResponse(framed, limits_);
    start_ = line_start_ = scan_ = lf + 1;
    if (!r.ok()) return Fail(r.error().code, r.error().detail);
    return r;
  }
}

}  // namespace fbl::imap
