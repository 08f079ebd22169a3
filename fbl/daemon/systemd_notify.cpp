#include "fbl/daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#ifdef FBL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fbl {
namespace {

#ifdef FBL_HAVE_SYSTEMD
void Send(const std::string& state) { sd_notify(0, state.c_str()); }
#else
// The protocol by hand: one datagram to the path in NOTIFY_SOCKET ('@' = abstract namespace).
void Send(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  if (len >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  // A lost datagram only costs a status line or one watchdog ping: nothing to recover.
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr), addr_len);
  ::close(fd);
}
#endif

bool Enabled() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  return path != nullptr && path[0] != '\0';
}

void SendIfEnabled(const std::string& state) {
  if (Enabled()) Send(state);
}

std::optional<long long> ParsePositive(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (*end != '\0' || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

void NotifyReady() { SendIfEnabled("READY=1"); }
void NotifyStopping() { SendIfEnabled("STOPPING=1"); }
void NotifyReloading() { SendIfEnabled("RELOADING=1"); }
void NotifyWatchdog() { SendIfEnabled("WATCHDOG=1"); }

void NotifyStatus(std::string_view status) {
  std::string line = "STATUS=";
  for (char c : status.substr(0, 200)) {
    line.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  SendIfEnabled(line);
}

// Same rules as sd_watchdog_enabled(3), written out so that it also works without libsystemd.
std::optional<std::chrono::microseconds> WatchdogInterval() {
  if (!Enabled()) return std::nullopt;
  const auto usec = ParsePositive(std::getenv("WATCHDOG_USEC"));
  if (!usec) return std::nullopt;
  if (const char* pid_text = std::getenv("WATCHDOG_PID"); pid_text != nullptr) {
    const auto pid = ParsePositive(pid_text);
    if (!pid || *pid != static_cast<long long>(::getpid())) return std::nullopt;
  }
  return std::chrono::microseconds(*usec / 2);
}

}  // namespace fbl
