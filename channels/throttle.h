// A provider's request budget: a token bucket of `rate` requests a second holding at most `burst`
// (so a quiet provider may take a short burst at once, and a long fan-out runs at `rate`). Time is
// an input (real time, never the scaled plan clock: a provider's limits are in real seconds).
// Not thread-safe: the dispatcher's thread owns it.
#pragma once

#include <chrono>
#include <cstddef>

namespace jiaoying {

using Instant = std::chrono::steady_clock::time_point;

class TokenBucket {
 public:
  // rate <= 0: unlimited. burst < 1 is taken as 1.
  TokenBucket(double rate_per_second, double burst);

  bool unlimited() const { return rate_ <= 0; }
  double rate() const { return rate_; }
  // Whole requests that may start now.
  size_t available(Instant now);
  // Spends `n` requests now (may go below zero: the debt is paid before the next one).
  void take(size_t n, Instant now);
  // When `n` requests will be available (now if they already are).
  Instant when_available(size_t n, Instant now);

 private:
  void refill(Instant now);

  double rate_;
  double burst_;
  double tokens_;
  Instant last_{};
  bool started_ = false;
};

}  // namespace jiaoying
