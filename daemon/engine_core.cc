#include "daemon/engine_core.h"

#include <fmt/format.h>

#include <stdexcept>

#include "channels/zzd/signature.h"
#include "rules/recipients.h"

namespace jiaoying {

EngineCore::EngineCore(Store& store, const Clock& clock, EngineSettings settings,
                       std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
                       std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels)
    : store_(store),
      clock_(clock),
      settings_(std::move(settings)),
      directory_(std::move(directory)),
      plans_(std::move(plans)),
      templates_(std::move(templates)),
      channels_(std::move(channels)) {}

void EngineCore::replace_rules(std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
                               std::shared_ptr<const TemplateRenderer> templates) {
  directory_ = std::move(directory);
  plans_ = std::move(plans);
  templates_ = std::move(templates);
  facts_.clear();  // area names are read from the directory
}

const Plan& EngineCore::snapshot_plan(int64_t snapshot_id) {
  auto it = snapshots_.find(snapshot_id);
  if (it != snapshots_.end()) return it->second;
  const std::optional<SnapshotRow> s = store_.snapshot(snapshot_id);
  if (!s) throw std::runtime_error(fmt::format("plan snapshot {} is missing", snapshot_id));
  LoadErrors errors;
  // The snapshot was valid when taken; re-read it with every channel name allowed so a
  // channel removed from the config later cannot strand a running warning.
  std::set<std::string> any_channel = channels_;
  for (const Medium& m : media()) any_channel.insert(std::string(m.name));
  auto plans = load_plan_file(s->yaml, s->file, any_channel, errors);
  if (!plans)
    throw std::runtime_error(fmt::format("plan snapshot {} no longer parses: {}", snapshot_id,
                                         errors.empty() ? "" : errors.front().text()));
  const std::string& name = s->plan_name;
  for (Plan& plan : *plans)  // a file of level sections holds several plans; the snapshot names one
    if (plan.name == name) return snapshots_.emplace(snapshot_id, std::move(plan)).first->second;
  throw std::runtime_error(fmt::format("plan snapshot {} holds no plan named {}", snapshot_id, name));
}

const WarningFacts& EngineCore::facts(int64_t warning_id) {
  auto it = facts_.find(warning_id);
  if (it != facts_.end()) return *it->second;
  std::optional<StoredWarning> stored = store_.warning(warning_id);
  if (!stored) throw std::runtime_error(fmt::format("warning {} is missing", warning_id));
  auto row = std::make_unique<WarningFacts>();
  Warning& w = row->warning;
  w = std::move(stored->warning);
  row->drill = w.status == WarningStatus::exercise;
  row->owes_reports = store_.owes_reports(warning_id);
  // Messages name the warned areas that are ours (a city's warning, in a county: that county).
  for (const std::string& code : split_areas(w.areas, *directory_).ours)
    row->areas_zh += (row->areas_zh.empty() ? "" : "、") + directory_->area(code)->name;
  if (row->areas_zh.empty()) row->areas_zh = words("notice.areas_by_shape");
  return *facts_.emplace(warning_id, std::move(row)).first->second;
}

void EngineCore::event(std::optional<int64_t> warning, std::optional<int64_t> callout,
                       std::optional<int64_t> message, std::string_view kind, std::string_view actor,
                       std::string_view detail) {
  store_.event({warning, callout, message}, {kind, actor, detail}, now_ms());
}

std::string EngineCore::words(const std::string& name, const TemplateValues& values) const {
  return templates_->render(name, values);
}

std::string EngineCore::link_token(std::string_view purpose, int64_t callout_id) const {
  std::string mac = zzd::hmac_sha256_base64(settings_.callback_secret, fmt::format("{}:{}", purpose, callout_id));
  for (char& c : mac) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return mac.substr(0, 22);  // 132 bits: unguessable, short enough for an SMS
}

std::string EngineCore::ack_url(int64_t callout_id) const {
  return fmt::format("{}/api/v1/ack?c={}&t={}", settings_.public_url, callout_id, link_token("ack", callout_id));
}

bool EngineCore::verify_ack_token(int64_t callout_id, std::string_view token) const {
  return zzd::equal_constant_time(link_token("ack", callout_id), token);
}

std::string EngineCore::report_url(int64_t callout_id) const {
  return fmt::format("{}/api/v1/report?c={}&t={}", settings_.public_url, callout_id,
                     link_token("report", callout_id));
}

bool EngineCore::verify_report_token(int64_t callout_id, std::string_view token) const {
  return zzd::equal_constant_time(link_token("report", callout_id), token);
}

}  // namespace jiaoying
