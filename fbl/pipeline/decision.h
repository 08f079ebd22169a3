// What the pipeline does with one parsed report: its status, the recipient events and the
// outbox items. Pure: trust and attribution are computed by the caller and passed in.
//
// Status rules:
//   malformed                       -> quarantined (reason: the parser's first error)
//   unknown, auto-reply, DMARC agg. -> ignored
//   feedback, reporter not trusted  -> untrusted (no events, admin item)
//   feedback, recipient unknown     -> unattributed (no events, admin item)
//   feedback, recipient known       -> processed; complaint types (abuse, fraud, virus, other)
//                                      suppress, not-spam never does, opt-out unsubscribes,
//                                      auth-failure changes nothing. Without a matching client
//                                      the suppression is global and the admin is told.
//   bounce                          -> processed; hard/soft bounce events per delivery
// The outbox payload JSON is the contract with the notifier: docs/outbox.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fbl/config/config.h"
#include "fbl/pipeline/attribution.h"
#include "fbl/pipeline/trust.h"
#include "parsers/report.h"
#include "store/store.h"

namespace fbl {

struct Decision {
  ReportStatus status = ReportStatus::kIgnored;
  std::string reason;
  std::string provider;  // configured provider name, or ""
  std::optional<std::string> client_id;
  std::vector<RecipientEvent> events;
  std::vector<NewOutboxItem> outbox;
  bool complaint = false;  // a trusted complaint (counted in fbl_complaints_total)
};

// Everything Decide needs besides the report. `attribution` is null when it was not computed
// (the report is not a trusted feedback report or a bounce).
struct DecisionInput {
  const Report* report = nullptr;
  const TrustDecision* trust = nullptr;
  const Attribution* attribution = nullptr;
  Sha256 sha256{};
  UnixTime now = 0;
  // Recipients that would be suppressed but are allowlisted (left out of "suppressed").
  std::vector<std::string> allowlisted;
};

Decision Decide(const DecisionInput& in, const Config& config);

// True for feedback types that mean "stop mailing me": abuse, fraud, virus, other.
bool IsComplaintType(FeedbackType type);

// "<fbl-" + 16 hex digits of SHA-256(report sha256 | client | kind) + "." + kind + "@" + host +
// ">": the same report, client and kind always give the same Message-ID.
std::string OutboxMessageId(const Sha256& sha256, std::string_view client, std::string_view kind,
                            std::string_view host);

// The JSON of the report kept in reports.summary_json.
std::string SummaryJson(const Report& report, const Decision& decision,
                        const Attribution* attribution);

std::string HexDigest(const Sha256& sha256);
Sha256 ComputeSha256(std::string_view bytes);

}  // namespace fbl
