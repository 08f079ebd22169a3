#include "tests/soak/soak_faults.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

namespace fbl::soak {

namespace fs = std::filesystem;

FbldRunner::FbldRunner(fs::path binary, fs::path config, fs::path log)
    : binary_(std::move(binary)), config_(std::move(config)), log_(std::move(log)) {}

bool FbldRunner::Start() {
  ++starts_;
  return process_.Start({binary_.string(), "--config", config_.string()}, log_.string());
}

void FbldRunner::Kill9() { process_.Kill9(); }

int FbldRunner::Stop() {
  int status = process_.Stop(SIGTERM, std::chrono::seconds(60));
  if (status < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool FbldRunner::ExitedUnexpectedly(std::string* how) {
  if (process_.pid() <= 0) return false;
  siginfo_t info{};
  // WNOWAIT: read how it ended, leave the reaping to Process.
  if (waitid(P_PID, static_cast<id_t>(process_.pid()), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != process_.pid()) {
    return false;
  }
  *how = info.si_code == CLD_EXITED ? "exit " + std::to_string(info.si_status)
                                    : "signal " + std::to_string(info.si_status);
  process_.running();  // reaps
  return true;
}

TmpfsMount::TmpfsMount(fs::path dir, const std::string& size) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  std::string data = "size=" + size + ",mode=0755";
  if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0) {
    error_ = std::string("mount tmpfs on ") + dir_.string() + ": " + std::strerror(errno);
    return;
  }
  ok_ = true;
}

TmpfsMount::~TmpfsMount() {
  if (ok_) umount2(dir_.c_str(), MNT_DETACH);
}

bool DiskFiller::Fill() {
  int fd = open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return false;
  struct statvfs st {};
  if (fstatvfs(fd, &st) == 0 && st.f_bavail > 0) {
    off_t free_bytes = static_cast<off_t>(st.f_bavail) * static_cast<off_t>(st.f_frsize);
    if (fallocate(fd, 0, 0, free_bytes) != 0) {
      // Some space went meanwhile: fill what is left with writes below.
    }
  }
  std::vector<char> block(4096, 'x');
  lseek(fd, 0, SEEK_END);
  while (write(fd, block.data(), block.size()) > 0) {
  }
  bool full = errno == ENOSPC;
  while (write(fd, block.data(), 1) > 0) {
  }
  close(fd);
  return full;
}

void DiskFiller::Release() {
  std::error_code ec;
  fs::remove(file_, ec);
}

DbLocker::DbLocker() = default;
DbLocker::~DbLocker() { Unlock(); }

bool DbLocker::Lock(const std::string& db, std::string* error) {
  try {
    db_ = std::make_unique<SQLite::Database>(db, SQLite::OPEN_READWRITE, 60000);
    db_->exec("BEGIN EXCLUSIVE");
    return true;
  } catch (const SQLite::Exception& e) {  // third-party boundary: reported, not swallowed
    *error = e.what();
    db_.reset();
    return false;
  }
}

void DbLocker::Unlock() {
  if (!db_) return;
  try {
    db_->exec("COMMIT");
  } catch (const SQLite::Exception&) {
    // Closing the connection below rolls the empty transaction back anyway.
  }
  db_.reset();
}

long ReadStatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  std::string prefix = field + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return -1;
}

std::string MessageIdOf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(16384, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find('\n', pos);
    if (eol == std::string::npos) eol = head.size();
    std::string line = head.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;  // end of the header block
    if (line.size() > 11 && strncasecmp(line.c_str(), "message-id:", 11) == 0) {
      std::string v = line.substr(11);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
    pos = eol + 1;
  }
  return "";
}

std::vector<fs::path> MaildirFiles(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (fs::directory_iterator it(folder / sub, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file()) out.push_back(it->path());
    }
  }
  return out;
}

}  // namespace fbl::soak
