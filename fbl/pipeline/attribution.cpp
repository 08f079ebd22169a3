#include "fbl/pipeline/attribution.h"

#include <algorithm>
#include <cctype>

#include "fbl/pipeline/trust.h"

namespace fbl {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == '<'))
    s.remove_prefix(1);
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == '>'))
    s.remove_suffix(1);
  return s;
}

// The domain of an address, of "Name <a@b>", or of a bare domain; lowercase.
std::string DomainOf(std::string_view text) {
  std::size_t lt = text.rfind('<');
  if (lt != std::string_view::npos) text = text.substr(lt);
  text = Trim(text);
  std::size_t at = text.rfind('@');
  return Lower(at == std::string_view::npos ? text : text.substr(at + 1));
}

// List-Id: "Name <list.example.com>" -> "list.example.com".
std::string ListIdDomain(std::string_view list_id) {
  std::size_t lt = list_id.rfind('<');
  if (lt != std::string_view::npos) list_id = list_id.substr(lt);
  return Lower(Trim(list_id));
}

const ClientOptions* ClientByDomain(const std::vector<ClientOptions>& clients,
                                    std::string_view domain, bool dkim) {
  if (domain.empty()) return nullptr;
  for (const auto& c : clients) {
    const auto& domains = dkim ? c.dkim_domains : c.domains;
    for (const auto& d : domains) {
      if (DomainMatches(domain, d)) return &c;
    }
  }
  return nullptr;
}

const ClientOptions* ClientById(const std::vector<ClientOptions>& clients, std::string_view id) {
  for (const auto& c : clients) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const ClientOptions* ClientByIdentifier(const std::vector<ClientOptions>& clients,
                                        std::string_view value) {
  std::string_view v = Trim(value);
  if (v.empty()) return nullptr;
  for (const auto& c : clients) {
    if (c.id == v) return &c;
    if (std::find(c.identifiers.begin(), c.identifiers.end(), v) != c.identifiers.end()) return &c;
  }
  return nullptr;
}

struct Candidate {
  const char* method;
  std::string domain;
  bool dkim = false;
};

std::vector<Candidate> DomainCandidates(const Report& report) {
  std::vector<Candidate> out;
  for (const auto& d : report.original.dkim_domains) out.push_back({"dkim", Lower(d), true});
  out.push_back({"from", DomainOf(report.original.from)});
  for (const auto& d : report.reported_domains) out.push_back({"reported-domain", DomainOf(d)});
  out.push_back({"original-mail-from", DomainOf(report.original_mail_from)});
  out.push_back({"return-path", DomainOf(report.original.return_path)});
  out.push_back({"list-id", ListIdDomain(report.original.list_id)});
  return out;
}

void AttributeClient(const Report& report, const PipelineOptions& options, Attribution* a) {
  for (const Candidate& c : DomainCandidates(report)) {
    if (const ClientOptions* client = ClientByDomain(options.clients, c.domain, c.dkim)) {
      a->client_id = client->id;
      a->client_method = c.method;
      return;
    }
  }
  if (options.identifier_header.empty()) return;
  std::string value = OriginalHeader(report, options.identifier_header);
  if (const ClientOptions* client = ClientByIdentifier(options.clients, value)) {
    a->client_id = client->id;
    a->client_method = "identifier-header";
  }
}

// A verified token settles the client (it is our own HMAC) and, for a redacted report, the
// recipient.
void ApplyFblId(const Report& report, const PipelineOptions& options,
                const AttributionLookups& lookups, Attribution* a) {
  if (!lookups.verify_fbl_id || options.fbl_id_header.empty()) return;
  std::string token(Trim(OriginalHeader(report, options.fbl_id_header)));
  if (token.empty()) return;
  auto claims = lookups.verify_fbl_id(token);
  if (!claims.ok()) {
    a->notes.push_back("fbl-id rejected: " + claims.error().ToString());
    return;
  }
  if (ClientById(options.clients, claims->client_id) == nullptr) {
    a->notes.push_back("fbl-id names an unknown client");
    return;
  }
  a->client_id = claims->client_id;
  a->client_method = "fbl-id";
  if (a->recipients.empty() && !claims->recipient.empty()) {
    a->recipients.push_back(claims->recipient);
    a->recipient_method = "fbl-id";
  }
}

Status AttributeRecipients(const Report& report, const PipelineOptions& options,
                           const AttributionLookups& lookups, Attribution* a) {
  if (!a->recipients.empty()) return OkStatus();
  std::string verp = DecodeVerp(report.original_mail_from, options.verp_prefix);
  if (verp.empty()) verp = DecodeVerp(report.original.return_path, options.verp_prefix);
  if (!verp.empty()) {
    a->recipients.push_back(verp);
    a->recipient_method = "verp";
    return OkStatus();
  }
  std::string message_id(Trim(report.original.message_id));
  if (!lookups.outbound || message_id.empty()) return OkStatus();
  auto found = lookups.outbound(message_id);
  if (!found.ok()) return found.error();
  if (!found->empty()) {
    a->recipients = std::move(found.value());
    a->recipient_method = "outbound";
  }
  return OkStatus();
}

}  // namespace

std::string Attribution::MissingReason() const {
  if (client_id && !recipients.empty()) return "";
  if (!client_id && recipients.empty()) return "no client matched and the recipient is unknown";
  if (!client_id) return "no configured client matches the original message";
  return "recipient redacted: no valid feedback identifier, no VERP sender, no outbound record";
}

std::string OriginalHeader(const Report& report, std::string_view name) {
  std::string want = Lower(name);
  for (const auto& [k, v] : report.original.headers) {
    if (Lower(k) == want) return v;
  }
  if (want == "feedback-id") return report.original.feedback_id;
  return "";
}

std::string DecodeVerp(std::string_view mail_from, std::string_view prefix) {
  if (prefix.empty()) return "";
  std::string_view s = Trim(mail_from);
  std::size_t at = s.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string_view local = s.substr(0, at);
  if (local.size() <= prefix.size() || Lower(local.substr(0, prefix.size())) != Lower(prefix)) {
    return "";
  }
  local.remove_prefix(prefix.size());
  std::size_t eq = local.rfind('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == local.size()) return "";
  return std::string(local.substr(0, eq)) + "@" + Lower(local.substr(eq + 1));
}

Result<Attribution> Attribute(const Report& report, const PipelineOptions& options,
                              const AttributionLookups& lookups) {
  Attribution a;
  a.recipients = report.recipients;
  if (!a.recipients.empty()) a.recipient_method = "report";
  AttributeClient(report, options, &a);
  ApplyFblId(report, options, lookups, &a);
  Status s = AttributeRecipients(report, options, lookups, &a);
  if (!s.ok()) return s.error();
  return a;
}

}  // namespace fbl
