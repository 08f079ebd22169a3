// fbld: one io_context that runs the sources, servers and timers; signals handled on it.
//   SIGTERM/SIGINT: stop accepting, let the current batch finish, stop the components, close
//                   the store, exit 0.
//   SIGHUP:         re-read the config file; apply log level/format, providers, clients and
//                   trust (Pipeline::Reconfigure, Store::SyncClients); log which changed
//                   sections need a restart. A config with errors is rejected and the old
//                   one kept.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fbl/config/config.h"
#include "parsers/result.h"

namespace fbl {

struct DaemonArgs {
  std::string config_path = "/etc/fbl/fbld.toml";
  bool check_config = false;
  bool help = false;
};

// Parses `fbld [--config FILE] [--check-config] [--help]`. kInvalidArgument on bad usage.
Result<DaemonArgs> ParseDaemonArgs(const std::vector<std::string>& args);

// Exit codes (sysexits).
inline constexpr int kExitUsage = 64;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitSoftware = 70;

// Applies [log] to the process-wide logger.
void ApplyLogOptions(const LogOptions& options);

// The names of the sections that differ between `before` and `after` and need a restart.
std::vector<std::string> SectionsNeedingRestart(const Config& before, const Config& after);

class Daemon {
 public:
  explicit Daemon(Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the store and starts every configured component. An error names what failed.
  Status Start();
  // Runs until SIGTERM/SIGINT (or Shutdown()); returns the process exit code.
  int Run();
  // Asks Run() to return after an orderly shutdown. Safe from any thread.
  void Shutdown();
  // Re-reads the configuration file (what SIGHUP does).
  void Reload();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole program: argument parsing, config loading (errors → stderr, exit 78), the daemon.
int FbldMain(int argc, char** argv);

}  // namespace fbl
