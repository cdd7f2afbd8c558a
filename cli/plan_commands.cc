#include "cli/plan_commands.h"

#include "daemon/rule_files.h"
#include "rules/names.h"
#include "rules/notices.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "channels/template_renderer.h"
#include "cli/warning_check.h"
#include "daemon/config.h"
#include "rules/plan_check.h"
#include "rules/recipients.h"

namespace jiaoying {

namespace {

// What every offline verb loads: the config, then the directory, plans and templates it names.
struct Loaded {
  Config config;
  std::optional<Directory> directory;
  std::vector<Plan> plans;
  std::set<std::string> template_names;
  std::optional<TemplateRenderer> templates;
};

std::optional<Loaded> load_all(const OfflineOptions& options, bool need_plans) {
  LoadErrors errors;
  auto config = load_config(options.config_path, errors);
  if (!config && !need_plans && !options.config_given && !options.directory_file.empty()) {
    // `directory check FILE` needs only the file: without a config there are no plans to check
    // it against, and that is said.
    LoadErrors directory_errors;
    Loaded out{Config{}, load_directory_file(options.directory_file, directory_errors), {}, {}, std::nullopt};
    for (const auto& e : directory_errors) std::cerr << e.text() << '\n';
    if (!out.directory) return std::nullopt;
    out.config.directory = options.directory_file;
    std::cerr << "jiaoying: no config at " << options.config_path << ": the directory is checked alone, against no plans\n";
    return out;
  }
  if (!config) {
    for (const auto& e : errors) std::cerr << e.text() << '\n';
    return std::nullopt;
  }
  Loaded out{*config, std::nullopt, {}, {}, std::nullopt};
  const std::set<std::string> channels = config->media();
  std::string plans_dir = options.plans_dir.empty() ? config->plans : options.plans_dir;
  std::string directory = options.directory_file.empty() ? config->directory : options.directory_file;
  out.config.plans = plans_dir;
  out.config.directory = directory;
  out.directory = load_directory_file(directory, errors);
  auto plans = load_plans_folder(plans_dir, channels, errors);
  auto templates = TemplateRenderer::load(config->templates, errors);
  for (const auto& e : errors) std::cerr << e.text() << '\n';
  if (!out.directory || (need_plans && !plans) || !templates) return std::nullopt;
  if (plans) out.plans = std::move(*plans);
  out.templates = std::move(templates);
  for (const auto& channel : channels)
    for (const char* part : {".title", ".body"})
      if (out.templates->has(channel + part)) out.template_names.insert(channel + part);
  return out;
}

int report(const std::vector<Finding>& findings, const std::string& ok_line) {
  int errors = 0, warnings = 0;
  for (const auto& f : findings) {
    std::cout << f.text() << '\n';
    (f.severity == Finding::Severity::error ? errors : warnings)++;
  }
  if (errors == 0 && warnings == 0) std::cout << ok_line << '\n';
  else std::cout << fmt::format("{} error(s), {} warning(s)\n", errors, warnings);
  return errors ? 1 : 0;
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// How fast a medium's messages go at its first provider's configured limits (the others take
// over only while it is down): messages a second, and what that rests on.
struct Capacity {
  double per_second = 0;
  std::string basis;
};

Capacity capacity_of(const Config& config, const std::string& medium) {
  for (const Config::Provider& p : config.providers) {
    if (p.medium != medium) continue;
    const Medium* m = find_medium(medium);
    size_t batch = p.limits.batch ? p.limits.batch : (m ? m->max_batch : 1);
    if (const auto* sms = std::get_if<SmsSettings>(&p.settings)) batch = sms->batch;
    if (const auto* cmpp = std::get_if<CmppSettings>(&p.settings)) batch = cmpp->batch;
    if (const auto* hook = std::get_if<WebhookSettings>(&p.settings)) batch = hook->batch;
    const std::string per_request = batch > 1 ? fmt::format(" × {} a request", batch) : "";
    if (p.limits.rate > 0)
      return {p.limits.rate * static_cast<double>(batch), fmt::format("{}: {:g} requests/s{}", p.name, p.limits.rate, per_request)};
    // No rate of ours: bound by the requests in flight, at an assumed provider latency.
    constexpr double kAssumedLatency = 0.05;
    return {static_cast<double>(p.limits.concurrency) / kAssumedLatency * static_cast<double>(batch),
            fmt::format("{}: no rate set; {} at once{}, at an assumed 50 ms a request", p.name, p.limits.concurrency,
                        per_request)};
  }
  return {};
}

std::string count_text(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}


// For each step, how long its messages take to go out at the providers' configured limits, and a
// warning when a step cannot finish before the next is due (its people would wait for their
// first notice while others already get the second — jiaoying holds the next step for them).
void print_fanout_estimate(const Plan& plan, const std::vector<const Recipient*>& people, const Directory& directory,
                           const Config& config, bool night) {
  std::cout << "  fan-out at the configured provider limits (docs/performance.md):\n";
  for (size_t i = 0; i < plan.ladder.size(); ++i) {
    const LadderStep& step = plan.ladder[i];
    std::vector<std::string> channels = step.channels;
    if (i == 0 && night && plan.night)
      for (const auto& c : plan.night->first)
        if (std::find(channels.begin(), channels.end(), c) == channels.end()) channels.push_back(c);
    const Millis gap = i + 1 < plan.ladder.size() ? plan.ladder[i + 1].after - step.after : plan.deadline - step.after;
    for (const std::string& channel : channels) {
      size_t n = 0;
      for (const Recipient* r : people) {
        auto counts = [&](const Person* p) {
          return p && reachable_on(channel, p->zzd_account, p->mobile, p->landline) ? 1u : 0u;
        };
        if (step.seat != SeatChoice::B) n += counts(directory.person(r->person));
        if (step.seat != SeatChoice::A && r->seat == Seat::A) n += counts(directory.holder(r->area, r->role, Seat::B));
      }
      const Capacity c = capacity_of(config, channel);
      if (n == 0 || c.per_second <= 0) continue;
      const Millis takes(static_cast<int64_t>(1000.0 * static_cast<double>(n) / c.per_second));
      const bool too_long = takes > gap;
      std::cout << fmt::format("    {}step {} on {} reaches {} people in {} at {:.0f}/s ({}){}\n", too_long ? "! " : "",
                               i + 1, channel, count_text(n), format_duration(std::max(takes, Millis(1000))),
                               c.per_second, c.basis,
                               too_long ? fmt::format(" — longer than the {} before {}", format_duration(gap),
                                                      i + 1 < plan.ladder.size() ? fmt::format("step {}", i + 2)
                                                                                 : std::string("the deadline"))
                                        : "");
    }
  }
}

}  // namespace

AreaSplit split_warning_areas(const Warning& w, const Directory& directory, std::string& refusal) {
  AreaSplit split = split_areas(w.areas, directory);
  if (!w.areas.empty() && split.ours.empty() && w.polygons.empty() && w.circles.empty() &&
      w.msg_type == MsgType::alert)
    refusal = fmt::format("areas: none of the warning's {} area(s) ({}) is in the directory: nobody here would be called",
                          w.areas.size(), fmt::join(w.areas, " "));
  return split;
}

std::optional<Directory> load_directory(const OfflineOptions& options) {
  LoadErrors errors;
  std::string file = options.directory_file;
  if (file.empty()) {
    auto config = load_config(options.config_path, errors);
    if (config) file = config->directory;
  }
  std::optional<Directory> directory;
  if (!file.empty()) directory = load_directory_file(file, errors);
  for (const auto& e : errors) std::cerr << e.text() << '\n';
  return directory;
}

std::vector<Finding> check_templates(const std::vector<Plan>& plans, const TemplateRenderer& templates,
                                     const std::string& dir) {
  std::vector<Finding> out;
  std::set<std::string> told;  // each template's unknown values said once
  for (const Plan& plan : plans) {
    std::set<std::string> families;
    if (!plan.templates.empty()) families.insert(plan.templates);
    else if (plan.hazards.empty()) families.insert(hazard_families().begin(), hazard_families().end());
    else
      for (const auto& h : plan.hazards) families.insert(std::string(hazard_family(h)));
    std::set<std::string> channels;
    for (const auto& step : plan.ladder) channels.insert(step.channels.begin(), step.channels.end());
    if (plan.night) channels.insert(plan.night->first.begin(), plan.night->first.end());
    if (plan.broadcast) channels.insert("broadcast");
    for (const std::string& family : families) {
      const TemplateValues sample{
          {"headline", "样例预警"}, {"description", "样例预警内容"}, {"hazard_zh", "暴雨"}, {"level_zh", "红色"},
          {"areas_zh", "样例镇"}, {"sender", "sample@example"}, {"sender_zh", "样例气象台"},
          {"sent", "2026-06-15T02:00:00+08:00"}, {"sent_zh", "6月15日 02:00"}, {"person_name", "样例人"},
          {"area_name", "样例镇"}, {"role", "township_head"}, {"role_zh", "乡镇长"}, {"seat", "A"},
          {"room_zh", std::string(family_room_zh(family))}, {"attempt", "1"}, {"sms_code", "1"}};
      for (const std::string& channel : channels)
        for (const char* part : {".title", ".body"}) {
          const std::string name = templates.pick(family, channel + part);
          if (!templates.has(name)) continue;  // check_plans says so
          const std::string file = dir + "/" + name + ".mustache";
          if (told.insert(name).second)
            for (const std::string& v : templates.variables(name))
              if (!known_template_values().count(v))
                out.push_back({Finding::Severity::warning, file, 0,
                               fmt::format("uses {{{{{}}}}}, which no message fills: it prints nothing there", v)});
          if (std::string_view(part) == ".body" && templates.render(name, sample).empty())
            out.push_back({Finding::Severity::error, file, 0,
                           fmt::format("renders no text for plan {} (a {} warning): its messages would be empty",
                                       plan.name, family)});
        }
    }
  }
  // The notices' own templates, against the values each is given (rules/notices.h).
  for (const NoticeTemplate& n : notice_templates()) {
    const std::string name(n.name);
    if (!templates.has(name)) continue;  // check_notice_templates says so
    for (const std::string& v : templates.variables(name))
      if (!has_word(n.values, v))
        out.push_back({Finding::Severity::warning, dir + "/" + name + ".mustache", 0,
                       fmt::format("uses {{{{{}}}}}, which this notice is not given ({}): it prints nothing there", v,
                                   n.values.empty() ? std::string("it is given none") : "it is given " + std::string(n.values))});
  }
  return out;
}

int run_plan_check(const OfflineOptions& options) {
  auto loaded = load_all(options, true);
  if (!loaded) return 1;
  std::vector<Finding> findings = check_plans(loaded->plans, *loaded->directory, loaded->template_names);
  for (Finding& f : check_notice_templates(loaded->templates->names())) findings.push_back(std::move(f));
  for (Finding& f : check_templates(loaded->plans, *loaded->templates, loaded->config.templates))
    findings.push_back(std::move(f));
  std::string names;
  for (const auto& p : loaded->plans) names += (names.empty() ? "" : ", ") + p.name;
  return report(findings, fmt::format("{} plan(s) OK: {}", loaded->plans.size(), names));
}

int run_directory_check(const OfflineOptions& options) {
  auto loaded = load_all(options, false);
  if (!loaded) return 1;
  const Directory& d = *loaded->directory;
  size_t villages = 0, with_broadcast = 0;
  for (const Area* a : d.all_areas())
    if (a->tier == Tier::village) ++villages, with_broadcast += a->broadcast.empty() ? 0 : 1;
  std::cout << fmt::format("{}: {} areas, {} people, {} posts; checked against {} plan(s)\n"
                           "{} of {} villages have a broadcast endpoint (应急广播)\n",
                           loaded->config.directory, d.area_count(), d.person_count(), d.post_count(),
                           loaded->plans.size(), with_broadcast, villages);
  return report(check_directory(d, loaded->config.directory, loaded->plans), "no problems found");
}

int run_plan_test(const OfflineOptions& options, const std::string& warning_file, const std::string& at) {
  auto loaded = load_all(options, true);
  if (!loaded) return 1;
  bool ok = false;
  std::string body = read_file(warning_file, ok);
  if (!ok) {
    std::cerr << warning_file << ": cannot open\n";
    return 1;
  }
  WarningParse parsed = parse_warning_bytes(body);  // CAP or JSON
  if (!parsed.warning) {
    std::cerr << warning_file << ": error: " << parsed.error.text() << '\n';
    return 1;
  }
  Warning& w = *parsed.warning;
  // As jiaoyingd does: the areas of this directory are called out, the others are not ours.
  std::string refusal;
  const AreaSplit split = split_warning_areas(w, *loaded->directory, refusal);
  if (!refusal.empty()) {
    std::cerr << fmt::format("{}: error: {}\n", warning_file, refusal);
    return 1;
  }
  if (!split.not_ours.empty()) std::cout << fmt::format("not ours (another county's to call): {}\n", fmt::join(split.not_ours, " "));
  if (!w.areas.empty()) w.areas = split.ours;
  TimePoint start = w.sent;
  if (!at.empty()) {
    auto t = parse_iso8601(at);
    if (!t) {
      std::cerr << "--at '" << at << "' must be a time like 2026-06-15T02:00:00+08:00\n";
      return 1;
    }
    start = *t;
  }
  std::vector<const Plan*> matched = plans_for(loaded->plans, w);
  const HazardInfo* hazard = find_hazard(w.hazard);
  std::cout << fmt::format("dry run — nothing is sent\nwarning: {}{}预警 ({} {}) · {}\narrives: {}\n",
                           hazard ? hazard->zh : w.hazard, level_zh(w.level), w.hazard, level_name(w.level),
                           w.headline, format_china_time(start));
  if (matched.empty()) {
    std::cout << "no plan matches this warning: nobody would be called\n";
    return 0;
  }
  Resolution r = resolve_recipients(w, matched, *loaded->directory);
  for (const Plan* plan : matched) {
    std::vector<const Recipient*> mine;
    for (const auto& rec : r.recipients)
      if (rec.plan == plan) mine.push_back(&rec);
    std::cout << fmt::format("\nplan {} ({}), {} — {} people\n", plan->name, plan->title, plan->file, mine.size());
    std::map<Tier, std::vector<const Recipient*>> by_tier;
    for (const Recipient* rec : mine) by_tier[rec->tier].push_back(rec);
    for (const auto& [tier, people] : by_tier) {
      std::cout << fmt::format("  {} ({}):\n", tier_name(tier), people.size());
      for (const Recipient* rec : people) {
        const Person* p = loaded->directory->person(rec->person);
        const Area* a = loaded->directory->area(rec->area);
        const Person* b = rec->seat == Seat::A ? loaded->directory->holder(rec->area, rec->role, Seat::B) : nullptr;
        std::cout << fmt::format("    {:<10} {:<22} {} ({} seat){}\n", a ? a->name : rec->area, rec->role,
                                 p ? p->name : rec->person, seat_name(rec->seat),
                                 b ? fmt::format(", B seat {}", b->name) : "");
      }
    }
    // Who hears of every silence, exhaustion and overdue report-back (the plan's duty_room).
    std::map<const Person*, std::pair<DutyOfficer, size_t>> rooms;
    std::set<std::string> roomless;
    for (const Recipient* rec : mine) {
      DutyOfficer d = duty_officer_for(*loaded->directory, rec->area, plan->duty_room);
      if (!d.person) {
        const Area* a = loaded->directory->area(rec->area);
        roomless.insert(a ? a->name : rec->area);
        continue;
      }
      auto& [officer, posts] = rooms[d.person];
      officer = d;
      ++posts;
    }
    for (const auto& [person, room] : rooms)
      std::cout << fmt::format("  duty room ({} tier): {} {} {} ({} seat), told of {} post(s)\n",
                               tier_name(plan->duty_room), room.first.area->name, role_zh("duty_officer"),
                               person->name, seat_name(room.first.seat), room.second);
    if (!roomless.empty())
      std::cout << fmt::format("  ! no duty room above {} area(s) ({}): their exhaustions would reach nobody\n",
                               roomless.size(), fmt::join(roomless, "、"));
    if (plan->night) {
      std::string first;
      for (const auto& c : plan->night->first) first += (first.empty() ? "" : "+") + c;
      std::cout << fmt::format("  night rule {:02}:{:02}–{:02}:{:02}: step 1 also rings on {}{}\n",
                               plan->night->from_minute / 60, plan->night->from_minute % 60,
                               plan->night->to_minute / 60, plan->night->to_minute % 60, first,
                               is_night(*plan->night, start) ? " — in force at this time" : " — not at this time");
    }
    std::cout << "  timeline (each step only for those who have not answered):\n";
    for (size_t i = 0; i < plan->ladder.size(); ++i) {
      const LadderStep& s = plan->ladder[i];
      std::string what;
      for (const auto& c : s.channels) what += (what.empty() ? "" : "+") + c;
      if (!what.empty())
        what += s.seat == SeatChoice::A ? " to the A seat" : s.seat == SeatChoice::B ? " to the B seat" : " to both seats";
      if (s.notify != Notify::none)
        what += fmt::format("{}tell the {}", what.empty() ? "" : ", ", s.notify == Notify::superior ? "post above" : "duty officer");
      std::cout << fmt::format("    {}  +{:<6} step {}: {} ({} people)\n", format_china_clock(start + s.after),
                               format_duration(s.after), i + 1, what, mine.size());
    }
    if (plan->broadcast && broadcast_applies(*plan->broadcast, w.level)) {
      BroadcastTargets t = broadcast_targets(w, *loaded->directory, plan->broadcast->tier);
      auto names_of = [](const std::vector<const Area*>& areas) {
        std::string out;
        for (size_t i = 0; i < areas.size() && i < 8; ++i) out += (i ? "、" : "") + areas[i]->name;
        if (areas.size() > 8) out += "…";
        return out.empty() ? std::string("none") : out;
      };
      std::cout << fmt::format("    {}  +{:<6} broadcast: one EBM to the county platform, played {} times in {} {}(s) "
                               "({}); playback report due within {}\n",
                               format_china_clock(start), "0m", plan->broadcast->repeat, t.reachable.size(),
                               tier_name(plan->broadcast->tier), names_of(t.reachable),
                               format_duration(plan->broadcast->within));
      if (!t.without_endpoints.empty())
        std::cout << fmt::format("                    no loudspeakers in {} {}(s) ({}): the duty officer is told at once\n",
                                 t.without_endpoints.size(), tier_name(plan->broadcast->tier),
                                 names_of(t.without_endpoints));
    }
    if (plan->report_back) {
      std::set<std::string> owing;
      for (const Recipient* rec : mine)
        if (rec->tier == plan->report_back->tier) {
          const Area* a = loaded->directory->area(rec->area);
          owing.insert(a ? a->name : rec->area);
        }
      std::string names;
      for (const auto& n : owing) names += (names.empty() ? "" : "、") + n;
      std::cout << fmt::format(
          "    {}  +{:<6} report-back due from each {} ({}: {}): who commands, villages affected, people "
          "moved; missing → chased, {} told\n",
          format_china_clock(start + plan->report_back->within), format_duration(plan->report_back->within),
          tier_name(plan->report_back->tier), owing.size(), names.empty() ? "none called" : names,
          plan->report_back->notify == Notify::superior ? "the post above" : "the duty officer");
    }
    std::cout << fmt::format("    {}  +{:<6} deadline: whoever has still not answered is exhausted; the duty officer is told\n",
                             format_china_clock(start + plan->deadline), format_duration(plan->deadline));
    print_fanout_estimate(*plan, mine, *loaded->directory, loaded->config, plan->night && is_night(*plan->night, start));
  }
  if (!r.unfilled.empty()) {
    std::cout << "\nposts that reach nobody or only their B seat:\n";
    for (const auto& u : r.unfilled) {
      const Area* a = loaded->directory->area(u.area);
      std::cout << fmt::format("  {} {} {}: {}\n", u.area, a ? a->name : "", u.role, u.why);
    }
  }
  std::cout << fmt::format("\ntotal: {} people to call\n", r.recipients.size());
  return 0;
}

}  // namespace jiaoying
