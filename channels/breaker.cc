#include "channels/breaker.h"

#include <algorithm>
#include <limits>

namespace jiaoying {

Breaker::State Breaker::state(Instant now) {
  if (state_ == State::open && now >= retry_at()) {
    state_ = State::half_open;
    probing_ = false;
  }
  return state_;
}

size_t Breaker::allowance(Instant now) {
  switch (state(now)) {
    case State::closed: return std::numeric_limits<size_t>::max() / 2;
    case State::open: return 0;
    case State::half_open: return probing_ ? 0 : 1;
  }
  return 0;
}

void Breaker::started(Instant now) {
  if (state(now) == State::half_open) probing_ = true;
}

Breaker::Change Breaker::succeeded(Instant now) {
  consecutive_ = 0;
  const bool was_down = state(now) != State::closed;
  state_ = State::closed;
  probing_ = false;
  cool_down_ = settings_.cool_down;
  return was_down ? Change::closed : Change::none;
}

Breaker::Change Breaker::failed(Instant now) {
  switch (state(now)) {
    case State::closed:
      if (++consecutive_ < settings_.failures) return Change::none;
      state_ = State::open;
      opened_at_ = now;
      return Change::opened;
    case State::half_open:
      // The probe failed: stay away twice as long.
      state_ = State::open;
      probing_ = false;
      opened_at_ = now;
      cool_down_ = std::min(cool_down_ * 2, settings_.max_cool_down);
      return Change::none;
    case State::open:
      return Change::none;  // a request started before it opened
  }
  return Change::none;
}

std::string_view breaker_state_name(Breaker::State state) {
  switch (state) {
    case Breaker::State::closed: return "up";
    case Breaker::State::open: return "down";
    case Breaker::State::half_open: return "probing";
  }
  return "?";
}

}  // namespace jiaoying
