// Engine: the ladder. The tick takes the callouts whose next look is due (by index, a bounded
// batch per transaction), asks rules/ladder what is due, runs the step — messages to the person,
// the B seat, the posts above, the duty officer — and stores the next look. A step that sends the
// person a notice holds the next rung until that notice has actually left (engine_outbox.cc
// releases it), so however slow a provider is, nobody hears step 2 before their own step 1.
#include <fmt/format.h>

#include <algorithm>

#include "daemon/engine.h"
#include "rules/ladder.h"
#include "rules/names.h"

namespace jiaoying {

std::optional<CalloutRow> Engine::callout_row(int64_t callout_id) { return store_.callout(callout_id); }

int Engine::queue_messages(int64_t callout_id, const std::vector<std::string>& channels, int step_index,
                           const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
                           const std::string& details) {
  auto row = callout_row(callout_id);
  return row ? queue_messages(*row, channels, step_index, key_part, attempt, notice, tag, details) : 0;
}

int Engine::queue_messages(const CalloutRow& c, const std::vector<std::string>& channels, int step_index,
                           const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
                           const std::string& details) {
  const WarningFacts& row = warning_row(c.warning_id);
  const Warning& w = row.warning;
  const HazardInfo* hazard = find_hazard(w.hazard);
  const Plan& plan = snapshot_plan(c.snapshot_id);
  const std::string family = template_family(plan, w.hazard);
  TemplateValues values{
      {"role_zh", std::string(role_zh(c.role))},
      {"sender_zh", w.sender_name.empty() ? std::string(source_zh(w.source)) : w.sender_name},
      {"sent_zh", time_zh(w.sent)},
      {"room_zh", std::string(family_room_zh(family))},
      {"headline", w.headline},
      {"description", w.description},
      {"hazard_zh", std::string(hazard ? hazard->zh : w.hazard)},
      {"level_zh", std::string(level_zh(w.level))},
      {"areas_zh", row.areas_zh},
      {"sender", w.sender},
      {"sent", format_china_time(w.sent)},
      {"person_name", c.person_name},
      {"area_name", c.area_name},
      {"role", c.role},
      {"seat", c.seat},
      {"attempt", std::to_string(attempt)},
      {"repeat", attempt > 1 ? "yes" : ""},
      {"notice", notice},
      {"details", details},
      {"tag", tag},
      {"drill", row.drill ? words("notice.drill.tag") : ""},
      {"report_due", ""},
  };
  // A post of an area that owes the report-back is asked for it on every card.
  bool owes_report = false;
  if (row.owes_reports && (c.kind == "primary" || c.kind == "deputy")) {
    if (const std::optional<int64_t> due = store_.report_owed_due(c.warning_id, c.area_code)) {
      values["report_due"] = format_china_clock(from_epoch_ms(*due)).substr(0, 5);
      owes_report = true;
    }
  }
  // A text carries the person's reply code (回复1确认收到).
  for (const std::string& channel : channels) {
    const Medium* medium = find_medium(channel);
    if (medium && medium->reply_codes && !c.mobile.empty()) {
      values["sms_code"] = std::to_string(sms_code_for(c.id, c.mobile));
      break;
    }
  }
  const int64_t now = to_epoch_ms(clock_.now());
  // Red before orange before yellow; a first notice before a repeat.
  const int priority = static_cast<int>(w.level) * 10 + (step_index == 0 ? 1 : 0);
  int queued = 0;
  for (const std::string& channel : channels) {
    std::vector<std::string> text = templates_->render(
        {templates_->pick(family, channel + ".title"), templates_->pick(family, channel + ".body")}, values);
    std::string& title = text[0];
    const std::string& body = text[1];
    if (title.empty()) title = w.headline;
    std::string key = fmt::format("w{}-c{}-{}-{}", c.warning_id, c.id, key_part, channel);
    // A later step replaces what an earlier one still has queued on the same channel.
    if (step_index > 0)
      store_.cancel_messages(c.warning_id, c.id, channel, fmt::format("superseded by step {}", step_index + 1), "engine",
                             now);
    const bool ok = reachable_on(channel, c.zzd_account, c.mobile, c.landline);
    NewMessage m;
    m.callout_id = c.id;
    m.step = step_index;
    m.channel = channel;
    m.idem_key = std::move(key);
    m.priority = priority;
    m.failed = !ok;
    if (!ok) m.error = "no contact for this channel";
    m.report = owes_report;
    m.title = std::move(title);
    m.body = body;
    m.now = now;
    const int64_t message_id = store_.insert_message(m);
    if (ok) {
      ++queued;
    } else {
      event(c.warning_id, c.id, message_id, "message_failed", "engine",
            fmt::format("{} has no contact for {}", c.person_name, channel));
    }
  }
  return queued;
}

// One step of a primary callout's ladder: the A seat (this callout), the B deputy of the same
// post, the superior posts, the duty officer — as the step says.
int Engine::run_step(const CalloutRow& c, const Plan& plan, int step_index) {
  const LadderStep& step = plan.ladder[static_cast<size_t>(step_index)];
  const std::string waited = format_duration(step.after);

  // At night the first step also rings (the plan's night rule): a card alone wakes nobody.
  std::vector<std::string> channels = step.channels;
  if (step_index == 0 && plan.night && is_night(*plan.night, clock_.now()))
    for (const std::string& ch : plan.night->first)
      if (std::find(channels.begin(), channels.end(), ch) == channels.end()) channels.push_back(ch);

  int to_self = 0;
  if (!channels.empty() && step.seat != SeatChoice::B)
    to_self = queue_messages(c, channels, step_index, fmt::format("s{}", step_index), step_index + 1, "", "");

  if (!step.channels.empty() && step.seat != SeatChoice::A) {
    const Person* deputy = c.seat == "A" ? directory_->holder(c.area_code, c.role, Seat::B) : nullptr;
    if (!deputy || deputy->id == c.person_id) {
      event(c.warning_id, c.id, std::nullopt, "post_unfilled", "engine",
            fmt::format("{} {}: no B seat to call at step {}", c.area_name, c.role, step_index + 1));
    } else {
      int64_t id = secondary_callout(c.warning_id, c.snapshot_id, plan, c.id, "deputy", *deputy, c.area_code, c.role,
                                     Seat::B);
      queue_messages(id, step.channels, step_index, fmt::format("s{}", step_index), 1,
                     words("notice.deputy", {{"a_person", c.person_name}, {"waited", waited}}),
                     words("notice.deputy.tag"));
    }
  }

  if (step.notify == Notify::superior) {
    const auto& notify_on = step.channels.empty() ? plan.ladder.front().channels : step.channels;
    if (notify_superiors(c.id, c.snapshot_id, plan, step_index, notify_on,
                         words("notice.superior",
                               {{"area_name", c.area_name},
                                {"role_zh", std::string(role_zh(c.role))},
                                {"person_name", c.person_name},
                                {"waited", waited}})) == 0)
      event(c.warning_id, c.id, std::nullopt, "post_unfilled", "engine",
            fmt::format("{} {}: no superior post to notify at step {}", c.area_name, c.role, step_index + 1));
  }

  if (step.notify == Notify::duty_officer)
    tell_duty_officer(c.id, c.snapshot_id, plan,
                      words("duty.silent", {{"post", post_zh(c.area_name, c.role, c.seat)},
                                            {"person_name", c.person_name},
                                            {"waited_zh", duration_zh(step.after)},
                                            {"tried", tried_text(c.id)}}));
  return to_self;
}

int Engine::notify_superiors(int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index,
                             const std::vector<std::string>& channels, const std::string& notice) {
  auto c = callout_row(callout_id);
  if (!c) return 0;
  const Area* area = directory_->area(c->area_code);
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
    if (!boss || boss->id == c->person_id) continue;
    int64_t id = secondary_callout(c->warning_id, snapshot_id, plan, callout_id, "superior", *boss, parent->code,
                                   superior_role, superior_seat);
    queue_messages(id, channels, step_index, fmt::format("s{}", step_index), 1, notice, words("notice.superior.tag"));
    ++raised;
  }
  return raised;
}

// The duty room hears of every matter — an exhaustion, an overdue report-back, a step's
// `notify: duty_officer`, the loudspeakers — each as an event on the officer's callout, and all
// of them in at most one message a minute (tick_duty_digests): a bad night is a few messages
// naming every post, not hundreds of cards.
void Engine::tell_duty_officer(int64_t callout_id, int64_t snapshot_id, const Plan& plan, const std::string& why) {
  auto c = callout_row(callout_id);
  if (!c) return;
  raise_duty_officer(c->warning_id, callout_id, c->area_code, snapshot_id, plan, why);
}

void Engine::tell_duty_officer_of_area(int64_t warning_id, const std::string& area_code, int64_t snapshot_id,
                                       const Plan& plan, const std::string& why) {
  std::string area = area_code;
  if (area.empty()) {  // a matter of the whole warning: the duty room of its first area of ours
    const auto ours = split_areas(warning_row(warning_id).warning.areas, *directory_).ours;
    if (!ours.empty()) area = ours.front();
  }
  raise_duty_officer(warning_id, std::nullopt, area, snapshot_id, plan, why);
}

void Engine::raise_duty_officer(int64_t warning_id, std::optional<int64_t> source, const std::string& area_code,
                                int64_t snapshot_id, const Plan& plan, const std::string& why) {
  const DutyOfficer officer = duty_officer_for(*directory_, area_code, plan.duty_room);
  if (!officer.person) {
    event(warning_id, source, std::nullopt, "post_unfilled", "engine",
          fmt::format("no {} duty room (duty_officer post) above {} to tell: {}", tier_name(plan.duty_room),
                      area_code.empty() ? std::string("the warned areas") : area_code, why));
    return;
  }
  const std::optional<int64_t> existing = store_.find_duty_officer(warning_id, officer.person->id);
  const int64_t id = existing ? *existing
                              : secondary_callout(warning_id, snapshot_id, plan, std::nullopt, "duty_officer",
                                                  *officer.person, officer.area->code, "duty_officer", officer.seat);
  event(warning_id, id, std::nullopt, "duty_officer_told", "engine", why);
  // Due now, or a minute after the last message to this duty room; already due stays as it is.
  store_.schedule_digest(id, to_epoch_ms(clock_.now()), settings_.duty_digest_every.count());
}

// What was tried for a callout, as the duty officer reads it: "浙政钉 3 次、电话 1 次（未接通）".
std::string Engine::tried_text(int64_t callout_id) {
  std::string out;
  for (const Tried& t : store_.tried(callout_id)) {
    const Medium* m = find_medium(t.channel);
    const int64_t sent = t.sent, failed = t.failed;
    if (sent == 0 && failed == 0) continue;
    out += fmt::format("{}{} {} 次{}", out.empty() ? "" : "、", m ? m->zh : t.channel, sent + failed,
                       failed ? fmt::format("（{} 次失败）", failed) : std::string());
  }
  return out.empty() ? "尚未发出任何通知" : "已发 " + out;
}

// One message per duty room with every matter since its last one.
int Engine::tick_duty_digests() {
  const int64_t now = to_epoch_ms(clock_.now());
  const std::vector<DueDigest> due = store_.due_digests(now, 100);
  if (due.empty()) return 0;
  Store::Tx tx(store_);
  for (const DueDigest& d : due) {
    std::vector<std::string> lines;
    int64_t last = d.through;
    for (const ToldMatter& m : store_.told_since(d.callout_id, d.through)) {
      last = m.event_id;
      lines.push_back(fmt::format("{} {}", format_china_clock(from_epoch_ms(m.at)).substr(0, 5), m.detail));
    }
    constexpr size_t kListed = 12;  // a card a person reads at 02:00; the rest is in `jiaoying show`
    std::string details;
    for (size_t i = 0; i < lines.size() && i < kListed; ++i) details += fmt::format("{}. {}\n", i + 1, lines[i]);
    if (lines.size() > kListed)
      details += words("notice.digest_more", {{"more", std::to_string(lines.size() - kListed)},
                                              {"warning_id", std::to_string(d.warning_id)}}) +
                 "\n";
    if (!lines.empty()) {
      const std::string notice = words(
          "notice.digest", {{"count", std::to_string(lines.size())}, {"warning_id", std::to_string(d.warning_id)}});
      queue_messages(d.callout_id, snapshot_plan(d.snapshot_id).ladder.front().channels, 0, fmt::format("d{}", last),
                     1, notice, words("notice.digest.tag"), details);
    }
    store_.digest_sent(d.callout_id, now, last);
  }
  tx.commit();
  return static_cast<int>(due.size());
}

int64_t Engine::secondary_callout(int64_t warning_id, int64_t snapshot_id, const Plan& plan,
                                  std::optional<int64_t> source, std::string_view kind, const Person& person,
                                  const std::string& area_code, const std::string& role, Seat seat) {
  if (auto found = store_.find_raised(warning_id, person.id, kind, source)) return *found;
  const Area* area = directory_->area(area_code);
  const int64_t now = to_epoch_ms(clock_.now());
  // Raised callouts climb no ladder of their own (the source's ladder drives them); they end
  // when answered, when the post is answered (covered), or at the plan's deadline.
  NewCallout n = callout_for(warning_id, snapshot_id, person, area_code, area, role, seat, now);
  n.kind = kind;
  n.escalated_from = source;
  n.next_step = static_cast<int>(plan.ladder.size());
  n.next_due = now + plan.deadline.count();
  const int64_t id = store_.insert_raised(n);
  const char* label = kind == "deputy" ? "the B seat is called" : kind == "superior" ? "the post above is told"
                                                                                 : "the duty officer is told";
  event(warning_id, id, std::nullopt, "escalated", "engine",
        source ? fmt::format("{} for #{}", label, *source) : std::string(label));
  return id;
}

// ---------------------------------------------------------------------------------------------
// The tick

int Engine::tick() {
  int moved = 0;
  for (bool more = true; more;) moved += tick_step(more);
  return moved;
}

int Engine::tick_step(bool& more) {
  more = false;
  int moved = expire_warnings();
  for (Duty* duty : duties_) moved += duty->tick();
  moved += tick_duty_digests();
  const TimePoint now = clock_.now();
  const std::vector<CalloutRow> due = store_.due_callouts(to_epoch_ms(now), settings_.tick_batch);
  if (due.empty()) return moved;
  std::set<int64_t> touched_warnings;
  Store::Tx tx(store_);
  for (const CalloutRow& c : due) advance(c, now, touched_warnings);
  for (int64_t w : touched_warnings) close_warning_if_done(w);
  tx.commit();
  more = static_cast<int>(due.size()) == settings_.tick_batch;
  return moved + static_cast<int>(due.size());
}

void Engine::advance(const CalloutRow& c, TimePoint now, std::set<int64_t>& touched_warnings) {
  const Plan& plan = snapshot_plan(c.snapshot_id);
  int64_t clock_at = c.clock_at;
  if (c.held_due_at) {
    // The backstop: the last step's notice has waited `hold_limit` and still not left. The ladder
    // goes on from now (the pause shifts its clock), and the duty officer can see why.
    const Millis after_next = c.next_step < static_cast<int>(plan.ladder.size())
                                  ? plan.ladder[static_cast<size_t>(c.next_step)].after
                                  : plan.deadline;
    clock_at = std::max(clock_at, to_epoch_ms(now) - after_next.count());
    event(c.warning_id, c.id, std::nullopt, "step_held", "engine",
          fmt::format("the notice of step {} has waited {} for its provider and not gone out; the ladder goes on",
                      c.next_step, format_duration(settings_.hold_limit)));
  }
  LadderDecision decision = decide_step(plan.ladder, plan.deadline, LadderPosition{from_epoch_ms(clock_at), c.next_step},
                                        now, settings_.collapse_after);
  if (decision.run_step >= 0) {
    const LadderStep& step = plan.ladder[static_cast<size_t>(decision.run_step)];
    const int to_self = run_step(c, plan, decision.run_step);
    // What the person was just sent holds the next rung until it has left (engine_outbox.cc).
    // While held, the next look is only the backstop; held_due_at keeps the planned time.
    const int64_t next_due = to_epoch_ms(decision.next_due);
    const std::optional<int64_t> held = to_self > 0 ? std::optional<int64_t>(next_due) : std::nullopt;
    std::string what;
    for (const auto& ch : step.channels) what += (what.empty() ? "" : ",") + ch;
    if (decision.run_step == 0 && plan.night && is_night(*plan.night, now))
      for (const auto& ch : plan.night->first) what += (what.empty() ? "" : ",") + ch + " (night rule)";
    if (step.seat != SeatChoice::A) what += step.seat == SeatChoice::B ? " to the B seat" : " to both seats";
    if (step.notify != Notify::none) what += fmt::format("{}notify {}", what.empty() ? "" : "; ", notify_name(step.notify));
    store_.advance_callout(c.warning_id, c.id, decision.run_step + 1,
                           held ? next_due + settings_.hold_limit.count() : next_due, held, clock_at,
                           {decision.run_step == 0 ? "notified" : "renotified", "engine",
                            fmt::format("step {} (after {}): {}", decision.run_step + 1, format_duration(step.after),
                                        what)},
                           to_epoch_ms(now));
    if (decision.skipped > 0 || decision.late > settings_.collapse_after)
      event(c.warning_id, c.id, std::nullopt, "step_late", "engine",
            fmt::format("step {} ran {} late; {} overdue step(s) collapsed into it", decision.run_step + 1,
                        format_duration(decision.late), decision.skipped));
  } else if (decision.exhausted) {
    store_.end_callout(CalloutMove::exhaust, c.warning_id, c.id,
                       {"exhausted", "engine",
                        fmt::format("no answer within {}: every step ran; the duty officer must act",
                                    format_duration(plan.deadline))},
                       to_epoch_ms(now));
    if (c.kind == "primary")
      tell_duty_officer(c.id, c.snapshot_id, plan,
                        words("duty.exhausted", {{"post", post_zh(c.area_name, c.role, c.seat)},
                                                 {"person_name", c.person_name},
                                                 {"deadline_zh", duration_zh(plan.deadline)},
                                                 {"tried", tried_text(c.id)}}));
    touched_warnings.insert(c.warning_id);
  } else {
    store_.set_next_due(c.id, to_epoch_ms(decision.next_due));
    if (clock_at != c.clock_at) store_.set_clock(c.id, clock_at);
  }
}

}  // namespace jiaoying
