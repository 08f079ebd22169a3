#include "fbl/notify/maildir_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace fbl::notify {

namespace {

namespace fs = std::filesystem;

Error IoFailure(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(err));
}

Status WriteAllAndSync(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return IoFailure("open " + path, errno);
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return IoFailure("write " + path, err);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return IoFailure("fsync " + path, err);
  }
  if (::close(fd) != 0) return IoFailure("close " + path, errno);
  return OkStatus();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoFailure("open " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? OkStatus() : Status(IoFailure("fsync " + dir, err));
}

}  // namespace

Status WriteToMaildir(const std::string& dir, std::string_view unique, std::string_view message) {
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) {
    fs::create_directories(fs::path(dir) / sub, ec);
    if (ec) return MakeError(ErrorCode::kIo, "create " + dir + "/" + sub + ": " + ec.message());
  }
  static std::atomic<unsigned> counter{0};
  std::string name = std::to_string(std::time(nullptr)) + ".P" + std::to_string(::getpid()) + "Q" +
                     std::to_string(counter++) + ".";
  for (char c : unique) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') name += c;
  }
  std::string tmp = (fs::path(dir) / "tmp" / name).string();
  std::string dest = (fs::path(dir) / "new" / name).string();
  if (Status s = WriteAllAndSync(tmp, message); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), dest.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return IoFailure("rename into " + dest, err);
  }
  return SyncDirectory((fs::path(dir) / "new").string());
}

}  // namespace fbl::notify
