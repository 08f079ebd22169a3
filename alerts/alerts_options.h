// Options of outbound-rate detection, the policy service and the maillog follower;
// read from [policy], [detectors], [maillog] (fbl/config/read_alerts.cpp).
#pragma once

#include <string>

namespace fbl {

struct PolicyOptions {
  bool enabled = false;
  std::string listen_tcp = "127.0.0.1:10040";  // "" disables TCP
  std::string listen_unix;                      // "" disables the UNIX socket
};

struct MaillogOptions {
  std::string path;  // "" disables the follower
};

struct AlertsOptions {
  PolicyOptions policy;
  MaillogOptions maillog;
};

}  // namespace fbl
