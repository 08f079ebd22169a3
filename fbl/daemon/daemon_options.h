// Options of the daemon process itself; read from [daemon] (fbl/config/read_daemon.cpp).
#pragma once

#include <string>

namespace fbl {

struct DaemonOptions {
  // This instance's name among several fbld processes sharing one database (outbox claims,
  // Store::ClaimOutbox). Must be unique among the instances running at the same time.
  // "" = "<hostname>:<pid>" (unique, and a restarted process is a new instance).
  std::string instance_id;  // at most 128 printable ASCII characters
};

}  // namespace fbl
