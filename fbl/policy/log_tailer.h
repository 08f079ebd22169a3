// Follows a growing log file the way `tail -F` does: complete lines only, across rotation
// (the path now names a new inode: the old file is read to its end first) and truncation
// (the file shrank below our offset: start again at 0). No threads, no clock: call Poll().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parsers/result.h"

namespace fbl {

class LogTailer {
 public:
  // `start_at_end`: skip what the file holds at the first open (a daemon's first start).
  LogTailer(std::string path, bool start_at_end, std::size_t max_line_bytes = 16 * 1024);
  ~LogTailer();
  LogTailer(const LogTailer&) = delete;
  LogTailer& operator=(const LogTailer&) = delete;

  // Appends up to `max_lines` new complete lines (without '\n') to *out. A missing file is not
  // an error (it may be between rotation steps). Lines longer than max_line_bytes are cut.
  Status Poll(std::vector<std::string>* out, std::size_t max_lines = 10000);
  // Why the file could not be opened ("cannot open PATH: Permission denied"), once per
  // distinct reason while no file is open: Poll keeps retrying silently, and the caller logs
  // this so that a wrong path or a missing permission does not go unnoticed. nullopt when
  // there is nothing new to say; cleared when an open succeeds.
  std::optional<std::string> TakeOpenProblem();
  std::int64_t rotations() const { return rotations_; }

 private:
  bool Open(bool at_end);
  void ReadAvailable(std::vector<std::string>* out, std::size_t max_lines);

  std::string path_;
  bool start_at_end_;
  std::size_t max_line_bytes_;
  int fd_ = -1;
  ino_t inode_ = 0;
  dev_t device_ = 0;
  off_t offset_ = 0;
  std::string partial_;
  bool first_open_ = true;
  int open_errno_ = 0;             // errno of the last failed open; 0 after a success
  bool open_problem_told_ = true;  // open_errno_ already handed out by TakeOpenProblem
  std::int64_t rotations_ = 0;
};

}  // namespace fbl
