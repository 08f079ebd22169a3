// Attribution: which client sent the reported message, and to whom. Pure: the outbound log
// and the feedback-identifier codec come in as injected lookups.
//
// Client, first match wins: a verified feedback identifier ([fbl_id] header of the original),
// DKIM d= of the original, its From domain, Reported-Domain, Original-Mail-From, Return-Path,
// List-Id, then the configured identifier header. Recipients: those the report names, else
// the verified identifier's recipient, else the VERP envelope sender, else the outbound log
// (original Message-ID -> recipients).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fbl/pipeline/fbl_id.h"
#include "fbl/pipeline/pipeline_options.h"
#include "parsers/report.h"
#include "parsers/result.h"

namespace fbl {

struct AttributionLookups {
  // Recipients of our outbound message with this Message-ID (without <>); empty when unknown.
  // An error (database unavailable) makes Attribute fail so the caller retries. May be empty.
  std::function<Result<std::vector<std::string>>(std::string_view message_id)> outbound;
  // Verifies a feedback identifier token. May be empty (no keys configured).
  std::function<Result<FblIdClaims>(std::string_view token)> verify_fbl_id;
};

struct Attribution {
  std::optional<std::string> client_id;   // a configured client, or nullopt
  std::string client_method;              // "fbl-id", "dkim", "from", "reported-domain", ...
  std::vector<std::string> recipients;
  std::string recipient_method;           // "report", "fbl-id", "verp", "outbound"
  std::vector<std::string> notes;         // e.g. "fbl-id rejected: ..." (for the log)

  bool has_recipients() const { return !recipients.empty(); }
  // Why the report is not fully attributed; "" when client and recipients are known.
  std::string MissingReason() const;
};

// Returns an error only when a lookup failed (retry later); never for the report's content.
Result<Attribution> Attribute(const Report& report, const PipelineOptions& options,
                              const AttributionLookups& lookups);

// The value of header `name` (case-insensitive) among the original's extracted headers, or "".
std::string OriginalHeader(const Report& report, std::string_view name);

// "<prefix>local=domain@host" -> "local@domain"; "" when `mail_from` is not such an address.
std::string DecodeVerp(std::string_view mail_from, std::string_view prefix);

}  // namespace fbl
