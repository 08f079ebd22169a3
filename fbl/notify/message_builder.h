// Notification messages, pure: an outbox payload (docs/outbox.md) in, one RFC 5322 message
// (multipart/alternative: text/plain + text/html, UTF-8, quoted-printable, CRLF) out.
// Every value that came from a report is cleaned (CleanLine), capped, RFC 2047-encoded in
// headers and HTML-escaped in the HTML part, so no report can add a header, a MIME part or
// markup. Output lines are at most 998 octets; the message is 7-bit.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl::notify {

// What one outbox row says about one report (the payload_json written by the pipeline).
struct Notice {
  std::string kind;  // outbox kind: "complaint", "admin-untrusted", "admin-unattributed", ...
  std::optional<std::string> client_id;
  std::string provider;
  std::string feedback_type;
  std::string arrival_date;
  std::string reporter;
  std::vector<std::string> recipients;
  bool redacted = false;
  std::vector<std::string> suppressed;
  std::string status;  // admin notices: "untrusted" | "unattributed"
  std::string reason;
  struct {
    std::string subject, date, message_id, list_id, from;
  } original;
};

// Entries kept from each list in a payload; the rest is counted, not shown.
inline constexpr std::size_t kMaxListEntries = 50;
inline constexpr std::size_t kMaxPayloadBytes = 1024 * 1024;

// kMalformed when `payload_json` is not a JSON object (or is over kMaxPayloadBytes). Absent
// or mistyped fields are left empty: a notice with less detail is better than none.
Result<Notice> ParseNotice(std::string_view payload_json, std::string_view kind);

struct Envelope {
  std::string from;        // REQUIRES IsSafeAddress (notify.from)
  std::string to;          // client notify_email or admin_email
  std::string to_name;     // display text for the greeting (client name), may be empty
  std::string message_id;  // without <>; NormalizeMessageId
  long long date = 0;      // Unix seconds: the row's creation, so a resend is identical
};

// A Message-ID (without <>) that is safe in a header: the outbox id with <> and anything
// outside RFC 5322 atext/"."/"@" removed, "@domain" added when it has no '@', at most 200
// octets.
std::string NormalizeMessageId(std::string_view id, std::string_view domain);
// The Message-ID of a digest: the same set of rows gives the same id.
std::string DigestMessageId(std::vector<std::string> row_message_ids, std::string_view domain);

// One notice. kInvalidArgument when an envelope address is not IsSafeAddress.
Result<std::string> BuildNoticeMessage(const Notice& notice, const Envelope& envelope);

// Several complaints of one client in one message; lists at most `max_items`, counts the rest.
// REQUIRES: !notices.empty()
Result<std::string> BuildDigestMessage(const std::vector<Notice>& notices, const Envelope& envelope,
                                       std::size_t max_items);

}  // namespace fbl::notify
