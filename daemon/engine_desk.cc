// Engine: the duty desk — what a duty officer does by hand (jiaoying ack, call, resend, cancel,
// note). Each action is one transaction and an audit event whose actor is the Unix user on the
// admin socket; a request that makes no sense is refused with what to fix, and changes nothing.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "daemon/engine.h"
#include "rules/names.h"

namespace jiaoying {

namespace {

using DeskOutcome = Engine::DeskOutcome;

DeskOutcome refused(int status, std::string message) { return {status, std::move(message), 0}; }

// The warning's state, or a refusal: unknown, or (when `active` is asked) no longer running.
std::optional<DeskOutcome> check_warning(Store& store, int64_t warning_id, bool active) {
  const std::optional<StoredWarning> w = store.warning(warning_id);
  if (!w) return refused(404, fmt::format("there is no warning {} (jiaoying warnings lists them)", warning_id));
  if (active && w->state != WarningState::active)
    return refused(409, fmt::format("warning {} has ended ({}): nobody is being called under it any more", warning_id,
                                    state_name(w->state)));
  return std::nullopt;
}

// Whom `person` means under the warning: a callout number, a person id or a mobile; their
// primary callout first (the one whose ladder runs), else the raised one.
std::variant<CalloutRow, DeskOutcome> find_person(Store& store, int64_t warning_id, std::string_view person) {
  if (person.empty()) return refused(400, "say whom: a callout number (jiaoying show), a person id or a mobile");
  int64_t number = 0;
  const bool numeric = std::all_of(person.begin(), person.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                       person.size() < 12;
  if (numeric) number = std::stoll(std::string(person));
  const std::vector<CalloutRow> found = store.callouts_named(warning_id, person, number);
  std::set<std::string> people;
  for (const CalloutRow& c : found) people.insert(c.person_id);
  if (found.empty())
    return refused(404, fmt::format("nobody called under warning {} is '{}': give a callout number (jiaoying show {}), "
                                    "a person id or a mobile",
                                    warning_id, person, warning_id));
  if (people.size() > 1)
    return refused(400, fmt::format("'{}' is {} people under warning {}: give the callout number instead", person,
                                    people.size(), warning_id));
  return found.front();
}

}  // namespace

Engine::DeskOutcome Engine::desk_ack(int64_t warning_id, std::string_view person, std::string_view note,
                                     std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, true)) return *no;
  if (note.empty()) return refused(400, "say how they answered (--note \"rang the duty room at 02:14\")");
  auto found = find_person(store_, warning_id, person);
  if (auto* no = std::get_if<DeskOutcome>(&found)) return *no;
  const CalloutRow& p = std::get<CalloutRow>(found);
  if (is_reached(p.state))
    return refused(409, fmt::format("{} has answered already ({}): nothing to do", p.person_name,
                                    p.state == CalloutState::covered ? "the post's other seat answered" : "answered"));
  if (p.state == CalloutState::cancelled)
    return refused(409, fmt::format("{}'s callout was cancelled: nothing to answer", p.person_name));
  Store::Tx tx(store_);
  const AckOutcome out = ack(p.id, "duty_desk", actor);
  event(warning_id, p.id, std::nullopt, "manual_ack", actor,
        fmt::format("answered by other means, recorded at the duty desk: {}", note));
  tx.commit();
  return {200, fmt::format("{} is answered{} (callout {}); their ladder stops", p.person_name, out.late ? ", late" : "",
                           p.id),
          1};
}

Engine::DeskOutcome Engine::desk_call(int64_t warning_id, std::string_view person, std::string_view via,
                                      std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, true)) return *no;
  auto found = find_person(store_, warning_id, person);
  if (auto* no = std::get_if<DeskOutcome>(&found)) return *no;
  const CalloutRow& p = std::get<CalloutRow>(found);
  if (is_reached(p.state))
    return refused(409, fmt::format("{} has answered already: nobody needs to reach them", p.person_name));
  if (p.state == CalloutState::cancelled) return refused(409, fmt::format("{}'s callout was cancelled", p.person_name));
  std::string channel(via);
  if (channel.empty()) {  // the phone wakes people; else what the plan sends first
    for (const std::string& c : core_.channels())
      if (const Medium* m = find_medium(c); m && m->rings && reachable_on(c, p.zzd_account, p.mobile, p.landline))
        channel = c;
    if (channel.empty()) channel = core_.snapshot_plan(p.snapshot_id).ladder.front().channels.front();
  }
  const Medium* medium = find_medium(channel);
  if (!medium || medium->per_area || !core_.channels().count(channel)) {
    std::string names;
    for (const std::string& c : core_.channels())
      if (const Medium* m = find_medium(c); m && !m->per_area) names += (names.empty() ? "" : ", ") + c;
    return refused(400, fmt::format("'{}' is not a channel jiaoyingd can reach a person on (configured: {})", channel,
                                    names));
  }
  if (!reachable_on(channel, p.zzd_account, p.mobile, p.landline))
    return refused(409, fmt::format("{} has no contact for {} in the directory", p.person_name, medium->zh));
  Store::Tx tx(store_);
  // Step 0: as urgent as a first notice.
  outbox_.queue(tx, p.id, {channel}, 0, fmt::format("m{}", store_.count_events(warning_id, "manual_call") + 1), 1,
                words("notice.desk_call"), words("notice.desk_call.tag"));
  event(warning_id, p.id, std::nullopt, "manual_call", actor,
        fmt::format("reached by hand on {} ({})", channel, medium->zh));
  tx.commit();
  return {200, fmt::format("{} is being reached on {} now (callout {})", p.person_name, medium->zh, p.id), 1};
}

Engine::DeskOutcome Engine::desk_resend(int64_t warning_id, bool unanswered_only, std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, true)) return *no;
  // Those the first notice reached (a pending callout's step 1 is still to come), silent or all.
  std::vector<CalloutRow> reached;
  for (CalloutRow& c : store_.primaries(warning_id))
    if (c.first_sent_at && (unanswered_only ? is_open(c.state) || c.state == CalloutState::exhausted
                                            : c.state != CalloutState::cancelled))
      reached.push_back(std::move(c));
  if (reached.empty())
    return refused(409, unanswered_only ? fmt::format("nobody reached under warning {} is still silent", warning_id)
                                        : fmt::format("nobody under warning {} has been reached yet", warning_id));
  Store::Tx tx(store_);
  const std::string key = fmt::format("r{}", store_.count_events(warning_id, "manual_resend") + 1);
  int queued = 0;
  for (const CalloutRow& c : reached) {
    queued += outbox_.queue(tx, c, core_.snapshot_plan(c.snapshot_id).ladder.front().channels, -1, key, 1,
                            words("notice.desk_resend"), words("notice.desk_resend.tag")) > 0;
  }
  event(warning_id, std::nullopt, std::nullopt, "manual_resend", actor,
        fmt::format("the notice sent again to {} {}", queued, unanswered_only ? "still silent" : "reached"));
  tx.commit();
  return {200, fmt::format("the notice goes again to {} {}", queued, unanswered_only ? "people still silent" : "people"),
          queued};
}

Engine::DeskOutcome Engine::desk_cancel(int64_t warning_id, std::string_view reason, std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, true)) return *no;
  if (reason.empty()) return refused(400, "say why it is cancelled (--reason \"issued by mistake\"): it goes on file");
  const int reached = static_cast<int>(store_.count_reached(warning_id));
  Store::Tx tx(store_);
  lifecycle_.end_warning(tx, warning_id, WarningMove::cancel, fmt::format("cancelled at the duty desk: {}", reason),
                         true, actor);
  tx.commit();
  return {200, fmt::format("warning {} is cancelled; 解除 goes to the {} people it reached", warning_id, reached),
          reached};
}

Engine::DeskOutcome Engine::desk_drill(std::string_view plan_name, const std::vector<std::string>& areas,
                                       std::string_view level, std::string_view actor, int64_t& warning_id) {
  const Plan* plan = nullptr;
  std::string names;
  for (const Plan& p : core_.plans()) {
    if (p.name == plan_name) plan = &p;
    names += (names.empty() ? "" : ", ") + p.name;
  }
  if (!plan) return refused(404, fmt::format("there is no plan '{}' (plans: {})", plan_name, names));
  if (std::find(plan->statuses.begin(), plan->statuses.end(), WarningStatus::exercise) == plan->statuses.end())
    return refused(409, fmt::format("plan {} does not answer drills (its match.status leaves exercise out)", plan->name));
  if (areas.empty()) return refused(400, "say where the drill is (--area CODE, as many as needed)");
  Warning w;
  const int64_t now = to_epoch_ms(core_.clock().now());
  w.identifier = fmt::format("drill-{}", now);
  w.sender = "duty-desk";
  w.sender_name = words("notice.drill_sender");
  w.sent = from_epoch_ms(now);
  w.source = "drill";
  w.status = WarningStatus::exercise;
  w.hazard = plan->hazards.empty() ? "rainstorm" : plan->hazards.front();
  if (!level.empty()) {
    auto lv = parse_level(level);
    if (!lv) return refused(400, fmt::format("level '{}' must be one of blue, yellow, orange, red", level));
    w.level = *lv;
  } else {
    w.level = plan->levels.empty() ? Level::red : *std::max_element(plan->levels.begin(), plan->levels.end());
  }
  if (!plan->levels.empty() && std::find(plan->levels.begin(), plan->levels.end(), w.level) == plan->levels.end())
    return refused(409, fmt::format("plan {} does not answer {} warnings", plan->name, level_name(w.level)));
  w.areas = areas;
  const HazardInfo* h = find_hazard(w.hazard);
  w.headline = words("notice.drill_headline", {{"hazard_zh", std::string(h ? h->zh : w.hazard)},
                                               {"level_zh", std::string(level_zh(w.level))},
                                               {"plan_title", plan->title}});
  w.description = words("notice.drill_description");
  IngestOutcome out = ingest(w, warning_to_json(w), actor);
  if (out.kind != IngestOutcome::Kind::created) return refused(400, out.error.text());
  warning_id = out.warning_id;
  event(warning_id, std::nullopt, std::nullopt, "drill_started", actor,
        fmt::format("drill of plan {} for {}", plan->name, fmt::join(areas, " ")));
  return {200,
          fmt::format("drill {} started under plan(s) {}: {} people called, every message marked 【演练】", warning_id,
                      fmt::join(out.plans, ", "), out.callouts),
          out.callouts};
}

Engine::DeskOutcome Engine::desk_unmasked(int64_t warning_id, std::string_view what, std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, false)) return *no;
  event(warning_id, std::nullopt, std::nullopt, "export_unmasked", actor,
        fmt::format("whole phone numbers exported ({})", what.empty() ? "an export" : what));
  return {200, "the export of whole numbers is on the record", 0};
}

Engine::DeskOutcome Engine::desk_note(int64_t warning_id, std::string_view text, std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, false)) return *no;
  if (text.empty()) return refused(400, "the note is empty");
  if (text.size() > 2000) return refused(400, "a note holds at most 2000 bytes; file a longer text elsewhere");
  event(warning_id, std::nullopt, std::nullopt, "note", actor, std::string(text));
  return {200, fmt::format("noted on warning {}", warning_id), 0};
}

Engine::DeskOutcome Engine::desk_escalate(int64_t warning_id, std::string_view to,
                                          const std::vector<std::string>& roles, std::string_view reason,
                                          std::string_view actor) {
  if (auto no = check_warning(store_, warning_id, true)) return *no;
  if (reason.empty()) return refused(400, "say why (--reason \"村里联系不上\"): it goes on file and in the message");
  // The warning's plans, as snapshotted when it started.
  std::map<const Plan*, int64_t> snapshots;
  std::vector<const Plan*> plans;
  for (int64_t id : store_.snapshots_of(warning_id)) {
    const Plan* plan = &core_.snapshot_plan(id);
    snapshots[plan] = id;
    plans.push_back(plan);
  }
  if (plans.empty()) return refused(409, fmt::format("warning {} matched no plan: there is no ladder to raise", warning_id));
  const int64_t n = store_.count_events(warning_id, "manual_escalate") + 1;
  Store::Tx tx(store_);
  int reached = 0;
  std::string what;
  if (to == "superior") {
    // The posts above every post still silent, told now (their ladder's superior step, early).
    std::vector<CalloutRow> silent;
    for (CalloutRow& c : store_.primaries(warning_id))
      if (is_open(c.state) || c.state == CalloutState::exhausted) silent.push_back(std::move(c));
    for (const CalloutRow& c : silent) {
      const Plan& plan = core_.snapshot_plan(c.snapshot_id);
      const Area* area = core_.directory().area(c.area_code);
      const Area* parent = area ? core_.directory().area(area->parent) : nullptr;
      if (!parent) continue;
      for (const RecipientRule& rule : plan.recipients) {
        if (rule.tier != parent->tier) continue;
        for (const std::string& role : rule.roles) {
          Seat seat = Seat::A;
          const Person* boss = core_.directory().holder(parent->code, role, Seat::A);
          if (!boss) boss = core_.directory().holder(parent->code, role, seat = Seat::B);
          if (!boss || boss->id == c.person_id) continue;
          const int64_t id = ladder_.secondary_callout(tx, warning_id, c.snapshot_id, plan, c.id, "superior", *boss,
                                                       parent->code, role, seat);
          const std::string notice = words("notice.desk_superior", {{"area_name", c.area_name},
                                                                     {"person_name", c.person_name},
                                                                     {"reason", std::string(reason)}});
          reached += outbox_.queue(tx, id, plan.ladder.front().channels, -1, fmt::format("e{}", n), 1, notice,
                                   words("notice.superior.tag")) > 0;
        }
      }
    }
    what = fmt::format("the posts above the silent ones told ({} message(s)): {}", reached, reason);
  } else if (to == "duty_officer") {
    ladder_.tell_duty_officer_of_area(tx, warning_id, "", snapshots.begin()->second, *plans.front(),
                                      words("duty.desk", {{"reason", std::string(reason)}}));
    reached = 1;
    what = fmt::format("the duty room told: {}", reason);
  } else {
    const Area* area = core_.directory().area(to);
    if (!area)
      return refused(400, fmt::format("'{}' is neither superior, duty_officer nor an area of the directory", to));
    // The area's posts (and those below it) the warning's plans call, or only `roles`.
    Warning scoped = core_.facts(warning_id).warning;
    scoped.areas = {std::string(to)};
    scoped.polygons.clear();
    scoped.circles.clear();
    Resolution r = resolve_recipients(scoped, plans, core_.directory());
    const std::set<std::string> already = store_.primary_people(warning_id);
    std::vector<const Recipient*> fresh;
    for (const Recipient& rec : r.recipients)
      if (!already.count(rec.person) &&
          (roles.empty() || std::find(roles.begin(), roles.end(), rec.role) != roles.end()))
        fresh.push_back(&rec);
    if (fresh.empty())
      return refused(409, fmt::format("everyone the plans call in {} {}{} is in this warning already", area->code,
                                      area->name, roles.empty() ? "" : " (of those roles)"));
    lifecycle_.insert_primary_callouts(tx, warning_id, fresh, snapshots, to_epoch_ms(core_.clock().now()));
    reached = static_cast<int>(fresh.size());
    what = fmt::format("{} people of {} {} called into this warning: {}", reached, area->code, area->name, reason);
  }
  event(warning_id, std::nullopt, std::nullopt, "manual_escalate", actor, what);
  tx.commit();
  return {200, what, reached};
}

}  // namespace jiaoying
