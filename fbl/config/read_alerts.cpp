#include "fbl/config/sections.h"

namespace fbl {

namespace {

void ReadWindowLimits(ConfigReader r, WindowLimits* out) {
  r.Int("per_minute", &out->per_minute, 0, 10000000);
  r.Int("per_10_minutes", &out->per_10_minutes, 0, 10000000);
  r.Int("per_hour", &out->per_hour, 0, 10000000);
  r.Int("per_day", &out->per_day, 0, 100000000);
  r.RejectUnknownKeys();
}

void ReadAction(ConfigReader& r, AlertAction* out) {
  std::string name = AlertActionName(*out);
  r.Enum("action", &name, {"alert", "hold", "defer_if_permit", "reject"});
  ParseAlertAction(name, out);
}

void ReadDetectors(ConfigReader& r, DetectorOptions* d, AlertNotifyOptions* notify) {
  r.Int("learning_hours", &d->learning_hours, 1, 2160);
  ReadWindowLimits(r.Table("cold_caps"), &d->cold_caps);
  ReadWindowLimits(r.Table("floors"), &d->floors);
  r.Double("multiplier", &d->multiplier, 1, 100);
  r.Double("peak_half_life_days", &d->peak_half_life_days, 0.5, 365);
  r.Double("profile_alpha", &d->profile_alpha, 0.01, 1);
  r.Double("off_hours_share", &d->off_hours_share, 0, 1);
  r.Int("off_hours_max", &d->off_hours_max, 1, 100000);
  r.Int("ips_floor", &d->ips_floor, 1, 100000);
  r.Double("ips_multiplier", &d->ips_multiplier, 1, 100);
  r.Int("new_recipient_messages", &d->new_recipient_messages, 1, 100000);
  r.Double("new_recipient_ratio", &d->new_recipient_ratio, 0, 1);
  r.Int("new_recipient_domains", &d->new_recipient_domains, 1, 100000);
  r.Int("known_recipients_max", &d->known_recipients_max, 16, 1000000);
  r.Int("bounce_min", &d->bounce_min, 1, 100000);
  r.Double("bounce_ratio", &d->bounce_ratio, 0, 1);
  r.Int("realert_seconds", &d->realert_seconds, 0, 604800);
  ReadAction(r, &d->action);
  r.String("admin_email", &notify->admin_email, 320);
  r.String("webhook_url", &notify->webhook_url, 2048);
  for (ConfigReader& b : r.TableArray("bulk_sender")) {
    BulkSenderOptions bulk;
    b.String("account", &bulk.account, 320);
    if (bulk.account.empty()) b.Fail("account", "is required");
    b.Int("per_minute", &bulk.limits.per_minute, 0, 10000000);
    b.Int("per_10_minutes", &bulk.limits.per_10_minutes, 0, 10000000);
    b.Int("per_hour", &bulk.limits.per_hour, 0, 10000000);
    b.Int("per_day", &bulk.limits.per_day, 0, 100000000);
    b.RejectUnknownKeys();
    d->bulk_senders.push_back(std::move(bulk));
  }
  r.RejectUnknownKeys();
}

void ReadPolicy(ConfigReader& r, PolicyOptions* p) {
  r.Bool("enabled", &p->enabled);
  r.String("listen_tcp", &p->listen_tcp, 256);
  r.String("listen_unix", &p->listen_unix, 107);
  r.Int("unix_mode", &p->unix_mode, 0, 0777);
  r.Size("max_line_bytes", &p->max_line_bytes, 64, 1 << 20);
  r.Size("max_attributes", &p->max_attributes, 1, 10000);
  r.Size("max_request_bytes", &p->max_request_bytes, 256, 16 << 20);
  r.Int("idle_timeout_seconds", &p->idle_timeout_seconds, 1, 86400);
  r.Int("max_connections", &p->max_connections, 1, 100000);
  r.Int("threads", &p->threads, 1, 64);
  r.String("error_action", &p->error_action, 512);
  r.String("hold_text", &p->hold_text, 512);
  r.String("defer_text", &p->defer_text, 512);
  r.String("reject_text", &p->reject_text, 512);
  r.Int("state_save_seconds", &p->state_save_seconds, 1, 86400);
  if (p->error_action.empty()) r.Fail("error_action", "must not be empty (DUNNO keeps mail flowing)");
  for (const std::string* t : {&p->error_action, &p->hold_text, &p->defer_text, &p->reject_text}) {
    if (t->find_first_of("\r\n") != std::string::npos) r.Fail("error_action", "texts must be one line");
  }
  if (p->enabled && p->listen_tcp.empty() && p->listen_unix.empty()) {
    r.Fail("listen_tcp", "policy.enabled needs listen_tcp or listen_unix");
  }
  r.RejectUnknownKeys();
}

}  // namespace

void ReadAlertsOptions(ConfigReader& root, AlertsOptions* out) {
  ConfigReader policy = root.Table("policy");
  ReadPolicy(policy, &out->policy);
  ConfigReader detectors = root.Table("detectors");
  ReadDetectors(detectors, &out->detectors, &out->notify);
  ConfigReader maillog = root.Table("maillog");
  maillog.String("path", &out->maillog.path);
  maillog.Int("poll_milliseconds", &out->maillog.poll_milliseconds, 10, 60000);
  maillog.Int("year", &out->maillog.year, 0, 9999);
  maillog.Bool("start_at_end", &out->maillog.start_at_end);
  maillog.RejectUnknownKeys();
}

}  // namespace fbl
