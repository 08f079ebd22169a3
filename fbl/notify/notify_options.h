// Options of client notifications; read from [notify].
#pragma once

#include <string>

namespace fbl {

struct NotifyOptions {
  // "maildir": notifications are written to `maildir` (until SMTP is configured);
  // "smtp": sent through `smtp_host`; "off": queued and never sent.
  std::string transport = "maildir";
  std::string maildir = "var/outbox";
  std::string from = "postmaster@localhost";
  std::string admin_email;  // untrusted/unattributed reports and alerts; "" = none
};

}  // namespace fbl
