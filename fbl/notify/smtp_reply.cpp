#include "fbl/notify/smtp_reply.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "fbl/notify/mime_text.h"

namespace fbl::notify {

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string SmtpReply::Summary() const {
  std::string text = lines.empty() ? std::string() : CleanLine(lines.front(), 200);
  return std::to_string(code) + (text.empty() ? "" : " " + text);
}

Result<std::size_t> SmtpReplyParser::Feed(std::string_view data) {
  if (failed_) return *failed_;
  std::size_t i = 0;
  while (i < data.size() && !done_) {
    char c = data[i++];
    if (c == '\n') {
      Status s = EndLine();
      if (!s.ok()) {
        failed_ = s.error();
        return s.error();
      }
      continue;
    }
    if (line_.size() >= limits_.max_line_bytes) {
      failed_ = MakeError(ErrorCode::kLimitExceeded, "SMTP reply line too long");
      return *failed_;
    }
    line_ += c;
  }
  return i;
}

Status SmtpReplyParser::EndLine() {
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  std::string line = std::move(line_);
  line_.clear();
  bool shaped = line.size() >= 3 && IsDigit(line[0]) && IsDigit(line[1]) && IsDigit(line[2]) &&
                line[0] >= '2' && line[0] <= '5' &&
                (line.size() == 3 || line[3] == ' ' || line[3] == '-');
  if (!shaped) return MakeError(ErrorCode::kMalformed, "not an SMTP reply line");
  int code = std::stoi(line.substr(0, 3));
  if (!reply_.lines.empty() && code != reply_.code) {
    return MakeError(ErrorCode::kMalformed, "multi-line SMTP reply changes its code");
  }
  if (reply_.lines.size() >= limits_.max_lines) {
    return MakeError(ErrorCode::kLimitExceeded, "SMTP reply has too many lines");
  }
  reply_.code = code;
  reply_.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
  done_ = line.size() == 3 || line[3] == ' ';
  return OkStatus();
}

SmtpReply SmtpReplyParser::TakeReply() {
  SmtpReply out = std::move(reply_);
  reply_ = SmtpReply();
  done_ = false;
  return out;
}

SmtpCapabilities ParseEhlo(const SmtpReply& reply) {
  SmtpCapabilities caps;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::istringstream words(reply.lines[i]);
    std::string keyword;
    if (!(words >> keyword)) continue;
    keyword = Upper(keyword);
    caps.keywords.insert(keyword);
    std::string param;
    while (words >> param) {
      if (keyword == "AUTH") caps.auth_mechanisms.insert(Upper(param));
      if (keyword == "SIZE" && std::all_of(param.begin(), param.end(), IsDigit) && param.size() < 16) {
        caps.max_size = std::stoull(param);
      }
    }
  }
  return caps;
}

std::string DotStuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 50 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (line_start && c == '.') out += '.';
    line_start = false;
    if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += c;
  }
  if (!line_start) out += "\r\n";
  return out + ".\r\n";
}

std::string AuthPlainToken(std::string_view user, std::string_view password) {
  std::string raw;
  raw += '\0';
  raw += user;
  raw += '\0';
  raw += password;
  return Base64(raw);
}

}  // namespace fbl::notify
