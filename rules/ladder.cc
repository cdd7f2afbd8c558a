#include "rules/ladder.h"

namespace jiaoying {

LadderDecision decide_step(const std::vector<LadderStep>& ladder, Millis deadline,
                           LadderPosition position, TimePoint now, Millis collapse_after) {
  LadderDecision d;
  const int size = static_cast<int>(ladder.size());
  auto due_of = [&](int step) { return position.started_at + ladder[static_cast<size_t>(step)].after; };
  TimePoint deadline_at = position.started_at + deadline;

  if (position.next_step >= size) {
    if (now >= deadline_at) {
      d.exhausted = true;
      d.late = now - deadline_at;
    }
    d.next_due = deadline_at;
    return d;
  }
  TimePoint due = due_of(position.next_step);
  if (now < due) {
    d.next_due = due;
    return d;
  }
  int step = position.next_step;
  if (now - due > collapse_after) {
    // Jump to the last step whose time has come.
    while (step + 1 < size && due_of(step + 1) <= now) ++step;
    d.skipped = step - position.next_step;
  }
  d.run_step = step;
  d.late = now - due_of(step);
  d.next_due = step + 1 < size ? due_of(step + 1) : deadline_at;
  return d;
}

}  // namespace jiaoying
