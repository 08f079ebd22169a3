// SMTP replies (RFC 5321 4.2), pure: a byte-at-a-time parser with limits, EHLO capabilities,
// and the DATA transparency (dot-stuffing) of a message. No sockets here.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl::notify {

struct SmtpReply {
  int code = 0;                    // 200..599
  std::vector<std::string> lines;  // text after "NNN " / "NNN-", CR and LF removed

  bool positive() const { return code >= 200 && code < 300; }
  bool intermediate() const { return code >= 300 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "250 first line" (for logs and errors; at most 200 bytes of text).
  std::string Summary() const;
};

struct SmtpReplyLimits {
  std::size_t max_line_bytes = 2048;  // RFC 5321 allows 512; be lenient, but bounded
  std::size_t max_lines = 100;        // lines of one multi-line reply
};

class SmtpReplyParser {
 public:
  explicit SmtpReplyParser(SmtpReplyLimits limits = {}) : limits_(limits) {}

  // Consumes bytes of `data` up to and including the end of one reply and returns how many
  // it consumed; then done() is true and TakeReply() gives the reply. kMalformed for a line
  // that is not "NNN[ -]text" or a multi-line reply whose codes differ; kLimitExceeded for a
  // line or reply over the limits. After an error the parser stays failed.
  Result<std::size_t> Feed(std::string_view data);
  bool done() const { return done_; }
  // REQUIRES: done(). Resets the parser for the next reply.
  SmtpReply TakeReply();

 private:
  Status EndLine();

  SmtpReplyLimits limits_;
  std::string line_;
  SmtpReply reply_;
  bool done_ = false;
  std::optional<Error> failed_;
};

// EHLO keywords (uppercase) and their parameters.
struct SmtpCapabilities {
  std::set<std::string> keywords;         // "STARTTLS", "AUTH", "8BITMIME", "PIPELINING", ...
  std::set<std::string> auth_mechanisms;  // uppercase: "PLAIN", "LOGIN", ...
  std::size_t max_size = 0;               // SIZE parameter; 0 = not announced

  bool Has(std::string_view keyword) const { return keywords.count(std::string(keyword)) > 0; }
};
// The first line is the greeting of the server and is skipped.
SmtpCapabilities ParseEhlo(const SmtpReply& reply);

// The DATA payload: line ends normalised to CRLF, a leading "." doubled on every line, a final
// CRLF added when missing, and the terminating ".\r\n" appended.
std::string DotStuff(std::string_view message);

// base64("\0user\0password") for AUTH PLAIN (RFC 4616).
std::string AuthPlainToken(std::string_view user, std::string_view password);

}  // namespace fbl::notify
