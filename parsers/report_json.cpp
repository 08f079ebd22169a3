#include "parsers/report_json.h"

#include "parsers/text_util.h"

namespace fbl {
namespace {

using nlohmann::json;

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json Strings(const std::vector<std::string>& v) {
  json a = json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

json OriginalToJson(const OriginalMessage& o) {
  json headers = json::object();
  for (const auto& [name, value] : o.headers) headers[name] = value;
  return json{{"from", OrNull(o.from)},
              {"to", OrNull(o.to)},
              {"subject", OrNull(o.subject)},
              {"message_id", OrNull(o.message_id)},
              {"date", OrNull(o.date)},
              {"dkim_domains", Strings(o.dkim_domains)},
              {"list_id", OrNull(o.list_id)},
              {"list_unsubscribe", OrNull(o.list_unsubscribe)},
              {"feedback_id", OrNull(o.feedback_id)},
              {"return_path", OrNull(o.return_path)},
              {"headers", std::move(headers)}};
}

json DeliveriesToJson(const std::vector<Delivery>& deliveries) {
  json a = json::array();
  for (const Delivery& d : deliveries) {
    a.push_back(json{{"recipient", d.recipient},
                     {"action", OrNull(d.action)},
                     {"status", OrNull(d.status)},
                     {"class", BounceClassName(d.klass)},
                     {"diagnostic", OrNull(d.diagnostic)}});
  }
  return a;
}

}  // namespace

json ReportToJson(const Report& r, std::string_view source) {
  json j;
  j["source"] = std::string(source);
  j["kind"] = ReportKindName(r.kind);
  j["feedback_type"] = (r.kind == ReportKind::kFeedback && r.feedback_type) ? json(FeedbackTypeName(*r.feedback_type))
                                                                            : json(nullptr);
  j["user_agent"] = OrNull(r.user_agent);
  j["source_ip"] = OrNull(r.source_ip);
  j["arrival_date"] = OrNull(r.arrival_date);
  j["original_mail_from"] = OrNull(r.original_mail_from);
  j["original_rcpt_to"] = Strings(r.original_rcpt_to);
  j["recipients"] = Strings(r.recipients);
  j["redacted"] = r.redacted;
  j["reported_domains"] = Strings(r.reported_domains);
  j["original"] = OriginalToJson(r.original);
  j["deliveries"] = DeliveriesToJson(r.deliveries);
  j["errors"] = Strings(r.errors);
  // Extensions.
  j["version"] = OrNull(r.version);
  j["provider"] = OrNull(r.provider);
  j["reporter"] = OrNull(r.reporter);
  j["source_port"] = OrNull(r.source_port);
  j["reported_uris"] = Strings(r.reported_uris);
  j["authentication_results"] = Strings(r.authentication_results);
  j["outer_authentication_results"] = Strings(r.outer_authentication_results);
  j["auth_failure"] = OrNull(r.auth_failure);
  j["delivery_result"] = OrNull(r.delivery_result);
  j["dkim_domain"] = OrNull(r.dkim_domain);
  j["dkim_identity"] = OrNull(r.dkim_identity);
  j["dkim_selector"] = OrNull(r.dkim_selector);
  j["spf_dns"] = OrNull(r.spf_dns);
  j["identity_alignment"] = OrNull(r.identity_alignment);
  j["report_subject"] = OrNull(r.report_subject);
  j["report_message_id"] = OrNull(r.report_message_id);
  return j;
}

std::string ReportToJsonLine(const Report& report, std::string_view source) {
  return ReportToJson(report, source).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace fbl
