// Engine: construction, the audit trail, plan snapshots and warning rows, the close of a warning,
// link tokens, and answers (a link, a call's key, by hand) with the post they cover. The ladder is
// in engine_ladder.cc, the outbox in engine_outbox.cc.
#include "daemon/engine.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/ivr/aliyun_vms.h"
#include "channels/zzd/signature.h"
#include "daemon/duty_broadcast.h"
#include "daemon/duty_report_back.h"
#include "daemon/store_sqlite.h"
#include "rules/names.h"

namespace jiaoying {

namespace json = boost::json;

Engine::Engine(Store& store, const Clock& clock, EngineSettings settings,
               std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
               std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels)
    : Engine(nullptr, &store, clock, std::move(settings), std::move(directory), std::move(plans), std::move(templates),
             std::move(channels)) {}

Engine::Engine(Db& db, const Clock& clock, EngineSettings settings,
               std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
               std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels)
    : Engine(std::make_unique<SqliteStore>(db), nullptr, clock, std::move(settings), std::move(directory),
             std::move(plans), std::move(templates), std::move(channels)) {}

Engine::Engine(std::unique_ptr<Store> own, Store* store, const Clock& clock, EngineSettings settings,
               std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
               std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels)
    : own_store_(std::move(own)),
      store_(store ? *store : *own_store_),
      clock_(clock),
      settings_(std::move(settings)),
      directory_(std::move(directory)),
      plans_(std::move(plans)),
      templates_(std::move(templates)),
      channels_(std::move(channels)) {
  make_duties();
}

Engine::~Engine() = default;

void Engine::make_duties() {
  reports_ = std::make_unique<ReportBackDuty>(static_cast<DutyHost&>(*this));
  loudspeakers_ = std::make_unique<BroadcastDuty>(static_cast<DutyHost&>(*this));
  duties_ = {loudspeakers_.get(), reports_.get()};
}

ReportOutcome Engine::report_status(int64_t callout_id) { return reports_->report_status(callout_id); }
ReportOutcome Engine::file_report(int64_t callout_id, const ReportFiling& filing, std::string_view actor) {
  return reports_->file_report(callout_id, filing, actor);
}
std::vector<Engine::BroadcastJob> Engine::claim_broadcasts(size_t limit) { return loudspeakers_->claim(limit); }
void Engine::complete_broadcast(int64_t broadcast_id, const SendResult& result) {
  loudspeakers_->complete(broadcast_id, result);
}
bool Engine::broadcast_report(const PlaybackReport& report, std::string_view actor) {
  return loudspeakers_->report(report, actor);
}

void Engine::replace_rules(std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
                           std::shared_ptr<const TemplateRenderer> templates) {
  directory_ = std::move(directory);
  plans_ = std::move(plans);
  templates_ = std::move(templates);
  warning_cache_.clear();  // area names are read from the directory
}

void Engine::event(std::optional<int64_t> warning, std::optional<int64_t> callout,
                   std::optional<int64_t> message, std::string_view kind, std::string_view actor,
                   std::string_view detail) {
  store_.event({warning, callout, message}, {kind, actor, detail}, to_epoch_ms(clock_.now()));
}

void Engine::record_refusal(std::string_view kind, std::string_view actor, std::string_view detail) {
  event(std::nullopt, std::nullopt, std::nullopt, kind, actor, detail);
}

// ---------------------------------------------------------------------------------------------
// The ladder

const Plan& Engine::snapshot_plan(int64_t snapshot_id) {
  auto it = snapshot_cache_.find(snapshot_id);
  if (it != snapshot_cache_.end()) return it->second;
  const std::optional<SnapshotRow> s = store_.snapshot(snapshot_id);
  if (!s) throw std::runtime_error(fmt::format("plan snapshot {} is missing", snapshot_id));
  LoadErrors errors;
  // The snapshot was valid when taken; re-read it with every channel name allowed so a
  // channel removed from the config later cannot strand a running warning.
  std::set<std::string> any_channel = channels_;
  for (const Medium& m : media()) any_channel.insert(std::string(m.name));
  auto plans = load_plan_file(s->yaml, s->file, any_channel, errors);
  if (!plans) throw std::runtime_error(fmt::format("plan snapshot {} no longer parses: {}", snapshot_id,
                                            errors.empty() ? "" : errors.front().text()));
  const std::string& name = s->plan_name;
  for (Plan& plan : *plans)  // a file of level sections holds several plans; the snapshot names one
    if (plan.name == name) return snapshot_cache_.emplace(snapshot_id, std::move(plan)).first->second;
  throw std::runtime_error(fmt::format("plan snapshot {} holds no plan named {}", snapshot_id, name));
}

const WarningFacts& Engine::warning_row(int64_t warning_id) {
  auto it = warning_cache_.find(warning_id);
  if (it != warning_cache_.end()) return *it->second;
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
  return *warning_cache_.emplace(warning_id, std::move(row)).first->second;
}

void Engine::close_warning_if_done(int64_t warning_id) {
  // Cheap first (by index): most answers leave others still open.
  if (store_.any_open_callout(warning_id)) return;
  // A duty may hold it open: a report-back due, the platform yet to take the EBM or report its playback.
  for (Duty* duty : duties_)
    if (duty->blocks_close(warning_id)) return;
  const CalloutTally t = store_.tally(warning_id);
  store_.move_warning(WarningMove::close, warning_id,
                      {"warning_closed", "engine",
                       fmt::format("every callout ended: {} of {} posts answered, {} exhausted; {} raised", t.answered,
                                   t.primaries, t.exhausted, t.raised)},
                      to_epoch_ms(clock_.now()));
}

// ---------------------------------------------------------------------------------------------
// Answers

std::string Engine::ack_token(int64_t callout_id) const { return link_token("ack", callout_id); }

std::string Engine::words(const std::string& name, const TemplateValues& values) const {
  return templates_->render(name, values);
}

// A link's token is an HMAC of its purpose and the callout: an ack token opens no report form.
std::string Engine::link_token(std::string_view purpose, int64_t callout_id) const {
  std::string mac =
      zzd::hmac_sha256_base64(settings_.callback_secret, fmt::format("{}:{}", purpose, callout_id));
  for (char& c : mac) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return mac.substr(0, 22);  // 132 bits: unguessable, short enough for an SMS later
}

std::string Engine::ack_url(int64_t callout_id) const {
  return fmt::format("{}/api/v1/ack?c={}&t={}", settings_.public_url, callout_id, ack_token(callout_id));
}

bool Engine::verify_ack_token(int64_t callout_id, std::string_view token) const {
  return zzd::equal_constant_time(ack_token(callout_id), token);
}

std::string Engine::report_url(int64_t callout_id) const {
  return fmt::format("{}/api/v1/report?c={}&t={}", settings_.public_url, callout_id,
                     link_token("report", callout_id));
}

bool Engine::verify_report_token(int64_t callout_id, std::string_view token) const {
  return zzd::equal_constant_time(link_token("report", callout_id), token);
}

bool Engine::call_result(const CallResult& r, std::string_view actor) {
  const std::optional<LeftSending> call = store_.message_on(r.message_id, "ivr");
  if (!call) return false;
  const int64_t callout_id = call->callout_id, warning_id = call->warning_id;
  const std::optional<CalloutRow> callout = store_.callout(callout_id);
  if (!callout) return false;
  const bool confirmed = r.dtmf.find('1') != std::string::npos;
  // With ack: read, a call heard to the end is the phone's read receipt.
  const bool heard = r.status_code == "200000" && snapshot_plan(callout->snapshot_id).ack == AckMode::read;
  // One transaction: the call's outcome and the answer it may be.
  Store::Tx tx(store_);
  event(warning_id, callout_id, r.message_id, "call_result", actor,
        fmt::format("{}{}{}", vms::call_status_text(r.status_code),
                    r.dtmf.empty() ? "" : fmt::format(", pressed {}", r.dtmf),
                    r.duration.empty() || r.duration == "0" ? "" : fmt::format(", {} s", r.duration)));
  if (confirmed) ack(callout_id, "ivr", actor);
  else if (heard) ack(callout_id, "ivr-heard", actor);
  tx.commit();
  return true;
}

// A post is answered when either seat answers: the other seat's callout and the escalations
// raised for the post end as `covered`, and what is queued for them is cancelled.
void Engine::cover_post(int64_t warning_id, int64_t answered_id, int64_t now) {
  std::vector<int64_t> ids;
  const auto seats = store_.post_seats(warning_id, answered_id);
  for (const auto& [id, state] : seats)
    if (id != answered_id && is_open(state)) ids.push_back(id);
  for (const auto& [seat, state] : seats)
    for (int64_t raised : store_.open_raised_for(seat, true)) ids.push_back(raised);
  for (int64_t id : ids) {
    if (store_.end_callout(CalloutMove::cover, warning_id, id,
                           {"covered", "engine", fmt::format("the post was answered (callout {})", answered_id)}, now))
      store_.cancel_messages(warning_id, id, std::nullopt, "post answered", "engine", now);
  }
}

AckOutcome Engine::ack(int64_t callout_id, std::string_view via, std::string_view actor) {
  AckOutcome out;
  const std::optional<AckRow> row = store_.callout_for_ack(callout_id);
  if (!row) return out;
  const CalloutState state = row->state;
  const std::optional<int64_t> first_sent = row->first_sent_at;
  const std::string& kind = row->kind;
  out.warning_id = row->warning_id;
  out.person_name = row->person_name;
  out.headline = row->headline;
  if (state == CalloutState::answered) {
    out.kind = AckOutcome::Kind::already_answered;
    return out;
  }
  if (!rule(CalloutMove::answer).from.has(state)) {  // cancelled, covered
    out.kind = AckOutcome::Kind::ended;
    return out;
  }
  const int64_t now = to_epoch_ms(clock_.now());
  out.late = state == CalloutState::exhausted;
  Store::Tx tx(store_);
  const int cancelled = store_.cancel_messages(out.warning_id, callout_id, std::nullopt, "answered", "engine", now);
  store_.answer_callout(out.warning_id, callout_id, via, actor, out.late,
                        {"answered", actor,
                         fmt::format("via {}{}{}{}", via,
                                     first_sent ? " after " + format_duration(Millis((now - *first_sent) / 1000 * 1000))
                                                : "",
                                     out.late ? " (late: after exhaustion)" : "",
                                     cancelled ? fmt::format("; {} queued message(s) cancelled", cancelled) : "")},
                        now);
  if (kind == "primary" || kind == "deputy") cover_post(out.warning_id, callout_id, now);
  close_warning_if_done(out.warning_id);
  tx.commit();
  out.kind = AckOutcome::Kind::answered;
  return out;
}

}  // namespace jiaoying
