// Engine: construction, the audit trail, plan snapshots and warning rows, the close of a warning,
// link tokens, and answers (a link, a call's key, by hand) with the post they cover. The ladder is
// in engine_ladder.cc, the outbox in engine_outbox.cc.
#include "daemon/engine.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/ivr/aliyun_vms.h"
#include "channels/zzd/signature.h"
#include "daemon/engine_internal.h"

namespace jiaoying {

namespace json = boost::json;

Engine::Engine(Db& db, const Clock& clock, EngineSettings settings,
               std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
               std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels)
    : db_(db),
      store_(db),
      clock_(clock),
      settings_(std::move(settings)),
      directory_(std::move(directory)),
      plans_(std::move(plans)),
      templates_(std::move(templates)),
      channels_(std::move(channels)),
      st_(std::make_unique<Statements>(db)) {}

Engine::~Engine() = default;

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
  Stmt s = db_.prepare("SELECT plan_name, file, yaml FROM plan_snapshots WHERE id = ?");
  s.bind(1, snapshot_id);
  if (!s.step()) throw SqliteError(fmt::format("plan snapshot {} is missing", snapshot_id));
  LoadErrors errors;
  // The snapshot was valid when taken; re-read it with every channel name allowed so a
  // channel removed from the config later cannot strand a running warning.
  std::set<std::string> any_channel = channels_;
  for (const Medium& m : media()) any_channel.insert(std::string(m.name));
  auto plans = load_plan_file(s.text(2), s.text(1), any_channel, errors);
  if (!plans) throw SqliteError(fmt::format("plan snapshot {} no longer parses: {}", snapshot_id,
                                            errors.empty() ? "" : errors.front().text()));
  const std::string name = s.text(0);
  for (Plan& plan : *plans)  // a file of level sections holds several plans; the snapshot names one
    if (plan.name == name) return snapshot_cache_.emplace(snapshot_id, std::move(plan)).first->second;
  throw SqliteError(fmt::format("plan snapshot {} holds no plan named {}", snapshot_id, name));
}

const Engine::WarningRow& Engine::warning_row(int64_t warning_id) {
  auto it = warning_cache_.find(warning_id);
  if (it != warning_cache_.end()) return *it->second;
  Stmt s = db_.prepare(
      "SELECT sender, identifier, sent, source, hazard, level, areas, headline, description, status, sender_name "
      "FROM warnings WHERE id = ?");
  s.bind(1, warning_id);
  if (!s.step()) throw SqliteError(fmt::format("warning {} is missing", warning_id));
  auto row = std::make_unique<WarningRow>();
  Warning& w = row->warning;
  w.sender = s.text(0);
  w.identifier = s.text(1);
  w.sent = from_epoch_ms(s.int64(2));
  w.source = s.text(3);
  w.hazard = s.text(4);
  w.level = parse_level(s.text(5)).value_or(Level::blue);
  w.headline = s.text(7);
  w.description = s.text(8);
  w.sender_name = s.text(10);
  row->drill = s.text(9) == "exercise";
  Stmt reports = db_.prepare("SELECT EXISTS (SELECT 1 FROM reports WHERE warning_id = ?)");
  reports.bind(1, warning_id);
  row->owes_reports = reports.step() && reports.int64(0) != 0;
  const json::value areas = json::parse(s.text(6));
  for (const auto& a : areas.as_array()) w.areas.emplace_back(a.as_string());
  // Messages name the warned areas that are ours (a city's warning, in a county: that county).
  for (const std::string& code : split_areas(w.areas, *directory_).ours)
    row->areas_zh += (row->areas_zh.empty() ? "" : "、") + directory_->area(code)->name;
  if (row->areas_zh.empty()) row->areas_zh = "按预警图形划定的范围";
  return *warning_cache_.emplace(warning_id, std::move(row)).first->second;
}

void Engine::close_warning_if_done(int64_t warning_id) {
  // Cheap first (callouts_tally, by its state prefix): most answers leave others still open.
  {
    Stmt& any_open = st_->any_open;
    any_open.reset();
    any_open.bind(1, warning_id);
    const bool open = any_open.step();
    any_open.reset();
    if (open) return;
  }
  Stmt open = db_.prepare(
      "SELECT COUNT(*) FILTER (WHERE state IN ('pending','calling')), "
      "COUNT(*) FILTER (WHERE kind = 'primary' AND state IN ('answered','covered')), "
      "COUNT(*) FILTER (WHERE kind = 'primary' AND state = 'exhausted'), "
      "COUNT(*) FILTER (WHERE kind = 'primary'), COUNT(*) FILTER (WHERE kind != 'primary') "
      "FROM callouts WHERE warning_id = ?");
  open.bind(1, warning_id);
  open.step();
  if (open.int64(0) > 0) return;
  Stmt reports = db_.prepare("SELECT COUNT(*) FROM reports WHERE warning_id = ? AND state = 'due'");
  reports.bind(1, warning_id);
  if (reports.step() && reports.int64(0) > 0) return;  // still waiting for a report-back
  Stmt loudspeakers = db_.prepare(
      "SELECT 1 FROM broadcasts WHERE warning_id = ? AND state IN ('queued','sending','sent') LIMIT 1");
  loudspeakers.bind(1, warning_id);
  if (loudspeakers.step()) return;  // still waiting for the platform to take it, or for its playback report
  store_.move_warning(WarningMove::close, warning_id,
                      {"warning_closed", "engine",
                       fmt::format("every callout ended: {} of {} posts answered, {} exhausted; {} raised",
                                   open.int64(1), open.int64(3), open.int64(2), open.int64(4))},
                      to_epoch_ms(clock_.now()));
}

// ---------------------------------------------------------------------------------------------
// Answers

std::string Engine::ack_token(int64_t callout_id) const { return link_token("ack", callout_id); }

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
  Stmt q = db_.prepare(
      "SELECT m.callout_id, c.warning_id, m.channel, c.snapshot_id FROM messages m "
      "JOIN callouts c ON c.id = m.callout_id WHERE m.id = ?");
  q.bind(1, r.message_id);
  if (!q.step() || q.text(2) != "ivr") return false;
  const int64_t callout_id = q.int64(0), warning_id = q.int64(1);
  const bool confirmed = r.dtmf.find('1') != std::string::npos;
  // With ack: read, a call heard to the end is the phone's read receipt.
  const bool heard = r.status_code == "200000" && snapshot_plan(q.int64(3)).ack == AckMode::read;
  // One transaction: the call's outcome and the answer it may be.
  Transaction tx(db_);
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
  // Two indexed look-ups (the post's seats by callouts_post, what was raised for them by
  // callouts_escalated) rather than one OR that would scan every callout of the warning.
  Stmt& seats = st_->post_seats;
  seats.reset();
  seats.bind(1, warning_id).bind(2, answered_id);
  std::vector<int64_t> post_ids, ids;
  while (seats.step()) {
    post_ids.push_back(seats.int64(0));
    const auto state = parse_state<CalloutState>(seats.text(1));
    if (seats.int64(0) != answered_id && state && is_open(*state)) ids.push_back(seats.int64(0));
  }
  seats.reset();
  Stmt& raised = st_->raised_for;
  for (int64_t seat : post_ids) {
    raised.reset();
    raised.bind(1, seat);
    while (raised.step()) ids.push_back(raised.int64(0));
  }
  raised.reset();
  for (int64_t id : ids) {
    if (store_.end_callout(CalloutMove::cover, warning_id, id,
                           {"covered", "engine", fmt::format("the post was answered (callout {})", answered_id)}, now))
      store_.cancel_messages(warning_id, id, std::nullopt, "post answered", "engine", now);
  }
}

AckOutcome Engine::ack(int64_t callout_id, std::string_view via, std::string_view actor) {
  AckOutcome out;
  Stmt& q = st_->callout_for_ack;
  q.reset();
  q.bind(1, callout_id);
  if (!q.step()) return out;
  const CalloutState state = parse_state<CalloutState>(q.text(0)).value_or(CalloutState::cancelled);
  const std::optional<int64_t> first_sent = q.opt_int64(4);
  const std::string kind = q.text(5);
  out.warning_id = q.int64(1);
  out.person_name = q.text(2);
  out.headline = q.text(3);
  q.reset();
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
  Transaction tx(db_);
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
