// The value every parser produces: what one message in the postmaster mailbox says.
// Field names follow the `fblctl parse` JSON contract of DESIGN.md (item 1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fbl {

enum class ReportKind { kFeedback, kBounce, kDmarcAggregate, kAutoReply, kUnknown, kMalformed };

enum class FeedbackType { kAbuse, kFraud, kVirus, kOther, kNotSpam, kAuthFailure, kOptOut };

enum class BounceClass { kHard, kSoft, kUnknown };

// Contract strings: "feedback", "bounce", "dmarc-aggregate", "auto-reply", "unknown", "malformed".
const char* ReportKindName(ReportKind kind);
// Contract strings: "abuse", "fraud", "virus", "other", "not-spam", "auth-failure", "opt-out".
const char* FeedbackTypeName(FeedbackType type);
// "hard", "soft", "unknown".
const char* BounceClassName(BounceClass klass);
// Case-insensitive; unknown values map to kOther (RFC 5965 section 7.3 allows extensions).
FeedbackType ParseFeedbackType(std::string_view text);

// One recipient of a delivery status notification (RFC 3464 per-recipient fields).
struct Delivery {
  std::string recipient;   // normalised address (domain lowercased)
  std::string action;      // failed | delayed | delivered | relayed | expanded
  std::string status;      // "5.1.1"
  BounceClass klass = BounceClass::kUnknown;
  std::string diagnostic;  // Diagnostic-Code text, unfolded, UTF-8
};

// The reported (original) message, as far as the report carries it.
struct OriginalMessage {
  std::string from;
  std::string to;
  std::string subject;     // RFC 2047 decoded to UTF-8
  std::string message_id;  // without the angle brackets
  std::string date;
  std::vector<std::string> dkim_domains;  // every DKIM-Signature d=, lowercase, in order
  std::string list_id;
  std::string list_unsubscribe;
  std::string feedback_id;
  std::string return_path;
  // The headers asked for with `--header NAME` (or configured identifier headers),
  // in the order found: (name as requested, value).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Report {
  ReportKind kind = ReportKind::kUnknown;
  std::optional<FeedbackType> feedback_type;
  std::string user_agent;
  std::string version;
  std::string source_ip;
  std::string source_port;                   // RFC 6692
  std::string arrival_date;                  // RFC 3339 UTC, empty when absent or unparsable
  std::string original_mail_from;
  std::vector<std::string> original_rcpt_to;  // as reported
  std::vector<std::string> recipients;        // real addresses only; placeholders left out
  bool redacted = false;                      // a placeholder or anonymised recipient was seen
  std::vector<std::string> reported_domains;
  std::vector<std::string> reported_uris;
  std::vector<std::string> authentication_results;  // from the feedback-report part
  // RFC 6591 auth-failure fields.
  std::string auth_failure;
  std::string delivery_result;
  std::string dkim_domain;
  std::string dkim_identity;
  std::string dkim_selector;
  std::string spf_dns;
  std::string identity_alignment;
  OriginalMessage original;
  std::vector<Delivery> deliveries;
  std::vector<std::string> errors;  // warnings; for kMalformed the first one is the reason

  // About the report message itself (used for trust and attribution, not in the contract).
  std::string provider;       // "aol", "yahoo", "microsoft", "validity", "amazonses", ... or ""
  std::string reporter;       // address in the report's From header, lowercase
  std::string report_subject;
  std::string report_message_id;
  // Authentication-Results headers of the report message itself, top first (added by our MTA).
  std::vector<std::string> outer_authentication_results;
};

}  // namespace fbl
