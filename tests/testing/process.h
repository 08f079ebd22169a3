// Child processes for integration tests: servers and the daemon, started and stopped here.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace fbl::testing {

class Process {
 public:
  Process() = default;
  ~Process();  // SIGTERM, then SIGKILL after 5 s
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;

  // Starts argv[0] (a path) in its own session, stdout+stderr appended to `log_path`
  // ("" = /dev/null). Extra environment entries "K=V" are added to the current environment.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path = "",
             const std::vector<std::string>& env = {}, const std::string& cwd = "");
  bool running();
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits up to `timeout` for exit. Returns the wait status, or -1.
  int Stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Kill9();  // SIGKILL the whole process group and reap

 private:
  pid_t pid_ = -1;
};

// Polls until something accepts on 127.0.0.1:port or the timeout passes.
bool WaitForPort(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Runs a command to completion (argv[0] looked up on PATH); returns its exit code, -1 on
// failure to start; stdout (and stderr when merge) into *output if given.
int RunCommand(const std::vector<std::string>& argv, std::string* output = nullptr,
               bool merge_stderr = true, const std::string& stdin_data = "");

}  // namespace fbl::testing
