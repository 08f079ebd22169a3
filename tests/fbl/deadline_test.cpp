// net::Deadline on a real io_context. Durations are short and the bounds generous: each test
// tells "fired" from "did not fire", it does not time the timer.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>

#include "fbl/net/deadline.h"

namespace fbl::net {
namespace {

using namespace std::chrono_literals;
using Clock = Deadline::Clock;

class DeadlineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Deadline> Make(Clock::duration granularity) {
    return std::make_unique<Deadline>(ioc_.get_executor(), granularity, owner_, [this] { ++expired_; });
  }

  boost::asio::io_context ioc_;
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);  // stands for the connection
  int expired_ = 0;
};

TEST_F(DeadlineTest, ExpiresOnceWhenTheDeadlinePasses) {
  auto d = Make(10s);
  const auto start = Clock::now();
  d->ExpireAfter(50ms);
  ioc_.run_for(5s);  // returns as soon as no wait is pending
  EXPECT_EQ(expired_, 1);
  EXPECT_GE(Clock::now() - start, 50ms);
}

TEST_F(DeadlineTest, MovingTheDeadlineLaterPostponesTheExpiry) {
  auto d = Make(20ms);  // wakes every 20 ms and sees the deadline moved
  d->ExpireAfter(30ms);
  ioc_.run_for(10ms);
  d->ExpireAfter(10s);
  ioc_.run_for(300ms);
  EXPECT_EQ(expired_, 0);
}

TEST_F(DeadlineTest, MovingTheDeadlineEarlierThanTheWakeUpStillExpiresOnTime) {
  auto d = Make(1h);
  d->ExpireAfter(1h);
  d->ExpireAfter(50ms);
  ioc_.run_for(5s);
  EXPECT_EQ(expired_, 1);
}

TEST_F(DeadlineTest, NeverDoesNotExpireAndALaterDeadlineDoes) {
  auto d = Make(20ms);
  d->ExpireAfter(30ms);
  d->MoveTo(Deadline::kNever);  // busy
  ioc_.run_for(200ms);
  EXPECT_EQ(expired_, 0);
  ioc_.restart();
  d->ExpireAfter(30ms);
  ioc_.run_for(5s);
  EXPECT_EQ(expired_, 1);
}

TEST_F(DeadlineTest, CancelledDeadlineDoesNotExpire) {
  auto d = Make(10s);
  d->ExpireAfter(20ms);
  d->Cancel();
  ioc_.run_for(200ms);
  EXPECT_EQ(expired_, 0);
}

TEST_F(DeadlineTest, NothingRunsOnceTheOwnerIsGone) {
  auto d = Make(10s);
  d->ExpireAfter(20ms);
  owner_.reset();  // the Deadline outlives its owner here; its callback must not run
  ioc_.run_for(200ms);
  EXPECT_EQ(expired_, 0);
}

}  // namespace
}  // namespace fbl::net
