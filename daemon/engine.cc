// Engine: the door to its rooms (daemon/engine.h). Construction, the tick's order, and the
// public actions, each handed to the room it belongs to; a phone call's result is the engine's own.
#include "daemon/engine.h"

#include <fmt/format.h>

#include "channels/ivr/aliyun_vms.h"
#include "daemon/duty_broadcast.h"
#include "daemon/duty_report_back.h"
#include "daemon/duty_spot_check.h"
#include "daemon/store_sqlite.h"

namespace jiaoying {

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
      core_(store_, clock, std::move(settings), std::move(directory), std::move(plans), std::move(templates),
            std::move(channels)),
      outbox_(core_),
      lifecycle_(core_, outbox_, duties_),
      ladder_(core_, outbox_, lifecycle_),
      reports_(std::make_unique<ReportBackDuty>(static_cast<DutyHost&>(*this))),
      loudspeakers_(std::make_unique<BroadcastDuty>(static_cast<DutyHost&>(*this))),
      spot_check_rule_(std::make_unique<SpotCheckDuty>(static_cast<DutyHost&>(*this))) {
  duties_ = {loudspeakers_.get(), reports_.get(), spot_check_rule_.get()};
}

Engine::~Engine() = default;

void Engine::replace_rules(std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
                           std::shared_ptr<const TemplateRenderer> templates) {
  core_.replace_rules(std::move(directory), std::move(plans), std::move(templates));
}

std::string Engine::words(const std::string& name, const TemplateValues& values) const {
  return core_.words(name, values);
}

void Engine::record_refusal(std::string_view kind, std::string_view actor, std::string_view detail) {
  event(std::nullopt, std::nullopt, std::nullopt, kind, actor, detail);
}

void Engine::probe_store() {
  Store::Tx tx(store_);
  store_.heartbeat(core_.now_ms());
  tx.commit();
}

// ---- the lifecycle

IngestOutcome Engine::ingest(const Warning& warning, std::string_view raw, std::string_view actor) {
  return lifecycle_.ingest(warning, raw, actor);
}

// ---- the tick: the warnings that expired, then each duty, the duty rooms' digests, and one
// batch of due callouts

int Engine::tick() {
  int moved = 0;
  for (bool more = true; more;) moved += tick_step(more);
  return moved;
}

int Engine::tick_step(bool& more) {
  int moved = lifecycle_.expire();
  for (Duty* duty : duties_) moved += duty->tick();
  moved += ladder_.tick_digests();
  return moved + ladder_.tick_due(more);
}

// ---- answers

AckOutcome Engine::ack(int64_t callout_id, std::string_view via, std::string_view actor) {
  return ladder_.answer(callout_id, via, actor);
}

bool Engine::call_result(const CallResult& r, std::string_view actor) {
  const std::optional<LeftSending> call = store_.message_on(r.message_id, "ivr");
  if (!call) return false;
  const int64_t callout_id = call->callout_id, warning_id = call->warning_id;
  // A spot check's questionnaire: scored, never an answer (the post answered before).
  if (const std::optional<SpotCheckRow> check = store_.spot_check_of_message(r.message_id))
    return spot_check_result(r, *check, actor);
  const std::optional<CalloutRow> callout = store_.callout(callout_id);
  if (!callout) return false;
  const bool confirmed = r.dtmf.find('1') != std::string::npos;
  // With ack: read, a call heard to the end is the phone's read receipt.
  const bool heard = r.status_code == "200000" && core_.snapshot_plan(callout->snapshot_id).ack == AckMode::read;
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

ReportOutcome Engine::file_report(int64_t callout_id, const ReportFiling& filing, std::string_view actor) {
  return reports_->file_report(callout_id, filing, actor);
}
ReportOutcome Engine::report_status(int64_t callout_id) { return reports_->report_status(callout_id); }

std::string Engine::ack_url(int64_t callout_id) const { return core_.ack_url(callout_id); }
bool Engine::verify_ack_token(int64_t callout_id, std::string_view token) const {
  return core_.verify_ack_token(callout_id, token);
}
std::string Engine::report_url(int64_t callout_id) const { return core_.report_url(callout_id); }
bool Engine::verify_report_token(int64_t callout_id, std::string_view token) const {
  return core_.verify_report_token(callout_id, token);
}

// ---- the outbox

std::vector<SendJob> Engine::claim_messages(const ClaimRequest& request) { return outbox_.claim(request); }
std::vector<SendJob> Engine::claim_messages(size_t limit) { return outbox_.claim(limit); }
void Engine::complete_messages(const std::vector<Completion>& completions) {
  outbox_.complete(completions);
  // A spot check whose call could not be placed ends there (its report never comes). Only a
  // refusal or a retry can end a call unplaced: the hot path of sent messages asks nothing.
  for (const Completion& c : completions)
    if (c.result.outcome == SendOutcome::failed || c.result.outcome == SendOutcome::retry)
      spot_check_unplaced(c.message_id, c.result.detail);
}
int Engine::recover() { return outbox_.recover(); }
int Engine::release_holds(std::string_view channel, std::string_view kind, std::string_view detail) {
  return outbox_.release_holds(channel, kind, detail);
}
void Engine::channel_event(std::string_view channel, std::string_view kind, std::string_view actor,
                           std::string_view detail) {
  outbox_.channel_event(channel, kind, actor, detail);
}
std::vector<PlacedCall> Engine::recent_calls(TimePoint since) { return outbox_.recent_calls(since); }

// ---- the loudspeakers, claimed and completed like messages

std::vector<Engine::BroadcastJob> Engine::claim_broadcasts(size_t limit) { return loudspeakers_->claim(limit); }
void Engine::complete_broadcast(int64_t broadcast_id, const SendResult& result) {
  loudspeakers_->complete(broadcast_id, result);
}
bool Engine::broadcast_report(const PlaybackReport& report, std::string_view actor) {
  return loudspeakers_->report(report, actor);
}

}  // namespace jiaoying
