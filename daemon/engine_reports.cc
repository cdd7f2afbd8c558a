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
  std::vector<int64_t> snapshots;
  Stmt s = db_.prepare("SELECT DISTINCT snapshot_id FROM callouts WHERE warning_id = ? AND kind = 'primary'");
  s.bind(1, warning_id);
  while (s.step()) snapshots.push_back(s.int64(0));
  for (int64_t snapshot_id : snapshots) {
    const Plan& plan = snapshot_plan(snapshot_id);
    if (!plan.report_back) continue;
    const ReportDuty& duty = *plan.report_back;
    Stmt areas = db_.prepare(
        "SELECT DISTINCT area_code, area_name FROM callouts WHERE warning_id = ? AND snapshot_id = ? "
        "AND kind = 'primary' AND tier = ? AND state != 'cancelled' "
        "AND area_code NOT IN (SELECT area_code FROM reports WHERE warning_id = ?)");
    areas.bind(1, warning_id).bind(2, snapshot_id).bind(3, tier_name(duty.tier)).bind(4, warning_id);
    std::vector<std::pair<std::string, std::string>> owed;
    while (areas.step()) owed.emplace_back(areas.text(0), areas.text(1));
    for (const auto& [code, name] : owed) {
      const int64_t due = now + duty.within.count();
      db_.prepare(fmt::format(
             "INSERT INTO reports(warning_id, snapshot_id, area_code, area_name, tier, state, created_at, due_at) "
             "VALUES (?,?,?,?,?,'{}',?,?)",
             state_name(ReportState::due)))
          .bind(1, warning_id).bind(2, snapshot_id).bind(3, code).bind(4, name).bind(5, tier_name(duty.tier))
          .bind(6, now).bind(7, due).run();
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
  std::string sql =
      "SELECT id, area_name FROM reports WHERE warning_id = ? AND state IN ('due','overdue')";
  if (only_abandoned_areas)
    sql += " AND NOT EXISTS (SELECT 1 FROM callouts c WHERE c.warning_id = reports.warning_id "
           "AND c.area_code = reports.area_code AND c.kind = 'primary' AND c.state != 'cancelled')";
  Stmt s = db_.prepare(sql);
  s.bind(1, warning_id);
  std::vector<std::pair<int64_t, std::string>> ended;
  while (s.step()) ended.emplace_back(s.int64(0), s.text(1));
  const int64_t now = to_epoch_ms(clock_.now());
  for (const auto& [id, name] : ended)
    store_.move_report(ReportMove::cancel, warning_id, id,
                       {"report_cancelled", "engine", fmt::format("{} owes no report-back: {}", name, why)}, now);
}

// Reports past their deadline: the area's posts are chased and the plan's `notify` is told.
// Runs inside tick(); returns how many reports it moved.
int Engine::tick_reports() {
  const int64_t now = to_epoch_ms(clock_.now());
  struct Overdue {
    int64_t id, warning_id, snapshot_id;
    std::string area_code, area_name;
  };
  std::vector<Overdue> overdue;
  Stmt q = db_.prepare(
      "SELECT id, warning_id, snapshot_id, area_code, area_name FROM reports "
      "WHERE state = 'due' AND due_at <= ? ORDER BY due_at LIMIT 500");
  q.bind(1, now);
  while (q.step()) overdue.push_back({q.int64(0), q.int64(1), q.int64(2), q.text(3), q.text(4)});
  if (overdue.empty()) return 0;
  Transaction tx(db_);
  for (const Overdue& r : overdue) {
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
    std::vector<int64_t> posts;
    Stmt p = db_.prepare(
        "SELECT id FROM callouts WHERE warning_id = ? AND area_code = ? AND kind IN ('primary','deputy') "
        "AND state NOT IN ('cancelled')");  // no ORDER BY: it would tempt SQLite into a rowid scan
    p.bind(1, r.warning_id).bind(2, r.area_code);
    while (p.step()) posts.push_back(p.int64(0));
    std::sort(posts.begin(), posts.end());
    const std::string notice = fmt::format(
        "催报：{}已超过{}未回报。请立即点击「回报」报告：谁在指挥、影响几个村、是否转移群众。", r.area_name, within);
    for (int64_t callout_id : posts) queue_messages(callout_id, plan.ladder.front().channels, -1, "r", 1, notice, "【催报】");
    if (posts.empty()) continue;
    std::string chased;  // who was chased, as the duty room reads it
    for (size_t i = 0; i < posts.size() && i < 4; ++i)
      if (auto c = callout_row(posts[i]))
        chased += fmt::format("{}{} {}", chased.empty() ? "" : "、", role_zh(c->role), c->person_name);
    if (posts.size() > 4) chased += fmt::format(" 等 {} 人", posts.size());
    const std::string why = fmt::format("{}超过{}未回报（谁在指挥、影响村数、是否转移群众）；已催报 {}", r.area_name,
                                        duration_zh(duty.within), chased);
    const Notify notify = duty.notify;
    const int marker = static_cast<int>(plan.ladder.size()) + 1;  // a key part no ladder step uses
    if (notify == Notify::superior &&
        notify_superiors(posts.front(), r.snapshot_id, plan, marker, plan.ladder.front().channels,
                         "督办：" + why + "，请立即督促。") > 0)
      continue;
    tell_duty_officer(posts.front(), r.snapshot_id, plan, why);
  }
  std::set<int64_t> warnings;  // close_warning_if_done counts every callout: once per warning
  for (const Overdue& r : overdue) warnings.insert(r.warning_id);
  for (int64_t w : warnings) close_warning_if_done(w);
  tx.commit();
  return static_cast<int>(overdue.size());
}

ReportOutcome Engine::report_status(int64_t callout_id) {
  ReportOutcome out;
  Stmt q = db_.prepare(
      "SELECT c.warning_id, c.person_name, w.headline, r.area_name, r.state, r.due_at, c.kind FROM callouts c "
      "JOIN warnings w ON w.id = c.warning_id "
      "LEFT JOIN reports r ON r.warning_id = c.warning_id AND r.area_code = c.area_code WHERE c.id = ?");
  q.bind(1, callout_id);
  if (!q.step()) return out;
  out.warning_id = q.int64(0);
  out.person_name = q.text(1);
  out.headline = q.text(2);
  out.area_name = q.text(3);
  const std::string kind = q.text(6);
  if (q.is_null(4) || (kind != "primary" && kind != "deputy")) {
    out.kind = ReportOutcome::Kind::not_owed;
    return out;
  }
  const ReportState state = parse_state<ReportState>(q.text(4)).value_or(ReportState::cancelled);
  const std::string due = format_china_time(from_epoch_ms(q.int64(5)));  // 2026-06-15T02:15:00+08:00
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
  Stmt c = db_.prepare(
      "SELECT r.id FROM callouts c JOIN reports r ON r.warning_id = c.warning_id AND r.area_code = c.area_code "
      "WHERE c.id = ?");
  c.bind(1, callout_id);
  if (!c.step()) return out;
  const int64_t report_id = c.int64(0);
  const std::string what = fmt::format("指挥：{}；影响村数：{}；转移群众：{}{}", f.commander, f.villages,
                                       f.people_moved > 0 ? fmt::format("{}人", f.people_moved) : "无",
                                       f.note.empty() ? "" : "；" + f.note);
  // One transaction: the report, the answer it also is (whoever reports has the warning in
  // hand) and the warning's close.
  Transaction tx(db_);
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
