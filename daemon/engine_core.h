// What every room of the engine shares (daemon/engine.h lists the rooms): the store, the clock,
// the settings and the rules in force, the plan snapshots and warning facts read from the store
// once per run, the audit trail, the words of notices, and the signed links on every card.
// Not thread-safe: one thread (the daemon's io thread) owns the engine and its core.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "channels/template_renderer.h"
#include "daemon/clock.h"
#include "daemon/engine_types.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "rules/directory.h"
#include "rules/plan.h"

namespace jiaoying {

class EngineCore {
 public:
  EngineCore(Store& store, const Clock& clock, EngineSettings settings, std::shared_ptr<const Directory> directory,
             std::vector<Plan> plans, std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels);

  Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  int64_t now_ms() const { return to_epoch_ms(clock_.now()); }
  const EngineSettings& settings() const { return settings_; }
  const Directory& directory() const { return *directory_; }
  const std::vector<Plan>& plans() const { return plans_; }
  const TemplateRenderer& templates() const { return *templates_; }
  const std::set<std::string>& channels() const { return channels_; }
  // Where what happens is counted for /metrics (daemon/metrics.h); null when nobody reads it.
  Metrics* metrics() const { return metrics_; }
  void set_metrics(Metrics* metrics) { metrics_ = metrics; }

  // New warnings use these; running ones keep their plan snapshots.
  void replace_rules(std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
                     std::shared_ptr<const TemplateRenderer> templates);

  // The plan a warning started under (parsed once).
  const Plan& snapshot_plan(int64_t snapshot_id);
  // What the rooms need of a running warning (read once); forget() when it changed.
  const WarningFacts& facts(int64_t warning_id);
  void forget(int64_t warning_id) { facts_.erase(warning_id); }

  // One line of the audit trail.
  void event(std::optional<int64_t> warning, std::optional<int64_t> callout, std::optional<int64_t> message,
             std::string_view kind, std::string_view actor, std::string_view detail);
  // The words of a notice, a duty room's line or a page (templates/notice.*, duty.*, page.*).
  std::string words(const std::string& name, const TemplateValues& values = {}) const;

  // The unguessable links on a card: 收到 and 回报. A token is an HMAC of the link's purpose and
  // the callout, so an ack token opens no report form.
  std::string ack_url(int64_t callout_id) const;
  bool verify_ack_token(int64_t callout_id, std::string_view token) const;
  std::string report_url(int64_t callout_id) const;
  bool verify_report_token(int64_t callout_id, std::string_view token) const;

 private:
  std::string link_token(std::string_view purpose, int64_t callout_id) const;

  Store& store_;
  const Clock& clock_;
  EngineSettings settings_;
  std::shared_ptr<const Directory> directory_;
  std::vector<Plan> plans_;
  std::shared_ptr<const TemplateRenderer> templates_;
  std::set<std::string> channels_;
  Metrics* metrics_ = nullptr;
  std::map<int64_t, Plan> snapshots_;
  std::map<int64_t, std::unique_ptr<WarningFacts>> facts_;
};

}  // namespace jiaoying
