// The ladder as a pure function: given where a callout stands and the time, what to do now.
// The engine stores the answer (next step, next due time) and performs it. No clock reads.
#pragma once

#include <vector>

#include "rules/plan.h"
#include "rules/time.h"

namespace jiaoying {

struct LadderPosition {
  TimePoint started_at{};  // when the callout began; `after` counts from here
  int next_step = 0;       // the first step not yet run (== ladder size when all have run)
};

struct LadderDecision {
  int run_step = -1;       // the step to run now, or -1
  int skipped = 0;         // steps passed over because they were long overdue (collapsed)
  Millis late{0};          // how overdue the step run now is
  bool exhausted = false;  // every step ran and the deadline passed unanswered
  TimePoint next_due{};    // when to look again (next step or the deadline)
};

// Steps overdue by more than `collapse_after` (downtime, a stalled engine) are not replayed in
// a burst: only the step that should be current now runs, once, and the decision says how
// late it is and how many were skipped (LESSONS.md: PagerDuty 2023-01-06).
LadderDecision decide_step(const std::vector<LadderStep>& ladder, Millis deadline,
                           LadderPosition position, TimePoint now, Millis collapse_after);

}  // namespace jiaoying
