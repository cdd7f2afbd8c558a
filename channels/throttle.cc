#include "channels/throttle.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace jiaoying {

TokenBucket::TokenBucket(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)) {}

void TokenBucket::refill(Instant now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  last_ = now;
}

size_t TokenBucket::available(Instant now) {
  if (unlimited()) return std::numeric_limits<size_t>::max() / 2;
  refill(now);
  return tokens_ < 1 ? 0 : static_cast<size_t>(std::floor(tokens_));
}

void TokenBucket::take(size_t n, Instant now) {
  if (unlimited()) return;
  refill(now);
  tokens_ -= static_cast<double>(n);
}

Instant TokenBucket::when_available(size_t n, Instant now) {
  if (unlimited()) return now;
  refill(now);
  const double missing = static_cast<double>(n) - tokens_;
  if (missing <= 0) return now;
  return now + std::chrono::duration_cast<Instant::duration>(std::chrono::duration<double>(missing / rate_));
}

}  // namespace jiaoying
