// Engine: the report-back duty (回报). A plan with `report_back` makes every called area of its
// tier owe one report — who is in command, how many villages are affected, whether people are
// being moved — within `within` of the warning's start. The report is filed on the form behind
// the card's 回报 button; a missing one is chased (【催报】 to the area's posts) and escalated
// (the duty officer or the posts above), and the warning stays open until each is filed or
// chased. Zhejiang practice: PROTOCOLS.md, "15 minutes".
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "daemon/engine.h"
#include "daemon/engine_internal.h"
#include "rules/names.h"

namespace jiaoying {

// Called after a warning's callouts are created (and after an Update carried them over): every
// area of a report tier with a primary callout owes a report, once per warning.
void Engine::start_reports(int64_t warning_id) {
  const int64_t now = to_epoch_ms(clock_.now());
  for (int64_t snapshot_id : store_.snapshots_of(warning_id)) {
    const Plan& plan = snapshot_plan(snapshot_id);
    if (!plan.report_back) continue;
    const ReportDuty& duty = *plan.report_back;
    for (const auto& [code, name] : store_.areas_owing_no_report(warning_id, snapshot_id, tier_name(duty.tier))) {
      const int64_t due = now + duty.within.count();
      store_.insert_report(warning_id, snapshot_id, code, name, tier_name(duty.tier), now, due);
      event(warning_id, std::nullopt, std::nullopt, "report_due", "engine",
            fmt::format("{} owes the report-back (who commands, villages affected, people moved) by {}", name,
                        format_china_clock(from_epoch_ms(due))));
      warning_cache_.erase(warning_id);  // its cards now look up the report their area owes
    }
  }
}

// A warning that ends (cancel, expiry) owes nothing more; after an Update, only the areas no
// longer called (every callout there cancelled) are let off.
void Engine::cancel_reports(int64_t warning_id, std::string_view why, bool only_abandoned_areas) {
  const int64_t now = to_epoch_ms(clock_.now());
  for (const ReportRow& r : store_.open_reports(warning_id, only_abandoned_areas))
    store_.move_report(ReportMove::cancel, warning_id, r.id,
                       {"report_cancelled", "engine", fmt::format("{} owes no report-back: {}", r.area_name, why)},
                       now);
}

// Reports past their deadline: the area's posts are chased and the plan's `notify` is told.
// Runs inside tick(); returns how many reports it moved.
int Engine::tick_reports() {
  const int64_t now = to_epoch_ms(clock_.now());
  const std::vector<ReportRow> overdue = store_.reports_past_due(now, 500);
  if (overdue.empty()) return 0;
  Store::Tx tx(store_);
  for (const ReportRow& r : overdue) {
    const Plan& plan = snapshot_plan(r.snapshot_id);
    const ReportDuty duty = plan.report_back.value_or(ReportDuty{});  // the plan that made the row has one
    const std::string within = format_duration(duty.within);
    if (!store_.move_report(ReportMove::overdue, r.warning_id, r.id,
                            {"report_overdue", "engine",
                             fmt::format("{} has not reported back within {}", r.area_name, within)},
                            now))
      continue;
    // Every post of the area still in the callout (answered or not) is chased on the plan's
    // first channels; the report link rides on each card.
    const std::vector<int64_t> posts = store_.area_posts(r.warning_id, r.area_code);
    const std::string notice = words(
        "notice.chase", {{"area_name", r.area_name}, {"within", within}, {"within_zh", duration_zh(duty.within)}});
    const std::string tag = words("notice.chase.tag");
    for (int64_t callout_id : posts) queue_messages(callout_id, plan.ladder.front().channels, -1, "r", 1, notice, tag);
    if (posts.empty()) continue;
    std::string chased;  // who was chased, as the duty room reads it
    for (size_t i = 0; i < posts.size() && i < 4; ++i)
      if (auto c = callout_row(posts[i]))
        chased += fmt::format("{}{} {}", chased.empty() ? "" : "、", role_zh(c->role), c->person_name);
    if (posts.size() > 4) chased += fmt::format(" 等 {} 人", posts.size());
    const std::string why = words("duty.report_overdue", {{"area_name", r.area_name},
                                                          {"within_zh", duration_zh(duty.within)},
                                                          {"chased", chased}});
    const Notify notify = duty.notify;
    const int marker = static_cast<int>(plan.ladder.size()) + 1;  // a key part no ladder step uses
    if (notify == Notify::superior &&
        notify_superiors(posts.front(), r.snapshot_id, plan, marker, plan.ladder.front().channels,
                         words("notice.chase_superior", {{"matter", why}})) > 0)
      continue;
    tell_duty_officer(posts.front(), r.snapshot_id, plan, why);
  }
  std::set<int64_t> warnings;  // close_warning_if_done counts every callout: once per warning
  for (const ReportRow& r : overdue) warnings.insert(r.warning_id);
  for (int64_t w : warnings) close_warning_if_done(w);
  tx.commit();
  return static_cast<int>(overdue.size());
}

ReportOutcome Engine::report_status(int64_t callout_id) {
  ReportOutcome out;
  const std::optional<ReportStatusRow> row = store_.report_status(callout_id);
  if (!row) return out;
  out.warning_id = row->warning_id;
  out.person_name = row->person_name;
  out.headline = row->headline;
  if (row->report) out.area_name = row->report->area_name;
  if (!row->report || (row->kind != "primary" && row->kind != "deputy")) {
    out.kind = ReportOutcome::Kind::not_owed;
    return out;
  }
  const ReportState state = row->report->state;
  const std::string due = format_china_time(from_epoch_ms(row->report->due_at));  // 2026-06-15T02:15:00+08:00
  out.due = due.substr(0, 10) + " " + due.substr(11, 5);
  out.kind = state == ReportState::filed       ? ReportOutcome::Kind::filed
             : state == ReportState::cancelled ? ReportOutcome::Kind::ended
                                               : ReportOutcome::Kind::open;
  out.late = state == ReportState::overdue;
  return out;
}

ReportOutcome Engine::file_report(int64_t callout_id, const ReportFiling& f, std::string_view actor) {
  ReportOutcome out = report_status(callout_id);
  if (out.kind == ReportOutcome::Kind::unknown || out.kind == ReportOutcome::Kind::not_owed ||
      out.kind == ReportOutcome::Kind::ended)
    return out;
  const bool amending = out.kind == ReportOutcome::Kind::filed;
  const int64_t now = to_epoch_ms(clock_.now());
  const std::optional<ReportStatusRow> row = store_.report_status(callout_id);
  if (!row || !row->report) return out;
  const int64_t report_id = row->report->id;
  const std::string what = fmt::format("指挥：{}；影响村数：{}；转移群众：{}{}", f.commander, f.villages,
                                       f.people_moved > 0 ? fmt::format("{}人", f.people_moved) : "无",
                                       f.note.empty() ? "" : "；" + f.note);
  // One transaction: the report, the answer it also is (whoever reports has the warning in
  // hand) and the warning's close.
  Store::Tx tx(store_);
  const bool filed = store_.file_report(
      amending ? ReportMove::amend : ReportMove::file, out.warning_id, report_id,
      {out.person_name, callout_id, f.commander, f.villages, f.people_moved, f.note},
      {amending ? "report_amended" : "report_filed", actor,
       fmt::format("{} by {}{}: {}", out.area_name, out.person_name, out.late ? " (late)" : "", what)},
      now);
  if (!filed) return report_status(callout_id);  // ended meanwhile: nothing written
  ack(callout_id, "report", actor);
  close_warning_if_done(out.warning_id);
  tx.commit();
  out.kind = amending ? ReportOutcome::Kind::amended : ReportOutcome::Kind::filed;
  return out;
}

}  // namespace jiaoying
