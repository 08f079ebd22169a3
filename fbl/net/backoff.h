// Capped exponential backoff with full jitter, shared by every client that reconnects or
// retries (IMAP, SMTP, webhooks). Pure: the random source is injected.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace fbl {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  // REQUIRES: 0 < initial <= max
  Backoff(Duration initial, Duration max, std::uint64_t seed = std::random_device{}())
      : initial_(initial), max_(max), rng_(seed) {}

  // The delay before the next attempt: uniform in [ceiling/2, ceiling], where ceiling doubles
  // from `initial` on each call up to `max`.
  Duration Next() {
    Duration ceiling = std::min(max_, initial_ * (std::int64_t{1} << std::min(attempt_, 30)));
    ++attempt_;
    std::uniform_int_distribution<std::int64_t> dist(ceiling.count() / 2, ceiling.count());
    return Duration(dist(rng_));
  }
  void Reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  Duration initial_;
  Duration max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace fbl
