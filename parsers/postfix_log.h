// Postfix log lines: the few records outbound-rate detection needs, parsed from one line.
// Pure: no clock (the year of a classic syslog stamp is given by the caller), no files.
//
// Accepted timestamp formats:
//   classic syslog   "Nov 28 19:00:00 host postfix/smtpd[123]: ..."
//   RFC 3339         "2026-11-28T19:00:00.123456+00:00 host postfix/smtpd[123]: ..."
// The program may carry any syslog_name prefix ("postfix", "postfix-fbl", "postfix/submission").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parsers/result.h"

namespace fbl {

enum class PostfixRecordKind {
  kOther,        // a Postfix line we do not use (connect, disconnect, warnings, ...)
  kSmtpdClient,  // smtpd: QUEUEID: client=name[ip][, sasl_method=..., sasl_username=...]
  kMessageId,    // cleanup: QUEUEID: message-id=<...>
  kQmgrFrom,     // qmgr: QUEUEID: from=<...>, size=N, nrcpt=N (queue active)
  kDelivery,     // smtp/lmtp/local/virtual/error/discard: QUEUEID: to=<...>, ..., status=...
  kRemoved,      // qmgr: QUEUEID: removed
  kHold,         // cleanup/smtpd: QUEUEID: hold: ...
};

enum class DeliveryStatus { kUnknown, kSent, kBounced, kDeferred, kExpired };

// One parsed line. Fields not carried by the record kind are left empty.
struct PostfixRecord {
  PostfixRecordKind kind = PostfixRecordKind::kOther;
  std::int64_t time = 0;        // Unix seconds, UTC (classic stamps are taken as UTC)
  int time_micros = 0;          // sub-second part when the stamp has one
  std::string host;
  std::string program;          // "postfix/smtpd", "postfix-fbl/qmgr"
  std::string process;          // the part after the last '/': "smtpd", "qmgr", "smtp"
  std::string queue_id;         // "" when the line has none
  // kSmtpdClient
  std::string client_name;
  std::string client_ip;
  std::string sasl_method;
  std::string sasl_username;
  // kMessageId (without <>)
  std::string message_id;
  // kQmgrFrom
  std::string from;
  std::int64_t size = 0;
  int nrcpt = 0;
  // kDelivery
  std::string to;
  std::string orig_to;
  std::string relay;
  std::string dsn;
  DeliveryStatus status = DeliveryStatus::kUnknown;
};

struct PostfixLogLimits {
  std::size_t max_line_bytes = 16 * 1024;  // longer lines are rejected (kLimitExceeded)
};

// Parses one line (without the trailing newline; a trailing CR is ignored).
// `year` is used for classic syslog stamps, which carry none.
// Returns kMalformed for a line that is not a syslog line of a Postfix program; a Postfix
// line whose message is not understood is returned with kind kOther.
Result<PostfixRecord> ParsePostfixLogLine(std::string_view line, int year,
                                          const PostfixLogLimits& limits = {});

// "sent", "bounced", "deferred", "expired", "unknown".
const char* DeliveryStatusName(DeliveryStatus status);

// Days since 1970-01-01 for a proleptic Gregorian date (exposed for tests and tools).
std::int64_t DaysFromCivil(int year, unsigned month, unsigned day);

}  // namespace fbl
