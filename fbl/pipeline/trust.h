// Trust: is a report really from the feedback-loop provider it claims to be? Pure.
//
// A report is trusted iff its reporter (From of the report) is in a configured provider's
// domains and either that provider has trust = "none", or our own MTA's
// Authentication-Results (RFC 8601) show dkim=pass with header.d in the provider's domains or
// spf=pass with smtp.mailfrom in them. Only the topmost A-R headers carrying our authserv-id
// count: the first such header from the top and those directly below it. Anything further
// down (or under a foreign authserv-id) may have been written by the sender and is ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fbl/pipeline/pipeline_options.h"
#include "parsers/report.h"
#include "parsers/result.h"

namespace fbl {

// One "method=result" of an Authentication-Results header.
struct AuthMethodResult {
  std::string method;  // lowercase, version removed ("dkim")
  std::string result;  // lowercase ("pass")
  std::string reason;
  std::map<std::string, std::string> properties;  // lowercase "ptype.property" -> value as written
};

struct AuthenticationResults {
  std::string authserv_id;  // lowercase
  std::vector<AuthMethodResult> results;
};

// Parses one header value (the text after "Authentication-Results:"). Comments (nested,
// escaped) and quoted strings are handled; a malformed resinfo is skipped, not fatal. Returns
// kMalformed only when not even the authserv-id can be read.
Result<AuthenticationResults> ParseAuthenticationResults(std::string_view value);

// True iff `domain` equals `parent` or is a subdomain of it (both compared case-insensitively).
bool DomainMatches(std::string_view domain, std::string_view parent);

// The configured provider whose domains contain the domain of `reporter` (an address or a
// bare domain), or null.
const ProviderOptions* FindProvider(const std::vector<ProviderOptions>& providers,
                                    std::string_view reporter);

struct TrustDecision {
  bool trusted = false;
  std::string provider;  // configured provider name; "" when the reporter is not a provider
  std::string reason;    // why (trusted: the evidence; untrusted: what was missing)
};

TrustDecision EvaluateTrust(const Report& report, const PipelineOptions& options);

}  // namespace fbl
