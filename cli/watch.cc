#include "cli/watch.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <ostream>
#include <thread>

#include "cli/table.h"
#include "cli/views.h"
#include "rules/names.h"
#include "rules/time.h"
#include "rules/warning.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

int64_t num(const json::value& v, std::string_view key) {
  const json::value* p = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return p && p->is_int64() ? p->as_int64() : 0;
}

std::string str(const json::value& v, std::string_view key) {
  const json::value* p = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

// [##########..........]  50.0%
std::string bar(int64_t part, int64_t whole, int width = 30) {
  const double share = whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
  const int filled = static_cast<int>(share * width + 0.5);
  return fmt::format("[{}{}] {:5.1f}%", std::string(static_cast<size_t>(filled), '#'),
                     std::string(static_cast<size_t>(width - filled), '.'), share * 100);
}

std::string title_of(const json::value& w) {
  const HazardInfo* h = find_hazard(str(w, "hazard"));
  auto level = parse_level(str(w, "level"));
  return fmt::format("warning {} · {}{}预警 · {} · {}", num(w, "id"), h ? h->zh : str(w, "hazard"),
                     level ? level_zh(*level) : str(w, "level"), str(w, "state"), str(w, "headline"));
}

// Report-backs filed of those owed, and the overdue ones.
std::pair<std::string, std::vector<std::string>> reports_of(const json::value& detail) {
  const json::value* r = detail.as_object().if_contains("reports");
  if (!r || !r->is_array() || r->as_array().empty()) return {"", {}};
  int64_t filed = 0;
  std::vector<std::string> overdue;
  for (const auto& rep : r->as_array()) {
    if (str(rep, "state") == "filed") ++filed;
    if (str(rep, "state") == "overdue") overdue.push_back(str(rep, "area_name"));
  }
  return {fmt::format("回报 {}/{}{}", filed, r->as_array().size(),
                      overdue.empty() ? "" : fmt::format(" ({} overdue)", overdue.size())),
          overdue};
}

}  // namespace

std::string watch_line(const json::value& detail, bool as_json) {
  const json::value& w = detail.at("warning");
  const json::value& c = detail.at("counts");
  const auto [reports, overdue] = reports_of(detail);
  const int64_t answered = num(c, "answered") + num(c, "covered");
  if (as_json)
    return json::serialize(json::object{{"warning", num(w, "id")},
                                        {"state", str(w, "state")},
                                        {"people", num(c, "total")},
                                        {"answered", answered},
                                        {"calling", num(c, "calling")},
                                        {"exhausted", num(c, "exhausted")},
                                        {"reports_overdue", static_cast<int64_t>(overdue.size())}});
  return fmt::format("warning {} {}: people answered {}/{} · still calling {} · exhausted {}{}", num(w, "id"),
                     str(w, "state"), answered, num(c, "total"), num(c, "calling"), num(c, "exhausted"),
                     reports.empty() ? "" : " · " + reports);
}

std::string render_watch(const json::value& detail, const json::value& list, const json::value& events, bool colour) {
  const json::value& w = detail.at("warning");
  const json::value& c = detail.at("counts");
  std::string out = title_of(w) + "\n";
  out += fmt::format("received {}\n\n", str(w, "received_at"));
  const int64_t answered = num(c, "answered") + num(c, "covered");
  out += fmt::format("people   {} {}/{} answered · still calling {} · exhausted {}\n", bar(answered, num(c, "total")),
                     answered, num(c, "total"), num(c, "calling"), num(c, "exhausted"));
  if (const json::value* tiers = detail.as_object().if_contains("by_tier"); tiers && tiers->is_array())
    for (const auto& t : tiers->as_array())
      out += fmt::format("  {:<12} {} {}/{}{}\n", std::string(tier_zh(str(t, "tier"))),
                         bar(num(t, "answered"), num(t, "total"), 20), num(t, "answered"), num(t, "total"),
                         num(t, "exhausted") ? fmt::format(" · {} exhausted", num(t, "exhausted")) : "");
  const auto [reports, overdue] = reports_of(detail);
  if (!reports.empty()) {
    out += "\n" + reports;
    if (!overdue.empty()) {
      out += ": overdue ";
      for (size_t i = 0; i < overdue.size() && i < 10; ++i) out += (i ? "、" : "") + overdue[i];
      if (overdue.size() > 10) out += fmt::format(" 等 {} 处", overdue.size());
    }
    out += "\n";
  }
  if (const json::value* ts = detail.as_object().if_contains("townships"); ts && ts->is_array() && !ts->as_array().empty()) {
    std::vector<const json::value*> rows;
    for (const auto& t : ts->as_array())
      if (num(t, "calling") + num(t, "exhausted") > 0) rows.push_back(&t);
    std::stable_sort(rows.begin(), rows.end(), [](const json::value* a, const json::value* b) {
      return num(*a, "exhausted") * 1000000 + num(*a, "calling") > num(*b, "exhausted") * 1000000 + num(*b, "calling");
    });
    if (!rows.empty()) {
      Table t({"TOWNSHIP", "PEOPLE", "ANSWERED", "STILL CALLING", "EXHAUSTED"});
      for (size_t i = 0; i < rows.size() && i < 12; ++i)
        t.add({str(*rows[i], "name"), std::to_string(num(*rows[i], "total")), std::to_string(num(*rows[i], "answered")),
               std::to_string(num(*rows[i], "calling")), std::to_string(num(*rows[i], "exhausted"))},
              num(*rows[i], "exhausted") > 0 ? "31" : "33");
      out += fmt::format("\nstill silent, by township ({} of {}):\n", std::min<size_t>(rows.size(), 12), rows.size()) +
             t.render(colour);
    }
  }
  out += render_providers(list, colour);
  if (const json::value* ev = events.is_object() ? events.as_object().if_contains("events") : nullptr;
      ev && ev->is_array() && !ev->as_array().empty()) {
    out += "\nlast events\n";
    for (const auto& e : ev->as_array()) out += render_event(e) + "\n";
  }
  return out;
}

int run_watch(AdminClient& admin, const WatchOptions& options, std::ostream& out, std::ostream& err) {
  std::string last_line;
  std::map<int64_t, std::string> last_lines;  // per warning, without an argument
  for (;;) {
    std::string error;
    auto list = admin.get("/api/v1/warnings", error);
    if (!list) {
      err << "jiaoying: " << error << '\n';
      return 1;
    }
    std::vector<std::string> ids;
    if (!options.warning.empty()) ids.push_back(options.warning);
    else
      for (const auto& w : list->at("warnings").as_array())
        if (str(w, "state") == "active") ids.push_back(std::to_string(num(w, "id")));
    std::string screen;
    bool ended = false;
    for (const std::string& id : ids) {
      auto detail = admin.get("/api/v1/warnings/" + id + "?limit=1", error);
      if (!detail) {
        err << "jiaoying: " << error << '\n';
        return 1;
      }
      const int64_t number = num(detail->at("warning"), "id");
      ended = str(detail->at("warning"), "state") != "active";
      if (options.redraw) {
        auto events = admin.get(fmt::format("/api/v1/warnings/{}/events?latest=8", number), error);
        screen += render_watch(*detail, *list, events ? *events : json::value(json::object{}), options.colour) + "\n";
      } else {
        const std::string line = watch_line(*detail, options.json);
        if (line != last_lines[number]) {  // only what changed
          out << (options.json ? line : format_china_time(std::chrono::time_point_cast<Millis>(
                                            std::chrono::system_clock::now())) + " " + line)
              << std::endl;
          last_lines[number] = line;
        }
      }
    }
    if (options.redraw) {
      if (ids.empty()) screen = "no open warning — waiting (Ctrl-C to stop)\n";
      out << "\x1b[H\x1b[2J" << screen << std::flush;
    }
    if (!options.warning.empty() && ended) return 0;
    std::this_thread::sleep_for(options.interval);
  }
}

}  // namespace jiaoying
