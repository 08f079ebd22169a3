// Options of the mail sources; read from [[maildir]], [[imap]] (fbl/config/read_sources.cpp).
#pragma once

#include <string>
#include <vector>

namespace fbl {

struct MaildirSourceOptions {
  std::string path = "var/postmaster";  // a Maildir: new/, cur/, tmp/ (created if missing)
  int poll_interval_ms = 1000;          // [50, 3600000]
};

struct SourcesOptions {
  std::vector<MaildirSourceOptions> maildirs;
};

}  // namespace fbl
