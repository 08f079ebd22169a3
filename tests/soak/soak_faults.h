// The faults the soak injects into a running fbld, each a small RAII object:
//   FbldRunner   fbld as a supervised child: start, SIGKILL, SIGTERM, unexpected exits.
//   TmpfsMount   a size-limited tmpfs for the database directory (REQUIRES root).
//   DiskFiller   fills that tmpfs to the last byte (ENOSPC for fbld), frees it on Release.
//   DbLocker     another connection holding BEGIN EXCLUSIVE on the SQLite database.
// plus the RSS reader (/proc/PID/status) and the Maildir scanner the checks use.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/process.h"

namespace SQLite {
class Database;
}

namespace fbl::soak {

class FbldRunner {
 public:
  FbldRunner(std::filesystem::path binary, std::filesystem::path config, std::filesystem::path log);

  bool Start();
  void Kill9();
  // SIGTERM and wait; the exit code, or -1 when it did not exit normally in time.
  int Stop();
  // True once per exit that nobody asked for; *how describes it ("exit 75", "signal 6").
  bool ExitedUnexpectedly(std::string* how);
  bool running() { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  int starts() const { return starts_; }

 private:
  std::filesystem::path binary_;
  std::filesystem::path config_;
  std::filesystem::path log_;
  testing::Process process_;
  int starts_ = 0;
};

class TmpfsMount {
 public:
  // Creates `dir` and mounts a tmpfs of `size` ("256m", "2g") on it. ok() says whether it worked.
  TmpfsMount(std::filesystem::path dir, const std::string& size);
  ~TmpfsMount();  // lazy unmount
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
  std::string error_;
};

class DiskFiller {
 public:
  explicit DiskFiller(std::filesystem::path file) : file_(std::move(file)) {}
  ~DiskFiller() { Release(); }
  // Allocates every free byte of the file system holding `file`; true when it is then full.
  bool Fill();
  void Release();

 private:
  std::filesystem::path file_;
};

class DbLocker {
 public:
  DbLocker();
  ~DbLocker();
  // Opens `db` and takes BEGIN EXCLUSIVE (waiting up to 60 s for fbld's transactions).
  bool Lock(const std::string& db, std::string* error);
  void Unlock();

 private:
  std::unique_ptr<SQLite::Database> db_;
};

// A field of /proc/PID/status in KiB ("VmRSS", "RssAnon"); -1 when unreadable.
long ReadStatusKib(pid_t pid, const std::string& field);

// The "Message-ID" header of a message file (first 16 KiB), "" when absent.
std::string MessageIdOf(const std::filesystem::path& file);
// Message files of a Maildir folder (new/ and cur/).
std::vector<std::filesystem::path> MaildirFiles(const std::filesystem::path& folder);

}  // namespace fbl::soak
