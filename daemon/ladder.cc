// The ladder and its escalation (daemon/ladder.h): steps, the B seat, the posts above, the duty
// room's digests, and the answer that stops it all.
#include "daemon/ladder.h"

#include <fmt/format.h>

#include <algorithm>

#include "rules/ladder.h"
#include "rules/names.h"

namespace jiaoying {

// One step of a primary callout's ladder: the A seat (this callout), the B deputy of the same
// post, the superior posts, the duty officer — as the step says.
int Ladder::run_step(Store::Tx& tx, const CalloutRow& c, const Plan& plan, int step_index) {
  const LadderStep& step = plan.ladder[static_cast<size_t>(step_index)];
  const std::string waited = format_duration(step.after);

  // At night the first step also rings (the plan's night rule): a card alone wakes nobody.
  std::vector<std::string> channels = step.channels;
  if (step_index == 0 && plan.night && is_night(*plan.night, core_.clock().now()))
    for (const std::string& ch : plan.night->first)
      if (std::find(channels.begin(), channels.end(), ch) == channels.end()) channels.push_back(ch);

  int to_self = 0;
  if (!channels.empty() && step.seat != SeatChoice::B)
    to_self = outbox_.queue(tx, c, channels, step_index, fmt::format("s{}", step_index), step_index + 1, "", "");

  if (!step.channels.empty() && step.seat != SeatChoice::A) {
    const Person* deputy = c.seat == "A" ? core_.directory().holder(c.area_code, c.role, Seat::B) : nullptr;
    if (!deputy || deputy->id == c.person_id) {
      core_.event(c.warning_id, c.id, std::nullopt, "post_unfilled", "engine",
                  fmt::format("{} {}: no B seat to call at step {}", c.area_name, c.role, step_index + 1));
    } else {
      int64_t id = secondary_callout(tx, c.warning_id, c.snapshot_id, plan, c.id, "deputy", *deputy, c.area_code,
                                     c.role, Seat::B);
      outbox_.queue(tx, id, step.channels, step_index, fmt::format("s{}", step_index), 1,
                    core_.words("notice.deputy", {{"a_person", c.person_name}, {"waited", waited}}),
                    core_.words("notice.deputy.tag"));
    }
  }

  if (step.notify == Notify::superior) {
    const auto& notify_on = step.channels.empty() ? plan.ladder.front().channels : step.channels;
    if (notify_superiors(tx, c.id, c.snapshot_id, plan, step_index, notify_on,
                         core_.words("notice.superior", {{"area_name", c.area_name},
                                                         {"role_zh", std::string(role_zh(c.role))},
                                                         {"person_name", c.person_name},
                                                         {"waited", waited}})) == 0)
      core_.event(c.warning_id, c.id, std::nullopt, "post_unfilled", "engine",
                  fmt::format("{} {}: no superior post to notify at step {}", c.area_name, c.role, step_index + 1));
  }

  if (step.notify == Notify::duty_officer)
    tell_duty_officer(tx, c.id, c.snapshot_id, plan,
                      core_.words("duty.silent", {{"post", post_zh(c.area_name, c.role, c.seat)},
                                                  {"person_name", c.person_name},
                                                  {"waited_zh", duration_zh(step.after)},
                                                  {"tried", outbox_.tried_text(c.id)}}));
  return to_self;
}

int Ladder::notify_superiors(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index,
                             const std::vector<std::string>& channels, const std::string& notice) {
  auto c = store_.callout(callout_id);
  if (!c) return 0;
  const Area* area = core_.directory().area(c->area_code);
  const Area* parent = area ? core_.directory().area(area->parent) : nullptr;
  if (!parent) return 0;
  std::vector<std::string> roles;
  for (const RecipientRule& rule : plan.recipients)
    if (rule.tier == parent->tier) roles.insert(roles.end(), rule.roles.begin(), rule.roles.end());
  int raised = 0;
  for (const std::string& superior_role : roles) {
    Seat superior_seat = Seat::A;
    const Person* boss = core_.directory().holder(parent->code, superior_role, Seat::A);
    if (!boss) boss = core_.directory().holder(parent->code, superior_role, superior_seat = Seat::B);
    if (!boss || boss->id == c->person_id) continue;
    int64_t id = secondary_callout(tx, c->warning_id, snapshot_id, plan, callout_id, "superior", *boss, parent->code,
                                   superior_role, superior_seat);
    outbox_.queue(tx, id, channels, step_index, fmt::format("s{}", step_index), 1, notice,
                  core_.words("notice.superior.tag"));
    ++raised;
  }
  return raised;
}

// The duty room hears of every matter — an exhaustion, an overdue report-back, a step's
// `notify: duty_officer`, the loudspeakers — each as an event on the officer's callout, and all
// of them in at most one message a minute (tick_digests): a bad night is a few messages
// naming every post, not hundreds of cards.
void Ladder::tell_duty_officer(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan,
                               const std::string& why) {
  auto c = store_.callout(callout_id);
  if (!c) return;
  raise_duty_officer(tx, c->warning_id, callout_id, c->area_code, snapshot_id, plan, why);
}

void Ladder::tell_duty_officer_of_area(Store::Tx& tx, int64_t warning_id, const std::string& area_code,
                                       int64_t snapshot_id, const Plan& plan, const std::string& why) {
  std::string area = area_code;
  if (area.empty()) {  // a matter of the whole warning: the duty room of its first area of ours
    const auto ours = split_areas(core_.facts(warning_id).warning.areas, core_.directory()).ours;
    if (!ours.empty()) area = ours.front();
  }
  raise_duty_officer(tx, warning_id, std::nullopt, area, snapshot_id, plan, why);
}

void Ladder::raise_duty_officer(Store::Tx& tx, int64_t warning_id, std::optional<int64_t> source,
                                const std::string& area_code, int64_t snapshot_id, const Plan& plan,
                                const std::string& why) {
  const DutyOfficer officer = duty_officer_for(core_.directory(), area_code, plan.duty_room);
  if (!officer.person) {
    core_.event(warning_id, source, std::nullopt, "post_unfilled", "engine",
                fmt::format("no {} duty room (duty_officer post) above {} to tell: {}", tier_name(plan.duty_room),
                            area_code.empty() ? std::string("the warned areas") : area_code, why));
    return;
  }
  const std::optional<int64_t> existing = store_.find_duty_officer(warning_id, officer.person->id);
  const int64_t id = existing ? *existing
                              : secondary_callout(tx, warning_id, snapshot_id, plan, std::nullopt, "duty_officer",
                                                  *officer.person, officer.area->code, "duty_officer", officer.seat);
  core_.event(warning_id, id, std::nullopt, "duty_officer_told", "engine", why);
  // Due now, or a minute after the last message to this duty room; already due stays as it is.
  store_.schedule_digest(id, core_.now_ms(), core_.settings().duty_digest_every.count());
}

// One message per duty room with every matter since its last one.
int Ladder::tick_digests() {
  const int64_t now = core_.now_ms();
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
      details += core_.words("notice.digest_more", {{"more", std::to_string(lines.size() - kListed)},
                                                    {"warning_id", std::to_string(d.warning_id)}}) +
                 "\n";
    if (!lines.empty()) {
      const std::string notice = core_.words(
          "notice.digest", {{"count", std::to_string(lines.size())}, {"warning_id", std::to_string(d.warning_id)}});
      outbox_.queue(tx, d.callout_id, core_.snapshot_plan(d.snapshot_id).ladder.front().channels, 0,
                    fmt::format("d{}", last), 1, notice, core_.words("notice.digest.tag"), details);
    }
    store_.digest_sent(d.callout_id, now, last);
  }
  tx.commit();
  return static_cast<int>(due.size());
}

int64_t Ladder::secondary_callout(Store::Tx& /*the caller's*/, int64_t warning_id, int64_t snapshot_id,
                                  const Plan& plan, std::optional<int64_t> source, std::string_view kind,
                                  const Person& person, const std::string& area_code, const std::string& role,
                                  Seat seat) {
  if (auto found = store_.find_raised(warning_id, person.id, kind, source)) return *found;
  const Area* area = core_.directory().area(area_code);
  const int64_t now = core_.now_ms();
  // Raised callouts climb no ladder of their own (the source's ladder drives them); they end
  // when answered, when the post is answered (covered), or at the plan's deadline.
  NewCallout n = Lifecycle::callout_for(warning_id, snapshot_id, person, area_code, area, role, seat, now);
  n.kind = kind;
  n.escalated_from = source;
  n.next_step = static_cast<int>(plan.ladder.size());
  n.next_due = now + plan.deadline.count();
  const int64_t id = store_.insert_raised(n);
  const char* label = kind == "deputy" ? "the B seat is called" : kind == "superior" ? "the post above is told"
                                                                                 : "the duty officer is told";
  core_.event(warning_id, id, std::nullopt, "escalated", "engine",
              source ? fmt::format("{} for #{}", label, *source) : std::string(label));
  return id;
}

int Ladder::tick_due(bool& more) {
  more = false;
  const TimePoint now = core_.clock().now();
  const std::vector<CalloutRow> due = store_.due_callouts(to_epoch_ms(now), core_.settings().tick_batch);
  if (due.empty()) return 0;
  std::set<int64_t> touched_warnings;
  Store::Tx tx(store_);
  for (const CalloutRow& c : due) advance(tx, c, now, touched_warnings);
  for (int64_t w : touched_warnings) lifecycle_.close_if_done(tx, w);
  tx.commit();
  more = static_cast<int>(due.size()) == core_.settings().tick_batch;
  return static_cast<int>(due.size());
}

void Ladder::advance(Store::Tx& tx, const CalloutRow& c, TimePoint now, std::set<int64_t>& touched_warnings) {
  const Plan& plan = core_.snapshot_plan(c.snapshot_id);
  int64_t clock_at = c.clock_at;
  if (c.held_due_at) {
    // The backstop: the last step's notice has waited `hold_limit` and still not left. The ladder
    // goes on from now (the pause shifts its clock), and the duty officer can see why.
    const Millis after_next = c.next_step < static_cast<int>(plan.ladder.size())
                                  ? plan.ladder[static_cast<size_t>(c.next_step)].after
                                  : plan.deadline;
    clock_at = std::max(clock_at, to_epoch_ms(now) - after_next.count());
    core_.event(c.warning_id, c.id, std::nullopt, "step_held", "engine",
                fmt::format("the notice of step {} has waited {} for its provider and not gone out; the ladder goes on",
                            c.next_step, format_duration(core_.settings().hold_limit)));
  }
  LadderDecision decision = decide_step(plan.ladder, plan.deadline, LadderPosition{from_epoch_ms(clock_at), c.next_step},
                                        now, core_.settings().collapse_after);
  if (decision.run_step >= 0) {
    const LadderStep& step = plan.ladder[static_cast<size_t>(decision.run_step)];
    const int to_self = run_step(tx, c, plan, decision.run_step);
    // What the person was just sent holds the next rung until it has left (the outbox releases it).
    // While held, the next look is only the backstop; held_due_at keeps the planned time.
    const int64_t next_due = to_epoch_ms(decision.next_due);
    const std::optional<int64_t> held = to_self > 0 ? std::optional<int64_t>(next_due) : std::nullopt;
    std::string what;
    for (const auto& ch : step.channels) what += (what.empty() ? "" : ",") + ch;
    if (decision.run_step == 0 && plan.night && is_night(*plan.night, now))
      for (const auto& ch : plan.night->first) what += (what.empty() ? "" : ",") + ch + " (night rule)";
    if (step.seat != SeatChoice::A) what += step.seat == SeatChoice::B ? " to the B seat" : " to both seats";
    if (step.notify != Notify::none) what += fmt::format("{}notify {}", what.empty() ? "" : "; ", notify_name(step.notify));
    store_.advance_callout(
        c.warning_id, c.id, decision.run_step + 1, held ? next_due + core_.settings().hold_limit.count() : next_due,
        held, clock_at,
        {decision.run_step == 0 ? "notified" : "renotified", "engine",
         fmt::format("step {} (after {}): {}", decision.run_step + 1, format_duration(step.after), what)},
        to_epoch_ms(now));
    if (decision.skipped > 0 || decision.late > core_.settings().collapse_after)
      core_.event(c.warning_id, c.id, std::nullopt, "step_late", "engine",
                  fmt::format("step {} ran {} late; {} overdue step(s) collapsed into it", decision.run_step + 1,
                              format_duration(decision.late), decision.skipped));
  } else if (decision.exhausted) {
    store_.end_callout(CalloutMove::exhaust, c.warning_id, c.id,
                       {"exhausted", "engine",
                        fmt::format("no answer within {}: every step ran; the duty officer must act",
                                    format_duration(plan.deadline))},
                       to_epoch_ms(now));
    if (c.kind == "primary")
      tell_duty_officer(tx, c.id, c.snapshot_id, plan,
                        core_.words("duty.exhausted", {{"post", post_zh(c.area_name, c.role, c.seat)},
                                                       {"person_name", c.person_name},
                                                       {"deadline_zh", duration_zh(plan.deadline)},
                                                       {"tried", outbox_.tried_text(c.id)}}));
    touched_warnings.insert(c.warning_id);
  } else {
    store_.set_next_due(c.id, to_epoch_ms(decision.next_due));
    if (clock_at != c.clock_at) store_.set_clock(c.id, clock_at);
  }
}

// A post is answered when either seat answers: the other seat's callout and the escalations
// raised for the post end as `covered`, and what is queued for them is cancelled.
void Ladder::cover_post(Store::Tx& /*the caller's*/, int64_t warning_id, int64_t answered_id, int64_t now) {
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

AckOutcome Ladder::answer(int64_t callout_id, std::string_view via, std::string_view actor) {
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
  const int64_t now = core_.now_ms();
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
  if (kind == "primary" || kind == "deputy") cover_post(tx, out.warning_id, callout_id, now);
  lifecycle_.close_if_done(tx, out.warning_id);
  tx.commit();
  out.kind = AckOutcome::Kind::answered;
  // Counted at its own commit; inside a burst of answers (daemon/group_commit.h) a burst that
  // cannot be committed at all (a full disk) is counted though it is answered again later. An
  // answer that overtook the provider's word on the first notice (a tap within the request) is 0 s.
  if (Metrics* metrics = core_.metrics())
    metrics->answered(row->tier, first_sent ? static_cast<double>(now - *first_sent) / 1000.0 : 0.0);
  return out;
}

}  // namespace jiaoying
