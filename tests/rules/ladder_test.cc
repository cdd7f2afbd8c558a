#include <doctest/doctest.h>

#include "rules/ladder.h"

using namespace jiaoying;

namespace {

const Millis kMinute{60'000};
const TimePoint kStart = from_epoch_ms(1'781'460'000'000);

std::vector<LadderStep> ladder() {
  LadderStep first, second, third;
  first.channels = second.channels = third.channels = {"zzd"};
  second.after = 3 * kMinute;
  third.after = 10 * kMinute;
  return {first, second, third};
}

LadderDecision at(int next_step, Millis since_start) {
  return decide_step(ladder(), 30 * kMinute, {kStart, next_step}, kStart + since_start, 2 * kMinute);
}

}  // namespace

TEST_CASE("the first step runs at once and the next is due at its time") {
  auto d = at(0, Millis(0));
  CHECK(d.run_step == 0);
  CHECK(d.next_due == kStart + 3 * kMinute);
}

TEST_CASE("nothing runs before a step is due") {
  auto d = at(1, 2 * kMinute);
  CHECK(d.run_step == -1);
  CHECK_FALSE(d.exhausted);
  CHECK(d.next_due == kStart + 3 * kMinute);
}

TEST_CASE("after the last step the deadline is next, then exhaustion") {
  CHECK(at(3, 20 * kMinute).next_due == kStart + 30 * kMinute);
  CHECK_FALSE(at(3, 20 * kMinute).exhausted);
  CHECK(at(3, 30 * kMinute).exhausted);
}

TEST_CASE("steps long overdue collapse into the current one, run once, with the delay") {
  auto d = at(1, 12 * kMinute);  // steps 2 and 3 are both overdue (engine was down)
  CHECK(d.run_step == 2);
  CHECK(d.skipped == 1);
  CHECK(d.late == 2 * kMinute);
  CHECK(d.next_due == kStart + 30 * kMinute);
}

TEST_CASE("a step slightly late is run as itself, not collapsed") {
  auto d = at(1, 3 * kMinute + Millis(30'000));
  CHECK(d.run_step == 1);
  CHECK(d.skipped == 0);
  CHECK(d.late == Millis(30'000));
}
