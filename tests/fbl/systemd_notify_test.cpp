#include "fbl/daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace fbl {
namespace {

// A UNIX datagram socket standing in for the service manager, named by NOTIFY_SOCKET.
class NotifySocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(path_.size(), sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path_.c_str(), path_.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    if (fd_ >= 0) ::close(fd_);
  }
  std::string Receive() {
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
  }
  bool NothingWaiting() {
    char buf[16];
    return ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT) < 0;
  }

  fbl::testing::TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(NotifySocketTest, ReadySendsReadyOne) {
  NotifyReady();
  EXPECT_EQ(Receive(), "READY=1");
}

TEST_F(NotifySocketTest, StoppingAndWatchdogSendTheirStates) {
  NotifyStopping();
  EXPECT_EQ(Receive(), "STOPPING=1");
  NotifyWatchdog();
  EXPECT_EQ(Receive(), "WATCHDOG=1");
  NotifyReloading();
  EXPECT_EQ(Receive(), "RELOADING=1");
}

TEST_F(NotifySocketTest, StatusReplacesControlBytesSoItStaysOneLine) {
  NotifyStatus("polling\nREADY=1");
  EXPECT_EQ(Receive(), "STATUS=polling READY=1");
}

TEST_F(NotifySocketTest, WatchdogIntervalIsHalfOfWatchdogUsec) {
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  auto interval = WatchdogInterval();
  ASSERT_TRUE(interval.has_value());
  EXPECT_EQ(interval->count(), 15000000);
}

TEST_F(NotifySocketTest, WatchdogMeantForAnotherProcessIsIgnored) {
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_FALSE(WatchdogInterval().has_value());
}

TEST_F(NotifySocketTest, NoWatchdogWithoutWatchdogUsec) {
  EXPECT_FALSE(WatchdogInterval().has_value());
  ::setenv("WATCHDOG_USEC", "garbage", 1);
  EXPECT_FALSE(WatchdogInterval().has_value());
}

TEST_F(NotifySocketTest, EverythingIsSilentWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  NotifyReady();
  NotifyStatus("x");
  NotifyWatchdog();
  EXPECT_FALSE(WatchdogInterval().has_value());
  EXPECT_TRUE(NothingWaiting());
}

}  // namespace
}  // namespace fbl
