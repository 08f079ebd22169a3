#include "parsers/dsn.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/text_util.h"

namespace fbl {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

constexpr const char* kHardPatterns[] = {
    "user unknown",        "unknown user",          "no such user",         "does not exist",
    "doesn't exist",       "mailbox not found",     "invalid recipient",    "unknown recipient",
    "no mailbox",          "not a valid mailbox",   "host unknown",         "domain not found",
    "no such domain",      "name or service not known", "unrouteable address", "no such recipient",
    "recipient not found", "user not found",        "address rejected",     "account does not exist",
    "mailbox unavailable", "invalid address",       "no such mailbox",      "unknown address",
    "recipientnotfound",   "host or domain name not found", "has moved",    "not our customer",
    "no longer available", "addressee unknown",     "unknown local part",   "user doesn't have",
    "invalid mailbox",     "bad destination mailbox", "mailbox is disabled and not accepting",
};

constexpr const char* kSoftPatterns[] = {
    "mailbox full",  "quota",  "over quota",   "insufficient",  "too many", "rate limit",
    "spam",          "blocked", "blacklist",   "policy",        "timeout",  "timed out",
    "try again",     "temporar", "deferred",   "greylist",      "too large", "exceeds",
};

// A fixed list of lowercase patterns indexed by first byte: AnyIn walks the text once, trying
// at each byte only the patterns that start with it, instead of one search per pattern (54 for
// a bounce diagnostic).
class PatternSet {
 public:
  template <std::size_t N>
  explicit PatternSet(const char* const (&patterns)[N]) {
    for (const char* p : patterns) by_first_[static_cast<unsigned char>(p[0])].emplace_back(p);
  }
  // True when `lower` (already ASCII-lowercased) contains one of the patterns.
  bool AnyIn(std::string_view lower) const {
    for (std::size_t i = 0; i < lower.size(); ++i) {
      for (std::string_view p : by_first_[static_cast<unsigned char>(lower[i])]) {
        if (lower.size() - i >= p.size() && lower.compare(i, p.size(), p) == 0) return true;
      }
    }
    return false;
  }

 private:
  std::array<std::vector<std::string_view>, 256> by_first_;
};

bool HardStatus(std::string_view status) {
  static const char* kHard[] = {"5.1.0", "5.1.1", "5.1.2", "5.1.6", "5.1.10", "5.4.4"};
  return std::any_of(std::begin(kHard), std::end(kHard), [&](const char* s) { return status == s; });
}

bool IsLocalFromDaemon(std::string_view addr) {
  std::string lower = text::Lower(addr);
  return lower.rfind("mailer-daemon@", 0) == 0 || lower.rfind("postmaster@", 0) == 0 ||
         lower.rfind("mail-daemon@", 0) == 0 || lower.rfind("mailerdaemon@", 0) == 0;
}

bool SkippedLine(std::string_view line) {
  static const char* kSkip[] = {"message-id", "in-reply-to", "references", "from:", "reply-to:",
                                "sender:", "return-path", "received:", "envelope-from", "x-"};
  static const char* kSkipAnywhere[] = {"message-id", "contact", "generated from", "assistance", "queue id",
                                        "send mail to", "postmaster@", "mailer-daemon@"};
  std::string_view t = text::Trim(line);
  while (!t.empty() && (t.front() == '>' || t.front() == ' ')) t.remove_prefix(1);
  if (std::any_of(std::begin(kSkip), std::end(kSkip), [&](const char* p) { return text::IStartsWith(t, p); })) return true;
  return std::any_of(std::begin(kSkipAnywhere), std::end(kSkipAnywhere), [&](const char* p) { return text::IContains(t, p); });
}

// A line that starts with the address ("<a@b>:", "a@b [User unknown]", "a@b: reason"): the
// layout of qmail, Postfix, Sendmail and most text bounces for the failed recipient.
bool LeadsWith(std::string_view line, std::string_view addr) {
  std::string_view t = text::Trim(line);
  while (!t.empty() && (t.front() == '<' || t.front() == '"' || t.front() == '\'' || t.front() == '*')) t.remove_prefix(1);
  return text::IStartsWith(t, addr);
}

std::string StatusToken(std::string_view v) {
  std::string found = FindStatus(v);
  return found;
}

std::string ContextAround(const std::vector<std::string_view>& lines, std::size_t i) {
  std::string out;
  for (std::size_t k = i; k < lines.size() && k < i + 6 && out.size() < 600; ++k) {
    std::string_view t = text::Trim(lines[k]);
    if (t.empty() && k > i) break;
    if (!out.empty()) out += ' ';
    out.append(t);
  }
  if (out.size() > 600) out.resize(600);
  return out;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size() && lines.size() < 5000) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    lines.push_back(text.substr(pos, end - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  return lines;
}

}  // namespace

BounceClass ClassifyBounce(std::string_view status, std::string_view diagnostic) {
  if (HardStatus(status)) return BounceClass::kHard;
  if (!status.empty() && status[0] == '4') return BounceClass::kSoft;
  std::string lower = text::Lower(diagnostic);
  static const PatternSet hard(kHardPatterns);
  static const PatternSet soft(kSoftPatterns);
  bool says_bad_address = hard.AnyIn(lower) && !soft.AnyIn(lower);
  if (says_bad_address) return BounceClass::kHard;
  if (!status.empty() && status[0] == '5') return BounceClass::kSoft;
  // No status at all: a failure was reported but nothing says the address is bad.
  return text::Trim(diagnostic).empty() ? BounceClass::kUnknown : BounceClass::kSoft;
}

bool LooksLikeBounce(const FieldList& top) {
  if (FindField(top, "x-failed-recipients")) return true;
  const std::string* ct = FindField(top, "content-type");
  if (ct && text::IContains(*ct, "delivery-status")) return true;
  const std::string* from = FindField(top, "from");
  if (from) {
    std::string addr = text::ExtractAddress(*from);
    if (IsLocalFromDaemon(addr) || text::IContains(*from, "mailer-daemon") ||
        text::IContains(*from, "Mail Delivery")) {
      return true;
    }
  }
  const std::string* subject = FindField(top, "subject");
  if (!subject) return false;
  static const char* kSubjects[] = {"undeliver",  "delivery status notification", "failure notice",
                                    "returned mail", "mail delivery failed", "delivery failure",
                                    "delivery has failed", "non remis", "nondeliverable",
                                    "could not send message", "mail system error", "warning: could not",
                                    "delayed mail", "delivery notification", "returned to sender",
                                    "message delivery has been delayed", "unzustellbar", "delivery problem",
                                    "mail could not be delivered", "rejected:", "delivery report"};
  static const PatternSet subjects(kSubjects);
  return subjects.AnyIn(text::Lower(*subject));
}

void AddDelivery(Delivery d, Report* r) {
  std::string addr = text::NormalizeRecipient(d.recipient);
  if (addr.empty()) return;
  d.recipient = text::SanitizeUtf8(addr);
  d.diagnostic = text::SanitizeUtf8(d.diagnostic);
  for (Delivery& existing : r->deliveries) {
    if (text::IEquals(existing.recipient, d.recipient)) {
      if (existing.status.empty() && !d.status.empty()) existing = std::move(d);
      return;
    }
  }
  if (std::none_of(r->recipients.begin(), r->recipients.end(),
                   [&](const std::string& x) { return text::IEquals(x, d.recipient); })) {
    r->recipients.push_back(d.recipient);
  }
  r->deliveries.push_back(std::move(d));
}

// Some MTAs omit the blank line between per-recipient groups: a new Final-Recipient (or an
// Original-Recipient after one) starts a new group.
std::vector<FieldList> RecipientGroups(const std::vector<FieldList>& blocks) {
  std::vector<FieldList> groups;
  for (const FieldList& block : blocks) {
    FieldList current;
    bool has_final = false, has_original = false;
    for (const Field& f : block) {
      bool is_final = text::IEquals(f.name, "final-recipient");
      bool is_original = text::IEquals(f.name, "original-recipient");
      if ((is_final && has_final) || (is_original && has_original)) {
        groups.push_back(std::move(current));
        current.clear();
        has_final = has_original = false;
      }
      has_final |= is_final;
      has_original |= is_original;
      current.push_back(f);
    }
    groups.push_back(std::move(current));
  }
  return groups;
}

void ParseDeliveryStatus(std::string_view body, std::size_t max_fields, std::size_t max_value, Report* r) {
  for (const FieldList& block : RecipientGroups(ParseFieldBlocks(body, max_fields, max_value))) {
    const std::string* rcpt = FindField(block, "final-recipient");
    if (!rcpt || text::NormalizeRecipient(*rcpt).empty()) rcpt = FindField(block, "original-recipient");
    if (!rcpt) continue;
    Delivery d;
    d.recipient = *rcpt;
    if (const std::string* a = FindField(block, "action")) d.action = text::Lower(text::Trim(*a));
    if (const std::string* s = FindField(block, "status")) d.status = StatusToken(*s);
    if (const std::string* diag = FindField(block, "diagnostic-code")) d.diagnostic = std::string(text::Trim(*diag));
    if (d.status.empty()) d.status = FindStatus(d.diagnostic);
    if (d.action.empty()) d.action = d.status.rfind("4", 0) == 0 ? "delayed" : "failed";
    d.klass = ClassifyBounce(d.status, d.diagnostic);
    if (d.action == "delivered" || d.action == "relayed" || d.action == "expanded") d.klass = BounceClass::kUnknown;
    AddDelivery(std::move(d), r);
  }
}

std::string_view CutAtOriginal(std::string_view text) {
  static const char* kMarkers[] = {
      "below this line is a copy",      "this is a copy of the message",  "original message follows",
      "----- original message",         "-----original message",          "original message -----",
      "message headers follow",         "unsent message follows",         "returned message",
      "header of the original message", "headers of the original message", "included is a copy",
      "\nreceived: ",                   "\nreturn-path: ",                "original message headers",
      "your message reads",             "\ncontent-type: message/rfc822", "message text follows",
      "original mail follows",          "copy of your message"};
  thread_local std::string lower;  // reused: one allocation less per bounce (no nesting here)
  text::LowerInto(text, &lower);    // the markers are lowercase
  std::size_t cut = text.size();
  for (std::string_view m : kMarkers) {
    // Only an earlier marker can move the cut: search no further than the current one.
    std::string_view hay = std::string_view(lower).substr(0, std::min(text.size(), cut + m.size()));
    std::size_t at = text::Find(hay, m);
    if (at != std::string_view::npos && at > 0) cut = std::min(cut, at);
  }
  if (lower.capacity() > (1 << 20)) lower = std::string();  // keep no huge buffer
  return text.substr(0, cut);
}

std::string FindStatus(std::string_view t) {
  for (std::size_t i = 0; i + 5 <= t.size(); ++i) {
    char c = t[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (IsDigit(t[i - 1]) || t[i - 1] == '.')) continue;
    if (t[i + 1] != '.') continue;
    std::size_t j = i + 2, n1 = 0;
    while (j < t.size() && IsDigit(t[j]) && n1 < 4) ++j, ++n1;
    if (n1 == 0 || n1 > 3 || j >= t.size() || t[j] != '.') continue;
    std::size_t k = j + 1, n2 = 0;
    while (k < t.size() && IsDigit(t[k]) && n2 < 4) ++k, ++n2;
    if (n2 == 0 || n2 > 3) continue;
    if (k < t.size() && (IsDigit(t[k]) || (t[k] == '.' && k + 1 < t.size() && IsDigit(t[k + 1])))) continue;
    if (c == '2' && n1 == 1 && t[i + 2] == '0' && n2 == 1 && t[k - 1] == '0') continue;  // "2.0.0" ok
    return std::string(t.substr(i, k - i));
  }
  for (std::size_t i = 0; i + 3 <= t.size(); ++i) {
    char c = t[i];
    if (c != '4' && c != '5') continue;
    if (i > 0 && (IsDigit(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == ':' || t[i - 1] == '#')) continue;
    if (!IsDigit(t[i + 1]) || !IsDigit(t[i + 2]) || t[i + 1] > '5') continue;
    if (i + 3 < t.size() && t[i + 3] != ' ' && t[i + 3] != '-') continue;
    return std::string(1, c) + ".0.0";
  }
  return "";
}

std::size_t ParseBounceText(std::string_view text, const BounceContext& context, Report* r) {
  std::vector<std::string_view> lines = SplitLines(text);
  std::size_t added = 0;
  std::optional<std::string> fallback_status;  // FindStatus(text), found only when needed
  for (std::size_t i = 0; i < lines.size() && added < 50; ++i) {
    if (lines[i].find('@') == std::string_view::npos || SkippedLine(lines[i])) continue;
    for (const std::string& addr : text::FindAddresses(lines[i], 8)) {
      std::string lower = text::Lower(addr);
      if (IsLocalFromDaemon(lower)) continue;
      bool excluded = std::find(context.excluded.begin(), context.excluded.end(), lower) != context.excluded.end();
      if (excluded && !LeadsWith(lines[i], addr)) continue;
      Delivery d;
      d.recipient = addr;
      d.diagnostic = ContextAround(lines, i);
      d.status = FindStatus(d.diagnostic);
      if (d.status.empty()) {
        if (!fallback_status) fallback_status = FindStatus(text);
        d.status = *fallback_status;
      }
      d.action = d.status.rfind("4", 0) == 0 ? "delayed" : "failed";
      d.klass = ClassifyBounce(d.status, d.diagnostic.empty() ? text : std::string_view(d.diagnostic));
      std::size_t before = r->deliveries.size();
      AddDelivery(std::move(d), r);
      added += r->deliveries.size() - before;
    }
  }
  return added;
}

}  // namespace fbl
