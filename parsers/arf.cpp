#include "parsers/arf.h"

#include <algorithm>
#include <cctype>

#include "parsers/text_util.h"

namespace fbl {
namespace {

std::string Clean(std::string_view v) { return text::SanitizeUtf8(text::Trim(v)); }

void AppendUnique(std::vector<std::string>* list, std::string value) {
  if (value.empty()) return;
  if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(std::move(value));
}

void SetFirst(const FieldList& fields, std::string_view name, std::string* out) {
  if (const std::string* v = FindField(fields, name); v && out->empty()) *out = Clean(*v);
}

bool DomainIs(std::string_view domain, std::string_view suffix) {
  if (domain.size() < suffix.size()) return false;
  if (!text::IEquals(domain.substr(domain.size() - suffix.size()), suffix)) return false;
  return domain.size() == suffix.size() || domain[domain.size() - suffix.size() - 1] == '.';
}

struct ProviderRule {
  const char* domain;
  const char* provider;
};
constexpr ProviderRule kReporterDomains[] = {
    {"aol.com", "aol"},           {"aol.net", "aol"},          {"yahoo.com", "yahoo"},
    {"yahoo-inc.com", "yahoo"},   {"yahoo.net", "yahoo"},      {"yahoo.co.jp", "yahoo"},
    {"yahoodns.net", "yahoo"},    {"hotmail.com", "microsoft"}, {"outlook.com", "microsoft"},
    {"live.com", "microsoft"},    {"msn.com", "microsoft"},    {"microsoft.com", "microsoft"},
    {"returnpath.net", "validity"}, {"returnpath.com", "validity"}, {"senderscore.net", "validity"},
    {"validity.com", "validity"}, {"comcast.net", "comcast"},  {"amazonses.com", "amazonses"},
    {"icloud.com", "apple"},      {"me.com", "apple"},         {"mac.com", "apple"},
    {"apple.com", "apple"},       {"mail.ru", "mailru"},       {"gmail.com", "google"},
    {"google.com", "google"},     {"yandex.ru", "yandex"},     {"yandex.net", "yandex"},
    {"zoho.com", "zoho"},         {"fastmail.com", "fastmail"}, {"gmx.net", "gmx"},
    {"web.de", "webde"},          {"orange.fr", "orange"},     {"libero.it", "libero"},
    {"seznam.cz", "seznam"},      {"terra.com", "terra"},      {"rackspace.com", "rackspace"},
};

}  // namespace

void AddRecipient(std::string_view candidate, Report* r) {
  std::string addr = text::NormalizeRecipient(candidate);
  if (addr.empty() || text::IsPlaceholderRecipient(addr)) {
    r->redacted = true;
    return;
  }
  AppendUnique(&r->recipients, text::SanitizeUtf8(addr));
}

void ApplyFeedbackFields(const FieldList& fields, Report* r) {
  r->kind = ReportKind::kFeedback;
  if (const std::string* t = FindField(fields, "feedback-type")) r->feedback_type = ParseFeedbackType(text::Trim(*t));
  SetFirst(fields, "user-agent", &r->user_agent);
  SetFirst(fields, "version", &r->version);
  SetFirst(fields, "source-ip", &r->source_ip);
  SetFirst(fields, "source-port", &r->source_port);
  const std::string* date = FindField(fields, "arrival-date");
  if (!date) date = FindField(fields, "received-date");
  if (date && r->arrival_date.empty()) r->arrival_date = text::DateToRfc3339(*date);
  if (const std::string* v = FindField(fields, "original-mail-from")) {
    std::string addr = text::ExtractAddress(*v);
    r->original_mail_from = Clean(addr.empty() ? std::string_view(*v) : std::string_view(addr));
  }
  for (const std::string& v : FindAll(fields, "original-rcpt-to")) {
    r->original_rcpt_to.push_back(Clean(v));
    AddRecipient(v, r);
  }
  for (const std::string& v : FindAll(fields, "removal-recipient")) AddRecipient(v, r);
  if (FindField(fields, "redacted-address")) r->redacted = true;
  for (const std::string& v : FindAll(fields, "reported-domain")) AppendUnique(&r->reported_domains, text::Lower(Clean(v)));
  for (const std::string& v : FindAll(fields, "reported-uri")) AppendUnique(&r->reported_uris, Clean(v));
  for (const std::string& v : FindAll(fields, "authentication-results")) r->authentication_results.push_back(Clean(v));
  SetFirst(fields, "auth-failure", &r->auth_failure);
  SetFirst(fields, "delivery-result", &r->delivery_result);
  SetFirst(fields, "dkim-domain", &r->dkim_domain);
  SetFirst(fields, "dkim-identity", &r->dkim_identity);
  SetFirst(fields, "dkim-selector", &r->dkim_selector);
  SetFirst(fields, "spf-dns", &r->spf_dns);
  SetFirst(fields, "identity-alignment", &r->identity_alignment);
}

std::string DetectProvider(const Report& r) {
  std::string_view reporter = r.reporter;
  std::size_t at = reporter.rfind('@');
  std::string_view domain = at == std::string_view::npos ? std::string_view() : reporter.substr(at + 1);
  for (const auto& rule : kReporterDomains) {
    if (!domain.empty() && DomainIs(domain, rule.domain)) return rule.provider;
  }
  const std::string& ua = r.user_agent;
  if (text::IContains(ua, "ReturnPath")) return "validity";
  if (text::IContains(ua, "Yahoo!-Mail-Feedback")) return "yahoo";
  if (text::IContains(ua, "AOL")) return "aol";
  if (text::IContains(ua, "Hotmail") || text::IContains(ua, "JMRP")) return "microsoft";
  if (text::IContains(ua, "Mail.Ru")) return "mailru";
  return "";
}

std::string IpFromSubject(std::string_view subject) {
  std::size_t from = text::IFind(subject, " from ");
  if (from == std::string_view::npos) return "";
  std::string_view rest = text::Trim(subject.substr(from + 6));
  std::size_t e = 0;
  while (e < rest.size() && (std::isxdigit(static_cast<unsigned char>(rest[e])) || rest[e] == '.' || rest[e] == ':')) ++e;
  std::string_view ip = rest.substr(0, e);
  bool has_sep = ip.find('.') != std::string_view::npos || ip.find(':') != std::string_view::npos;
  return has_sep && ip.size() >= 3 ? std::string(ip) : "";
}

}  // namespace fbl
