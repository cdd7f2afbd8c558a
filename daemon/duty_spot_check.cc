#include "daemon/duty_spot_check.h"

#include <fmt/format.h>

namespace jiaoying {

void SpotCheckDuty::start(const DutyStart& s) {
  const int64_t now = host_.now_ms();
  for (const Plan* plan : s.plans) {
    if (!plan->spot_check) continue;
    const auto snapshot = s.snapshots.find(plan);
    if (snapshot == s.snapshots.end()) continue;
    host_.store().insert_spot_check_rule(s.warning_id, snapshot->second, now + plan->spot_check->after.count());
  }
}

int SpotCheckDuty::tick() {
  const int64_t now = host_.now_ms();
  const std::vector<Store::SpotCheckDue> due = host_.store().spot_check_rules_due(now, 50);
  for (const Store::SpotCheckDue& d : due) {
    const std::optional<StoredWarning> w = host_.store().warning(d.warning_id);
    Store::Tx tx(host_.store());
    host_.store().spot_check_rule_ran(d.warning_id, d.snapshot_id, now);
    // An Update carried the callouts over to its own warning, whose rule is its own.
    if (!w || w->state == WarningState::superseded) {
      tx.commit();
      continue;
    }
    const std::string outcome = host_.run_spot_check(d.warning_id, *host_.snapshot_plan(d.snapshot_id).spot_check);
    host_.store().event({d.warning_id, std::nullopt, std::nullopt}, {"spot_check_rule", "engine", outcome}, now);
    tx.commit();
  }
  return static_cast<int>(due.size());
}

void SpotCheckDuty::end(const DutyEnd& e) {
  const int64_t now = host_.now_ms();
  for (const Store::SpotCheckDue& d : host_.store().spot_check_rules_pending(e.warning_id)) {
    host_.store().spot_check_rule_ran(d.warning_id, d.snapshot_id, now);
    host_.store().event({d.warning_id, std::nullopt, std::nullopt},
                        {"spot_check_rule", "engine", fmt::format("the plan's 六问 spot check is let off: {}", e.why)}, now);
  }
}

}  // namespace jiaoying
