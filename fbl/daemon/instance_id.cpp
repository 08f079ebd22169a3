#include "fbl/daemon/instance_id.h"

#include <openssl/sha.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace fbl {

std::string DefaultInstanceId(const std::string& config_path) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::strcpy(host, "localhost");
  std::error_code ec;
  std::string path = std::filesystem::absolute(config_path, ec).lexically_normal().string();
  if (ec) path = config_path;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(path.data()), path.size(), digest);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
  return std::string(host) + ":" + hex;
}

Result<int> ClaimInstanceId(const std::string& instance_id) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string name = "fbld-instance:" + instance_id;
  if (name.size() + 1 > sizeof(addr.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "instance id too long for a socket name");
  }
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeError(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EADDRINUSE) {
      return MakeError(ErrorCode::kConflict, "another fbld on this host runs as instance '" + instance_id +
                                                 "': give each instance its own [daemon] instance_id");
    }
    return MakeError(ErrorCode::kIo, std::string("binding the instance name: ") + std::strerror(err));
  }
  return fd;
}

}  // namespace fbl
