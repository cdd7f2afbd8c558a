#include "daemon/store_sqlite_views.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include <boost/json.hpp>

#include "daemon/provider_json.h"
#include "daemon/state_sql.h"
#include "rules/json_text.h"
#include "rules/names.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

json::value opt_time(const Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  return json::value(format_china_time(from_epoch_ms(s.int64(col))));
}

// Every view of events selects these columns, in this order, and reads them with event_json.
constexpr const char* kEventColumns =
    "SELECT e.id, e.at, e.callout_id, e.message_id, e.kind, e.actor, e.detail, c.person_name, c.area_name, c.role "
    "FROM events e LEFT JOIN callouts c ON c.id = e.callout_id ";

// One event: when, what, who did it, and the person and post of its callout (empty for the
// warning's own events).
json::object event_json(const Stmt& s) {
  return {{"id", s.int64(0)},
          {"at", format_china_time(from_epoch_ms(s.int64(1)))},
          {"at_ms", s.int64(1)},
          {"callout_id", s.is_null(2) ? json::value(nullptr) : json::value(s.int64(2))},
          {"message_id", s.is_null(3) ? json::value(nullptr) : json::value(s.int64(3))},
          {"kind", s.text(4)},
          {"actor", s.text(5)},
          {"detail", s.text(6)},
          {"person", s.is_null(7) ? std::string() : s.text(7)},
          {"post", s.is_null(8) ? std::string() : s.text(8) + " " + std::string(role_zh(s.text(9)))}};
}

}  // namespace

std::string SqliteViews::warnings(const std::vector<ProviderStatus>& providers) {
  Db& db = db_;
  Stmt s = db.prepare(fmt::format(
      "SELECT w.id, w.identifier, w.sender, w.hazard, w.level, w.headline, w.state, w.received_at, "
      "COUNT(c.id), COUNT(c.id) FILTER (WHERE c.state IN ({reached})), "
      "COUNT(c.id) FILTER (WHERE c.state = {exhausted}), "
      "COUNT(c.id) FILTER (WHERE c.state IN ({open})), "
      "(SELECT COUNT(*) FROM reports r WHERE r.warning_id = w.id AND r.state != {report_cancelled}), "
      "(SELECT COUNT(*) FROM reports r WHERE r.warning_id = w.id AND r.state = {report_filed}), "
      "(SELECT COUNT(*) FROM reports r WHERE r.warning_id = w.id AND r.state = {report_overdue}), "
      "(SELECT b.state FROM broadcasts b WHERE b.warning_id = w.id AND b.msg_type = 1 ORDER BY b.id DESC LIMIT 1), "
      "w.status FROM warnings w LEFT JOIN callouts c ON c.warning_id = w.id AND c.kind = 'primary' "
      "GROUP BY w.id ORDER BY w.id DESC "
      "LIMIT 200",
      fmt::arg("reached", sql_names(kReachedCallout)), fmt::arg("exhausted", sql_name(CalloutState::exhausted)),
      fmt::arg("open", sql_names(kOpenCallout)), fmt::arg("report_cancelled", sql_name(ReportState::cancelled)),
      fmt::arg("report_filed", sql_name(ReportState::filed)),
      fmt::arg("report_overdue", sql_name(ReportState::overdue))));
  json::array list;
  while (s.step()) {
    list.push_back(json::object{{"id", s.int64(0)},
                                {"identifier", s.text(1)},
                                {"sender", s.text(2)},
                                {"hazard", s.text(3)},
                                {"level", s.text(4)},
                                {"headline", s.text(5)},
                                {"state", s.text(6)},
                                {"received_at", format_china_time(from_epoch_ms(s.int64(7)))},
                                {"total", s.int64(8)},
                                {"answered", s.int64(9)},
                                {"exhausted", s.int64(10)},
                                {"calling", s.int64(11)},
                                {"reports", s.int64(12)},
                                {"reports_filed", s.int64(13)},
                                {"reports_overdue", s.int64(14)},
                                {"status", s.text(16)},  // exercise: a drill, kept apart from real figures
                                {"broadcast", s.is_null(15) ? json::value(nullptr) : json::value(s.text(15))}});
  }
  json::object out{{"warnings", std::move(list)}};
  if (!providers.empty()) {
    // What waits to go out, per medium (the outbox's index of queued messages).
    std::map<std::string, int64_t> waiting;
    Stmt q = db.prepare(fmt::format("SELECT channel, COUNT(*) FROM messages WHERE state = {} GROUP BY channel",
                                    sql_name(MessageState::queued)));
    while (q.step()) waiting[q.text(0)] = q.int64(1);
    json::array ps;
    for (const ProviderStatus& p : providers)
      ps.push_back(provider_json(p, waiting.count(p.medium) ? waiting[p.medium] : 0));
    out["providers"] = std::move(ps);
  }
  return json_text(out);
}

std::optional<int64_t> SqliteViews::find_warning_id(const std::string& key) {
  Db& db = db_;
  Stmt s = db.prepare("SELECT id FROM warnings WHERE CAST(id AS TEXT) = ?1 OR identifier = ?1 "
                      "ORDER BY id DESC LIMIT 1");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::string SqliteViews::warning(int64_t warning_id, TimePoint now, const CalloutQuery& query) {
  Db& db = db_;
  Stmt w = db.prepare(
      "SELECT id, identifier, sender, sent, source, hazard, level, areas, headline, description, state, "
      "received_at, status FROM warnings WHERE id = ?");
  w.bind(1, warning_id);
  if (!w.step()) return {};
  json::object warning{{"id", w.int64(0)},
                       {"identifier", w.text(1)},
                       {"sender", w.text(2)},
                       {"sent", format_china_time(from_epoch_ms(w.int64(3)))},
                       {"source", w.text(4)},
                       {"hazard", w.text(5)},
                       {"level", w.text(6)},
                       {"areas", json::parse(w.text(7))},
                       {"headline", w.text(8)},
                       {"description", w.text(9)},
                       {"state", w.text(10)},
                       {"received_at", format_china_time(from_epoch_ms(w.int64(11)))},
                       {"status", w.text(12)}};
  json::array plans;
  Stmt p = db.prepare("SELECT plan_name FROM plan_snapshots WHERE warning_id = ? ORDER BY id");
  p.bind(1, warning_id);
  while (p.step()) plans.emplace_back(p.text(0));
  warning["plans"] = std::move(plans);
  json::array flags;
  Stmt f = db.prepare("SELECT detail FROM events WHERE warning_id = ? AND kind IN ('sent_suspicious', "
                      "'no_plan_matched', 'post_unfilled', 'areas_not_ours', 'area_not_in_directory') ORDER BY id LIMIT 50");
  f.bind(1, warning_id);
  while (f.step()) flags.emplace_back(f.text(0));
  warning["flags"] = std::move(flags);
  // What was done by hand at the duty desk, by whom (the Unix user) and why.
  json::array desk;
  Stmt d = db.prepare(std::string(kEventColumns) +
                      "WHERE e.warning_id = ? AND e.actor LIKE 'duty:%' ORDER BY e.id LIMIT 200");
  d.bind(1, warning_id);
  while (d.step()) desk.push_back(event_json(d));
  warning["desk"] = std::move(desk);

  // The rows asked for (filters), the counts of all of them, and at most query.limit rows —
  // then those needing action first (exhausted, still calling), so a city's warning shows its
  // trouble, not 100,000 lines.
  std::string where = " WHERE warning_id = ?";
  std::vector<std::string> binds;
  if (!query.area.empty()) where += " AND area_code LIKE ? || '%'", binds.push_back(query.area);
  if (!query.tier.empty()) where += " AND tier = ?", binds.push_back(query.tier);
  if (!query.role.empty()) where += " AND role = ?", binds.push_back(query.role);
  if (!query.state.empty())  // "calling" stands for every open state; `? <> ''` keeps the binds in step
    where += query.state == state_name(CalloutState::calling)
                 ? fmt::format(" AND state IN ({}) AND ? <> ''", sql_names(kOpenCallout))
                 : std::string(" AND state = ?"),
        binds.push_back(query.state);
  auto bind_filters = [&](Stmt& st) {
    st.bind(1, warning_id);
    for (size_t i = 0; i < binds.size(); ++i) st.bind(static_cast<int>(i + 2), binds[i]);
  };
  // Counts are of the people the plan called (primary callouts); raised ones are listed, apart.
  // One aggregate over the index, not a walk of every row: only the listed rows are read whole.
  json::object counts{{"total", 0}, {"answered", 0}, {"calling", 0}, {"exhausted", 0}, {"covered", 0},
                      {"cancelled", 0}, {"raised", 0}, {"raised_calling", 0}};
  int64_t matching = 0;
  {
    Stmt n = db.prepare("SELECT kind = 'primary', state, COUNT(*) FROM callouts" + where + " GROUP BY 1, 2");
    bind_filters(n);
    auto add = [&](const char* key, int64_t k) { counts[key] = counts[key].as_int64() + k; };
    while (n.step()) {
      const std::string state = n.text(1);
      const int64_t k = n.int64(2);
      const std::optional<CalloutState> known = parse_state<CalloutState>(state);
      const bool open = known && is_open(*known);
      matching += k;
      if (n.int64(0) != 0) {
        add("total", k);
        const std::string bucket = open ? std::string(state_name(CalloutState::calling)) : state;
        if (counts.contains(bucket)) add(bucket.c_str(), k);
      } else {
        add("raised", k);
        if (open) add("raised_calling", k);
      }
    }
  }
  const bool truncated = query.limit > 0 && static_cast<size_t>(matching) > query.limit;
  Stmt c = db.prepare(
      "SELECT id, area_code, area_name, tier, role, seat, person_name, mobile, state, " +
      fmt::format("(SELECT COUNT(*) FROM messages m WHERE m.callout_id = callouts.id AND m.state IN ({})), ",
                  sql_names({MessageState::sending, MessageState::sent})) +
      "first_sent_at, answered_at, answered_via, answered_late, started_at, next_due_at, zzd_account, kind, "
      "escalated_from FROM callouts" + where + " ORDER BY " +
      (truncated ? fmt::format("CASE WHEN state = {} THEN 0 WHEN state IN ({}) THEN 1 ELSE 2 END, ",
                               sql_name(CalloutState::exhausted), sql_names(kOpenCallout))
                 : std::string()) +
      "CASE tier WHEN 'city' THEN 0 WHEN 'county' THEN 1 WHEN 'township' THEN 2 ELSE 3 END, area_code, role, id" +
      (truncated ? fmt::format(" LIMIT {}", query.limit) : std::string()));
  bind_filters(c);
  json::array callouts;
  while (c.step()) {
    std::string state = c.text(8);
    std::string kind = c.text(17);
    json::value answer_ms = nullptr;
    if (!c.is_null(11) && !c.is_null(10)) answer_ms = c.int64(11) - c.int64(10);
    json::value waiting_ms = nullptr;
    const std::optional<CalloutState> known = parse_state<CalloutState>(state);
    if (known && is_open(*known)) waiting_ms = to_epoch_ms(now) - c.int64(14);
    callouts.push_back(json::object{{"id", c.int64(0)},
                                    {"area_code", c.text(1)},
                                    {"area_name", c.text(2)},
                                    {"tier", c.text(3)},
                                    {"role", c.text(4)},
                                    {"seat", c.text(5)},
                                    {"person", c.text(6)},
                                    {"mobile", c.text(7)},  // the duty room phones people: whole here
                                    {"zzd_account", c.text(16)},
                                    {"state", state},
                                    {"notified", c.int64(9)},
                                    {"first_sent_at", opt_time(c, 10)},
                                    {"answered_at", opt_time(c, 11)},
                                    {"answered_via", c.is_null(12) ? json::value(nullptr) : json::value(c.text(12))},
                                    {"answer_ms", answer_ms},
                                    {"waiting_ms", waiting_ms},
                                    {"late", c.int64(13) != 0},
                                    {"kind", kind},
                                    {"escalated_from", c.is_null(18) ? json::value(nullptr) : json::value(c.int64(18))}});
  }
  json::array reports;
  Stmt r = db.prepare(
      "SELECT area_code, area_name, tier, state, due_at, filed_at, filed_by, filed_late, commander, villages, "
      "people_moved, note FROM reports WHERE warning_id = ? ORDER BY area_code");
  r.bind(1, warning_id);
  while (r.step())
    reports.push_back(json::object{
        {"area_code", r.text(0)},
        {"area_name", r.text(1)},
        {"tier", r.text(2)},
        {"state", r.text(3)},
        {"due_at", opt_time(r, 4)},
        {"filed_at", opt_time(r, 5)},
        {"filed_by", r.is_null(6) ? json::value(nullptr) : json::value(r.text(6))},
        {"late", r.int64(7) != 0},
        {"commander", r.is_null(8) ? json::value(nullptr) : json::value(r.text(8))},
        {"villages", r.is_null(9) ? json::value(nullptr) : json::value(r.int64(9))},
        {"people_moved", r.is_null(10) ? json::value(nullptr) : json::value(r.int64(10))},
        {"note", r.is_null(11) ? json::value(nullptr) : json::value(r.text(11))}});
  // The 六问 spot checks: each post sampled, its state and what its keys said.
  json::array spot_checks;
  Stmt k = db.prepare(
      "SELECT c.area_code, c.area_name, c.role, c.seat, c.person_name, c.tier, k.state, k.questions, k.keys, "
      "k.first_no, k.asked_at, k.done_at, k.asked_by FROM spot_checks k JOIN callouts c ON c.id = k.callout_id "
      "WHERE k.warning_id = ? ORDER BY c.area_code, k.id");
  k.bind(1, warning_id);
  while (k.step())
    spot_checks.push_back(json::object{
        {"area_code", k.text(0)},
        {"area_name", k.text(1)},
        {"role", k.text(2)},
        {"seat", k.text(3)},
        {"person_name", k.text(4)},
        {"tier", k.text(5)},
        {"township_code", k.text(0).substr(0, std::min<size_t>(9, k.text(0).size()))},
        {"state", k.text(6)},
        {"questions", k.int64(7)},
        {"keys", k.text(8)},
        {"first_no", k.int64(9)},
        {"asked_at", opt_time(k, 10)},
        {"done_at", opt_time(k, 11)},
        {"asked_by", k.text(12)}});
  // The loudspeakers (应急广播): each EBM, what the platform said, which areas did not play.
  json::array broadcasts;
  Stmt b = db.prepare(
      "SELECT ebm_id, msg_type, state, attempts, areas, area_names, coverage, coverage_rate, brd_state, queued_at, "
      "sent_at, reported_at, report_due_at, error, repeat FROM broadcasts WHERE warning_id = ? ORDER BY id");
  b.bind(1, warning_id);
  while (b.step()) {
    boost::system::error_code ec;
    json::value areas = json::parse(b.text(4), ec);
    json::value names = json::parse(b.text(5), ec);
    json::value covered = b.is_null(6) ? json::value(nullptr) : json::parse(b.text(6), ec);
    // Not played: named in the EBM but not among the covered areas (nor under one), once reported.
    json::array missing;
    if (covered.is_array() && !covered.as_array().empty() && areas.is_array()) {
      for (const auto& a : areas.as_array()) {
        bool in = false;
        for (const auto& c : covered.as_array())
          in = in || (c.is_string() && a.as_string().starts_with(c.as_string()));
        if (!in) missing.push_back(a);
      }
    }
    auto name_of = [&](const json::value& code) -> json::value {
      if (names.is_object())
        if (const json::value* n = names.as_object().if_contains(code.as_string())) return *n;
      return code;
    };
    json::array area_list, missing_names;
    if (areas.is_array())
      for (const auto& a : areas.as_array()) area_list.push_back(json::object{{"code", a}, {"name", name_of(a)}});
    for (const auto& a : missing) missing_names.push_back(name_of(a));
    broadcasts.push_back(json::object{
        {"ebm_id", b.text(0)},
        {"kind", b.int64(1) == 2 ? "cancel" : "broadcast"},
        {"state", b.text(2)},
        {"attempts", b.int64(3)},
        {"areas", std::move(area_list)},
        {"not_played", std::move(missing_names)},
        {"coverage_rate", b.is_null(7) ? json::value(nullptr) : json::value(b.text(7))},
        {"brd_state", b.is_null(8) ? json::value(nullptr) : json::value(b.int64(8))},
        {"queued_at", opt_time(b, 9)},
        {"sent_at", opt_time(b, 10)},
        {"reported_at", opt_time(b, 11)},
        {"report_due_at", opt_time(b, 12)},
        {"error", b.is_null(13) ? json::value(nullptr) : json::value(b.text(13))},
        {"repeat", b.int64(14)}});
  }
  // Per township (and per county above them): the people the plans called there, by state —
  // what a duty officer reads first at city scale.
  const std::string by_state = fmt::format(  // answered, still calling, exhausted
      "COUNT(*) FILTER (WHERE state IN ({})), COUNT(*) FILTER (WHERE state IN ({})), "
      "COUNT(*) FILTER (WHERE state = {})",
      sql_names(kReachedCallout), sql_names(kOpenCallout), sql_name(CalloutState::exhausted));
  json::array townships;
  {
    Stmt t = db.prepare(
        "SELECT substr(area_code, 1, 9) AS t, MAX(CASE WHEN tier = 'township' THEN area_name END), COUNT(*), " +
        by_state + " FROM callouts" + where +
        " AND kind = 'primary' AND tier IN ('township', 'village') GROUP BY t ORDER BY t");
    bind_filters(t);
    while (t.step())
      townships.push_back(json::object{{"code", t.text(0)},
                                       {"name", t.is_null(1) ? t.text(0) : t.text(1)},
                                       {"total", t.int64(2)},
                                       {"answered", t.int64(3)},
                                       {"calling", t.int64(4)},
                                       {"exhausted", t.int64(5)}});
  }
  json::array tiers;
  {
    Stmt t = db.prepare(
        "SELECT tier, COUNT(*), " + by_state + " FROM callouts" + where +
        " AND kind = 'primary' GROUP BY tier ORDER BY CASE tier WHEN 'city' THEN 0 WHEN 'county' THEN 1 "
        "WHEN 'township' THEN 2 ELSE 3 END");
    bind_filters(t);
    while (t.step())
      tiers.push_back(json::object{{"tier", t.text(0)},
                                   {"total", t.int64(1)},
                                   {"answered", t.int64(2)},
                                   {"calling", t.int64(3)},
                                   {"exhausted", t.int64(4)}});
  }
  return json_text(json::object{{"warning", std::move(warning)},
                                      {"counts", std::move(counts)},
                                      {"by_tier", std::move(tiers)},
                                      {"callouts_total", matching},
                                      {"townships", std::move(townships)},
                                      {"callouts", std::move(callouts)},
                                      {"reports", std::move(reports)},
                                      {"spot_checks", std::move(spot_checks)},
                                      {"broadcasts", std::move(broadcasts)}});
}

std::string SqliteViews::events(int64_t warning_id, int64_t after, int limit, int latest) {
  Db& db = db_;
  // `latest`: the newest events without the per-message and per-step noise (a live view's tail).
  Stmt s = db.prepare(
      latest > 0
          ? "SELECT * FROM (" + std::string(kEventColumns) +
                "WHERE e.warning_id = ? AND e.id > ? AND e.kind NOT LIKE 'message%' AND e.kind NOT IN ('notified', "
                "'renotified', 'escalated', 'sms_delivered', 'call_result', 'answered', 'sms_codes_sent') "
                "ORDER BY e.id DESC LIMIT ?) ORDER BY id"
          : std::string(kEventColumns) + "WHERE e.warning_id = ? AND e.id > ? ORDER BY e.id LIMIT ?");
  s.bind(1, warning_id).bind(2, after).bind(3, latest > 0 ? latest : limit);
  json::array list;
  while (s.step()) list.push_back(event_json(s));
  return json_text(json::object{{"events", std::move(list)}});
}

namespace {

// Service levels over primary callouts (each a post the plans called): R10's "connected" and
// "responded within the deadline", and how long answers took (answered_at − first sent).
// One primary callout as the figures see it.
struct ServiceRow {
  std::string tier;
  CalloutState state = CalloutState::cancelled;  // a name that is no state is read as not owed
  bool late = false;
  std::optional<int64_t> answer_ms;  // answered − first sent
};

json::object service_of(const std::vector<const ServiceRow*>& callouts) {
  int64_t posts = 0, answered = 0, within = 0, exhausted = 0, open = 0;
  std::vector<int64_t> times;
  for (const ServiceRow* c : callouts) {
    const CalloutState state = c->state;
    if (state == CalloutState::cancelled) continue;  // dropped by an Update or a Cancel: not owed
    ++posts;
    if (is_reached(state)) {
      ++answered;
      if (!c->late) ++within;
      if (state == CalloutState::answered && c->answer_ms) times.push_back(*c->answer_ms);
    }
    if (state == CalloutState::exhausted) ++exhausted;
    if (is_open(state)) ++open;
  }
  std::sort(times.begin(), times.end());
  auto quantile = [&](double q) -> json::value {
    if (times.empty()) return nullptr;
    return times[std::min(times.size() - 1, static_cast<size_t>(q * static_cast<double>(times.size() - 1) + 0.5))];
  };
  return {{"posts", posts},       {"answered", answered}, {"within_deadline", within}, {"exhausted", exhausted},
          {"open", open},         {"median_ms", quantile(0.5)}, {"p90_ms", quantile(0.9)}};
}

}  // namespace

std::string SqliteViews::report(int64_t warning_id, TimePoint now, size_t limit) {
  Db& db = db_;
  // The listed callouts (at most `limit`, those needing action first); the figures from every
  // primary callout, read as rows — a city's report never builds 100,000 objects to count them.
  CalloutQuery listed;
  listed.limit = limit;
  const std::string detail_text = warning(warning_id, now, listed);
  if (detail_text.empty()) return {};
  json::object report = json::parse(detail_text).as_object();
  std::vector<ServiceRow> rows;
  {
    Stmt q = db.prepare(
        "SELECT tier, state, answered_late, answered_at - first_sent_at FROM callouts WHERE warning_id = ? AND "
        "kind = 'primary'");
    q.bind(1, warning_id);
    while (q.step())
      rows.push_back({q.text(0), parse_state<CalloutState>(q.text(1)).value_or(CalloutState::cancelled),
                      q.int64(2) != 0, q.is_null(3) ? std::nullopt : std::optional(q.int64(3))});
  }
  std::vector<const ServiceRow*> primary;
  std::map<std::string, std::vector<const ServiceRow*>> by_tier;
  for (const ServiceRow& r : rows) {
    primary.push_back(&r);
    by_tier[r.tier].push_back(&r);
  }
  json::object raised{{"deputy", 0}, {"superior", 0}, {"duty_officer", 0}};
  {
    Stmt q = db.prepare("SELECT kind, COUNT(*) FROM callouts WHERE warning_id = ? AND kind <> 'primary' GROUP BY kind");
    q.bind(1, warning_id);
    while (q.step())
      if (raised.contains(q.text(0))) raised[q.text(0)] = q.int64(1);
  }
  json::object service = service_of(primary);
  json::array tiers;
  for (const char* tier : {"city", "county", "township", "village"})
    if (auto it = by_tier.find(tier); it != by_tier.end()) {
      json::object t = service_of(it->second);
      t["tier"] = tier;
      tiers.push_back(std::move(t));
    }
  service["by_tier"] = std::move(tiers);
  service["raised"] = std::move(raised);
  report["service"] = std::move(service);

  // Messages by channel and how they ended.
  json::object channels;
  Stmt m = db.prepare(
      "SELECT m.channel, m.state, COUNT(*) FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE c.warning_id = ? GROUP BY m.channel, m.state ORDER BY m.channel, m.state");
  m.bind(1, warning_id);
  while (m.step()) {
    json::value& ch = channels[m.text(0)];
    if (!ch.is_object()) ch = json::object{};
    ch.as_object()[m.text(1)] = m.int64(2);
  }
  report["channels"] = std::move(channels);

  // What happened, without the per-message noise: the record a duty office files (一事一档).
  json::array timeline;
  Stmt e = db.prepare(std::string(kEventColumns) +
      "WHERE e.warning_id = ? AND e.kind IN ("
      "'warning_received', 'plan_matched', 'supersedes', 'superseded', 'warning_cancelled', 'warning_expired', "
      "'warning_closed', 'exhausted', 'duty_officer_told', 'report_overdue', 'report_filed', 'report_amended', "
      "'broadcast_sent', 'broadcast_report', 'broadcast_failed', 'broadcast_gap', 'broadcast_unconfirmed', "
      "'broadcast_cancel_sent', 'message_unknown', 'step_late', 'post_unfilled', 'no_plan_matched', 'sent_suspicious', "
      "'areas_not_ours', 'area_not_in_directory', 'manual_ack', 'manual_call', 'manual_resend', 'manual_escalate', 'note', "
      "'export_unmasked', 'spot_check_rule', 'spot_check_failed', 'spot_check_silent', 'spot_check_unreached') "
      "ORDER BY e.id LIMIT 500");
  e.bind(1, warning_id);
  while (e.step()) timeline.push_back(event_json(e));
  report["timeline"] = std::move(timeline);

  // Answers over time, per tier (the record's chart): how many answered in each minute after the
  // warning arrived, counted over every primary callout.
  json::array answers;
  Stmt a = db.prepare(
      "SELECT c.tier, (c.answered_at - w.received_at) / 60000, COUNT(*) FROM callouts c JOIN warnings w ON w.id = "
      "c.warning_id WHERE c.warning_id = ? AND c.kind = 'primary' AND c.answered_at IS NOT NULL GROUP BY 1, 2 ORDER BY 2");
  a.bind(1, warning_id);
  while (a.step())
    answers.push_back(json::object{{"tier", a.text(0)}, {"minute", std::max<int64_t>(0, a.int64(1))}, {"count", a.int64(2)}});
  report["answers_by_minute"] = std::move(answers);
  // The plans as they were when the warning started (the ladder that ran).
  json::array snapshots;
  Stmt p = db.prepare("SELECT plan_name, file, yaml FROM plan_snapshots WHERE warning_id = ? ORDER BY id");
  p.bind(1, warning_id);
  while (p.step()) snapshots.push_back(json::object{{"name", p.text(0)}, {"file", p.text(1)}, {"yaml", p.text(2)}});
  report["plan_snapshots"] = std::move(snapshots);
  report["generated_at"] = format_china_time(now);
  return json_text(report);
}

std::string SqliteViews::summary(TimePoint from, TimePoint to, bool drills) {
  Db& db = db_;
  const int64_t from_ms = to_epoch_ms(from), to_ms = to_epoch_ms(to);
  const char* status = drills ? "exercise" : "actual";
  json::array by_kind;
  {
    Stmt s = db.prepare(
        "SELECT hazard, level, COUNT(*) FROM warnings WHERE received_at >= ? AND received_at < ? AND status = ? "
        "AND state <> " + sql_name(WarningState::superseded) + " AND hazard <> '' GROUP BY 1, 2 ORDER BY 3 DESC");
    s.bind(1, from_ms).bind(2, to_ms).bind(3, status);
    while (s.step()) by_kind.push_back(json::object{{"hazard", s.text(0)}, {"level", s.text(1)}, {"warnings", s.int64(2)}});
  }
  struct Group {
    std::string county, township, name;
    int64_t posts = 0, reached = 0, within = 0, exhausted = 0, reports = 0, reports_late = 0;
    int64_t spot_checked = 0, spot_passed = 0;  // 六问: posts checked (scored) and passed
    std::vector<int64_t> times;
  };
  std::map<std::string, Group> groups;  // by county|township code
  auto group_of = [&](const std::string& area_code, const std::string& tier) -> Group& {
    const std::string county = area_code.substr(0, 6);
    const std::string township = tier == "township" || tier == "village" ? area_code.substr(0, 9) : "";
    Group& g = groups[county + "|" + township];
    g.county = county;
    g.township = township;
    return g;
  };
  {
    Stmt s = db.prepare(
        "SELECT c.area_code, c.tier, c.area_name, c.state, c.started_at, c.first_sent_at, c.answered_at FROM callouts c "
        "JOIN warnings w ON w.id = c.warning_id WHERE w.received_at >= ? AND w.received_at < ? AND w.status = ? "
        "AND c.kind = 'primary'");
    s.bind(1, from_ms).bind(2, to_ms).bind(3, status);
    while (s.step()) {
      Group& g = group_of(s.text(0), s.text(1));
      if (s.text(1) == "township" || (g.township.empty() && s.text(1) == "county")) g.name = s.text(2);
      ++g.posts;
      if (!s.is_null(5)) ++g.reached;
      if (s.text(3) == "exhausted") ++g.exhausted;
      if (!s.is_null(6)) {
        if (s.int64(6) - s.int64(4) <= 30 * 60 * 1000) ++g.within;
        if (!s.is_null(5)) g.times.push_back(std::max<int64_t>(0, s.int64(6) - s.int64(5)));
      }
    }
  }
  {
    Stmt s = db.prepare(
        "SELECT r.area_code, r.tier, r.area_name, r.state, r.filed_late FROM reports r JOIN warnings w ON w.id = "
        "r.warning_id WHERE w.received_at >= ? AND w.received_at < ? AND w.status = ? AND r.state <> " +
        sql_name(ReportState::cancelled));
    s.bind(1, from_ms).bind(2, to_ms).bind(3, status);
    while (s.step()) {
      Group& g = group_of(s.text(0), s.text(1));
      if (g.name.empty()) g.name = s.text(2);
      ++g.reports;
      if (s.text(3) == "overdue" || s.int64(4) != 0) ++g.reports_late;
    }
  }
  {  // 六问 spot checks scored in the period, counted to the township of the post checked
    Stmt s = db.prepare(
        "SELECT c.area_code, c.tier, k.state FROM spot_checks k JOIN callouts c ON c.id = k.callout_id JOIN warnings w "
        "ON w.id = k.warning_id WHERE w.received_at >= ? AND w.received_at < ? AND w.status = ? AND k.state NOT IN (" +
        sql_names({SpotCheckState::calling, SpotCheckState::cancelled}) + ")");
    s.bind(1, from_ms).bind(2, to_ms).bind(3, status);
    while (s.step()) {
      Group& g = group_of(s.text(0), s.text(1));
      ++g.spot_checked;
      if (s.text(2) == state_name(SpotCheckState::passed)) ++g.spot_passed;
    }
  }
  json::array areas;
  Group all;
  for (auto& [key, g] : groups) {
    std::sort(g.times.begin(), g.times.end());
    all.posts += g.posts, all.reached += g.reached, all.within += g.within, all.exhausted += g.exhausted;
    all.reports += g.reports, all.reports_late += g.reports_late;
    all.spot_checked += g.spot_checked, all.spot_passed += g.spot_passed;
    all.times.insert(all.times.end(), g.times.begin(), g.times.end());
    areas.push_back(json::object{{"county", g.county},
                                 {"township", g.township},
                                 {"name", g.name.empty() ? (g.township.empty() ? g.county : g.township) : g.name},
                                 {"posts", g.posts},
                                 {"reached", g.reached},
                                 {"answered_within_30m", g.within},
                                 {"median_ms", g.times.empty() ? json::value(nullptr) : json::value(g.times[g.times.size() / 2])},
                                 {"exhausted", g.exhausted},
                                 {"reports", g.reports},
                                 {"reports_late", g.reports_late},
                                 {"spot_checked", g.spot_checked},
                                 {"spot_passed", g.spot_passed}});
  }
  std::sort(all.times.begin(), all.times.end());
  return json_text(json::object{
      {"from", format_china_time(from)},
      {"to", format_china_time(to)},
      {"drills", drills},
      {"warnings", std::move(by_kind)},
      {"areas", std::move(areas)},
      {"total", json::object{{"posts", all.posts},
                             {"reached", all.reached},
                             {"answered_within_30m", all.within},
                             {"median_ms", all.times.empty() ? json::value(nullptr) : json::value(all.times[all.times.size() / 2])},
                             {"exhausted", all.exhausted},
                             {"reports", all.reports},
                             {"reports_late", all.reports_late},
                             {"spot_checked", all.spot_checked},
                             {"spot_passed", all.spot_passed}}}});
}

StoreGauges SqliteViews::gauges(TimePoint now) {
  StoreGauges out;
  Stmt w = db_.prepare("SELECT state, COUNT(*) FROM warnings GROUP BY state");
  while (w.step()) out.warnings[w.text(0)] = w.int64(1);
  for (WarningState state : all_states<WarningState>()) out.warnings.try_emplace(std::string(state_name(state)), 0);
  Stmt c = db_.prepare(fmt::format("SELECT c.state, c.tier, COUNT(*) FROM warnings w JOIN callouts c ON c.warning_id = w.id "
                                   "WHERE w.state = {} GROUP BY c.state, c.tier",
                                   sql_name(WarningState::active)));
  while (c.step()) out.open_callouts[{c.text(0), c.text(1)}] = c.int64(2);
  Stmt q = db_.prepare(fmt::format("SELECT channel, COUNT(*), MIN(queued_at) FILTER (WHERE state = {}) FROM messages "
                                   "WHERE state IN ({}) GROUP BY channel",
                                   sql_name(MessageState::queued),
                                   sql_names({MessageState::queued, MessageState::sending})));
  const int64_t now_ms = to_epoch_ms(now);
  while (q.step()) {
    out.queued[q.text(0)] = q.int64(1);
    if (auto oldest = q.opt_int64(2))
      out.oldest_queued_seconds = std::max(out.oldest_queued_seconds, static_cast<double>(now_ms - *oldest) / 1000.0);
  }
  Stmt size = db_.prepare("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
  if (size.step()) out.database_bytes = size.int64(0);
  std::error_code ec;
  const std::filesystem::space_info space =
      std::filesystem::space(std::filesystem::absolute(db_.path()).parent_path(), ec);
  if (!ec) out.database_free_bytes = static_cast<int64_t>(space.available);
  return out;
}

int64_t SqliteViews::last_event_id() {
  Stmt s = db_.prepare("SELECT IFNULL(MAX(id), 0) FROM events");
  return s.step() ? s.int64(0) : 0;
}

std::vector<TrailEvent> SqliteViews::events_of_note(int64_t after, int64_t upto, int limit) {
  // By the events' own key from `after`: each row is read once however long the trail.
  Stmt s = db_.prepare(
      "SELECT e.id, e.at, IFNULL(e.warning_id, 0), IFNULL(e.callout_id, 0), IFNULL(e.message_id, 0), e.kind, "
      "e.actor, e.detail, IFNULL(m.channel, ''), IFNULL(m.provider, '') "
      "FROM events e LEFT JOIN messages m ON m.id = e.message_id "
      "WHERE e.id > ?1 AND e.id <= ?2 AND e.kind NOT IN ('message_sending', 'message_sent', 'message_retry', "
      "'message_deferred', 'message_recovered', 'message_cancelled', 'notified', 'renotified', 'answered', 'covered', "
      "'sms_delivered', 'call_result', 'sms_codes_sent', 'told_of_update', 'told_of_end', 'report_due', "
      "'broadcast_queued', 'broadcast_sending', 'broadcast_cancel_queued', 'step_held', 'sms_reply') "
      "ORDER BY e.id LIMIT ?3");
  s.bind(1, after).bind(2, upto).bind(3, static_cast<int64_t>(limit));
  std::vector<TrailEvent> out;
  while (s.step())
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.int64(3), s.int64(4), s.text(5), s.text(6), s.text(7),
                   s.text(8), s.text(9)});
  return out;
}

}  // namespace jiaoying
