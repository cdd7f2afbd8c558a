#include "daemon/engine.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <tuple>

#include "channels/ivr/aliyun_vms.h"
#include "channels/zzd/signature.h"
#include "daemon/engine_internal.h"
#include "rules/ladder.h"

namespace jiaoying {

namespace json = boost::json;



Engine::Engine(Db& db, const Clock& clock, EngineSettings settings,
               std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
               std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels)
    : db_(db),
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
  Stmt& s = st_->insert_event;
  s.reset();
  s.bind(1, to_epoch_ms(clock_.now())).bind(2, warning).bind(3, callout).bind(4, message);
  s.bind(5, kind).bind(6, actor).bind(7, detail).run();
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
  for (const char* c : {"zzd", "sms", "ivr", "broadcast", "webhook"}) any_channel.insert(c);
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
      "SELECT sender, identifier, sent, source, hazard, level, areas, headline, description, status "
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
  row->drill = s.text(9) == "exercise";
  Stmt reports = db_.prepare("SELECT EXISTS (SELECT 1 FROM reports WHERE warning_id = ?)");
  reports.bind(1, warning_id);
  row->owes_reports = reports.step() && reports.int64(0) != 0;
  const json::value areas = json::parse(s.text(6));
  for (const auto& a : areas.as_array()) {
    w.areas.emplace_back(a.as_string());
    const Area* area = directory_->area(w.areas.back());
    row->areas_zh += (row->areas_zh.empty() ? "" : "、") + (area ? area->name : w.areas.back());
  }
  if (row->areas_zh.empty()) row->areas_zh = "按预警图形划定的范围";
  return *warning_cache_.emplace(warning_id, std::move(row)).first->second;
}

void Engine::queue_messages(int64_t callout_id, const std::vector<std::string>& channels, int step_index,
                            const std::string& key_part, int attempt, const std::string& notice,
                            const std::string& tag) {
  Stmt& c = st_->callout_for_step;
  c.reset();
  c.bind(1, callout_id);
  if (!c.step()) return;
  const int64_t warning_id = c.int64(0);
  const std::string person_name = c.text(1), zzd_account = c.text(2), mobile = c.text(3);
  const WarningRow& row = warning_row(warning_id);
  const Warning& w = row.warning;
  TemplateValues values{
      {"headline", w.headline},
      {"description", w.description},
      {"hazard_zh", std::string(find_hazard(w.hazard) ? find_hazard(w.hazard)->zh : w.hazard)},
      {"level_zh", std::string(level_zh(w.level))},
      {"areas_zh", row.areas_zh},
      {"sender", w.sender},
      {"sent", format_china_time(w.sent)},
      {"person_name", person_name},
      {"area_name", c.text(4)},
      {"role", c.text(5)},
      {"seat", c.text(6)},
      {"attempt", std::to_string(attempt)},
      {"repeat", attempt > 1 ? "yes" : ""},
      {"notice", notice},
      {"tag", tag},
      {"drill", row.drill ? "【演练】" : ""},
      {"report_due", ""},
  };
  // A post of an area that owes the report-back is asked for it on every card.
  bool owes_report = false;
  if (row.owes_reports && (c.text(10) == "primary" || c.text(10) == "deputy")) {
    Stmt& r = st_->report_owed;
    r.reset();
    r.bind(1, warning_id).bind(2, c.text(7));
    if (r.step()) {
      values["report_due"] = format_china_clock(from_epoch_ms(r.int64(0))).substr(0, 5);
      owes_report = true;
    }
    r.reset();
  }
  // A text carries the person's reply code (回复1确认收到).
  if (!mobile.empty() && std::find(channels.begin(), channels.end(), "sms") != channels.end())
    values["sms_code"] = std::to_string(sms_code_for(callout_id, mobile));
  const int64_t now = to_epoch_ms(clock_.now());
  // Red before orange before yellow; a first notice before a repeat.
  const int priority = static_cast<int>(w.level) * 10 + (step_index == 0 ? 1 : 0);
  for (const std::string& channel : channels) {
    std::string title = templates_->render(channel + ".title", values);
    std::string body = templates_->render(channel + ".body", values);
    if (title.empty()) title = w.headline;
    std::string key = fmt::format("w{}-c{}-{}-{}", warning_id, callout_id, key_part, channel);
    if (step_index >= 0) {
      st_->supersede_queued.reset();
      st_->supersede_queued.bind(1, fmt::format("superseded by step {}", step_index + 1)).bind(2, now)
          .bind(3, callout_id).bind(4, channel).run();
    }
    bool ok = reachable_on(channel, zzd_account, mobile, c.text(11));
    Stmt& m = st_->insert_message;
    m.reset();
    m.bind(1, callout_id).bind(2, step_index).bind(3, channel).bind(4, key).bind(5, priority)
        .bind(6, ok ? "queued" : "failed").bind(7, now).bind(8, title).bind(9, body).bind(10, now)
        .bind(11, now);
    if (ok) m.bind(12, std::nullopt); else m.bind(12, "no contact for this channel");
    m.bind(13, owes_report ? 1 : 0);
    m.run();
    if (!ok)
      event(warning_id, callout_id, db_.last_insert_id(), "message_failed", "engine",
            fmt::format("{} has no contact for {}", person_name, channel));
  }
}


// One step of a primary callout's ladder: the A seat (this callout), the B deputy of the same
// post, the superior posts, the duty officer — as the step says.
void Engine::run_step(int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index) {
  const LadderStep& step = plan.ladder[static_cast<size_t>(step_index)];
  Stmt s = db_.prepare(
      "SELECT warning_id, person_id, person_name, area_code, area_name, role, seat, tier FROM callouts "
      "WHERE id = ?");
  s.bind(1, callout_id);
  if (!s.step()) return;
  const int64_t warning_id = s.int64(0);
  const std::string person_id = s.text(1), person_name = s.text(2), area_code = s.text(3),
                    area_name = s.text(4), role = s.text(5), seat = s.text(6), tier = s.text(7);
  const std::string waited = format_duration(step.after);

  // At night the first step also rings (the plan's night rule): a card alone wakes nobody.
  std::vector<std::string> channels = step.channels;
  if (step_index == 0 && plan.night && is_night(*plan.night, clock_.now()))
    for (const std::string& c : plan.night->first)
      if (std::find(channels.begin(), channels.end(), c) == channels.end()) channels.push_back(c);

  if (!channels.empty() && step.seat != SeatChoice::B)
    queue_messages(callout_id, channels, step_index, fmt::format("s{}", step_index), step_index + 1, "", "");

  if (!step.channels.empty() && step.seat != SeatChoice::A) {
    const Person* deputy = seat == "A" ? directory_->holder(area_code, role, Seat::B) : nullptr;
    if (!deputy || deputy->id == person_id) {
      event(warning_id, callout_id, std::nullopt, "post_unfilled", "engine",
            fmt::format("{} {}: no B seat to call at step {}", area_name, role, step_index + 1));
    } else {
      int64_t id = secondary_callout(warning_id, snapshot_id, plan, callout_id, "deputy", *deputy,
                                     area_code, role, Seat::B);
      queue_messages(id, step.channels, step_index, fmt::format("s{}", step_index), 1,
                     fmt::format("A岗{}已{}未确认收到，请您（B岗）立即确认并履职。", person_name, waited), "【B岗】");
    }
  }

  if (step.notify == Notify::superior) {
    const auto& channels = step.channels.empty() ? plan.ladder.front().channels : step.channels;
    if (notify_superiors(callout_id, snapshot_id, plan, step_index, channels,
                         fmt::format("督办：您的下级 {} {}（{}）已{}未确认收到本预警，请立即督促。", area_name,
                                     role, person_name, waited)) == 0)
      event(warning_id, callout_id, std::nullopt, "post_unfilled", "engine",
            fmt::format("{} {}: no superior post to notify at step {}", area_name, role, step_index + 1));
  }

  if (step.notify == Notify::duty_officer)
    tell_duty_officer(callout_id, snapshot_id, plan, step_index,
                      fmt::format("{} {}（{}）已{}未确认收到", area_name, role, person_name, waited));
}

int Engine::notify_superiors(int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index,
                             const std::vector<std::string>& channels, const std::string& notice) {
  Stmt s = db_.prepare("SELECT warning_id, person_id, area_code FROM callouts WHERE id = ?");
  s.bind(1, callout_id);
  if (!s.step()) return 0;
  const int64_t warning_id = s.int64(0);
  const std::string person_id = s.text(1), area_code = s.text(2);
  const Area* area = directory_->area(area_code);
  const Area* parent = area ? directory_->area(area->parent) : nullptr;
  if (!parent) return 0;
  std::vector<std::string> roles;
  for (const RecipientRule& rule : plan.recipients)
    if (rule.tier == parent->tier) roles.insert(roles.end(), rule.roles.begin(), rule.roles.end());
  int raised = 0;
  for (const std::string& superior_role : roles) {
    Seat superior_seat = Seat::A;
    const Person* boss = directory_->holder(parent->code, superior_role, Seat::A);
    if (!boss) boss = directory_->holder(parent->code, superior_role, superior_seat = Seat::B);
    if (!boss || boss->id == person_id) continue;
    int64_t id = secondary_callout(warning_id, snapshot_id, plan, callout_id, "superior", *boss, parent->code,
                                   superior_role, superior_seat);
    queue_messages(id, channels, step_index, fmt::format("s{}", step_index), 1, notice, "【督办】");
    ++raised;
  }
  return raised;
}

// The duty officer hears about a warning once (one callout per officer per warning, one card);
// every later silence is an event they see in `jiaoying show`, not another card.
void Engine::tell_duty_officer(int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index,
                               const std::string& why) {
  Stmt s = db_.prepare("SELECT warning_id, area_code FROM callouts WHERE id = ?");
  s.bind(1, callout_id);
  if (!s.step()) return;
  const int64_t warning_id = s.int64(0);
  const std::string area_code = s.text(1);
  // An exhaustion after the duty officer was raised is an event on their callout, not another card.
  raise_duty_officer(warning_id, callout_id, area_code, snapshot_id, plan, step_index, fmt::format("s{}", step_index),
                     why, false);
}

void Engine::tell_duty_officer_of_area(int64_t warning_id, const std::string& area_code, int64_t snapshot_id,
                                       const Plan& plan, const std::string& key_part, const std::string& why) {
  raise_duty_officer(warning_id, std::nullopt, area_code, snapshot_id, plan, -1, key_part, why, true);
}

void Engine::raise_duty_officer(int64_t warning_id, std::optional<int64_t> source, const std::string& area_code,
                                int64_t snapshot_id, const Plan& plan, int step_index, const std::string& key_part,
                                const std::string& why, bool message_again) {
  const std::string notice = fmt::format("值班提醒：{}。请查看叫应情况（jiaoying show）并人工处置。", why);
  std::vector<const Area*> chain{directory_->area(area_code)};
  for (const Area* up : directory_->ancestors(area_code)) chain.push_back(up);
  for (const Area* area : chain) {
    if (!area) continue;
    for (Seat seat : {Seat::A, Seat::B}) {
      const Person* officer = directory_->holder(area->code, "duty_officer", seat);
      if (!officer) continue;
      Stmt existing = db_.prepare(
          "SELECT id FROM callouts WHERE warning_id = ? AND person_id = ? AND kind = 'duty_officer'");
      existing.bind(1, warning_id).bind(2, officer->id);
      if (existing.step()) {
        const int64_t id = existing.int64(0);
        event(warning_id, id, std::nullopt, "duty_officer_told", "engine", why);
        if (message_again) queue_messages(id, plan.ladder.front().channels, step_index, key_part, 1, notice, "【值班】");
        return;
      }
      int64_t id = secondary_callout(warning_id, snapshot_id, plan, std::nullopt, "duty_officer", *officer,
                                     area->code, "duty_officer", seat);
      event(warning_id, id, std::nullopt, "duty_officer_told", "engine", why);
      queue_messages(id, plan.ladder.front().channels, step_index, key_part, 1, notice, "【值班】");
      return;
    }
  }
  event(warning_id, source, std::nullopt, "post_unfilled", "engine",
        "no duty_officer post above " + (area_code.empty() ? std::string("the warned areas") : area_code) +
            " to tell: " + why);
}

int64_t Engine::secondary_callout(int64_t warning_id, int64_t snapshot_id, const Plan& plan,
                                  std::optional<int64_t> source, std::string_view kind, const Person& person,
                                  const std::string& area_code, const std::string& role, Seat seat) {
  Stmt find = db_.prepare(
      "SELECT id FROM callouts WHERE warning_id = ? AND person_id = ? AND kind = ? "
      "AND IFNULL(escalated_from, 0) = ?");
  find.bind(1, warning_id).bind(2, person.id).bind(3, kind).bind(4, source.value_or(0));
  if (find.step()) return find.int64(0);
  const Area* area = directory_->area(area_code);
  const int64_t now = to_epoch_ms(clock_.now());
  // Raised callouts climb no ladder of their own (the source's ladder drives them); they end
  // when answered, when the post is answered (covered), or at the plan's deadline.
  db_.prepare(
         "INSERT INTO callouts(warning_id, snapshot_id, person_id, person_name, zzd_account, mobile, area_code, "
         "area_name, role, seat, tier, kind, escalated_from, state, next_step, next_due_at, started_at, landline) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'calling',?,?,?,?)")
      .bind(1, warning_id).bind(2, snapshot_id).bind(3, person.id).bind(4, person.name)
      .bind(5, person.zzd_account).bind(6, person.mobile).bind(7, area_code)
      .bind(8, area ? area->name : area_code).bind(9, role).bind(10, seat_name(seat))
      .bind(11, area ? tier_name(area->tier) : "").bind(12, kind).bind(13, source)
      .bind(14, static_cast<int64_t>(plan.ladder.size())).bind(15, now + plan.deadline.count()).bind(16, now)
      .bind(17, person.landline)
      .run();
  int64_t id = db_.last_insert_id();
  const char* label = kind == "deputy" ? "the B seat is called" : kind == "superior" ? "the post above is told"
                                                                                 : "the duty officer is told";
  event(warning_id, id, std::nullopt, "escalated", "engine",
        source ? fmt::format("{} for #{}", label, *source) : std::string(label));
  return id;
}

int Engine::tick() {
  int moved = expire_warnings() + tick_reports() + tick_broadcasts();
  for (;;) {
    const TimePoint now = clock_.now();
    struct Due {
      int64_t id, warning_id, snapshot_id, started_at, next_step;
      std::string kind;
    };
    std::vector<Due> due;
    {
      Stmt& q = st_->due_callouts;
      q.reset();
      q.bind(1, to_epoch_ms(now)).bind(2, settings_.tick_batch);
      while (q.step()) due.push_back({q.int64(0), q.int64(1), q.int64(2), q.int64(3), q.int64(4), q.text(6)});
      q.reset();
    }
    if (due.empty()) break;
    std::set<int64_t> touched_warnings;
    Transaction tx(db_);
    for (const Due& d : due) {
      const Plan& plan = snapshot_plan(d.snapshot_id);
      LadderDecision decision =
          decide_step(plan.ladder, plan.deadline,
                      LadderPosition{from_epoch_ms(d.started_at), static_cast<int>(d.next_step)}, now,
                      settings_.collapse_after);
      if (decision.run_step >= 0) {
        const LadderStep& step = plan.ladder[static_cast<size_t>(decision.run_step)];
        run_step(d.id, d.snapshot_id, plan, decision.run_step);
        st_->advance_callout.reset();
        st_->advance_callout.bind(1, decision.run_step + 1).bind(2, to_epoch_ms(decision.next_due))
            .bind(3, d.id).run();
        std::string what;
        for (const auto& c : step.channels) what += (what.empty() ? "" : ",") + c;
        if (decision.run_step == 0 && plan.night && is_night(*plan.night, now))
          for (const auto& c : plan.night->first) what += (what.empty() ? "" : ",") + c + " (night rule)";
        if (step.seat != SeatChoice::A) what += step.seat == SeatChoice::B ? " to the B seat" : " to both seats";
        if (step.notify != Notify::none) what += fmt::format("{}notify {}", what.empty() ? "" : "; ", notify_name(step.notify));
        event(d.warning_id, d.id, std::nullopt, decision.run_step == 0 ? "notified" : "renotified",
              "engine",
              fmt::format("step {} (after {}): {}", decision.run_step + 1, format_duration(step.after), what));
        if (decision.skipped > 0 || decision.late > settings_.collapse_after)
          event(d.warning_id, d.id, std::nullopt, "step_late", "engine",
                fmt::format("step {} ran {} late; {} overdue step(s) collapsed into it",
                            decision.run_step + 1, format_duration(decision.late), decision.skipped));
      } else if (decision.exhausted) {
        st_->exhaust_callout.reset();
        st_->exhaust_callout.bind(1, d.id).run();
        event(d.warning_id, d.id, std::nullopt, "exhausted", "engine",
              fmt::format("no answer within {}: every step ran; the duty officer must act",
                          format_duration(plan.deadline)));
        if (d.kind == "primary")
          tell_duty_officer(d.id, d.snapshot_id, plan, static_cast<int>(plan.ladder.size()),
                            fmt::format("{}内无人应答，叫应已用尽", format_duration(plan.deadline)));
        touched_warnings.insert(d.warning_id);
      } else {
        db_.prepare("UPDATE callouts SET next_due_at = ? WHERE id = ?")
            .bind(1, to_epoch_ms(decision.next_due)).bind(2, d.id).run();
      }
      ++moved;
    }
    for (int64_t w : touched_warnings) close_warning_if_done(w);
    tx.commit();
    if (static_cast<int>(due.size()) < settings_.tick_batch) break;
  }
  return moved;
}

void Engine::close_warning_if_done(int64_t warning_id) {
  // Cheap first (callouts_open): most answers leave others still open.
  Stmt any_open = db_.prepare("SELECT 1 FROM callouts WHERE warning_id = ? AND state IN ('pending','calling') LIMIT 1");
  any_open.bind(1, warning_id);
  if (any_open.step()) return;
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
  Stmt upd = db_.prepare("UPDATE warnings SET state = 'closed' WHERE id = ? AND state = 'active'");
  upd.bind(1, warning_id).run();
  if (db_.changes() == 0) return;
  event(warning_id, std::nullopt, std::nullopt, "warning_closed", "engine",
        fmt::format("every callout ended: {} of {} posts answered, {} exhausted; {} raised", open.int64(1),
                    open.int64(3), open.int64(2), open.int64(4)));
}

// ---------------------------------------------------------------------------------------------
// Sending

std::vector<SendJob> Engine::claim_messages(size_t limit) {
  std::vector<SendJob> jobs;
  if (limit == 0) return jobs;
  const int64_t now = to_epoch_ms(clock_.now());
  {
    Stmt& q = st_->claimable;
    q.reset();
    q.bind(1, now).bind(2, static_cast<int64_t>(limit));
    while (q.step()) {
      SendJob job;
      job.message_id = q.int64(0);
      job.channel = q.text(1);
      job.message.message_id = job.message_id;
      job.message.idem_key = q.text(2);
      job.message.title = q.text(3);
      job.message.text = q.text(4);
      job.message.ack_url = ack_url(q.int64(5));
      job.message.person_name = q.text(6);
      job.message.zzd_account = q.text(7);
      job.message.mobile = q.text(8);
      if (q.int64(9) != 0) job.message.report_url = report_url(q.int64(5));
      job.message.landline = q.text(10);
      jobs.push_back(std::move(job));
    }
    q.reset();
  }
  if (jobs.empty()) return jobs;
  Transaction tx(db_);
  for (const SendJob& job : jobs) {
    st_->mark_sending.reset();
    st_->mark_sending.bind(1, now).bind(2, job.message_id).run();
  }
  tx.commit();
  return jobs;
}

void Engine::complete_messages(const std::vector<Completion>& completions) {
  if (completions.empty()) return;
  const int64_t now = to_epoch_ms(clock_.now());
  Transaction tx(db_);
  for (const Completion& c : completions) record_completion(c, now);
  tx.commit();
}

void Engine::record_completion(const Completion& completion, int64_t now) {
  const int64_t message_id = completion.message_id;
  const SendResult& result = completion.result;
  Stmt& q = st_->message_for_completion;
  q.reset();
  q.bind(1, message_id);
  if (!q.step()) return;
  const int64_t callout_id = q.int64(0), warning_id = q.int64(1), attempts = q.int64(2);
  const std::string state = q.text(3), channel = q.text(4);
  q.reset();
  if (state != "sending") return;  // recovered or ended meanwhile; nothing to record
  switch (result.outcome) {
    case SendOutcome::sent:
    case SendOutcome::duplicate:
      st_->mark_sent.reset();
      st_->mark_sent.bind(1, result.provider_ref).bind(2, now).bind(3, now).bind(4, message_id).run();
      st_->callout_sent.reset();
      st_->callout_sent.bind(1, now).bind(2, now).bind(3, callout_id).run();
      event(warning_id, callout_id, message_id, "message_sent", channel,
            result.outcome == SendOutcome::duplicate
                ? "the provider already had this message (sent before a restart)"
                : fmt::format("provider id {}", result.provider_ref));
      return;
    case SendOutcome::unknown:
      db_.prepare("UPDATE messages SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?")
          .bind(1, result.detail).bind(2, now).bind(3, message_id).run();
      event(warning_id, callout_id, message_id, "message_unknown", channel,
            fmt::format("{}; not tried again (a phone is rung at most once), the ladder goes on", result.detail));
      return;
    case SendOutcome::retry:
      if (attempts < settings_.max_attempts) {
        Millis backoff = settings_.retry_backoff * (int64_t{1} << std::min<int64_t>(attempts - 1, 6));
        st_->mark_retry.reset();
        st_->mark_retry.bind(1, now + backoff.count()).bind(2, result.detail).bind(3, now).bind(4, message_id).run();
        event(warning_id, callout_id, message_id, "message_retry", channel,
              fmt::format("attempt {} failed ({}); retrying in {}", attempts, result.detail,
                          format_duration(backoff)));
        return;
      }
      [[fallthrough]];
    case SendOutcome::failed:
      st_->mark_failed.reset();
      st_->mark_failed.bind(1, result.detail).bind(2, now).bind(3, message_id).run();
      event(warning_id, callout_id, message_id, "message_failed", channel,
            fmt::format("after {} attempt(s): {}", attempts, result.detail));
      return;
  }
}

int Engine::recover() {
  const int64_t now = to_epoch_ms(clock_.now());
  Transaction tx(db_);
  // A call or a text that was being sent may have gone out: never sent again (at-most-once; neither
  // platform de-duplicates).
  Stmt calls = db_.prepare(
      "SELECT m.id, m.callout_id, c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE m.state = 'sending' AND m.channel IN ('ivr', 'sms')");
  std::vector<std::tuple<int64_t, int64_t, int64_t>> unknown;
  while (calls.step()) unknown.emplace_back(calls.int64(0), calls.int64(1), calls.int64(2));
  for (const auto& [message, callout, warning] : unknown) {
    db_.prepare("UPDATE messages SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?")
        .bind(1, "jiaoyingd stopped while it was being sent").bind(2, now).bind(3, message).run();
    event(warning, callout, message, "message_unknown", "engine",
          "jiaoyingd stopped while this call or text was being sent; it may have gone out, so it is not sent again");
  }
  Stmt q = db_.prepare(
      "SELECT m.id, m.callout_id, c.warning_id, m.channel FROM messages m "
      "JOIN callouts c ON c.id = m.callout_id WHERE m.state = 'sending'");
  int n = 0;
  while (q.step()) {
    event(q.int64(2), q.int64(1), q.int64(0), "message_recovered", "engine",
          fmt::format("was being sent on {} when jiaoyingd stopped; resending with the same key",
                      q.text(3)));
    ++n;
  }
  // A broadcast being sent: again, under the same EBMID (the platform de-duplicates on it).
  Stmt b = db_.prepare("SELECT id, warning_id, ebm_id FROM broadcasts WHERE state = 'sending'");
  while (b.step()) {
    event(b.int64(1), std::nullopt, std::nullopt, "broadcast_recovered", "engine",
          fmt::format("EBM {} was being sent when jiaoyingd stopped; resending with the same EBMID", b.text(2)));
    ++n;
  }
  db_.prepare("UPDATE broadcasts SET state = 'queued', not_before = ?, updated_at = ? WHERE state = 'sending'")
      .bind(1, now).bind(2, now).run();
  db_.prepare("UPDATE messages SET state = 'queued', not_before = ?, updated_at = ? WHERE state = 'sending'")
      .bind(1, now).bind(2, now).run();
  tx.commit();
  return n;
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
  {
    Transaction tx(db_);
    event(warning_id, callout_id, r.message_id, "call_result", actor,
          fmt::format("{}{}{}", vms::call_status_text(r.status_code),
                      r.dtmf.empty() ? "" : fmt::format(", pressed {}", r.dtmf),
                      r.duration.empty() || r.duration == "0" ? "" : fmt::format(", {} s", r.duration)));
    tx.commit();
  }
  if (confirmed) ack(callout_id, "ivr", actor);
  else if (heard) ack(callout_id, "ivr-heard", actor);
  return true;
}

// A post is answered when either seat answers: the other seat's callout and the escalations
// raised for the post end as `covered`, and what is queued for them is cancelled.
void Engine::cover_post(int64_t warning_id, int64_t answered_id, int64_t now) {
  // Two indexed look-ups (the post's seats by callouts_post, what was raised for them by
  // callouts_escalated) rather than one OR that would scan every callout of the warning.
  Stmt seats = db_.prepare(
      "SELECT c.id, c.state FROM callouts c, callouts a WHERE a.id = ?2 AND c.warning_id = ?1 "
      "AND c.area_code = a.area_code AND c.role = a.role AND c.kind IN ('primary','deputy')");
  seats.bind(1, warning_id).bind(2, answered_id);
  std::vector<int64_t> post_ids, ids;
  while (seats.step()) {
    post_ids.push_back(seats.int64(0));
    const std::string state = seats.text(1);
    if (seats.int64(0) != answered_id && (state == "pending" || state == "calling")) ids.push_back(seats.int64(0));
  }
  Stmt raised = db_.prepare(
      "SELECT id FROM callouts WHERE escalated_from = ? AND kind = 'superior' AND state IN ('pending','calling')");
  for (int64_t seat : post_ids) {
    raised.reset();
    raised.bind(1, seat);
    while (raised.step()) ids.push_back(raised.int64(0));
  }
  for (int64_t id : ids) {
    db_.prepare("UPDATE callouts SET state = 'covered', next_due_at = NULL WHERE id = ?").bind(1, id).run();
    db_.prepare("UPDATE messages SET state = 'cancelled', error = 'post answered', updated_at = ? "
                "WHERE callout_id = ? AND state = 'queued'")
        .bind(1, now).bind(2, id).run();
    event(warning_id, id, std::nullopt, "covered", "engine",
          fmt::format("the post was answered (callout {})", answered_id));
  }
}

AckOutcome Engine::ack(int64_t callout_id, std::string_view via, std::string_view actor) {
  AckOutcome out;
  Stmt q = db_.prepare(
      "SELECT c.state, c.warning_id, c.person_name, w.headline, c.first_sent_at, c.kind FROM callouts c "
      "JOIN warnings w ON w.id = c.warning_id WHERE c.id = ?");
  q.bind(1, callout_id);
  if (!q.step()) return out;
  const std::string state = q.text(0);
  const std::optional<int64_t> first_sent = q.opt_int64(4);
  const std::string kind = q.text(5);
  out.warning_id = q.int64(1);
  out.person_name = q.text(2);
  out.headline = q.text(3);
  if (state == "answered") {
    out.kind = AckOutcome::Kind::already_answered;
    return out;
  }
  if (state == "cancelled" || state == "covered") {
    out.kind = AckOutcome::Kind::ended;
    return out;
  }
  const int64_t now = to_epoch_ms(clock_.now());
  out.late = state == "exhausted";
  Transaction tx(db_);
  db_.prepare("UPDATE callouts SET state = 'answered', answered_at = ?, answered_via = ?, answered_by = ?, "
              "answered_late = ?, next_due_at = NULL WHERE id = ?")
      .bind(1, now).bind(2, via).bind(3, actor).bind(4, out.late ? 1 : 0).bind(5, callout_id).run();
  db_.prepare("UPDATE messages SET state = 'cancelled', error = 'answered', updated_at = ? "
              "WHERE callout_id = ? AND state = 'queued'")
      .bind(1, now).bind(2, callout_id).run();
  int cancelled = db_.changes();
  if (kind == "primary" || kind == "deputy") cover_post(out.warning_id, callout_id, now);
  event(out.warning_id, callout_id, std::nullopt, "answered", actor,
        fmt::format("via {}{}{}{}", via,
                    first_sent ? " after " + format_duration(Millis((now - *first_sent) / 1000 * 1000)) : "",
                    out.late ? " (late: after exhaustion)" : "",
                    cancelled ? fmt::format("; {} queued message(s) cancelled", cancelled) : ""));
  close_warning_if_done(out.warning_id);
  tx.commit();
  out.kind = AckOutcome::Kind::answered;
  return out;
}

}  // namespace jiaoying
