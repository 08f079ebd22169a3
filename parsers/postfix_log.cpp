#include "parsers/postfix_log.h"

#include <array>
#include <cctype>
#include <charconv>

namespace fbl {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at *pos.
bool ReadDigits(std::string_view s, std::size_t* pos, int n, int* out) {
  if (*pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<std::size_t>(n);
  *out = v;
  return true;
}

bool Expect(std::string_view s, std::size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

bool ValidClock(int month, int day, int hour, int minute, int second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

std::int64_t ToUnix(int year, int month, int day, int hour, int minute, int second) {
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second;
}

// "2026-11-28T19:00:00[.ffffff](Z|+HH:MM|-HH:MM)"
bool ParseRfc3339(std::string_view s, std::size_t* pos, PostfixRecord* rec) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!ReadDigits(s, pos, 4, &y) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, &mo) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, &d)) {
    return false;
  }
  if (*pos >= s.size() || (s[*pos] != 'T' && s[*pos] != 't' && s[*pos] != ' ')) return false;
  ++*pos;
  if (!ReadDigits(s, pos, 2, &h) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &mi) ||
      !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &se) || !ValidClock(mo, d, h, mi, se)) {
    return false;
  }
  int micros = 0;
  if (*pos < s.size() && s[*pos] == '.') {
    ++*pos;
    int digits = 0;
    while (*pos < s.size() && IsDigit(s[*pos])) {
      if (digits < 6) micros = micros * 10 + (s[*pos] - '0');
      ++digits;
      ++*pos;
    }
    if (digits == 0) return false;
    for (; digits < 6; ++digits) micros *= 10;
  }
  int offset = 0;
  if (*pos < s.size() && (s[*pos] == 'Z' || s[*pos] == 'z')) {
    ++*pos;
  } else if (*pos < s.size() && (s[*pos] == '+' || s[*pos] == '-')) {
    int sign = s[*pos] == '-' ? -1 : 1;
    ++*pos;
    int oh, om;
    if (!ReadDigits(s, pos, 2, &oh) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  rec->time = ToUnix(y, mo, d, h, mi, se) - offset;
  rec->time_micros = micros;
  return true;
}

// "Nov 28 19:00:00" (day may be space-padded: "Nov  3")
bool ParseClassic(std::string_view s, std::size_t* pos, int year, PostfixRecord* rec) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (*pos + 3 > s.size()) return false;
  int month = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (s.substr(*pos, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  }
  if (month == 0) return false;
  *pos += 3;
  if (!Expect(s, pos, ' ')) return false;
  if (*pos < s.size() && s[*pos] == ' ') ++*pos;
  int day = 0;
  int digits = 0;
  while (*pos < s.size() && IsDigit(s[*pos]) && digits < 2) {
    day = day * 10 + (s[*pos] - '0');
    ++*pos;
    ++digits;
  }
  int h, mi, se;
  if (digits == 0 || !Expect(s, pos, ' ') || !ReadDigits(s, pos, 2, &h) || !Expect(s, pos, ':') ||
      !ReadDigits(s, pos, 2, &mi) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &se) ||
      !ValidClock(month, day, h, mi, se)) {
    return false;
  }
  rec->time = ToUnix(year, month, day, h, mi, se);
  return true;
}

std::string_view NextToken(std::string_view s, std::size_t* pos) {
  while (*pos < s.size() && s[*pos] == ' ') ++*pos;
  std::size_t start = *pos;
  while (*pos < s.size() && s[*pos] != ' ') ++*pos;
  return s.substr(start, *pos - start);
}

// "postfix/smtpd[123]:" -> program "postfix/smtpd". False when the tag is not Postfix-like.
bool ParseTag(std::string_view tag, PostfixRecord* rec) {
  if (tag.empty() || tag.back() != ':') return false;
  tag.remove_suffix(1);
  if (!tag.empty() && tag.back() == ']') {
    std::size_t open = tag.rfind('[');
    if (open == std::string_view::npos) return false;
    tag = tag.substr(0, open);
  }
  std::size_t slash = tag.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == tag.size()) return false;
  rec->program = std::string(tag);
  rec->process = std::string(tag.substr(slash + 1));
  return true;
}

// Postfix queue ids: short (uppercase hex) or long (base-52 alphabet with digits).
bool LooksLikeQueueId(std::string_view word) {
  if (word.size() < 5 || word.size() > 24) return false;
  bool has_upper_or_digit = false;
  for (char c : word) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    if (std::isupper(static_cast<unsigned char>(c)) || IsDigit(c)) has_upper_or_digit = true;
  }
  return has_upper_or_digit && word != "NOQUEUE";
}

std::string_view StripAngles(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return v.substr(1, v.size() - 2);
  return v;
}

// Calls fn(key, value) for each "key=value" of a ", "-separated list. A value that begins
// with '<' extends to the matching '>' (addresses may contain ", "). Stops after `status=`,
// whose value is the first word (the rest is the remote reply in parentheses).
template <typename Fn>
void ForEachAttribute(std::string_view s, Fn fn) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t eq = s.find('=', pos);
    if (eq == std::string_view::npos) return;
    std::string_view key = s.substr(pos, eq - pos);
    std::size_t vstart = eq + 1;
    std::size_t vend;
    if (key == "status") {
      vend = s.find(' ', vstart);
      fn(key, s.substr(vstart, vend == std::string_view::npos ? s.npos : vend - vstart));
      return;
    }
    std::size_t search_from = vstart;
    if (vstart < s.size() && s[vstart] == '<') {
      std::size_t close = s.find('>', vstart);
      search_from = close == std::string_view::npos ? s.size() : close;
    }
    vend = s.find(", ", search_from);
    std::string_view value = s.substr(vstart, vend == std::string_view::npos ? s.npos : vend - vstart);
    fn(key, value);
    if (vend == std::string_view::npos) return;
    pos = vend + 2;
  }
}

std::int64_t ToInt(std::string_view v) {
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc()) return 0;
  (void)ptr;
  return out;
}

DeliveryStatus ParseStatus(std::string_view v) {
  if (v == "sent") return DeliveryStatus::kSent;
  if (v == "bounced") return DeliveryStatus::kBounced;
  if (v == "deferred") return DeliveryStatus::kDeferred;
  if (v == "expired") return DeliveryStatus::kExpired;
  return DeliveryStatus::kUnknown;
}

// "name[1.2.3.4]" or "name[1.2.3.4]:25"
void SplitClient(std::string_view v, std::string* name, std::string* ip) {
  std::size_t open = v.find('[');
  std::size_t close = v.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    *name = std::string(v);
    return;
  }
  *name = std::string(v.substr(0, open));
  *ip = std::string(v.substr(open + 1, close - open - 1));
}

void ParseSmtpdClient(std::string_view msg, PostfixRecord* rec) {
  rec->kind = PostfixRecordKind::kSmtpdClient;
  ForEachAttribute(msg, [&](std::string_view k, std::string_view v) {
    if (k == "client") SplitClient(v, &rec->client_name, &rec->client_ip);
    else if (k == "sasl_method") rec->sasl_method = std::string(v);
    else if (k == "sasl_username") rec->sasl_username = std::string(v);
  });
}

void ParseQmgrFrom(std::string_view msg, PostfixRecord* rec) {
  rec->kind = PostfixRecordKind::kQmgrFrom;
  ForEachAttribute(msg, [&](std::string_view k, std::string_view v) {
    if (k == "from") rec->from = std::string(StripAngles(v));
    else if (k == "size") rec->size = ToInt(v);
    else if (k == "nrcpt") rec->nrcpt = static_cast<int>(ToInt(v.substr(0, v.find(' '))));
  });
}

void ParseDelivery(std::string_view msg, PostfixRecord* rec) {
  rec->kind = PostfixRecordKind::kDelivery;
  ForEachAttribute(msg, [&](std::string_view k, std::string_view v) {
    if (k == "to") rec->to = std::string(StripAngles(v));
    else if (k == "orig_to") rec->orig_to = std::string(StripAngles(v));
    else if (k == "relay") rec->relay = std::string(v);
    else if (k == "dsn") rec->dsn = std::string(v);
    else if (k == "status") rec->status = ParseStatus(v);
  });
}

void ParseMessage(std::string_view msg, PostfixRecord* rec) {
  if (msg.starts_with("client=")) {
    ParseSmtpdClient(msg, rec);
  } else if (msg.starts_with("message-id=")) {
    rec->kind = PostfixRecordKind::kMessageId;
    std::string_view v = msg.substr(11);
    rec->message_id = std::string(StripAngles(v.substr(0, v.find(' '))));
  } else if (msg.starts_with("from=")) {
    ParseQmgrFrom(msg, rec);
  } else if (msg.starts_with("to=")) {
    ParseDelivery(msg, rec);
  } else if (msg == "removed") {
    rec->kind = PostfixRecordKind::kRemoved;
  } else if (msg.starts_with("hold: ")) {
    rec->kind = PostfixRecordKind::kHold;
  }
}

}  // namespace

std::int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2 ? 1 : 0;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

const char* DeliveryStatusName(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kSent: return "sent";
    case DeliveryStatus::kBounced: return "bounced";
    case DeliveryStatus::kDeferred: return "deferred";
    case DeliveryStatus::kExpired: return "expired";
    case DeliveryStatus::kUnknown: break;
  }
  return "unknown";
}

Result<PostfixRecord> ParsePostfixLogLine(std::string_view line, int year,
                                          const PostfixLogLimits& limits) {
  if (line.size() > limits.max_line_bytes) {
    return MakeError(ErrorCode::kLimitExceeded, "log line longer than the limit");
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  PostfixRecord rec;
  std::size_t pos = 0;
  bool stamp_ok = !line.empty() && IsDigit(line[0]) ? ParseRfc3339(line, &pos, &rec)
                                                    : ParseClassic(line, &pos, year, &rec);
  if (!stamp_ok) return MakeError(ErrorCode::kMalformed, "no syslog timestamp");
  rec.host = std::string(NextToken(line, &pos));
  std::string_view tag = NextToken(line, &pos);
  if (rec.host.empty() || !ParseTag(tag, &rec)) {
    return MakeError(ErrorCode::kMalformed, "not a Postfix program tag");
  }
  if (pos < line.size() && line[pos] == ' ') ++pos;
  std::string_view msg = line.substr(pos);
  std::size_t colon = msg.find(": ");
  if (colon != std::string_view::npos && LooksLikeQueueId(msg.substr(0, colon))) {
    rec.queue_id = std::string(msg.substr(0, colon));
    ParseMessage(msg.substr(colon + 2), &rec);
  }
  return rec;
}

}  // namespace fbl
