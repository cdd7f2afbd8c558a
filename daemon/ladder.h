// The ladder and its escalation: the tick takes the callouts whose next look is due (by index, a
// bounded batch per transaction), asks rules/ladder what is due, runs the step — messages to the
// person, the B seat, the posts above, the duty room — and stores the next look. A step that
// sends the person a notice holds the next rung until that notice has actually left (the outbox
// releases it), so however slow a provider is, nobody hears step 2 before their own step 1. An
// answer stops the ladder and covers the post; the duty room hears of its matters in a digest.
// A helper that writes takes the action's transaction (`Store::Tx& tx`).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine_core.h"
#include "daemon/lifecycle.h"
#include "daemon/outbox.h"

namespace jiaoying {

class Ladder {
 public:
  Ladder(EngineCore& core, Outbox& outbox, Lifecycle& lifecycle)
      : core_(core), store_(core.store()), outbox_(outbox), lifecycle_(lifecycle) {}

  // One batch of due callouts (settings' tick_batch), in one transaction; `more` says another
  // batch is due now. Returns how many callouts it moved.
  int tick_due(bool& more);
  // One message per duty room with every matter since its last, at most one a minute.
  int tick_digests();

  // An answer from any channel, or by hand: the ladder stops, what is still queued for the
  // callout is cancelled, the post's other seat and its escalations are covered.
  AckOutcome answer(int64_t callout_id, std::string_view via, std::string_view actor);

  // The posts one tier up (the plan's roles there) are told about callout_id's post; returns
  // how many were raised.
  int notify_superiors(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index,
                       const std::vector<std::string>& channels, const std::string& notice);
  // The duty room of the callout's post (the plan's duty_room tier) is told `why`: an event on
  // the officer's callout (raised once per warning), in their next digest.
  void tell_duty_officer(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan,
                         const std::string& why);
  // The same for a matter of an area (the loudspeakers); empty = the warning's first area of ours.
  void tell_duty_officer_of_area(Store::Tx& tx, int64_t warning_id, const std::string& area_code, int64_t snapshot_id,
                                 const Plan& plan, const std::string& why);
  // A callout raised beside the ladder (the B seat, a post above, the duty officer), once per
  // person, kind and source.
  int64_t secondary_callout(Store::Tx& tx, int64_t warning_id, int64_t snapshot_id, const Plan& plan,
                            std::optional<int64_t> source, std::string_view kind, const Person& person,
                            const std::string& area_code, const std::string& role, Seat seat);

 private:
  // One due callout: its step (or exhaustion), and its next look.
  void advance(Store::Tx& tx, const CalloutRow& callout, TimePoint now, std::set<int64_t>& touched_warnings);
  // Runs a step for a primary callout; returns how many messages it queued to the callout itself
  // (what the next rung waits for).
  int run_step(Store::Tx& tx, const CalloutRow& callout, const Plan& plan, int step_index);
  void raise_duty_officer(Store::Tx& tx, int64_t warning_id, std::optional<int64_t> source,
                          const std::string& area_code, int64_t snapshot_id, const Plan& plan, const std::string& why);
  void cover_post(Store::Tx& tx, int64_t warning_id, int64_t answered_id, int64_t now);

  EngineCore& core_;
  Store& store_;
  Outbox& outbox_;
  Lifecycle& lifecycle_;
};

}  // namespace jiaoying
