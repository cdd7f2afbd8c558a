// Time is an input (docs/architecture.md): everything that waits reads a Clock. The daemon
// uses a SystemClock, optionally time-scaled for demos; tests use a ManualClock and run a
// 30-minute ladder in milliseconds. now() is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>

#include "rules/time.h"

namespace jiaoying {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// Real time, running `scale` times faster from the moment it was made (scale 60: a minute of
// plan time passes in a second). Scale 1 is plain wall-clock time.
class SystemClock final : public Clock {
 public:
  explicit SystemClock(double scale = 1.0)
      : scale_(scale), origin_(std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now())) {}
  TimePoint now() const override {
    auto real = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    if (scale_ == 1.0) return real;
    auto elapsed = (real - origin_).count();
    return origin_ + Millis(static_cast<int64_t>(static_cast<double>(elapsed) * scale_));
  }
  double scale() const { return scale_; }

 private:
  double scale_;
  TimePoint origin_;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(to_epoch_ms(start)) {}
  TimePoint now() const override { return from_epoch_ms(now_.load()); }
  void advance(Millis d) { now_ += d.count(); }
  void set(TimePoint t) { now_ = to_epoch_ms(t); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace jiaoying
