// The warning lifecycle (daemon/lifecycle.h): ingest, updates, cancels, expiry and the close.
#include "daemon/lifecycle.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace jiaoying {

namespace {

bool called_out(WarningStatus status) {
  return status == WarningStatus::actual || status == WarningStatus::exercise;
}

std::string describe(const Warning& w) {
  if (!w.has_info) return fmt::format("{} {} without an event", w.sender, msg_type_name(w.msg_type));
  const HazardInfo* h = find_hazard(w.hazard);
  return fmt::format("{} {}{} {} for {} area(s): {}", w.sender, h ? h->zh : w.hazard, level_zh(w.level),
                     msg_type_name(w.msg_type), w.areas.size(), w.headline);
}

// "330702、330703 … (5 in all)": codes for a message, at most five of them.
std::string some_codes(const std::vector<std::string>& codes) {
  std::string out;
  for (size_t i = 0; i < codes.size() && i < 5; ++i) out += (i ? "、" : "") + codes[i];
  if (codes.size() > 5) out += fmt::format(" … ({} in all)", codes.size());
  return out;
}

std::string missing_text(const AreaSplit::Missing& m) {
  return fmt::format("{} lies inside {} {} but is not in the directory: nobody is called for it (add it to the "
                     "directory, or correct the warning)",
                     m.code, m.within->code, m.within->name);
}

}  // namespace

IngestOutcome Lifecycle::ingest(const Warning& w, std::string_view raw, std::string_view actor) {
  IngestOutcome out;
  if (const std::optional<int64_t> known = store_.find_warning(w.sender, w.identifier)) {
    out.kind = IngestOutcome::Kind::duplicate;
    out.warning_id = *known;
    return out;
  }
  // A warning larger than this county is called out where it is ours; only one with no area of
  // ours at all is refused (an update or cancel still reaches the warning it references).
  const AreaSplit split = split_areas(w.areas, core_.directory());
  const bool none_ours = !w.areas.empty() && split.ours.empty() && w.polygons.empty() && w.circles.empty();
  const auto refuse_foreign = [&] {
    out.kind = IngestOutcome::Kind::refused;
    if (!split.missing.empty()) {  // ours, but the directory lacks it: that is what to mend
      const auto& m = split.missing.front();
      const size_t i = std::find(w.areas.begin(), w.areas.end(), m.code) - w.areas.begin();
      out.error = {"areas[" + std::to_string(i) + "]", missing_text(m)};
      return;
    }
    out.error = {"areas", fmt::format("none of the warning's {} area(s) ({}) is in this directory: nobody here would "
                                      "be called",
                                      w.areas.size(), some_codes(w.areas))};
  };
  if (none_ours && w.msg_type == MsgType::alert) {
    refuse_foreign();
    return out;
  }
  Warning scoped = w;  // what this directory calls out: the areas that are ours
  if (!w.areas.empty()) scoped.areas = split.ours;

  Store::Tx tx(store_);
  out.kind = IngestOutcome::Kind::created;
  const bool acts = called_out(w.status) && w.has_info &&
                    (w.msg_type == MsgType::alert || w.msg_type == MsgType::update);
  if (w.msg_type == MsgType::update || w.msg_type == MsgType::cancel) {
    std::optional<int64_t> target;
    for (const Reference& ref : w.references)
      if (auto id = find_active(ref)) target = id;  // the newest reference still running
    if (w.msg_type == MsgType::cancel) {
      int64_t id = store_warning(tx, w, raw, actor, WarningState::closed, target, out);
      if (target) {
        end_warning(tx, *target, WarningMove::cancel, fmt::format("cancelled by {} ({})", w.identifier, w.sender), true,
                    actor);
      } else {
        out.flags.push_back("cancels no running warning");
        core_.event(id, std::nullopt, std::nullopt, "cancel_unmatched", "engine",
                    "none of the referenced warnings is running; nothing to stop");
      }
      tx.commit();
      return out;
    }
    if (target && acts) {
      update_warning(tx, *target, scoped, w, raw, actor, out);
      tx.commit();
      return out;
    }
    if (!target && none_ours) {
      refuse_foreign();
      return out;
    }
    if (!target) out.flags.push_back("updates no running warning: called out as new");
  }
  if (!acts) {
    int64_t id = store_warning(tx, w, raw, actor, WarningState::closed, std::nullopt, out);
    std::string why = !called_out(w.status)
                          ? fmt::format("status {}: stored, nobody is called", status_name(w.status))
                          : fmt::format("{} message: stored, nobody is called", msg_type_name(w.msg_type));
    out.flags.push_back(why);
    core_.event(id, std::nullopt, std::nullopt, "not_called", "engine", why);
    tx.commit();
    return out;
  }
  int64_t id = store_warning(tx, w, raw, actor, WarningState::active, std::nullopt, out);
  start_callouts(tx, id, scoped, false, out);
  close_if_done(tx, id);
  tx.commit();
  // Step 1 is due at once: the caller ticks right after answering (the warning is durable now).
  return out;
}

std::optional<int64_t> Lifecycle::find_active(const Reference& ref) {
  return store_.find_active_warning(ref.sender, ref.identifier);
}

int64_t Lifecycle::store_warning(Store::Tx& /*the caller's*/, const Warning& w, std::string_view raw,
                                 std::string_view actor, WarningState state, std::optional<int64_t> supersedes,
                                 IngestOutcome& out) {
  const int64_t now = core_.now_ms();
  const int64_t id = store_.insert_warning(w, raw, state, supersedes, now);
  out.warning_id = id;
  core_.event(id, std::nullopt, std::nullopt, "warning_received", actor, describe(w));
  const AreaSplit split = split_areas(w.areas, core_.directory());
  if (!split.not_ours.empty()) {
    std::string text = fmt::format("{} of the warning's {} area(s) are not in this directory and are another jiaoying's "
                                   "to call: {}",
                                   split.not_ours.size(), w.areas.size(), some_codes(split.not_ours));
    core_.event(id, std::nullopt, std::nullopt, "areas_not_ours", "engine", text);
    out.flags.push_back(text);
  }
  for (const AreaSplit::Missing& m : split.missing) {
    core_.event(id, std::nullopt, std::nullopt, "area_not_in_directory", "engine", missing_text(m));
    out.flags.push_back(missing_text(m));
  }
  // A clock gone wrong at the sender, a replayed file or a test message: called out all the
  // same (a warning is never dropped on a guess), but flagged for the duty officer.
  if (Millis skew = w.sent - from_epoch_ms(now); skew > core_.settings().sent_skew || -skew > core_.settings().sent_skew) {
    std::string flag = fmt::format("sent {} is {} {} the time it arrived", format_china_time(w.sent),
                                   format_duration(skew.count() > 0 ? skew : -skew),
                                   skew.count() > 0 ? "after" : "before");
    core_.event(id, std::nullopt, std::nullopt, "sent_suspicious", "engine", flag);
    out.flags.push_back(flag);
  }
  return id;
}

// Snapshots the matching plans and creates a primary callout for every recipient who has none
// under this warning yet (after an update, those carried over keep theirs).
void Lifecycle::start_callouts(Store::Tx& tx, int64_t warning_id, const Warning& w, bool update, IngestOutcome& out) {
  const int64_t now = core_.now_ms();
  std::vector<const Plan*> matched = plans_for(core_.plans(), w);
  if (matched.empty()) {
    out.flags.push_back("no plan matches: nobody is called");
    core_.event(warning_id, std::nullopt, std::nullopt, "no_plan_matched", "engine",
                fmt::format("no plan answers {} {}: nobody is called", w.hazard, level_name(w.level)));
  }
  Resolution resolution = resolve_recipients(w, matched, core_.directory());
  std::map<const Plan*, int64_t> snapshot_ids;
  for (const Plan* p : matched) {
    snapshot_ids[p] = store_.insert_snapshot(warning_id, p->name, p->file, p->yaml);
    out.plans.push_back(p->name);
    core_.event(warning_id, std::nullopt, std::nullopt, "plan_matched", "engine", fmt::format("{} ({})", p->name, p->title));
  }
  for (const UnfilledPost& u : resolution.unfilled) {
    const Area* a = core_.directory().area(u.area);
    core_.event(warning_id, std::nullopt, std::nullopt, "post_unfilled", "engine",
                fmt::format("{} {} {}: {}", u.area, a ? a->name : "", u.role, u.why));
  }
  out.unfilled = resolution.unfilled;
  const std::set<std::string> already = store_.primary_people(warning_id);

  std::vector<const Recipient*> fresh;
  fresh.reserve(resolution.recipients.size());
  for (const Recipient& r : resolution.recipients)
    if (!already.count(r.person)) fresh.push_back(&r);
  insert_primary_callouts(tx, warning_id, fresh, snapshot_ids, now);
  out.callouts = static_cast<int>(fresh.size());
  std::map<const Plan*, std::map<Tier, int>> by_plan;
  for (const Recipient* r : fresh) ++by_plan[r->plan][r->tier];
  for (const auto& [plan, tiers] : by_plan) {
    int total = 0;
    std::string text;
    for (const auto& [tier, n] : tiers) {
      total += n;
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", tier_name(tier), n);
    }
    core_.event(warning_id, std::nullopt, std::nullopt, "callouts_created", "engine",
                fmt::format("{} callout(s) under plan {} ({})", total, plan->name, text));
  }
  // The warning's duties (the report-back, the loudspeakers) start once its callouts are made.
  for (Duty* duty : duties_) duty->start({tx, warning_id, w, matched, snapshot_ids, update});
}

// Rows go in kCalloutRows at a time (one statement for many rows is a third of the cost of a
// statement each: a city's POST is answered when these are on disk). A callout's creation is on
// file as its own row (post, person, seat, plan, started_at); the warning's trail counts them.
void Lifecycle::insert_primary_callouts(Store::Tx& /*the caller's*/, int64_t warning_id,
                                        const std::vector<const Recipient*>& fresh,
                                        const std::map<const Plan*, int64_t>& snapshot_ids, int64_t now) {
  std::vector<NewCallout> rows;
  rows.reserve(fresh.size());
  for (const Recipient* r : fresh) {
    NewCallout n = callout_for(warning_id, snapshot_ids.at(r->plan), *core_.directory().person(r->person), r->area,
                               core_.directory().area(r->area), r->role, r->seat, now);
    n.next_due = now + r->plan->ladder.front().after.count();
    rows.push_back(n);
  }
  store_.insert_primaries(rows);
}

NewCallout Lifecycle::callout_for(int64_t warning_id, int64_t snapshot_id, const Person& person,
                                  std::string_view area_code, const Area* area, std::string_view role, Seat seat,
                                  int64_t now) {
  NewCallout n;
  n.warning_id = warning_id;
  n.snapshot_id = snapshot_id;
  n.person_id = person.id;
  n.person_name = person.name;
  n.zzd_account = person.zzd_account;
  n.mobile = person.mobile;
  n.landline = person.landline;
  n.area_code = area_code;
  n.area_name = area ? std::string_view(area->name) : area_code;
  n.role = role;
  n.seat = seat_name(seat);
  n.tier = area ? tier_name(area->tier) : std::string_view();
  n.started_at = now;
  return n;
}

// An Update supersedes the warning it references. The running callouts move to the new
// warning and go on where they were (nobody is called from step 1 again); people who
// already answered are told what changed; people no longer covered stop, with a 解除 notice if
// they were reached; newly covered areas start their ladder.
void Lifecycle::update_warning(Store::Tx& tx, int64_t old_id, const Warning& w, const Warning& as_sent,
                               std::string_view raw, std::string_view actor, IngestOutcome& out) {
  const int64_t id = store_warning(tx, as_sent, raw, actor, WarningState::active, old_id, out);
  store_.move_warning(WarningMove::supersede, old_id,
                      {"superseded", actor, fmt::format("by warning {} ({})", id, w.identifier)},
                      core_.now_ms());
  core_.event(id, std::nullopt, std::nullopt, "supersedes", actor, fmt::format("warning {}: its callouts carry on here", old_id));
  // The loudspeakers already told stay on file with the warning that carries on (a new EBM
  // follows below if the updated warning still calls for one).
  store_.carry_over(old_id, id);
  core_.forget(old_id);

  std::set<std::string> covered;
  Resolution now_covered = resolve_recipients(w, plans_for(core_.plans(), w), core_.directory());
  for (const Recipient& r : now_covered.recipients) covered.insert(r.person);
  const std::vector<CalloutRow> rows = store_.primaries(id);
  const HazardInfo* h = find_hazard(w.hazard);
  const TemplateValues changed{
      {"hazard_zh", std::string(h ? h->zh : w.hazard)}, {"level_zh", std::string(level_zh(w.level))}, {"headline", w.headline}};
  const std::string change = core_.words("notice.update", changed);
  for (const CalloutRow& r : rows) {
    const bool open = is_open(r.state);
    if (!covered.count(r.person_id)) {
      if (open || r.state == CalloutState::answered) end_callout(tx, r, "no longer in the warned area (update)", true);
    } else if (is_reached(r.state)) {
      outbox_.queue(tx, r.id, core_.snapshot_plan(r.snapshot_id).ladder.front().channels, -1, fmt::format("u{}", id), 1,
                    change + "。" + core_.words("notice.update.answered"), core_.words("notice.update.tag"));
      core_.event(id, r.id, std::nullopt, "told_of_update", "engine", change);
    }
  }
  start_callouts(tx, id, w, true, out);
  close_if_done(tx, id);
}

// Ends one callout: open → cancelled with its queued messages and raised callouts; a person
// already reached gets a 解除 notice.
void Lifecycle::end_callout(Store::Tx& tx, const CalloutRow& c, std::string_view why, bool tell_reached) {
  const int64_t now = core_.now_ms();
  if (store_.end_callout(CalloutMove::cancel, c.warning_id, c.id, {"cancelled", "engine", why}, now))
    store_.cancel_messages(c.warning_id, c.id, std::nullopt, why, "engine", now);
  if (c.first_sent_at && tell_reached) {
    const WarningFacts& row = core_.facts(c.warning_id);
    outbox_.queue(tx, c, core_.snapshot_plan(c.snapshot_id).ladder.front().channels, -1, "x", 1,
                  core_.words("notice.end", {{"headline", row.warning.headline}, {"why", std::string(why)}}),
                  core_.words("notice.end.tag"));
    core_.event(c.warning_id, c.id, std::nullopt, "told_of_end", "engine", std::string(why));
  }
  // Escalations raised for this callout end with it.
  for (int64_t id : store_.open_raised_for(c.id, false))
    if (const std::optional<CalloutRow> raised = store_.callout(id)) end_callout(tx, *raised, why, false);
}

// Cancel or expiry: every callout of the warning ends.
void Lifecycle::end_warning(Store::Tx& tx, int64_t warning_id, WarningMove move, std::string_view why,
                            bool tell_reached, std::string_view actor) {
  const std::string kind = fmt::format("warning_{}", state_name(rule(move).to));
  if (!store_.move_warning(move, warning_id, {kind, actor, why}, core_.now_ms())) return;
  for (const CalloutRow& c : store_.primaries(warning_id)) end_callout(tx, c, why, tell_reached);
  // Raised callouts without a source (the duty officer's) end too.
  for (int64_t id : store_.open_callouts(warning_id))
    if (const std::optional<CalloutRow> c = store_.callout(id)) end_callout(tx, *c, why, false);
  for (Duty* duty : duties_) duty->end({tx, warning_id, move == WarningMove::cancel, why});
}

int Lifecycle::expire() {
  const int64_t now = core_.now_ms();
  const std::vector<int64_t> ids = store_.expiring_warnings(now);
  if (ids.empty()) return 0;
  Store::Tx tx(store_);
  for (int64_t id : ids) end_warning(tx, id, WarningMove::expire, "the warning expired", false, "engine");
  tx.commit();
  return static_cast<int>(ids.size());
}

void Lifecycle::close_if_done(Store::Tx& /*the caller's*/, int64_t warning_id) {
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
                      core_.now_ms());
}

}  // namespace jiaoying
