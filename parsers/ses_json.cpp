#include "parsers/ses_json.h"

#include <string>

#include <nlohmann/json.hpp>

#include "parsers/arf.h"
#include "parsers/dsn.h"
#include "parsers/text_util.h"

namespace fbl {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? text::SanitizeUtf8(it->get<std::string>()) : std::string();
}

const json* Obj(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

const json* Arr(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

std::string FirstOf(const json& common, const char* key) {
  const json* a = Arr(common, key);
  if (a && !a->empty() && (*a)[0].is_string()) return text::SanitizeUtf8((*a)[0].get<std::string>());
  return "";
}

// Parses `text` as JSON without exceptions; a discarded value on failure.
json Parse(std::string_view text) {
  std::size_t b = text.find('{');
  std::size_t e = text.rfind('}');
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) return json(json::value_t::discarded);
  std::string_view s = text.substr(b, e - b + 1);
  json j = json::parse(s, nullptr, false);
  if (!j.is_discarded()) return j;
  std::string joined;  // Sendmail breaks long lines with "!\n " (RFC 5322 line limit)
  joined.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '!' && i + 2 < s.size() && s[i + 1] == '\n' && s[i + 2] == ' ') {
      i += 2;
      continue;
    }
    if (s[i] == '\n') continue;
    joined.push_back(s[i]);
  }
  return json::parse(joined, nullptr, false);
}

void ApplyMail(const json& mail, Report* r) {
  r->original_mail_from = Str(mail, "source");
  r->original.message_id = Str(mail, "messageId");
  if (const json* dest = Arr(mail, "destination")) {
    for (const json& d : *dest) {
      if (d.is_string()) r->original_rcpt_to.push_back(text::SanitizeUtf8(d.get<std::string>()));
    }
  }
  if (const json* common = Obj(mail, "commonHeaders")) {
    r->original.from = FirstOf(*common, "from");
    r->original.to = FirstOf(*common, "to");
    r->original.subject = Str(*common, "subject");
    r->original.date = Str(*common, "date");
    if (std::string id = Str(*common, "messageId"); !id.empty()) r->original.message_id = id;
  }
}

void ApplyComplaint(const json& c, Report* r) {
  r->kind = ReportKind::kFeedback;
  std::string type = Str(c, "complaintFeedbackType");
  r->feedback_type = type.empty() ? FeedbackType::kAbuse : ParseFeedbackType(type);
  r->user_agent = Str(c, "userAgent");
  r->arrival_date = text::DateToRfc3339(Str(c, "arrivalDate"));
  if (const json* list = Arr(c, "complainedRecipients")) {
    for (const json& x : *list) {
      if (x.is_object()) AddRecipient(Str(x, "emailAddress"), r);
    }
  }
}

void ApplyBounce(const json& b, bool delivered, Report* r) {
  const json* list = Arr(b, delivered ? "recipients" : "bouncedRecipients");
  if (!list) return;
  for (const json& x : *list) {
    Delivery d;
    if (x.is_string()) {
      d.recipient = text::SanitizeUtf8(x.get<std::string>());
    } else if (x.is_object()) {
      d.recipient = Str(x, "emailAddress");
      d.action = Str(x, "action");
      d.status = FindStatus(Str(x, "status"));
      d.diagnostic = Str(x, "diagnosticCode");
    }
    if (delivered) {
      d.action = "delivered";
      d.diagnostic = Str(b, "smtpResponse");
      std::string addr = text::NormalizeRecipient(d.recipient);
      if (!addr.empty()) r->deliveries.push_back(Delivery{addr, d.action, "2.0.0", BounceClass::kUnknown, d.diagnostic});
      continue;
    }
    if (d.status.empty()) d.status = FindStatus(d.diagnostic);
    if (d.action.empty()) d.action = "failed";
    d.klass = ClassifyBounce(d.status, d.diagnostic);
    if (d.klass == BounceClass::kUnknown) {
      d.klass = Str(b, "bounceType") == "Permanent" ? BounceClass::kHard : BounceClass::kSoft;
    }
    AddDelivery(std::move(d), r);
  }
}

}  // namespace

bool ParseSesNotification(std::string_view body, Report* r) {
  // Parse() needs a '{' anyway: one memchr spares the two searches on most reports.
  if (body.find('{') == std::string_view::npos) return false;
  if (text::Find(body, "notificationType") == std::string_view::npos &&
      text::Find(body, "eventType") == std::string_view::npos) {
    return false;
  }
  json j = Parse(body);
  if (!j.is_object()) return false;
  if (j.contains("Message") && j["Message"].is_string()) {
    json inner = Parse(j["Message"].get<std::string>());
    if (inner.is_object()) j = std::move(inner);
  }
  std::string type = Str(j, "notificationType");
  if (type.empty()) type = Str(j, "eventType");
  if (type != "Complaint" && type != "Bounce" && type != "Delivery") return false;
  if (const json* mail = Obj(j, "mail")) ApplyMail(*mail, r);
  r->provider = "amazonses";
  if (type == "Complaint") {
    if (const json* c = Obj(j, "complaint")) ApplyComplaint(*c, r);
    r->kind = ReportKind::kFeedback;
    if (!r->feedback_type) r->feedback_type = FeedbackType::kAbuse;
  } else if (type == "Bounce") {
    r->kind = ReportKind::kBounce;
    if (const json* b = Obj(j, "bounce")) ApplyBounce(*b, false, r);
  } else {
    r->kind = ReportKind::kUnknown;
    if (const json* d = Obj(j, "delivery")) ApplyBounce(*d, true, r);
  }
  return true;
}

}  // namespace fbl
