// The systemd service-manager notification protocol (sd_notify(3)) for fbld under Type=notify.
// Every function is a no-op when NOTIFY_SOCKET is not set (fbld started by hand, in tests, or by
// another supervisor), so callers never need to check. With libsystemd (FBL_HAVE_SYSTEMD) the
// library does the work; without it the datagram is written here (the protocol is one line of
// text to a UNIX datagram socket). Failures are ignored: a missing manager must not stop fbld.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace fbl {

// "READY=1": start-up is finished (config read, database open, listeners bound).
void NotifyReady();
// "STOPPING=1": a clean shutdown has begun.
void NotifyStopping();
// "STATUS=<text>": one line shown by `systemctl status`. Control bytes are replaced.
void NotifyStatus(std::string_view status);
// "RELOADING=1" before and READY=1 after re-reading the configuration (SIGHUP).
void NotifyReloading();
// How often to call NotifyWatchdog(): half of WATCHDOG_USEC, or nullopt when the manager did
// not ask for a watchdog (WatchdogSec= unset, or WATCHDOG_PID names another process).
std::optional<std::chrono::microseconds> WatchdogInterval();
// "WATCHDOG=1": the main loop is alive. Call it from the io_context, never from a side thread,
// so that a stuck loop stops the pings and systemd restarts fbld.
void NotifyWatchdog();

}  // namespace fbl
