// Options of the mail sources; read from [[maildir]], [[imap]] (fbl/config/read_sources.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fbl {

struct MaildirSourceOptions {
  std::string path = "var/postmaster";  // a Maildir: new/, cur/, tmp/ (created if missing)
  int poll_interval_ms = 1000;          // [50, 3600000]
  int batch_size = 50;                  // [1, 1000] messages per store transaction
  int retry_max_ms = 60000;             // [100, 3600000] backoff ceiling after a store error
};

// One IMAP account; fields are read in fbl/config/read_imap.cpp (owned by the IMAP source).
// Every mailbox of the account gets its own connection (IDLE watches one mailbox).
struct ImapSourceOptions {
  std::string name;                          // label for logs/metrics, e.g. "postmaster"
  std::string host;
  int port = 993;
  std::string tls = "implicit";              // implicit (993) | starttls (143)
  std::string ca_file;                       // PEM CA bundle; "" = the system trust store
  bool insecure_skip_verify = false;         // accept any certificate (warns at every connect)
  std::string user;
  std::string password;                      // via password / password_env / password_file
  std::string auth = "auto";                 // auto (AUTHENTICATE PLAIN if offered, else LOGIN) | plain | login
  std::vector<std::string> mailboxes = {"INBOX"};
  std::string folder_parent;                 // parent of our folders ("" = namespace root)
  std::string processed_folder = "Processed";
  std::string quarantine_folder = "Quarantine";
  std::string ignored_folder = "Ignored";
  bool use_move = true;                      // UID MOVE when offered (false: COPY+EXPUNGE)
  bool idle = true;                          // IDLE when offered, else poll
  int idle_renew_s = 1500;                   // [60, 1740] re-issue IDLE before 29 min
  int poll_interval_s = 60;                  // [1, 86400] without IDLE
  // [1, 86400] the longest time between two scans of the whole mailbox from UID 1 (every
  // session starts with one): messages below the last UID seen that are still there — left
  // by another instance on the same mailbox that died between fetch and move — are taken.
  int rescan_interval_s = 300;
  int batch_size = 100;                      // [1, 1000] messages per store transaction
  std::size_t max_batch_bytes = 64u << 20;   // [1 MiB, 1 GiB] bodies fetched at once
  std::size_t max_message_bytes = 25u << 20; // [1 KiB, 1 GiB] larger → Quarantine unread
  std::size_t max_line_bytes = 1u << 20;     // [1 KiB, 64 MiB] one server response line
  int connect_timeout_ms = 15000;            // [100, 600000] connect + TLS + greeting
  int command_timeout_ms = 60000;            // [100, 3600000] one command's whole answer
  int fetch_timeout_ms = 300000;             // [100, 3600000] one batch of bodies
  int reconnect_min_ms = 1000;               // [10, 3600000] backoff after an error ...
  int reconnect_max_ms = 300000;             // [10, 3600000] ... doubling up to this
};

struct SourcesOptions {
  std::vector<MaildirSourceOptions> maildirs;
  std::vector<ImapSourceOptions> imaps;
};

}  // namespace fbl
