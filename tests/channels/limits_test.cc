// A provider's budget, breaker and the call limits, with time as an input (no clock is read).
#include <doctest/doctest.h>

#include "channels/breaker.h"
#include "channels/call_limits.h"
#include "channels/throttle.h"

using namespace jiaoying;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {
const Instant t0 = Instant() + std::chrono::hours(1);
const TimePoint p0 = from_epoch_ms(1'781'460'000'000);
}  // namespace

TEST_CASE("a token bucket lets a burst go at once, then exactly its rate") {
  TokenBucket bucket(1000, 100);
  CHECK(bucket.available(t0) == 100);
  bucket.take(100, t0);
  CHECK(bucket.available(t0) == 0);
  CHECK(bucket.when_available(1, t0) == t0 + milliseconds(1));
  CHECK(bucket.available(t0 + milliseconds(50)) == 50);
  // Over ten seconds of asking as fast as it lets us: 10,000 requests, and the burst.
  size_t taken = 0;
  for (int ms = 50; ms <= 10'050; ms += 7) {
    const Instant now = t0 + milliseconds(ms);
    const size_t n = bucket.available(now);
    bucket.take(n, now);
    taken += n;
  }
  CHECK(taken >= 9'990);
  CHECK(taken <= 10'000 + 100);
  CHECK(TokenBucket(0, 0).unlimited());
}

TEST_CASE("a breaker opens after failures in a row, probes after its pause, and closes on success") {
  Breaker b({3, milliseconds(30'000), milliseconds(120'000)});
  CHECK(b.failed(t0) == Breaker::Change::none);
  CHECK(b.succeeded(t0) == Breaker::Change::none);  // a success in between: the count starts again
  CHECK(b.failed(t0) == Breaker::Change::none);
  CHECK(b.failed(t0) == Breaker::Change::none);
  CHECK(b.failed(t0) == Breaker::Change::opened);
  CHECK(b.state(t0) == Breaker::State::open);
  CHECK(b.allowance(t0 + seconds(29)) == 0);
  CHECK(b.state(t0 + seconds(30)) == Breaker::State::half_open);
  CHECK(b.allowance(t0 + seconds(30)) == 1);
  b.started(t0 + seconds(30));
  CHECK(b.allowance(t0 + seconds(30)) == 0);  // one probe at a time
  // The probe fails: twice the pause.
  CHECK(b.failed(t0 + seconds(31)) == Breaker::Change::none);
  CHECK(b.state(t0 + seconds(31) + seconds(59)) == Breaker::State::open);
  CHECK(b.state(t0 + seconds(31) + seconds(60)) == Breaker::State::half_open);
  b.started(t0 + seconds(91));
  CHECK(b.succeeded(t0 + seconds(92)) == Breaker::Change::closed);
  CHECK(b.state(t0 + seconds(92)) == Breaker::State::closed);
  CHECK(b.allowance(t0 + seconds(92)) > 1'000'000);
}

TEST_CASE("the carriers' caps per number hold a call back until it may ring") {
  CallLimits limits({1, 5, 20, 0, milliseconds(180'000)});
  CHECK_FALSE(limits.next_allowed("19900000001", "330702102201", p0));
  limits.placed(1, "19900000001", "330702102201", p0);
  auto next = limits.next_allowed("19900000001", "330702102201", p0 + seconds(10));
  REQUIRE(next);
  CHECK(*next == p0 + seconds(60));  // one a minute
  CHECK_FALSE(limits.next_allowed("19900000002", "330702102201", p0 + seconds(10)));  // someone else: free
  for (int i = 1; i < 5; ++i) limits.placed(10 + i, "19900000001", "330702102201", p0 + std::chrono::minutes(2 * i));
  auto hour = limits.next_allowed("19900000001", "330702102201", p0 + std::chrono::minutes(12));
  REQUIRE(hour);
  CHECK(*hour == p0 + std::chrono::hours(1));  // five an hour: free when the first leaves the hour
}

TEST_CASE("a township's exchange rings so many at once; a report frees a line") {
  CallLimits limits({0, 0, 0, 2, milliseconds(180'000)});
  limits.placed(1, "19900000001", "330702102201", p0);
  limits.placed(2, "19900000002", "330702102202", p0);
  CHECK(limits.ringing("330702102203", p0) == 2);
  CHECK(limits.next_allowed("19900000003", "330702102203", p0));  // same township (330702102): wait
  CHECK_FALSE(limits.next_allowed("19900000004", "330702100201", p0));  // another township: free
  limits.ended(1);
  CHECK_FALSE(limits.next_allowed("19900000003", "330702102203", p0));
  // A call whose report never comes holds its line at most call_time.
  limits.placed(3, "19900000003", "330702102203", p0);
  CHECK(limits.next_allowed("19900000005", "330702102205", p0 + seconds(60)));
  CHECK_FALSE(limits.next_allowed("19900000005", "330702102205", p0 + seconds(181)));
}
