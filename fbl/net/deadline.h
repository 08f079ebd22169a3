// The deadline of a server connection, moved at every step (waiting for a request, reading it,
// writing the answer) without a timer operation per step.
//
// Re-arming an asio timer cancels its pending wait, which queues an extra completion and
// reorders the timer heap, for every request. Instead the one timer wakes at most `granularity`
// after it was armed (or at the deadline, if sooner); a wake-up before the deadline re-arms it,
// and a wake-up past the deadline calls on_expired. A deadline moved later, or moved to at
// least `granularity` from now, therefore costs nothing; only one moved earlier than the
// pending wake-up re-arms the timer. Choose `granularity` <= the shortest timeout the
// connection uses, so that steps never re-arm.
//
// Not thread-safe: use on the timer's executor (the connection's thread) only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace fbl::net {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::time_point kNever = Clock::time_point::max();

  // on_expired runs on `executor` when the deadline passes, and only while `owner` (the object
  // that holds this Deadline) is alive; the pending wait holds no reference to it.
  // REQUIRES: granularity > 0.
  Deadline(const boost::asio::any_io_executor& executor, Clock::duration granularity,
           std::weak_ptr<void> owner, std::function<void()> on_expired);
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The connection expires at `at`; kNever: not until moved again (e.g. while it is busy).
  void MoveTo(Clock::time_point at);
  void ExpireAfter(Clock::duration d) { MoveTo(Clock::now() + d); }
  // No expiry, and the pending wait ends (call when the connection closes).
  void Cancel();

  Clock::time_point deadline() const { return deadline_; }

 private:
  void Arm(Clock::time_point wake);
  void OnWake(std::uint64_t generation);

  boost::asio::steady_timer timer_;
  Clock::duration granularity_;
  std::weak_ptr<void> owner_;
  std::function<void()> on_expired_;
  Clock::time_point deadline_ = kNever;
  Clock::time_point wake_ = kNever;  // when the pending wait ends; kNever: none pending
  std::uint64_t generation_ = 0;     // of the pending wait; older completions are ignored
};

}  // namespace fbl::net
