// Options of client notifications; read from [notify] (fbl/config/read_notify.cpp).
// Per-client policy (immediate | digest | off | webhook, digest window, webhook URL and secret)
// lives in ClientOptions (fbl/pipeline/pipeline_options.h).
#pragma once

#include <cstddef>
#include <string>

namespace fbl {

struct SmtpOptions {
  std::string host = "127.0.0.1";
  int port = 587;  // [1, 65535]
  // "starttls" (default: the server must offer STARTTLS or nothing is sent), "implicit"
  // (TLS from the first byte, port 465), "none" (plain text: refused unless `host` is a
  // loopback address — for tests against a local sink only).
  std::string tls = "starttls";
  bool verify_peer = true;      // verify the server certificate and host name
  std::string ca_file;          // extra trusted CA (PEM); "" = the system store only
  std::string helo_name = "localhost";  // name sent in EHLO
  std::string user;             // AUTH PLAIN user; "" = no AUTH
  std::string password;         // secret: password / password_env / password_file
  int connect_timeout_ms = 10000;  // [100, 600000]
  int command_timeout_ms = 30000;  // [100, 600000] per command and reply
  int data_timeout_ms = 120000;    // [100, 3600000] the message body and its final reply
  int max_messages_per_connection = 100;  // [1, 10000] one connection reused for a batch
};

struct WebhookOptions {
  int timeout_ms = 15000;          // [100, 600000] connect + request + response
  std::string ca_file;             // extra trusted CA (PEM) for https URLs
  bool verify_peer = true;
  std::size_t max_response_bytes = 64 * 1024;  // [1 KiB, 16 MiB] the rest is an error
};

struct NotifyOptions {
  // "maildir": notifications are written to `maildir` (the embedded default);
  // "smtp": sent through [notify.smtp]; "off": queued and never sent.
  std::string transport = "maildir";
  std::string maildir = "var/outbox";
  std::string from = "postmaster@localhost";
  std::string admin_email;  // untrusted/unattributed reports and alerts; "" = none
  // Domain of generated Message-IDs (digests); "" = the domain of `from`.
  std::string message_id_domain;
  // Default digest window of clients that do not set their own (minutes).  [1, 10080]
  int digest_window_minutes = 60;
  int poll_interval_ms = 5000;       // [50, 3600000] how often the outbox is drained
  int batch_size = 100;              // [1, 10000] rows taken per drain
  int max_attempts = 12;             // [1, 1000] then the row is marked failed
  int retry_initial_seconds = 60;    // [1, 86400] first retry delay (then doubling, jitter)
  int retry_max_seconds = 3600;      // [1, 604800] retry delay cap
  std::size_t max_digest_items = 500;  // [1, 100000] complaints listed in one digest
  // Rows taken by a drain are claimed for this long (Store::ClaimOutbox): another instance
  // takes them over only after it, so it must exceed a drain. A drain that has run for half
  // of it stops and takes the rest again with a fresh lease.  [5, 86400]
  int claim_lease_seconds = 300;
  SmtpOptions smtp;
  WebhookOptions webhook;
};

}  // namespace fbl
