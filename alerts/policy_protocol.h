// The Postfix policy delegation protocol (SMTPD_POLICY_README): a request is "name=value"
// lines ending with an empty line; the answer is "action=...\n\n". Connections are persistent.
// PolicyRequestParser is an incremental, bounded parser: feed it bytes as they arrive, split
// anywhere; it yields complete requests or one error (the connection must then be closed).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parsers/result.h"

namespace fbl {

struct PolicyLimits {
  std::size_t max_line_bytes = 4096;        // one "name=value" line, without the newline
  std::size_t max_attributes = 128;         // per request
  std::size_t max_request_bytes = 64 * 1024;
};

struct PolicyRequest {
  std::vector<std::pair<std::string, std::string>> attributes;  // in arrival order
  // The value of `name` ("" when absent; the last one wins when repeated).
  std::string_view Get(std::string_view name) const;
};

class PolicyRequestParser {
 public:
  explicit PolicyRequestParser(PolicyLimits limits = {}) : limits_(limits) {}

  // Consumes all of `data`, appending each completed request to *out. After an error every
  // later call returns the same error. Errors: kLimitExceeded (line, attribute count, request
  // size), kMalformed (a line without '=', a NUL byte).
  Status Feed(std::string_view data, std::vector<PolicyRequest>* out);
  // True iff bytes of an unfinished request are buffered.
  bool InRequest() const { return !line_.empty() || !current_.attributes.empty(); }

 private:
  Status Fail(ErrorCode code, std::string detail);
  Status EndLine(std::vector<PolicyRequest>* out);

  PolicyLimits limits_;
  std::string line_;
  PolicyRequest current_;
  std::size_t request_bytes_ = 0;
  bool failed_ = false;
  Error error_;
};

// "action=" + text + "\n\n"
std::string PolicyAnswer(std::string_view action_text);

}  // namespace fbl
