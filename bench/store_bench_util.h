// Shared by bench/store_*.cpp: wall and CPU clocks, the machine line, a scratch directory.
#pragma once

#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fbl::bench {

struct Clock {
  double wall = 0, cpu = 0;
  static Clock Now() {
    timespec w{}, c{};
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    return {w.tv_sec + w.tv_nsec / 1e9, c.tv_sec + c.tv_nsec / 1e9};
  }
  Clock operator-(const Clock& o) const { return {wall - o.wall, cpu - o.cpu}; }
};

inline void PrintMachine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("machine: %s, %ld cpus, load average %.1f\n", model.c_str(), sysconf(_SC_NPROCESSORS_ONLN), load[0]);
}

// A rate measured both ways: wall clock (what a user waits) and process CPU time (what the
// code costs, independent of other processes on a shared machine).
inline void PrintRate(const char* what, double n, const Clock& t, const char* unit) {
  std::printf("%-44s %10.0f %s/s wall (%.2f s)   %10.0f %s/s cpu (%.2f s)\n", what, n / t.wall, unit, t.wall,
              n / t.cpu, unit, t.cpu);
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fbl-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace fbl::bench
