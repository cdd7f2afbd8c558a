// The report-back duty (回报). A plan with `report_back` makes every called area of its
// tier owe one report — who is in command, how many villages are affected, whether people are
// being moved — within `within` of the warning's start. The report is filed on the form behind
// the card's 回报 button; a missing one is chased (【催报】 to the area's posts) and escalated
// (the duty officer or the posts above), and the warning stays open until each is filed or
// chased. Zhejiang practice: PROTOCOLS.md, "15 minutes".
#include "daemon/duty_report_back.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "rules/names.h"

namespace jiaoying {

void ReportBackDuty::start(const DutyStart& s) {
  if (s.update) let_off(s.tx, s.warning_id, "no longer in the warned area (update)", true);
  start_for(s.tx, s.warning_id);
}

void ReportBackDuty::end(const DutyEnd& e) { let_off(e.tx, e.warning_id, e.why, false); }

bool ReportBackDuty::blocks_close(int64_t warning_id) { return host_.store().any_report_due(warning_id); }

// Called after a warning's callouts are created (and after an Update carried them over): every
// area of a report tier with a primary callout owes a report, once per warning.
void ReportBackDuty::start_for(Store::Tx& /*the caller's*/, int64_t warning_id) {
  const int64_t now = host_.now_ms();
  for (int64_t snapshot_id : host_.store().snapshots_of(warning_id)) {
    const Plan& plan = host_.snapshot_plan(snapshot_id);
    if (!plan.report_back) continue;
    const ReportDuty& duty = *plan.report_back;
    for (const auto& [code, name] : host_.store().areas_owing_no_report(warning_id, snapshot_id, tier_name(duty.tier))) {
      const int64_t due = now + duty.within.count();
      host_.store().insert_report(warning_id, snapshot_id, code, name, tier_name(duty.tier), now, due);
      host_.store().event(
          {warning_id, std::nullopt, std::nullopt},
          {"report_due", "engine",
           fmt::format("{} owes the report-back (who commands, villages affected, people moved) by {}", name,
                       format_china_clock(from_epoch_ms(due)))},
          now);
      host_.forget(warning_id);  // its cards now look up the report their area owes
    }
  }
}

// A warning that ends (cancel, expiry) owes nothing more; after an Update, only the areas no
// longer called (every callout there cancelled) are let off.
void ReportBackDuty::let_off(Store::Tx& /*the caller's*/, int64_t warning_id, std::string_view why,
                             bool only_abandoned_areas) {
  const int64_t now = host_.now_ms();
  for (const ReportRow& r : host_.store().open_reports(warning_id, only_abandoned_areas))
    host_.store().move_report(ReportMove::cancel, warning_id, r.id,
                              {"report_cancelled", "engine", fmt::format("{} owes no report-back: {}", r.area_name, why)},
                              now);
}

// Reports past their deadline: the area's posts are chased and the plan's `notify` is told.
// Runs inside tick(); returns how many reports it moved.
int ReportBackDuty::tick() {
  const int64_t now = host_.now_ms();
  const std::vector<ReportRow> overdue = host_.store().reports_past_due(now, 500);
  if (overdue.empty()) return 0;
  Store::Tx tx(host_.store());
  for (const ReportRow& r : overdue) {
    const Plan& plan = host_.snapshot_plan(r.snapshot_id);
    const ReportDuty duty = plan.report_back.value_or(ReportDuty{});  // the plan that made the row has one
    const std::string within = format_duration(duty.within);
    if (!host_.store().move_report(ReportMove::overdue, r.warning_id, r.id,
                                   {"report_overdue", "engine",
                                    fmt::format("{} has not reported back within {}", r.area_name, within)},
                                   now))
      continue;
    // Every post of the area still in the callout (answered or not) is chased on the plan's
    // first channels; the report link rides on each card.
    const std::vector<int64_t> posts = host_.store().area_posts(r.warning_id, r.area_code);
    const std::string notice = host_.words(
        "notice.chase", {{"area_name", r.area_name}, {"within", within}, {"within_zh", duration_zh(duty.within)}});
    const std::string tag = host_.words("notice.chase.tag");
    for (int64_t callout_id : posts) host_.notice(tx, callout_id, plan.ladder.front().channels, "r", notice, tag);
    if (posts.empty()) continue;
    std::string chased;  // who was chased, as the duty room reads it
    for (size_t i = 0; i < posts.size() && i < 4; ++i)
      if (auto c = host_.store().callout(posts[i]))
        chased += fmt::format("{}{} {}", chased.empty() ? "" : "、", role_zh(c->role), c->person_name);
    if (posts.size() > 4) chased += fmt::format(" 等 {} 人", posts.size());
    const std::string why = host_.words("duty.report_overdue", {{"area_name", r.area_name},
                                                          {"within_zh", duration_zh(duty.within)},
                                                          {"chased", chased}});
    const Notify notify = duty.notify;
    if (notify == Notify::superior &&
        host_.tell_superiors(tx, posts.front(), r.snapshot_id, plan, plan.ladder.front().channels,
                             host_.words("notice.chase_superior", {{"matter", why}})) > 0)
      continue;
    host_.tell_duty_room(tx, posts.front(), r.snapshot_id, plan, why);
  }
  std::set<int64_t> warnings;  // close_warning_if_done counts every callout: once per warning
  for (const ReportRow& r : overdue) warnings.insert(r.warning_id);
  for (int64_t w : warnings) host_.close_if_done(tx, w);
  tx.commit();
  return static_cast<int>(overdue.size());
}

ReportOutcome ReportBackDuty::report_status(int64_t callout_id) {
  ReportOutcome out;
  const std::optional<ReportStatusRow> row = host_.store().report_status(callout_id);
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

ReportOutcome ReportBackDuty::file_report(int64_t callout_id, const ReportFiling& f, std::string_view actor) {
  ReportOutcome out = report_status(callout_id);
  if (out.kind == ReportOutcome::Kind::unknown || out.kind == ReportOutcome::Kind::not_owed ||
      out.kind == ReportOutcome::Kind::ended)
    return out;
  const bool amending = out.kind == ReportOutcome::Kind::filed;
  const int64_t now = host_.now_ms();
  const std::optional<ReportStatusRow> row = host_.store().report_status(callout_id);
  if (!row || !row->report) return out;
  const int64_t report_id = row->report->id;
  const std::string what = fmt::format("指挥：{}；影响村数：{}；转移群众：{}{}", f.commander, f.villages,
                                       f.people_moved > 0 ? fmt::format("{}人", f.people_moved) : "无",
                                       f.note.empty() ? "" : "；" + f.note);
  // One transaction: the report, the answer it also is (whoever reports has the warning in
  // hand) and the warning's close.
  Store::Tx tx(host_.store());
  const bool filed = host_.store().file_report(
      amending ? ReportMove::amend : ReportMove::file, out.warning_id, report_id,
      {out.person_name, callout_id, f.commander, f.villages, f.people_moved, f.note},
      {amending ? "report_amended" : "report_filed", actor,
       fmt::format("{} by {}{}: {}", out.area_name, out.person_name, out.late ? " (late)" : "", what)},
      now);
  if (!filed) return report_status(callout_id);  // ended meanwhile: nothing written
  host_.answer(callout_id, "report", actor);
  host_.close_if_done(tx, out.warning_id);
  tx.commit();
  out.kind = amending ? ReportOutcome::Kind::amended : ReportOutcome::Kind::filed;
  return out;
}

}  // namespace jiaoying
