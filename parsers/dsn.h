// Bounces: RFC 3464 delivery-status notifications and the common non-standard texts
// (qmail, Exim, Sendmail, Postfix, Exchange, Gmail, Yahoo, ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parsers/mime_tree.h"
#include "parsers/report.h"

namespace fbl {

// hard: the address itself is bad (user unknown, no such domain, moved); soft: any other
// temporary or permanent failure (mailbox full, policy, spam, timeouts); unknown: no status and
// no telling diagnostic.
BounceClass ClassifyBounce(std::string_view status, std::string_view diagnostic);

// True when the report message's own headers say "delivery failure notice" (sender
// mailer-daemon/postmaster, a bounce subject, X-Failed-Recipients, multipart/report DSN).
bool LooksLikeBounce(const FieldList& top_headers);

// Appends one Delivery per recipient block of a message/delivery-status body.
void ParseDeliveryStatus(std::string_view body, std::size_t max_fields, std::size_t max_value,
                         Report* r);

// Addresses that are NOT the failed recipients: the bounce's To, From, the original's sender.
struct BounceContext {
  std::vector<std::string> excluded;  // lowercase addresses
};

// Scans a human-readable bounce text (already cut before any included original message) for
// failed recipients with their status and diagnostic. Returns the number of deliveries added.
std::size_t ParseBounceText(std::string_view text, const BounceContext& context, Report* r);

// Cuts a bounce text at the usual "copy of the original message follows" markers; returns the
// human-readable part.
std::string_view CutAtOriginal(std::string_view text);

// Returns the first enhanced status code "d.d.d" (class 2, 4 or 5) in `text`, or a code made
// from a 3-digit SMTP reply ("550" -> "5.0.0"), or "".
std::string FindStatus(std::string_view text);

// Adds a delivery (recipient normalised; duplicates merged) and the recipient.
void AddDelivery(Delivery d, Report* r);

}  // namespace fbl
