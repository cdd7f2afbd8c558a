// The outbox: every message the engine sends is queued here first, with its words rendered and
// its idempotency key, and leaves only when the dispatcher claims it. Queued messages are claimed
// by medium in the order an index keeps them (priority, then age: no sort of the queue), hundreds
// per transaction, and marked `sending` before any leaves; the providers' answers come back in
// bursts and are recorded in one transaction each. After a crash, what was `sending` is resent
// with the same key where the provider de-duplicates, and is `unknown` where it cannot.
//
// The hold: a step that sends the person a notice holds its next rung (the ladder, daemon/ladder.h,
// sets it); the outbox releases it when that notice leaves — the next rung counts from then —
// or, on its planned time, when the notice cannot go.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine_core.h"

namespace jiaoying {

class Outbox {
 public:
  explicit Outbox(EngineCore& core) : core_(core), store_(core.store()) {}

  // Queues one message per channel for a callout. `key_part` makes the idempotency key ("s2"
  // for step 2, "u17" for the update that is warning 17, "x" for the cancel notice); `tag`
  // leads the title (【督办】, 【更新】, 【解除】); `notice` leads the body, `details` goes under it
  // (a duty room's digest lists its matters). A text carries the callout's reply code. Returns
  // how many were queued to go (not failed at once for want of a contact).
  // Inside the caller's transaction (`tx`: the action's).
  int queue(Store::Tx& tx, const CalloutRow& callout, const std::vector<std::string>& channels, int step_index,
            const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
            const std::string& details = {});
  int queue(Store::Tx& tx, int64_t callout_id, const std::vector<std::string>& channels, int step_index,
            const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
            const std::string& details = {});

  std::vector<SendJob> claim(const ClaimRequest& request);
  std::vector<SendJob> claim(size_t limit);  // any medium (tests and tools)
  void complete(const std::vector<SendCompletion>& completions);
  int recover();

  // Every provider of `channel` is down: its queued notices hold no ladder any more.
  int release_holds(std::string_view channel, std::string_view kind, std::string_view detail);
  void channel_event(std::string_view channel, std::string_view kind, std::string_view actor, std::string_view detail);
  std::vector<PlacedCall> recent_calls(TimePoint since);

  // "已发 浙政钉 3 次、电话 1 次（1 次失败）": what was tried for a callout.
  std::string tried_text(int64_t callout_id);

 private:
  struct Hold {
    int64_t snapshot_id = 0;
    int next_step = 0;
    int64_t clock_at = 0, held_due_at = 0;
  };
  struct Released {
    int64_t clock_at = 0, next_due = 0;
  };
  // Where a held ladder goes on: its clock shifted to `sent_at` (the notice left), or unchanged
  // on its planned time.
  Released released(const Hold& hold, std::optional<int64_t> sent_at);
  void release_hold(int64_t callout_id, std::optional<int64_t> sent_at);
  void record(const SendCompletion& completion, int64_t now);
  // The reply code of a callout's texts: kept once given; else the smallest free among the
  // phone's open callouts (LESSONS.md: per-phone short codes).
  int reply_code_for(int64_t callout_id, const std::string& mobile);

  EngineCore& core_;
  Store& store_;
};

}  // namespace jiaoying
