#include "fbl/pipeline/decision.h"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fbl {

namespace {

using nlohmann::json;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Host part for our Message-IDs: the domain of [notify].from, else "localhost".
std::string MessageIdHost(const Config& config) {
  const std::string& from = config.notify.from;
  std::size_t at = from.rfind('@');
  std::string host = at == std::string::npos ? "" : from.substr(at + 1);
  host.erase(std::remove_if(host.begin(), host.end(),
                            [](char c) { return c == '>' || c == ' ' || c == '<'; }),
             host.end());
  return host.empty() ? "localhost" : host;
}

const ClientOptions* FindClient(const Config& config, const std::optional<std::string>& id) {
  if (!id) return nullptr;
  for (const auto& c : config.pipeline.clients) {
    if (c.id == *id) return &c;
  }
  return nullptr;
}

json OriginalJson(const Report& r) {
  return {{"subject", r.original.subject}, {"date", r.original.date},
          {"message_id", r.original.message_id}, {"list_id", r.original.list_id},
          {"from", r.original.from}};
}

std::vector<std::string> Suppressed(const DecisionInput& in, const std::vector<std::string>& rcpts) {
  std::vector<std::string> out;
  for (const auto& r : rcpts) {
    if (std::find(in.allowlisted.begin(), in.allowlisted.end(), r) == in.allowlisted.end()) {
      out.push_back(r);
    }
  }
  return out;
}

json PayloadJson(const DecisionInput& in, const Decision& d,
                 const std::vector<std::string>& recipients) {
  const Report& r = *in.report;
  json j = {{"report_id", nullptr},
            {"client_id", d.client_id ? json(*d.client_id) : json(nullptr)},
            {"provider", d.provider},
            {"feedback_type", r.feedback_type ? json(FeedbackTypeName(*r.feedback_type)) : json(nullptr)},
            {"recipients", recipients},
            {"redacted", r.redacted},
            {"arrival_date", r.arrival_date},
            {"reporter", r.reporter},
            {"original", OriginalJson(r)},
            {"suppressed", d.status == ReportStatus::kProcessed ? Suppressed(in, recipients)
                                                                : std::vector<std::string>{}}};
  return j;
}

NewOutboxItem MakeItem(const DecisionInput& in, const Config& config,
                       std::optional<std::string> client_id, std::string channel,
                       std::string kind, const json& payload) {
  NewOutboxItem item;
  item.client_id = std::move(client_id);
  item.channel = std::move(channel);
  item.kind = std::move(kind);
  item.payload_json = Dump(payload);
  item.message_id = OutboxMessageId(in.sha256, item.client_id.value_or(""), item.kind,
                                    MessageIdHost(config));
  item.due_at = in.now;
  return item;
}

void AddAdminItem(const DecisionInput& in, const Config& config, Decision* d,
                  const std::string& kind, const std::vector<std::string>& recipients) {
  if (config.notify.admin_email.empty()) return;
  json payload = PayloadJson(in, *d, recipients);
  payload["status"] = ReportStatusName(d->status);
  payload["reason"] = d->reason;
  d->outbox.push_back(MakeItem(in, config, std::nullopt, "email", kind, payload));
}

void AddClientItem(const DecisionInput& in, const Config& config, Decision* d,
                   const std::vector<std::string>& recipients) {
  const ClientOptions* client = FindClient(config, d->client_id);
  if (client == nullptr || client->notify == "off") return;
  std::string channel = client->notify == "webhook" ? "webhook" : "email";
  d->outbox.push_back(
      MakeItem(in, config, client->id, channel, "complaint", PayloadJson(in, *d, recipients)));
}

std::optional<RecipientEvent::Type> EventFor(FeedbackType type) {
  if (IsComplaintType(type)) return RecipientEvent::Type::kComplaint;
  if (type == FeedbackType::kNotSpam) return RecipientEvent::Type::kNotSpam;
  if (type == FeedbackType::kOptOut) return RecipientEvent::Type::kOptOut;
  return std::nullopt;  // auth-failure: about authentication, not about a recipient
}

std::string AttributionReason(const Attribution& a) {
  std::string s = a.client_id ? "client " + *a.client_id + " by " + a.client_method
                              : std::string("no client matched: suppressed in the global scope");
  return s + "; recipient from " + a.recipient_method;
}

void DecideFeedback(const DecisionInput& in, const Config& config, Decision* d) {
  const Report& r = *in.report;
  d->provider = in.trust->provider;
  if (!in.trust->trusted) {
    d->status = ReportStatus::kUntrusted;
    d->reason = in.trust->reason;
    AddAdminItem(in, config, d, "admin-untrusted", r.recipients);
    return;
  }
  const Attribution& a = *in.attribution;
  d->client_id = a.client_id;
  FeedbackType type = r.feedback_type.value_or(FeedbackType::kOther);
  d->complaint = IsComplaintType(type);
  if (!a.has_recipients()) {
    d->status = ReportStatus::kUnattributed;
    d->reason = a.MissingReason();
    AddAdminItem(in, config, d, "admin-unattributed", {});
    return;
  }
  d->status = ReportStatus::kProcessed;
  d->reason = AttributionReason(a);
  if (auto event = EventFor(type)) {
    for (const auto& rcpt : a.recipients) d->events.push_back({*event, rcpt, "", ""});
  }
  if (!d->complaint) return;
  AddClientItem(in, config, d, a.recipients);
  if (!a.client_id) AddAdminItem(in, config, d, "admin-unattributed", a.recipients);
}

void DecideBounce(const DecisionInput& in, Decision* d) {
  d->status = ReportStatus::kProcessed;
  if (in.attribution != nullptr) d->client_id = in.attribution->client_id;
  for (const auto& del : in.report->deliveries) {
    if (del.action != "failed" && del.action != "delayed") continue;
    if (del.klass == BounceClass::kUnknown) continue;
    auto type = del.klass == BounceClass::kHard ? RecipientEvent::Type::kHardBounce
                                                : RecipientEvent::Type::kSoftBounce;
    d->events.push_back({type, del.recipient, del.status, del.diagnostic});
  }
  d->reason = std::to_string(d->events.size()) + " bounce event(s)";
}

}  // namespace

bool IsComplaintType(FeedbackType type) {
  return type == FeedbackType::kAbuse || type == FeedbackType::kFraud ||
         type == FeedbackType::kVirus || type == FeedbackType::kOther;
}

Decision Decide(const DecisionInput& in, const Config& config) {
  Decision d;
  const Report& r = *in.report;
  switch (r.kind) {
    case ReportKind::kMalformed:
      d.status = ReportStatus::kQuarantined;
      d.reason = r.errors.empty() ? "malformed" : r.errors.front();
      break;
    case ReportKind::kFeedback:
      DecideFeedback(in, config, &d);
      break;
    case ReportKind::kBounce:
      DecideBounce(in, &d);
      break;
    default:
      d.status = ReportStatus::kIgnored;
      d.reason = std::string("not a report: ") + ReportKindName(r.kind);
      break;
  }
  return d;
}

std::string HexDigest(const Sha256& sha256) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : sha256) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

Sha256 ComputeSha256(std::string_view bytes) {
  Sha256 out{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string OutboxMessageId(const Sha256& sha256, std::string_view client, std::string_view kind,
                            std::string_view host) {
  std::string material(sha256.begin(), sha256.end());
  material.append("|").append(client).append("|").append(kind);
  std::string hex = HexDigest(ComputeSha256(material)).substr(0, 16);
  return "<fbl-" + hex + "." + std::string(kind) + "@" + std::string(host) + ">";
}

std::string SummaryJson(const Report& r, const Decision& d, const Attribution* a) {
  json j = {{"kind", ReportKindName(r.kind)},
            {"feedback_type", r.feedback_type ? json(FeedbackTypeName(*r.feedback_type)) : json(nullptr)},
            {"provider", d.provider},
            {"reporter", r.reporter},
            {"user_agent", r.user_agent},
            {"source_ip", r.source_ip},
            {"arrival_date", r.arrival_date},
            {"recipients", a != nullptr ? a->recipients : r.recipients},
            {"redacted", r.redacted},
            {"reported_domains", r.reported_domains},
            {"original", OriginalJson(r)},
            {"status", ReportStatusName(d.status)},
            {"reason", d.reason},
            {"client_method", a != nullptr ? a->client_method : ""},
            {"recipient_method", a != nullptr ? a->recipient_method : ""},
            {"errors", r.errors}};
  return Dump(j);
}

}  // namespace fbl
