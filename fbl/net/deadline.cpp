#include "fbl/net/deadline.h"

#include <algorithm>

namespace fbl::net {

Deadline::Deadline(const boost::asio::any_io_executor& executor, Clock::duration granularity,
                   std::weak_ptr<void> owner, std::function<void()> on_expired)
    : timer_(executor), granularity_(granularity), owner_(std::move(owner)), on_expired_(std::move(on_expired)) {}

void Deadline::MoveTo(Clock::time_point at) {
  deadline_ = at;
  if (wake_ <= at) return;  // the pending wake-up comes first and re-arms for the rest (or,
                            // at == kNever, nothing is pending and nothing is waited for)
  Arm(std::min(at, Clock::now() + granularity_));
}

void Deadline::Cancel() {
  deadline_ = kNever;
  wake_ = kNever;
  ++generation_;
  timer_.cancel();
}

void Deadline::Arm(Clock::time_point wake) {
  wake_ = wake;
  const std::uint64_t generation = ++generation_;
  timer_.expires_at(wake);  // cancels a pending wait: its completion is ignored (generation)
  timer_.async_wait([this, owner = owner_, generation](const boost::system::error_code& ec) {
    auto alive = owner.lock();
    if (!alive || ec == boost::asio::error::operation_aborted) return;
    OnWake(generation);
  });
}

void Deadline::OnWake(std::uint64_t generation) {
  if (generation != generation_) return;  // re-armed or cancelled since
  wake_ = kNever;
  if (deadline_ == kNever) return;
  const Clock::time_point now = Clock::now();
  if (now >= deadline_) return on_expired_();
  Arm(std::min(deadline_, now + granularity_));
}

}  // namespace fbl::net
