// Which fbld this is, among the instances sharing one database (outbox claims are taken under
// this name: docs/multi-instance.md).
#pragma once

#include <string>

#include "parsers/result.h"

namespace fbl {

// "<hostname>:<8 hex digits of SHA-256 of the absolute config path>": the same after a restart
// (so a restarted fbld takes back at once the outbox rows it had claimed, instead of waiting
// for their lease to run out), different for two instances on one host with their own config
// files.
std::string DefaultInstanceId(const std::string& config_path);

// Makes sure no other process on this host runs under `instance_id`: binds the abstract UNIX
// socket "fbld-instance:<id>", which the kernel releases when this process ends, however it
// ends. Returns the socket (keep it open for the life of the process). kConflict when another
// fbld holds the name (two instances sharing an id would both take the same outbox rows).
Result<int> ClaimInstanceId(const std::string& instance_id);

}  // namespace fbl
