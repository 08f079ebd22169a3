// Options of the mail sources; read from [[maildir]], [[imap]] (fbl/config/read_sources.cpp).
#pragma once

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
struct ImapSourceOptions {
  std::string name;                          // label for logs/metrics, e.g. "postmaster"
  std::string host;
  int port = 993;
  std::string tls = "implicit";              // implicit | starttls
  std::string user;
  std::string password;                      // via password / password_env / password_file
  std::vector<std::string> mailboxes = {"INBOX"};
};

struct SourcesOptions {
  std::vector<MaildirSourceOptions> maildirs;
  std::vector<ImapSourceOptions> imaps;
};

}  // namespace fbl
