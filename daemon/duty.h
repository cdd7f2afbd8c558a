// A duty a warning may carry beside its callouts — the report-back each area owes (回报,
// daemon/duty_report_back.*), the loudspeakers (应急广播, daemon/duty_broadcast.*), the plan's 六问
// spot check (daemon/duty_spot_check.*). Each starts with its warning, runs on the tick, ends with it, and may hold it open:
// the engine asks its duties at each of these moments instead of knowing their tables. A duty
// reaches people and the duty room only through its host (the engine), which owns the ladder's
// messages and the duty room's digests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "channels/template_renderer.h"
#include "daemon/engine_types.h"
#include "daemon/store.h"
#include "rules/directory.h"
#include "rules/plan.h"
#include "rules/warning.h"

namespace jiaoying {

// A warning starting: its plans as matched and snapshotted. `update`: an Update took over the
// callouts of the warning it supersedes (they carry on under this one).
struct DutyStart {
  Store::Tx& tx;  // the ingest's: what the duty writes for the start is part of it
  int64_t warning_id = 0;
  const Warning& warning;
  const std::vector<const Plan*>& plans;
  const std::map<const Plan*, int64_t>& snapshots;
  bool update = false;
};

// A warning ending: cancelled (the platforms are told to stop) or expired.
struct DutyEnd {
  Store::Tx& tx;  // the cancel's or the expiry's
  int64_t warning_id = 0;
  bool cancelled = false;
  std::string_view why;
};

// What a duty needs of the engine it serves.
class DutyHost {
 public:
  virtual Store& store() = 0;
  virtual int64_t now_ms() const = 0;
  virtual const EngineSettings& settings() const = 0;
  virtual const Directory& directory() const = 0;
  virtual const TemplateRenderer& templates() const = 0;
  virtual const Plan& snapshot_plan(int64_t snapshot_id) = 0;
  virtual const WarningFacts& facts(int64_t warning_id) = 0;
  virtual void forget(int64_t warning_id) = 0;  // its facts changed (a report-back is owed now)
  virtual std::string words(const std::string& name, const TemplateValues& values = {}) const = 0;
  // Each of these writes inside the duty's transaction (`tx`: the action's, or its tick's).
  // A notice to a callout's person on `channels` (the key part makes it once-only).
  virtual int notice(Store::Tx& tx, int64_t callout_id, const std::vector<std::string>& channels,
                     const std::string& key_part, const std::string& text, const std::string& tag) = 0;
  // The posts one tier above `callout_id`'s are told `text`; how many were raised.
  virtual int tell_superiors(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan,
                             const std::vector<std::string>& channels, const std::string& text) = 0;
  // The duty room of the callout's post, or of an area (empty: the warning's first area of ours).
  virtual void tell_duty_room(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan,
                              const std::string& why) = 0;
  virtual void tell_duty_room_of_area(Store::Tx& tx, int64_t warning_id, const std::string& area_code,
                                      int64_t snapshot_id, const Plan& plan, const std::string& why) = 0;
  virtual AckOutcome answer(int64_t callout_id, std::string_view via, std::string_view actor) = 0;
  // Runs a plan's 六问 spot check rule now; what came of it, for the record.
  virtual std::string run_spot_check(int64_t warning_id, const SpotCheckRule& rule) = 0;
  virtual void close_if_done(Store::Tx& tx, int64_t warning_id) = 0;

 protected:
  ~DutyHost() = default;
};

class Duty {
 public:
  virtual ~Duty() = default;
  virtual std::string_view name() const = 0;
  // The warning's callouts are made (or carried over by an update): what this duty owes for it.
  virtual void start(const DutyStart& start) = 0;
  // What fell due by now; how many rows it moved. Inside the tick's transaction.
  virtual int tick() = 0;
  // The warning ended: what it owes is let off, what went out is called back.
  virtual void end(const DutyEnd& end) = 0;
  // True while the warning must stay open for this duty (a report due, a playback awaited).
  virtual bool blocks_close(int64_t warning_id) = 0;
};

}  // namespace jiaoying
