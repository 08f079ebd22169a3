#include "alerts/policy_protocol.h"

namespace fbl {

std::string_view PolicyRequest::Get(std::string_view name) const {
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return {};
}

Status PolicyRequestParser::Fail(ErrorCode code, std::string detail) {
  failed_ = true;
  error_ = MakeError(code, std::move(detail));
  return error_;
}

Status PolicyRequestParser::EndLine(std::vector<PolicyRequest>* out) {
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  if (line_.empty()) {
    out->push_back(std::move(current_));
    current_ = PolicyRequest{};
    request_bytes_ = 0;
    return OkStatus();
  }
  std::size_t eq = line_.find('=');
  if (eq == std::string::npos || eq == 0) return Fail(ErrorCode::kMalformed, "attribute line without name=value");
  if (current_.attributes.size() >= limits_.max_attributes) {
    return Fail(ErrorCode::kLimitExceeded, "too many attributes in one request");
  }
  current_.attributes.emplace_back(line_.substr(0, eq), line_.substr(eq + 1));
  line_.clear();
  return OkStatus();
}

Status PolicyRequestParser::Feed(std::string_view data, std::vector<PolicyRequest>* out) {
  if (failed_) return error_;
  while (!data.empty()) {
    std::size_t nl = data.find('\n');
    std::string_view chunk = data.substr(0, nl);
    if (chunk.find('\0') != std::string_view::npos) return Fail(ErrorCode::kMalformed, "NUL byte");
    // +1 allows the CR of a CRLF line ending.
    if (line_.size() + chunk.size() > limits_.max_line_bytes + 1) {
      return Fail(ErrorCode::kLimitExceeded, "attribute line longer than the limit");
    }
    request_bytes_ += chunk.size() + (nl == std::string_view::npos ? 0 : 1);
    if (request_bytes_ > limits_.max_request_bytes) {
      return Fail(ErrorCode::kLimitExceeded, "request larger than the limit");
    }
    line_.append(chunk);
    if (nl == std::string_view::npos) break;
    Status s = EndLine(out);
    if (!s.ok()) return s;
    data.remove_prefix(nl + 1);
  }
  return OkStatus();
}

std::string PolicyAnswer(std::string_view action_text) {
  std::string out;
  out.reserve(action_text.size() + 9);
  out.append("action=").append(action_text).append("\n\n");
  return out;
}

}  // namespace fbl
