// The warning lifecycle: a warning taken in (stored, its plans snapshotted, one callout per
// person), an Update that takes over the callouts of the warning it references, a Cancel or an
// expiry that ends them, and the close once nothing is open and no duty holds it. Duties
// (daemon/duty.h) are asked at each of these moments; the lifecycle knows none of their tables.
// A helper that writes takes the action's transaction (`Store::Tx& tx`): it cannot be called
// outside one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "daemon/duty.h"
#include "daemon/engine_core.h"
#include "daemon/outbox.h"

namespace jiaoying {

class Lifecycle {
 public:
  // `duties`: the engine's, asked at each warning's start, end and close (filled after this is made).
  Lifecycle(EngineCore& core, Outbox& outbox, const std::vector<Duty*>& duties)
      : core_(core), store_(core.store()), outbox_(outbox), duties_(duties) {}

  // Engine::ingest: one transaction. Step 1 of the callouts is due at once (the next tick).
  IngestOutcome ingest(const Warning& warning, std::string_view raw, std::string_view actor);
  // Cancel or expiry: every callout of the warning ends (解除 to those reached when `tell_reached`),
  // then its duties.
  void end_warning(Store::Tx& tx, int64_t warning_id, WarningMove move, std::string_view why, bool tell_reached,
                   std::string_view actor);
  // Ends one open callout (cancelled, what is queued for it too; 解除 to it when reached and
  // `tell_reached`) and the escalations raised for it.
  void end_callout(Store::Tx& tx, const CalloutRow& callout, std::string_view why, bool tell_reached);
  // Expired warnings end; how many.
  int expire();
  // Closes the warning when no callout is open and no duty holds it.
  void close_if_done(Store::Tx& tx, int64_t warning_id);

  // Primary callouts for `fresh`, each under its plan's snapshot, step 1 due after its `after`.
  void insert_primary_callouts(Store::Tx& tx, int64_t warning_id, const std::vector<const Recipient*>& fresh,
                               const std::map<const Plan*, int64_t>& snapshot_ids, int64_t now);
  // A callout to make for `person` at a post of `area` (the code, when the directory lacks it),
  // under a warning's plan snapshot; due and kind are the caller's to set.
  static NewCallout callout_for(int64_t warning_id, int64_t snapshot_id, const Person& person,
                                std::string_view area_code, const Area* area, std::string_view role, Seat seat,
                                int64_t now);

 private:
  int64_t store_warning(Store::Tx& tx, const Warning& w, std::string_view raw, std::string_view actor,
                        WarningState state, std::optional<int64_t> supersedes, IngestOutcome& out);
  // `update`: an Update took over the callouts of the warning it supersedes.
  void start_callouts(Store::Tx& tx, int64_t warning_id, const Warning& w, bool update, IngestOutcome& out);
  // `w` has the areas that are ours (split_areas), `as_sent` all of them (stored as sent).
  void update_warning(Store::Tx& tx, int64_t old_id, const Warning& w, const Warning& as_sent, std::string_view raw,
                      std::string_view actor, IngestOutcome& out);
  std::optional<int64_t> find_active(const Reference& ref);

  EngineCore& core_;
  Store& store_;
  Outbox& outbox_;
  const std::vector<Duty*>& duties_;
};

}  // namespace jiaoying
