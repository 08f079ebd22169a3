// fbld as a child of the test: a generated config in a temp dir (store, Maildir, outbox,
// API on a free loopback port), start, wait for the API port, deliver mail, stop.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "tests/testing/process.h"

namespace fbl::testing {

struct FbldSettings {
  // Trust of the demo providers (yahoo, aol): "none" or "authentication-results".
  std::string provider_trust = "none";
  std::string authserv_id = "mx.fbl.test";
  std::string log_level = "debug";
  // [notify] transport: "maildir" (into dir/outbox) or "off" (outbox rows stay queued, so
  // tests can count them).
  std::string notify_transport = "maildir";
  std::string extra_toml;  // appended to the generated config (keys before a table: [notify])
  // The SQLite database file; "" = dir/fbl.db. Several instances may share one.
  std::string store_path;
  // More [store] lines, e.g. "backend = \"postgresql\"\ndsn = \"...\"\n".
  std::string store_toml;
};

class Fbld {
 public:
  // REQUIRES: `dir` exists and outlives this object.
  explicit Fbld(std::filesystem::path dir, FbldSettings settings = {});
  ~Fbld();  // stops fbld if still running

  // The generated configuration text (written to config_path() by Start and WriteConfig).
  std::string ConfigText() const;
  void WriteConfig() const;
  // Writes the config, starts fbld and waits (bounded) for the API port.
  bool Start();
  // Sends `sig` and returns the exit code (-1 when it did not exit normally in time).
  int Stop(int sig = 15);
  void Signal(int sig);
  // SIGKILL (no clean-up in fbld) and reap; the next Start() is a fresh process.
  void Kill9() { process_.Kill9(); }
  bool running() { return process_.running(); }

  // Maildir delivery: tmp/NAME, then rename into new/.
  void Deliver(std::string_view name, std::string_view content) const;

  // GET http://127.0.0.1:port/path with curl; returns the HTTP status, body into *body.
  int HttpGet(const std::string& path, std::string* body) const;
  // fblctl with args, --config appended; returns its exit code, stdout+stderr into *output.
  int Fblctl(std::vector<std::string> args, std::string* output) const;

  int port() const { return port_; }
  std::filesystem::path maildir() const { return dir_ / "postmaster"; }
  std::filesystem::path config_path() const { return dir_ / "fbld.toml"; }
  std::filesystem::path log_path() const { return dir_ / "fbld.log"; }
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  FbldSettings settings_;
  int port_;
  Process process_;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes (for a real server's
// asynchronous work; never a substitute for an injected clock).
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Number of regular files directly in `dir` (0 when absent).
int CountFiles(const std::filesystem::path& dir);

}  // namespace fbl::testing
