#include "fbl/policy/log_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fbl {

LogTailer::LogTailer(std::string path, bool start_at_end, std::size_t max_line_bytes)
    : path_(std::move(path)), start_at_end_(start_at_end), max_line_bytes_(max_line_bytes) {}

LogTailer::~LogTailer() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogTailer::Open(bool at_end) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != open_errno_) open_problem_told_ = false;
    open_errno_ = errno;
    return false;
  }
  open_errno_ = 0;
  open_problem_told_ = true;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  inode_ = st.st_ino;
  device_ = st.st_dev;
  offset_ = at_end ? st.st_size : 0;
  partial_.clear();
  return true;
}

void LogTailer::ReadAvailable(std::vector<std::string>* out, std::size_t max_lines) {
  char buf[65536];
  while (out->size() < max_lines) {
    ssize_t n = ::pread(fd_, buf, sizeof(buf), offset_);
    if (n <= 0) return;
    offset_ += n;
    std::size_t start = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      if (buf[i] != '\n') continue;
      partial_.append(buf + start, i - start);
      out->push_back(std::move(partial_));
      partial_.clear();
      start = i + 1;
    }
    std::size_t rest = static_cast<std::size_t>(n) - start;
    if (partial_.size() < max_line_bytes_) {
      partial_.append(buf + start, std::min(rest, max_line_bytes_ - partial_.size()));
    }
  }
}

Status LogTailer::Poll(std::vector<std::string>* out, std::size_t max_lines) {
  if (fd_ < 0) {
    if (!Open(first_open_ && start_at_end_)) return OkStatus();
    first_open_ = false;
  }
  ReadAvailable(out, max_lines);
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return OkStatus();  // mid-rotation: keep the old file
  if (st.st_ino != inode_ || st.st_dev != device_) {
    ReadAvailable(out, max_lines);  // the rest of the rotated file first
    if (Open(false)) ++rotations_;
    ReadAvailable(out, max_lines);
  } else if (st.st_size < offset_) {
    offset_ = 0;  // truncated in place (copytruncate)
    partial_.clear();
    ++rotations_;
    ReadAvailable(out, max_lines);
  }
  return OkStatus();
}

std::optional<std::string> LogTailer::TakeOpenProblem() {
  if (open_problem_told_ || open_errno_ == 0) return std::nullopt;
  open_problem_told_ = true;
  return "cannot open " + path_ + ": " + std::strerror(open_errno_);
}

}  // namespace fbl
