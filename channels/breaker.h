// A circuit breaker per provider: after `failures` failed requests in a row (transport errors,
// 5xx, timeouts — not refusals of one message, not rate limits) it opens and nothing is sent to
// that provider for `cool_down`; then one probe request goes (half-open): success closes it,
// failure opens it again for twice as long (up to `max_cool_down`). While it is open the medium's
// next provider takes the traffic (failover), and the duty officer is told. Time is an input
// (real time). Not thread-safe: the dispatcher's thread owns it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "channels/throttle.h"

namespace jiaoying {

struct BreakerSettings {
  int failures = 5;                                 // in a row, to open
  std::chrono::milliseconds cool_down{30'000};      // first pause before a probe
  std::chrono::milliseconds max_cool_down{300'000};  // the pause doubles up to this
};

class Breaker {
 public:
  enum class State { closed, open, half_open };
  // What a result changed, for the audit trail.
  enum class Change { none, opened, closed };

  explicit Breaker(BreakerSettings settings = {}) : settings_(settings), cool_down_(settings.cool_down) {}

  State state(Instant now);
  // Requests that may start now: closed unlimited, open none, half-open one probe at a time.
  size_t allowance(Instant now);
  // Call when a request starts (a probe is then in flight).
  void started(Instant now);
  Change succeeded(Instant now);
  Change failed(Instant now);
  // When an open breaker lets its probe go.
  Instant retry_at() const { return opened_at_ + cool_down_; }
  Instant opened_at() const { return opened_at_; }

 private:
  BreakerSettings settings_;
  State state_ = State::closed;
  int consecutive_ = 0;
  bool probing_ = false;
  Instant opened_at_{};
  std::chrono::milliseconds cool_down_;
};

std::string_view breaker_state_name(Breaker::State state);

}  // namespace jiaoying
