#include "fbl/config/sections.h"

namespace fbl {

namespace {

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void ReadSmtpOptions(ConfigReader& root, SmtpOptions* out) {
  ConfigReader r = root.Table("smtp");
  r.String("host", &out->host, 255);
  r.Int("port", &out->port, 1, 65535);
  r.Enum("tls", &out->tls, {"starttls", "implicit", "none"});
  r.Bool("verify_peer", &out->verify_peer);
  r.String("ca_file", &out->ca_file);
  r.String("helo_name", &out->helo_name, 255);
  r.String("user", &out->user, 512);
  r.Secret("password", &out->password);
  r.Int("connect_timeout_ms", &out->connect_timeout_ms, 100, 600000);
  r.Int("command_timeout_ms", &out->command_timeout_ms, 100, 600000);
  r.Int("data_timeout_ms", &out->data_timeout_ms, 100, 3600000);
  r.Int("max_messages_per_connection", &out->max_messages_per_connection, 1, 10000);
  if (out->host.empty()) r.Fail("host", "must not be empty");
  if (out->tls == "none" && !IsLoopbackHost(out->host)) {
    r.Fail("tls", "\"none\" is allowed only for a loopback host (credentials and reports would "
                  "travel in clear text)");
  }
  if (!out->user.empty() && out->password.empty()) r.Fail("password", "required with user");
  r.RejectUnknownKeys();
}

void ReadWebhookOptions(ConfigReader& root, WebhookOptions* out) {
  ConfigReader r = root.Table("webhook");
  r.Int("timeout_ms", &out->timeout_ms, 100, 600000);
  r.String("ca_file", &out->ca_file);
  r.Bool("verify_peer", &out->verify_peer);
  r.Size("max_response_bytes", &out->max_response_bytes, 1024, 16 * 1024 * 1024);
  r.RejectUnknownKeys();
}

}  // namespace

void ReadNotifyOptions(ConfigReader& root, NotifyOptions* out) {
  ConfigReader r = root.Table("notify");
  r.Enum("transport", &out->transport, {"maildir", "smtp", "off"});
  r.String("maildir", &out->maildir);
  r.String("from", &out->from, 254);
  r.String("admin_email", &out->admin_email, 254);
  r.String("message_id_domain", &out->message_id_domain, 253);
  r.Int("digest_window_minutes", &out->digest_window_minutes, 1, 10080);
  r.Int("poll_interval_ms", &out->poll_interval_ms, 50, 3600000);
  r.Int("batch_size", &out->batch_size, 1, 10000);
  r.Int("max_attempts", &out->max_attempts, 1, 1000);
  r.Int("retry_initial_seconds", &out->retry_initial_seconds, 1, 86400);
  r.Int("retry_max_seconds", &out->retry_max_seconds, 1, 604800);
  r.Size("max_digest_items", &out->max_digest_items, 1, 100000);
  r.Int("claim_lease_seconds", &out->claim_lease_seconds, 5, 86400);
  if (out->from.find('@') == std::string::npos) r.Fail("from", "must be an address");
  if (out->retry_max_seconds < out->retry_initial_seconds) {
    r.Fail("retry_max_seconds", "must be >= retry_initial_seconds");
  }
  if (out->transport == "maildir" && out->maildir.empty()) r.Fail("maildir", "must not be empty");
  ReadSmtpOptions(r, &out->smtp);
  ReadWebhookOptions(r, &out->webhook);
  r.RejectUnknownKeys();
}

}  // namespace fbl
