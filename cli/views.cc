#include "cli/views.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cli/table.h"
#include "rules/html.h"
#include "rules/names.h"
#include "rules/time.h"
#include "rules/warning.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

std::string str(const json::value& v, std::string_view key) {
  const json::value* p = v.as_object().if_contains(key);
  if (!p || p->is_null()) return "";
  if (p->is_string()) return std::string(p->as_string());
  return json::serialize(*p);
}

int64_t num(const json::value& v, std::string_view key) {
  const json::value* p = v.as_object().if_contains(key);
  return p && p->is_int64() ? p->as_int64() : 0;
}

std::string clock_of(const std::string& iso) {
  auto t = parse_iso8601(iso);
  return t ? format_china_clock(*t) : iso;
}

std::string level_label(const std::string& hazard, const std::string& level) {
  const HazardInfo* h = find_hazard(hazard);
  auto lv = parse_level(level);
  return fmt::format("{}{}预警", h ? h->zh : hazard, lv ? level_zh(*lv) : level);
}

}  // namespace

std::string render_counts(const json::value& c) {
  // People are the posts' holders the plans called (one row each); raised callouts (B seats,
  // superiors, duty officers) are rows too, counted apart so the two never mix.
  std::string out = fmt::format("{} people called: answered {} · still calling {} · exhausted {}", num(c, "total"),
                                num(c, "answered") + num(c, "covered"), num(c, "calling"), num(c, "exhausted"));
  if (num(c, "covered")) out += fmt::format(" ({} answered by their B seat)", num(c, "covered"));
  if (num(c, "raised"))
    out += fmt::format("\n{} more raised (B seats, posts above, duty rooms): {} still calling", num(c, "raised"),
                       num(c, "raised_calling"));
  return out;
}

// One line per provider under the list: its state, and what waits on its medium. A provider down
// (or probing) is red: its messages wait, or go to the next provider of the medium.
std::string render_providers(const json::value& list, bool colour) {
  const json::value* providers = list.as_object().if_contains("providers");
  if (!providers || !providers->is_array() || providers->as_array().empty()) return "";
  Table t({"PROVIDER", "MEDIUM", "STATE", "SINCE", "IN FLIGHT", "WAITING", "FAULTS", "HEARTBEAT", "LAST FAULT"});
  for (const auto& p : providers->as_array()) {
    const std::string state = str(p, "state");
    // The last heartbeat (daemon/heartbeat.h): when, and whether the provider took it.
    std::string heartbeat = "—";
    bool heartbeat_failed = false;
    if (const json::value* h = p.as_object().if_contains("heartbeat"); h && h->is_object()) {
      const json::value* ok = h->as_object().if_contains("ok");
      heartbeat_failed = !(ok && ok->is_bool() && ok->as_bool());
      heartbeat = (heartbeat_failed ? "FAILED " : "ok ") + clock_of(str(*h, "at"));
    }
    std::string fault = str(p, "last_fault");
    if (heartbeat_failed)
      if (const json::value* h = p.as_object().if_contains("heartbeat")) fault = str(*h, "detail");
    t.add({str(p, "name"), str(p, "medium"), state, clock_of(str(p, "since")), std::to_string(num(p, "in_flight")),
           std::to_string(num(p, "waiting")), fmt::format("{}/{}", num(p, "faults"), num(p, "requests")), heartbeat,
           clip(fault, 60)},
          state == "up" && !heartbeat_failed ? "" : "31");
  }
  return "\nproviders\n" + t.render(colour);
}

std::string render_status(const json::value& status, bool colour) {
  const json::object& o = status.as_object();
  auto red = [&](const std::string& text) { return colour ? "\x1b[31m" + text + "\x1b[0m" : text; };
  auto number = [](const json::value* v) {
    return v && v->is_number() ? v->to_number<double>() : 0.0;
  };
  std::string out;
  const json::value* problems = o.if_contains("problems");
  if (problems && problems->is_array() && !problems->as_array().empty()) {
    for (const auto& p : problems->as_array()) out += red("✗ " + std::string(p.as_string())) + "\n";
  } else {
    out += "✓ all well\n";
  }
  const json::object& db = o.at("database").as_object();
  const double free_bytes = number(db.if_contains("free_bytes"));
  out += fmt::format("\ndatabase   {:.1f} MB{}\n", number(db.if_contains("bytes")) / 1e6,
                     free_bytes >= 0 ? fmt::format(" · {:.1f} GB free on its disk", free_bytes / 1e9) : "");
  if (const json::value* e = o.if_contains("engine"); e && e->is_object() && !e->as_object().empty())
    out += fmt::format("engine     loop {:.3f} s late (worst {:.3f} s) · up since {}\n",
                       number(e->as_object().if_contains("loop_lag_seconds")),
                       number(e->as_object().if_contains("loop_lag_max_seconds")),
                       str(*e, "up_since").substr(0, 19));
  std::string warnings;
  for (const auto& [state, n] : o.at("warnings").as_object())
    if (n.is_int64() && n.as_int64() > 0) warnings += fmt::format("{}{} {}", warnings.empty() ? "" : " · ", n.as_int64(), std::string(state));
  out += fmt::format("warnings   {} · {} people still being called\n", warnings.empty() ? "none" : warnings,
                     num(status, "still_calling"));
  std::string outbox;
  for (const auto& [channel, n] : o.at("outbox").as_object())
    outbox += fmt::format("{}{} {}", outbox.empty() ? "" : " · ", std::string(channel), n.is_int64() ? n.as_int64() : 0);
  const double oldest = number(o.if_contains("outbox_oldest_seconds"));
  out += fmt::format("outbox     {}{}\n", outbox.empty() ? "empty" : outbox,
                     oldest > 0 ? fmt::format(" (oldest waiting {:.0f} s)", oldest) : "");
  return out + render_providers(status, colour);
}

std::string render_warning_list(const json::value& list, bool colour) {
  const auto& warnings = list.as_object().at("warnings").as_array();
  if (warnings.empty()) return "no warnings yet\n" + render_providers(list, colour);
  Table t({"ID", "RECEIVED", "WARNING", "SENDER", "STATE", "PEOPLE ANSWERED", "STILL CALLING", "EXHAUSTED", "回报",
           "广播", "HEADLINE"});
  for (const auto& w : warnings) {
    int64_t exhausted = num(w, "exhausted");
    // Report-backs filed of those owed; "!" when some are past their deadline unfiled.
    std::string reports = num(w, "reports") == 0 ? "—"
                                                 : fmt::format("{}/{}{}", num(w, "reports_filed"), num(w, "reports"),
                                                               num(w, "reports_overdue") > 0 ? " !" : "");
    // The loudspeakers: the latest EBM's state; "!" when some village did not (or may not) play.
    const std::string broadcast = str(w, "broadcast");
    const bool broadcast_bad = broadcast == "partial" || broadcast == "failed" || broadcast == "unconfirmed";
    t.add({std::to_string(num(w, "id")), str(w, "received_at").substr(0, 19),
           (str(w, "status") == "exercise" ? "【演练】" : "") + level_label(str(w, "hazard"), str(w, "level")),
           str(w, "sender"), str(w, "state"),
           fmt::format("{}/{}", num(w, "answered"), num(w, "total")), std::to_string(num(w, "calling")),
           std::to_string(exhausted), reports, broadcast.empty() ? "—" : broadcast + (broadcast_bad ? " !" : ""),
           str(w, "headline")},
          exhausted > 0 || num(w, "reports_overdue") > 0 || broadcast_bad ? "31" : "");
  }
  return t.render(colour) + render_providers(list, colour);
}

// The report-back table (回报), if the warning's plans ask for one.
std::string render_reports(const json::value& detail, bool colour) {
  std::string out;
  const json::value* reports = detail.as_object().if_contains("reports");
  if (reports && reports->is_array() && !reports->as_array().empty()) {
    out += "\nreport-back (回报: who commands, villages affected, people moved)\n";
    Table r({"AREA", "STATE", "DUE", "FILED", "BY", "COMMANDER", "VILLAGES", "MOVED", "NOTE"});
    for (const auto& rep : reports->as_array()) {
      std::string state = str(rep, "state");
      if (rep.at("late").as_bool()) state += " (late)";
      std::string filed = str(rep, "filed_at");
      r.add({str(rep, "area_name"), state, clock_of(str(rep, "due_at")), filed.empty() ? "" : clock_of(filed),
             str(rep, "filed_by"), str(rep, "commander"), str(rep, "villages"), str(rep, "people_moved"),
             str(rep, "note")},
            str(rep, "state") == "filed" ? (rep.at("late").as_bool() ? "33" : "32")
            : str(rep, "state") == "overdue" ? "31"
                                               : "");
    }
    out += r.render(colour);
  }
  return out;
}

// The 六问 spot checks: each post checked, what its keys said; the share passed per township.
std::string render_spot_checks(const json::value& detail, bool colour) {
  std::string out;
  const json::value* checks = detail.as_object().if_contains("spot_checks");
  if (!checks || !checks->is_array() || checks->as_array().empty()) return out;
  std::map<std::string, std::pair<int64_t, int64_t>> townships;  // code → (passed, scored)
  int64_t passed = 0, scored = 0, calling = 0;
  Table t({"AREA", "ROLE", "SEAT", "PERSON", "STATE", "KEYS", "WHY"});
  for (const auto& k : checks->as_array()) {
    const std::string state = str(k, "state");
    const int64_t first_no = num(k, "first_no");
    std::string why;
    if (state == "failed") why = fmt::format("第{}问答否", first_no);
    else if (state == "silent") why = fmt::format("answered {} of {}", str(k, "keys").size(), num(k, "questions"));
    else if (state == "unreached") why = "the call was not answered";
    if (state == "calling") ++calling;
    else if (state != "cancelled") {
      ++scored;
      auto& [p, n] = townships[str(k, "township_code")];
      ++n;
      if (state == "passed") ++passed, ++p;
    }
    t.add({str(k, "area_name"), std::string(role_zh(str(k, "role"))), str(k, "seat"), str(k, "person_name"), state,
           str(k, "keys"), why},
          state == "passed" ? "32" : state == "calling" ? "" : "31");
  }
  out += fmt::format("\n六问 spot check: {} checked, {} passed{}{}\n", scored, passed,
                     scored ? fmt::format(" ({:.0f}%)", 100.0 * static_cast<double>(passed) / static_cast<double>(scored))
                            : "",
                     calling ? fmt::format(", {} being called", calling) : "");
  out += t.render(colour);
  if (!townships.empty()) {
    std::map<std::string, std::string> names;  // the warning's townships, by code
    if (const json::value* ts = detail.as_object().if_contains("townships"); ts && ts->is_array())
      for (const auto& t : ts->as_array()) names[str(t, "code")] = str(t, "name");
    std::string line;
    for (const auto& [code, pn] : townships)
      line += fmt::format("{}{} {}/{}", line.empty() ? "" : ", ", names.count(code) ? names[code] : code, pn.first,
                          pn.second);
    out += "passed per township: " + line + "\n";
  }
  return out;
}

// The loudspeakers (应急广播): each EBM, its state and the villages it did not reach.
std::string render_broadcasts(const json::value& detail, bool colour) {
  std::string out;
  const json::value* broadcasts = detail.as_object().if_contains("broadcasts");
  if (broadcasts && broadcasts->is_array() && !broadcasts->as_array().empty()) {
    out += "\nemergency broadcast (应急广播: the village loudspeakers)\n";
    Table t({"EBM", "KIND", "STATE", "AREAS", "SENT", "REPORTED", "NOT PLAYED"});
    for (const auto& b : broadcasts->as_array()) {
      const std::string state = str(b, "state");
      std::string areas;
      for (const auto& a : b.at("areas").as_array()) areas += (areas.empty() ? "" : "、") + str(a, "name");
      std::string missing;
      for (const auto& n : b.at("not_played").as_array())
        missing += (missing.empty() ? "" : "、") + std::string(n.is_string() ? n.as_string() : "");
      std::string sent = str(b, "sent_at"), reported = str(b, "reported_at");
      std::string shown = state;
      if (state == "sent") shown = "sent, awaiting report until " + clock_of(str(b, "report_due_at"));
      if (state == "failed" && !str(b, "error").empty()) shown += ": " + str(b, "error");
      t.add({str(b, "ebm_id"), str(b, "kind") == "cancel" ? "cancel" : fmt::format("play ×{}", str(b, "repeat")),
             shown, areas, sent.empty() ? "" : clock_of(sent), reported.empty() ? "" : clock_of(reported), missing},
            state == "played" || state == "cancelled" ? "32"
            : state == "partial" || state == "unconfirmed" ? "33"
            : state == "failed" ? "31"
                                : "");
    }
    out += t.render(colour);
  }
  return out;
}

std::string render_warning_detail(const json::value& detail, bool colour) {
  const json::value& w = detail.at("warning");
  std::string plans;
  for (const auto& p : w.at("plans").as_array()) plans += (plans.empty() ? "" : ", ") + std::string(p.as_string());
  std::string out = fmt::format("warning {} · {}{} · {} · {}\n", num(w, "id"),
                                str(w, "status") == "exercise" ? "【演练 drill】" : "",
                                level_label(str(w, "hazard"), str(w, "level")), str(w, "state"), str(w, "headline"));
  out += fmt::format("from {} ({}), sent {}, received {}\n", str(w, "sender"), str(w, "identifier"),
                     str(w, "sent"), str(w, "received_at"));
  out += fmt::format("plans: {}\n", plans.empty() ? "none matched — nobody was called" : plans);
  for (const auto& flag : w.at("flags").as_array()) out += "! " + std::string(flag.as_string()) + "\n";
  if (const json::value* desk = w.as_object().if_contains("desk"); desk && desk->is_array() && !desk->as_array().empty()) {
    out += "by hand at the duty desk:\n";
    for (const auto& a : desk->as_array())
      out += fmt::format("  {}  {} {}{}: {}\n", clock_of(str(a, "at")), event_zh(str(a, "kind")), str(a, "actor"),
                         str(a, "person").empty() ? "" : " → " + str(a, "person"), str(a, "detail"));
  }
  out += render_counts(detail.at("counts")) + "\n\n";
  const int64_t total = num(detail, "callouts_total");
  const size_t listed = detail.at("callouts").as_array().size();
  if (total > static_cast<int64_t>(listed)) {
    // A city's warning: the townships first, the worst at the top, then the rows needing action.
    const json::value* ts = detail.as_object().if_contains("townships");
    if (ts && ts->is_array() && !ts->as_array().empty()) {
      std::vector<const json::value*> rows;
      for (const auto& t : ts->as_array()) rows.push_back(&t);
      std::stable_sort(rows.begin(), rows.end(), [](const json::value* a, const json::value* b) {
        return num(*a, "exhausted") * 1000000 + num(*a, "calling") > num(*b, "exhausted") * 1000000 + num(*b, "calling");
      });
      Table tt({"TOWNSHIP", "CODE", "PEOPLE", "ANSWERED", "STILL CALLING", "EXHAUSTED"});
      const size_t shown = std::min<size_t>(rows.size(), 30);
      for (size_t i = 0; i < shown; ++i) {
        const json::value& r = *rows[i];
        const int64_t people = num(r, "total"), answered = num(r, "answered");
        tt.add({str(r, "name"), str(r, "code"), std::to_string(people),
                fmt::format("{} ({:.0f}%)", answered, people ? 100.0 * static_cast<double>(answered) / static_cast<double>(people) : 0.0),
                std::to_string(num(r, "calling")), std::to_string(num(r, "exhausted"))},
               num(r, "exhausted") > 0 ? "31" : num(r, "calling") > 0 ? "33" : "32");
      }
      out += fmt::format("by township ({} of {}, the most silent first)\n", shown, rows.size()) + tt.render(colour) + "\n";
    }
    out += fmt::format("{} of {} callouts listed, those needing action first — narrow with --area, --tier, --role "
                       "or --state, or take them all with -o csv\n",
                       listed, total);
  }
  Table t({"#", "TIER", "AREA", "ROLE", "SEAT", "PERSON", "MOBILE", "STATE", "NOTICES", "VIA", "ANSWERED IN",
           "RAISED"});
  for (const auto& c : detail.at("callouts").as_array()) {
    std::string state = str(c, "state");
    std::string answered_in;
    if (const json::value* ms = c.as_object().if_contains("answer_ms"); ms && ms->is_int64())
      answered_in = format_duration(Millis(ms->as_int64() / 1000 * 1000));
    else if (const json::value* wms = c.as_object().if_contains("waiting_ms"); wms && wms->is_int64())
      answered_in = "waiting " + format_duration(Millis(wms->as_int64() / 1000 * 1000));
    if (c.at("late").as_bool()) answered_in += " (late)";
    std::string colour = state == "exhausted" ? "31" : state == "answered" || state == "covered" ? "32" : "33";
    std::string kind = str(c, "kind");
    std::string raised = kind == "deputy"         ? "B seat for #" + str(c, "escalated_from")
                         : kind == "superior"     ? "superior for #" + str(c, "escalated_from")
                         : kind == "duty_officer" ? "duty officer"
                                                  : "";
    t.add({str(c, "id"), std::string(tier_zh(str(c, "tier"))), str(c, "area_name"), std::string(role_zh(str(c, "role"))),
           str(c, "seat"), str(c, "person"),
           str(c, "mobile"), state, std::to_string(num(c, "notified")), str(c, "answered_via"), answered_in,
           raised},
          colour);
  }
  out += t.render(colour);
  out += render_reports(detail, colour);
  out += render_spot_checks(detail, colour);
  out += render_broadcasts(detail, colour);
  return out;
}

namespace {

std::string percent(int64_t part, int64_t whole) {
  return whole == 0 ? "—" : fmt::format("{} ({:.1f}%)", part, 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string duration_of(const json::value& ms) {
  if (!ms.is_int64()) return "—";
  int64_t s = ms.as_int64() / 1000;
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

}  // namespace

std::string render_report(const json::value& report) {
  const json::value& w = report.at("warning");
  std::string plans;
  for (const auto& p : w.at("plans").as_array()) plans += (plans.empty() ? "" : ", ") + std::string(p.as_string());
  std::string out = fmt::format("叫应报告 · callout report — warning {} · {}\n{}\n{}\n", num(w, "id"),
                                level_label(str(w, "hazard"), str(w, "level")), str(w, "headline"),
                                str(w, "status") == "exercise"
                                    ? "演练（drill）: a rehearsal through the real channels, not counted in real figures\n"
                                    : "");
  out += fmt::format("from        {} ({})\nsent        {}\nreceived    {}\nstate       {}\nplans       {}\n"
                     "reported at {}\n",
                     str(w, "sender"), str(w, "identifier"), str(w, "sent"), str(w, "received_at"), str(w, "state"),
                     plans.empty() ? "none" : plans, str(report, "generated_at"));
  for (const auto& f : w.at("flags").as_array())
    out += "note        " + std::string(f.is_string() ? f.as_string() : "") + "\n";

  const json::value& s = report.at("service");
  out += "\nservice levels (R10: every post reached and answered within the deadline)\n";
  Table t({"TIER", "POSTS", "ANSWERED", "WITHIN DEADLINE", "EXHAUSTED", "OPEN", "MEDIAN", "P90"});
  auto row = [&](const std::string& name, const json::value& v) {
    t.add({name, std::to_string(num(v, "posts")), percent(num(v, "answered"), num(v, "posts")),
           percent(num(v, "within_deadline"), num(v, "posts")), std::to_string(num(v, "exhausted")),
           std::to_string(num(v, "open")), duration_of(v.at("median_ms")), duration_of(v.at("p90_ms"))},
          num(v, "exhausted") > 0 ? "31" : "");
  };
  row("all", s);
  for (const auto& tier : s.at("by_tier").as_array()) row(std::string(tier_zh(str(tier, "tier"))), tier);
  out += t.render(false);
  const json::value& raised = s.at("raised");
  out += fmt::format("raised: {} B seat(s), {} superior(s), {} duty officer(s)\n", num(raised, "deputy"),
                     num(raised, "superior"), num(raised, "duty_officer"));

  Table missing({"AREA", "ROLE", "SEAT", "PERSON", "MOBILE", "STATE", "NOTICES"});
  size_t n = 0;
  for (const auto& c : report.at("callouts").as_array()) {
    const std::string state = str(c, "state");
    if (str(c, "kind") != "primary" || state == "answered" || state == "covered" || state == "cancelled") continue;
    missing.add({str(c, "area_name"), std::string(role_zh(str(c, "role"))), str(c, "seat"), str(c, "person"), str(c, "mobile"), state,
                 std::to_string(num(c, "notified"))});
    ++n;
  }
  if (n > 0) out += fmt::format("\nnot answered ({})\n", n) + missing.render(false);

  const json::object& channels = report.at("channels").as_object();
  if (!channels.empty()) {
    out += "\nmessages by channel\n";
    Table m({"CHANNEL", "SENT", "FAILED", "UNKNOWN", "CANCELLED", "QUEUED"});
    for (const auto& [channel, states] : channels) {
      auto count = [&](const char* k) { return std::to_string(num(states, k)); };
      m.add({std::string(channel), count("sent"), count("failed"), count("unknown"), count("cancelled"),
             std::to_string(num(states, "queued") + num(states, "sending"))});
    }
    out += m.render(false);
  }
  out += render_reports(report, false);
  out += render_spot_checks(report, false);
  out += render_broadcasts(report, false);
  const auto& timeline = report.at("timeline").as_array();
  if (!timeline.empty()) {
    out += "\ntimeline\n";
    for (const auto& e : timeline) out += render_event(e) + "\n";
  }
  return out;
}

std::string render_event(const json::value& e) {
  std::string who = str(e, "person");
  if (!who.empty()) who = fmt::format("{} ({}) ", who, str(e, "post"));
  if (str(e, "actor").starts_with("duty:")) who += "[" + str(e, "actor") + "] ";  // done by hand, by whom
  return fmt::format("{}  {:<8} {}{}", clock_of(str(e, "at")), event_zh(str(e, "kind")), who, str(e, "detail"));
}

std::string desk_warning_json(const std::string& hazard, const std::string& level,
                              const std::vector<std::string>& areas, const std::string& headline,
                              const std::string& text) {
  const auto now = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  json::array codes;
  for (const auto& a : areas) codes.emplace_back(a);
  json::object w{{"identifier", fmt::format("desk-{}", now.time_since_epoch().count())},
                 {"sender", "duty-desk"},
                 {"sender_name", "值班室"},
                 {"sent", format_china_time(now)},
                 {"source", "duty-desk"},
                 {"hazard", hazard},
                 {"level", level},
                 {"areas", std::move(codes)},
                 {"headline", headline}};
  if (!text.empty()) w["description"] = text;
  return json::serialize(w);
}

std::string render_posted(const json::value& posted) {
  const auto& o = posted.as_object();
  if (o.contains("duplicate")) return fmt::format("warning {} was already in (the same sender and identifier)\n", num(posted, "id"));
  std::string out = fmt::format("warning {} is called out: {} people", num(posted, "id"), num(posted, "callouts"));
  if (const json::value* plans = o.if_contains("plans"); plans && plans->is_array()) {
    std::string names;
    for (const auto& p : plans->as_array()) names += (names.empty() ? "" : ", ") + std::string(p.as_string());
    out += " (plans " + (names.empty() ? std::string("none") : names) + ")";
  }
  out += "\n";
  if (const json::value* flags = o.if_contains("flags"); flags && flags->is_array())
    for (const auto& f : flags->as_array()) out += "! " + std::string(f.as_string()) + "\n";
  return out;
}

namespace {

// One CSV line, RFC 4180: a cell is quoted when it holds a comma, quote or newline.
std::string csv_line(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string& v = cells[i];
    if (i) out += ',';
    if (v.find_first_of(",\"\r\n") == std::string::npos) {
      out += v;
      continue;
    }
    out += '"';
    for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += '"';
  }
  return out + "\n";
}

}  // namespace

std::string render_callouts_csv(const json::value& detail, bool unmask) {
  std::string out =
      "callout,kind,tier,area_code,area_name,role,role_zh,seat,person,mobile,state,notices,first_sent_at,answered_at,"
      "answered_via,late\n";
  for (const auto& c : detail.at("callouts").as_array()) {
    const std::string mobile = str(c, "mobile");
    const std::vector<std::string> row{str(c, "id"), str(c, "kind"), str(c, "tier"), str(c, "area_code"),
                                       str(c, "area_name"), str(c, "role"), std::string(role_zh(str(c, "role"))),
                                       str(c, "seat"), str(c, "person"), unmask ? mobile : mask_mobile(mobile),
                                       str(c, "state"), str(c, "notified"), str(c, "first_sent_at"),
                                       str(c, "answered_at"), str(c, "answered_via"),
                                       c.at("late").as_bool() ? "yes" : ""};
    out += csv_line(row);
  }
  return out;
}


std::string render_summary(const json::value& summary, const std::string& format) {
  auto share = [](int64_t part, int64_t whole) {
    return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "—";
  };
  auto median = [](const json::value& row) {
    const json::value& ms = row.at("median_ms");
    return ms.is_int64() ? format_duration(Millis(ms.as_int64() / 1000 * 1000)) : std::string("—");
  };
  const bool drills = summary.at("drills").as_bool();
  const std::vector<std::string> head{"COUNTY", "TOWNSHIP", "NAME", "POSTS", "REACHED", "ANSWERED ≤30M", "MEDIAN",
                                      "EXHAUSTED", "回报 LATE", "六问 PASSED"};
  // 六问: the share of the posts checked that passed ("—" where none was checked).
  auto spot = [&](const json::value& row) {
    const int64_t checked = num(row, "spot_checked");
    return checked ? fmt::format("{} ({}/{})", share(num(row, "spot_passed"), checked), num(row, "spot_passed"), checked)
                   : std::string("—");
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : summary.at("areas").as_array())
    rows.push_back({str(a, "county"), str(a, "township"), str(a, "name"), std::to_string(num(a, "posts")),
                    share(num(a, "reached"), num(a, "posts")), share(num(a, "answered_within_30m"), num(a, "posts")),
                    median(a), std::to_string(num(a, "exhausted")),
                    fmt::format("{}/{}", num(a, "reports_late"), num(a, "reports")), spot(a)});
  const json::value& t = summary.at("total");
  rows.push_back({"", "", "all", std::to_string(num(t, "posts")), share(num(t, "reached"), num(t, "posts")),
                  share(num(t, "answered_within_30m"), num(t, "posts")), median(t), std::to_string(num(t, "exhausted")),
                  fmt::format("{}/{}", num(t, "reports_late"), num(t, "reports")), spot(t)});
  if (format == "csv") {
    std::string out =
        "county,township,name,posts,reached_pct,answered_within_30m_pct,median,exhausted,reports_late,spot_check_passed\n";
    for (const auto& r : rows) out += csv_line(r);
    return out;
  }
  std::string kinds;
  for (const auto& k : summary.at("warnings").as_array())
    kinds += fmt::format("{}{} ×{}", kinds.empty() ? "" : ", ", level_label(str(k, "hazard"), str(k, "level")),
                         num(k, "warnings"));
  const std::string title = fmt::format("叫应考核 · {} {} – {} (to excluded)", drills ? "演练 drills" : "real warnings",
                                        str(summary, "from").substr(0, 10), str(summary, "to").substr(0, 10));
  if (format == "html") {
    auto esc = [](const std::string& v) { return html_escape(v); };
    std::string out = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
                      "</title><style>@page{size:A4 landscape;margin:14mm}body{font-family:sans-serif;font-size:10pt}"
                      "table{border-collapse:collapse;width:100%}th,td{border:.5pt solid #999;padding:2pt 4pt}"
                      "th{background:#eee}</style></head><body><h1>" +
                      esc(title) + "</h1><p>" + esc(kinds.empty() ? "no warnings" : kinds) + "</p><table><tr>";
    for (const auto& h : head) out += "<th>" + esc(h) + "</th>";
    out += "</tr>";
    for (const auto& r : rows) {
      out += "<tr>";
      for (const auto& c : r) out += "<td>" + esc(c) + "</td>";
      out += "</tr>";
    }
    return out + "</table></body></html>\n";
  }
  Table table(head);
  for (const auto& r : rows) table.add(r);
  return title + "\nwarnings: " + (kinds.empty() ? "none" : kinds) + "\n\n" + table.render(false);
}

}  // namespace jiaoying
