// The broadcast rule (应急广播, the last mile): when a warning's plan says so, one EBM goes to the
// county platform naming every warned village (or township) that has loudspeakers; the
// platform's playback report says which ones played. Villages without loudspeakers, a refusal,
// a failed or partial playback, and a report that never comes are each told to the duty
// officer — nothing about the loudspeakers fails in silence. A cancelled warning sends the
// platform a cancel (MsgType 2) for the same EBMID. docs/protocols/broadcast.md.
#include "daemon/duty_broadcast.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "rules/names.h"
#include "rules/recipients.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

// "岩头村、下店村 等 12 个村": names for the duty officer's message, not a wall of them.
std::string some_names(const Directory& directory, const std::vector<std::string>& codes) {
  std::string out;
  for (size_t i = 0; i < codes.size() && i < 5; ++i) {
    const Area* a = directory.area(codes[i]);
    out += (i ? "、" : "") + (a ? a->name : codes[i]);
  }
  if (codes.size() > 5) out += fmt::format(" 等 {} 处", codes.size());
  return out;
}

}  // namespace

void BroadcastDuty::event(int64_t warning_id, std::string_view kind, std::string_view actor, std::string_view detail) {
  host_.store().event({warning_id, std::nullopt, std::nullopt}, {kind, actor, detail}, host_.now_ms());
}

// What the loudspeakers say: what this hazard asks of villagers (templates/<family>/broadcast.*).
std::pair<std::string, std::string> BroadcastDuty::wording(const Plan& owner, const Warning& w,
                                                           const TemplateValues& values) const {
  const TemplateRenderer& t = host_.templates();
  const std::string family = template_family(owner, w.hazard);
  std::vector<std::string> text = t.render({t.pick(family, "broadcast.title"), t.pick(family, "broadcast.body")}, values);
  return {std::move(text[0]), std::move(text[1])};
}

bool BroadcastDuty::blocks_close(int64_t warning_id) { return host_.store().any_broadcast_awaited(warning_id); }

void BroadcastDuty::end(const DutyEnd& e) { cancel(e.tx, e.warning_id, e.cancelled); }

void BroadcastDuty::start(const DutyStart& s) {
  const int64_t warning_id = s.warning_id;
  const Warning& w = s.warning;
  const std::vector<const Plan*>& matched = s.plans;
  const std::map<const Plan*, int64_t>& snapshots = s.snapshots;
  // Several plans: the union of their areas, the most repeats, the shortest wait for the report.
  const Plan* owner = nullptr;
  std::set<std::string> reachable, without;
  int repeat = 0;
  Millis within = Millis::max();
  for (const Plan* p : matched) {
    if (!p->broadcast || !broadcast_applies(*p->broadcast, w.level)) continue;
    if (!owner) owner = p;
    BroadcastTargets t = broadcast_targets(w, host_.directory(), p->broadcast->tier);
    for (const Area* a : t.reachable) reachable.insert(a->code);
    for (const Area* a : t.without_endpoints) without.insert(a->code);
    repeat = std::max(repeat, p->broadcast->repeat);
    within = std::min(within, p->broadcast->within);
  }
  if (!owner) return;
  const std::vector<std::string> gaps(without.begin(), without.end());
  if (host_.settings().broadcast_ebrid.empty()) {
    event(warning_id, "broadcast_failed", "engine",
          "the plan's broadcast rule applies, but jiaoyingd has no broadcast channel configured");
    return;
  }
  if (reachable.empty() && gaps.empty()) {
    event(warning_id, "broadcast_skipped", "engine",
          fmt::format("the broadcast rule of {} applies, but the warning covers no area of that tier", owner->name));
    return;
  }
  if (reachable.empty()) {
    const std::string why = host_.words(
        "duty.broadcast_none", {{"count", std::to_string(gaps.size())}, {"names", some_names(host_.directory(), gaps)}});
    event(warning_id, "broadcast_failed", "engine", why);
    host_.tell_duty_room_of_area(s.tx, warning_id, gaps.front(), snapshots.at(owner), *owner, why);
    return;
  }
  const WarningFacts& row = host_.facts(warning_id);
  const HazardInfo* h = find_hazard(w.hazard);
  TemplateValues values{
      {"headline", w.headline},       {"description", w.description},
      {"hazard_zh", std::string(h ? h->zh : w.hazard)},
      {"level_zh", std::string(level_zh(w.level))},
      {"areas_zh", row.areas_zh},     {"drill", row.drill ? host_.words("notice.drill.tag") : ""},
      {"tag", ""},                    {"cancel", ""},
  };
  auto [title, once] = wording(*owner, w, values);
  if (title.empty()) title = w.headline;
  std::string body;
  for (int i = 0; i < repeat; ++i) body += (i ? "\n" : "") + once;  // terminals read it through: N times
  const std::vector<std::string> areas(reachable.begin(), reachable.end());
  json::object names;
  for (const auto& code : areas) names[code] = host_.directory().area(code)->name;
  const int64_t now = host_.now_ms();
  NewBroadcast b;
  b.warning_id = warning_id;
  b.snapshot_id = snapshots.at(owner);
  b.title = title;
  b.body = body;
  b.areas = areas;
  b.area_names_json = json::serialize(names);
  b.repeat = repeat;
  b.within_ms = within.count();
  b.now = now;
  const int64_t id = host_.store().insert_broadcast(b);
  const std::string ebm_id = make_ebm_id(host_.settings().broadcast_ebrid, from_epoch_ms(now), id);  // names its row
  host_.store().set_ebm_id(id, ebm_id);
  event(warning_id, "broadcast_queued", "engine",
        fmt::format("EBM {}: {} areas, played {} times, report due {} after sending ({})", ebm_id, areas.size(),
                    repeat, format_duration(within), owner->name));
  if (!gaps.empty()) {
    const std::string why = host_.words(
        "duty.broadcast_gap", {{"count", std::to_string(gaps.size())}, {"names", some_names(host_.directory(), gaps)}});
    event(warning_id, "broadcast_gap", "engine", why);
    host_.tell_duty_room_of_area(s.tx, warning_id, gaps.front(), snapshots.at(owner), *owner, why);
  }
}

void BroadcastDuty::cancel(Store::Tx& /*the caller's*/, int64_t warning_id, bool tell_platform) {
  const int64_t now = host_.now_ms();
  for (const BroadcastRow& r : host_.store().broadcasts_of(warning_id, false)) {
    if (r.state == BroadcastState::queued) {
      host_.store().move_broadcast(BroadcastMove::cancel, warning_id, r.id, "the warning ended first",
                                   {"broadcast_cancelled", "engine",
                                    fmt::format("EBM {}: never sent, the warning ended first", r.ebm_id)},
                                   now);
      continue;
    }
    if (!tell_platform || r.state == BroadcastState::failed || r.state == BroadcastState::cancelled) continue;
    // Awaiting its playback report: no longer — the platform is told to stop.
    if (r.state == BroadcastState::sent)
      host_.store().move_broadcast(BroadcastMove::cancel, warning_id, r.id, "the warning was cancelled",
                                   {"broadcast_cancelled", "engine",
                                    fmt::format("EBM {}: its playback report is no longer awaited, the warning was cancelled",
                                                r.ebm_id)},
                                   now);
    // It reached the platform (or may have): tell it to stop, under the same EBMID.
    const WarningFacts& row = host_.facts(warning_id);
    const Warning& w = row.warning;
    const HazardInfo* h = find_hazard(w.hazard);
    TemplateValues values{{"hazard_zh", std::string(h ? h->zh : w.hazard)},
                          {"level_zh", std::string(level_zh(w.level))},
                          {"areas_zh", row.areas_zh},
                          {"drill", row.drill ? host_.words("notice.drill.tag") : ""},
                          {"tag", host_.words("notice.end.tag")},
                          {"cancel", "yes"}};
    auto [title, body] = wording(host_.snapshot_plan(r.snapshot_id), w, values);
    NewBroadcast cancel;
    cancel.warning_id = warning_id;
    cancel.snapshot_id = r.snapshot_id;
    cancel.msg_type = 2;
    cancel.ebm_id = r.ebm_id;
    cancel.title = std::move(title);
    cancel.body = std::move(body);
    cancel.areas = r.areas;
    cancel.now = now;
    if (host_.store().insert_cancel_broadcast(cancel))
      event(warning_id, "broadcast_cancel_queued", "engine",
            fmt::format("EBM {}: the platform is told to stop (MsgType 2)", r.ebm_id));
  }
}

std::vector<BroadcastJob> BroadcastDuty::claim(size_t limit) {
  std::vector<BroadcastJob> jobs;
  const int64_t now = host_.now_ms();
  const std::vector<BroadcastRow> rows = host_.store().claimable_broadcasts(now, limit);
  if (rows.empty()) return jobs;
  Store::Tx tx(host_.store());
  for (const BroadcastRow& r : rows) {
    if (!host_.store().claim_broadcast(r.warning_id, r.id,
                                       {"broadcast_sending", "engine",
                                        fmt::format("{} {}: to the broadcast platform (attempt {})",
                                                    r.msg_type == 2 ? "cancel of EBM" : "EBM", r.ebm_id, r.attempts + 1)},
                                       now))
      continue;
    const Warning& w = host_.facts(r.warning_id).warning;
    BroadcastOrder o;
    o.broadcast_id = r.id;
    o.attempt = r.attempts + 1;
    o.msg_type = r.msg_type;
    o.ebm_id = r.ebm_id;
    o.hazard = w.hazard;
    o.level = w.level;
    o.title = r.title;
    o.text = r.body;
    o.area_codes = r.areas;
    o.sent = w.sent;
    o.start = w.onset.value_or(w.effective.value_or(w.sent));
    o.end = w.expires.value_or(w.sent + std::chrono::hours(24));
    jobs.push_back({r.id, std::move(o)});
  }
  tx.commit();
  return jobs;
}

void BroadcastDuty::complete(int64_t broadcast_id, const SendResult& result) {
  const std::optional<BroadcastRow> b = host_.store().broadcast(broadcast_id);
  if (!b || b->state != BroadcastState::sending) return;
  const int64_t warning_id = b->warning_id;
  const std::string& ebm_id = b->ebm_id;
  const bool cancel = b->msg_type == 2;
  const int attempts = b->attempts;
  const int64_t within = b->within_ms, snapshot_id = b->snapshot_id;
  const std::vector<std::string>& areas = b->areas;
  const int64_t now = host_.now_ms();
  const std::string what = cancel ? "cancel of EBM " + ebm_id : "EBM " + ebm_id;
  Store::Tx tx(host_.store());
  switch (result.outcome) {
    case SendOutcome::sent:
    case SendOutcome::duplicate:
      host_.store().broadcast_sent(
          cancel ? BroadcastMove::cancel_sent : BroadcastMove::sent, warning_id, broadcast_id,
          cancel ? std::optional<int64_t>() : std::optional<int64_t>(now + within),
          {cancel ? "broadcast_cancel_sent" : "broadcast_sent", "engine",
           fmt::format("{}: the platform took it{}", what, result.detail.empty() ? "" : " (" + result.detail + ")")},
          now);
      break;
    case SendOutcome::deferred:
      // The platform asked us to slow down: again shortly, the attempt not counted.
      host_.store().requeue_broadcast(warning_id, broadcast_id, now + host_.settings().defer_pause.count(), result.detail, true,
                                      {"broadcast_deferred", "engine",
                                       fmt::format("{}: {}; again in {}", what, result.detail,
                                                   format_duration(host_.settings().defer_pause))},
                                      now);
      break;
    case SendOutcome::retry:
      if (attempts < host_.settings().max_attempts) {
        const int64_t backoff = host_.settings().retry_backoff.count() << std::min(attempts - 1, 10);
        host_.store().requeue_broadcast(warning_id, broadcast_id, now + backoff, result.detail, false,
                                        {"broadcast_retry", "engine",
                                         fmt::format("{}: {} (attempt {}, again in {})", what, result.detail, attempts,
                                                     format_duration(Millis(backoff)))},
                                        now);
        break;
      }
      [[fallthrough]];
    case SendOutcome::failed:
    case SendOutcome::unknown: {
      const std::string why =
          host_.words("duty.broadcast_failed", {{"cancel", cancel ? "yes" : ""}, {"error", result.detail}});
      host_.store().move_broadcast(BroadcastMove::fail, warning_id, broadcast_id, result.detail,
                                   {"broadcast_failed", "engine", fmt::format("{}: {}", what, why)}, now);
      host_.tell_duty_room_of_area(tx, warning_id, areas.empty() ? std::string() : areas.front(), snapshot_id,
                                   host_.snapshot_plan(snapshot_id), why);
      break;
    }
  }
  host_.close_if_done(tx, warning_id);
  tx.commit();
}

bool BroadcastDuty::report(const PlaybackReport& report, std::string_view actor) {
  const std::optional<BroadcastRow> b = host_.store().broadcast_by_ebm(report.ebm_id);
  if (!b) {
    host_.store().event({}, {"callback_refused", actor, fmt::format("a playback report for EBM {} we never sent", report.ebm_id)},
                        host_.now_ms());
    return false;
  }
  const int64_t id = b->id, warning_id = b->warning_id, snapshot_id = b->snapshot_id;
  const BroadcastState state = b->state;
  const std::vector<std::string>& areas = b->areas;
  const int64_t now = host_.now_ms();
  const std::string brd = std::string(ebd::brd_state_name(report.state));
  Store::Tx tx(host_.store());
  host_.store().record_playback(id, report.state, report.covered_areas, report.coverage_rate, now);
  const bool late = state == BroadcastState::unconfirmed;
  std::string detail = fmt::format("EBM {}: {}{}{}", report.ebm_id, brd, report.desc.empty() ? "" : " (" + report.desc + ")",
                                   late ? " — after the report was due" : "");
  std::optional<BroadcastMove> move;  // none: progress only (waiting, playing, not handled)
  std::string tell;  // what the duty officer must hear, if anything
  if (report.state == ebd::kPlayed) {
    std::set<std::string> covered(report.covered_areas.begin(), report.covered_areas.end());
    std::vector<std::string> missed;
    // A report naming no areas covers what was asked; one naming some covers those (and below).
    if (!covered.empty())
      for (const std::string& a : areas) {
        bool in = covered.count(a) > 0;
        for (const Area* up : host_.directory().ancestors(a)) in = in || covered.count(up->code) > 0;
        if (!in) missed.push_back(a);
      }
    move = missed.empty() ? BroadcastMove::played : BroadcastMove::partial;
    detail += fmt::format("; covered {} of {} areas{}", areas.size() - missed.size(), areas.size(),
                          report.coverage_rate.empty() ? "" : " (rate " + report.coverage_rate + ")");
    if (!missed.empty())
      tell = host_.words("duty.broadcast_partial",
                   {{"count", std::to_string(missed.size())}, {"names", some_names(host_.directory(), missed)}});
  } else if (report.state == ebd::kPlayFailed) {
    move = BroadcastMove::play_failed;
    tell = host_.words("duty.broadcast_play_failed", {{"desc", report.desc}});
  } else if (report.state == ebd::kCancelled) {
    move = BroadcastMove::platform_cancelled;
  }
  // Progress only, or what the row already says (a cancelled one stays so): the report is on
  // file, the state and its deadline stand.
  const Audit audit{"broadcast_report", actor, detail};
  if (!move || !host_.store().move_broadcast(*move, warning_id, id, std::nullopt, audit, now))
    host_.store().event({warning_id, std::nullopt, std::nullopt}, audit, now);
  if (!tell.empty())
    host_.tell_duty_room_of_area(tx, warning_id, areas.empty() ? std::string() : areas.front(), snapshot_id,
                                 host_.snapshot_plan(snapshot_id), tell);
  host_.close_if_done(tx, warning_id);
  tx.commit();
  return true;
}

int BroadcastDuty::tick() {
  const int64_t now = host_.now_ms();
  const auto rows = host_.store().broadcasts_past_due(now);
  if (rows.empty()) return 0;
  Store::Tx tx(host_.store());
  for (const auto& [r, warning_state] : rows) {
    // Sent while the warning was being cancelled (the cancel EBM followed): nothing to chase.
    if (warning_state == WarningState::cancelled) {
      host_.store().move_broadcast(BroadcastMove::cancel, r.warning_id, r.id, "the warning was cancelled",
                                   {"broadcast_cancelled", "engine",
                                    fmt::format("EBM {}: its playback report is no longer awaited, the warning was cancelled",
                                                r.ebm_id)},
                                   now);
      continue;
    }
    const std::vector<std::string>& areas = r.areas;
    const std::string last = r.brd_state ? std::string(ebd::brd_state_name(static_cast<int>(*r.brd_state))) : "nothing";
    const std::string why = host_.words("duty.broadcast_unconfirmed", {{"last", last == "nothing" ? "" : last}});
    host_.store().move_broadcast(BroadcastMove::unconfirm, r.warning_id, r.id, std::nullopt,
                                 {"broadcast_unconfirmed", "engine",
                                  fmt::format("EBM {}: no playback report by the deadline (last: {})", r.ebm_id, last)},
                                 now);
    host_.tell_duty_room_of_area(tx, r.warning_id, areas.empty() ? std::string() : areas.front(), r.snapshot_id,
                                 host_.snapshot_plan(r.snapshot_id), why);
    host_.close_if_done(tx, r.warning_id);
  }
  tx.commit();
  return static_cast<int>(rows.size());
}

}  // namespace jiaoying
