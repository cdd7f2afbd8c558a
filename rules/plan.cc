#include "rules/plan.h"

#include "rules/names.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "rules/yaml_reader.h"

namespace jiaoying {

std::string_view notify_name(Notify notify) {
  switch (notify) {
    case Notify::none: return "none";
    case Notify::superior: return "superior";
    case Notify::duty_officer: return "duty_officer";
  }
  return "unknown";
}

bool is_night(const NightRule& rule, TimePoint at) {
  const int64_t seconds = to_epoch_ms(at) / 1000 + 8 * 3600;  // China has no daylight saving
  const int minute = static_cast<int>(((seconds % 86400) + 86400) % 86400 / 60);
  if (rule.from_minute <= rule.to_minute) return minute >= rule.from_minute && minute < rule.to_minute;
  return minute >= rule.from_minute || minute < rule.to_minute;  // across midnight
}

bool plan_matches(const Plan& plan, const Warning& warning) {
  bool hazard_ok = plan.hazards.empty() ||
                   std::find(plan.hazards.begin(), plan.hazards.end(), warning.hazard) != plan.hazards.end();
  bool level_ok = plan.levels.empty() ||
                  std::find(plan.levels.begin(), plan.levels.end(), warning.level) != plan.levels.end();
  bool source_ok = plan.sources.empty() ||
                   std::find(plan.sources.begin(), plan.sources.end(), warning.source) != plan.sources.end();
  bool status_ok = std::find(plan.statuses.begin(), plan.statuses.end(), warning.status) != plan.statuses.end();
  return hazard_ok && level_ok && source_ok && status_ok;
}

std::vector<const Plan*> plans_for(const std::vector<Plan>& plans, const Warning& warning) {
  std::vector<const Plan*> specific, fallback;
  for (const Plan& p : plans)
    if (plan_matches(p, warning)) (p.fallback ? fallback : specific).push_back(&p);
  return specific.empty() ? fallback : specific;
}

namespace {

void read_match(YamlReader& yr, const YAML::Node& root, Plan& plan) {
  YAML::Node match = root["match"];
  if (!match.IsDefined()) {
    yr.error(root, "'match' is required (use match: {} to answer every warning)");
    return;
  }
  if (match.IsMap() && match.size() == 0) return;
  if (!yr.only_keys(match, {"hazards", "levels", "sources", "status"}, "match")) return;
  if (auto sources = yr.scalars(match, "sources", false)) plan.sources = *sources;
  if (auto statuses = yr.scalars(match, "status", false); statuses && !statuses->empty()) {
    plan.statuses.clear();
    for (const auto& name : *statuses) {
      auto status = parse_status(name);
      if (status == WarningStatus::actual || status == WarningStatus::exercise)
        plan.statuses.push_back(*status);
      else
        yr.error(match["status"], "status '" + name + "' must be actual or exercise (test, system and draft messages call nobody)");
    }
  }
  if (auto hazards = yr.scalars(match, "hazards", false)) {
    for (const auto& h : *hazards) {
      if (find_hazard(h)) {
        plan.hazards.push_back(h);
        continue;
      }
      std::string names;
      for (const auto& known : known_hazards()) names += (names.empty() ? "" : ", ") + std::string(known.code);
      yr.error(match["hazards"], "unknown hazard '" + h + "' (hazards: " + names + ")");
    }
  }
  if (auto levels = yr.scalars(match, "levels", false)) {
    for (const auto& l : *levels) {
      auto level = parse_level(l);
      if (!level)
        yr.error(match["levels"], "unknown level '" + l + "' (blue, yellow, orange, red)");
      else
        plan.levels.push_back(*level);
    }
  }
}

void read_recipients(YamlReader& yr, const YAML::Node& root, Plan& plan) {
  YAML::Node list = root["recipients"];
  if (!list.IsDefined() || !list.IsSequence() || list.size() == 0) {
    yr.error(list.IsDefined() ? list : root, "'recipients' must be a non-empty list");
    return;
  }
  for (const auto& r : list) {
    if (!yr.only_keys(r, {"tier", "roles", "scope"}, "a recipient rule")) continue;
    auto tier = yr.scalar(r, "tier");
    auto roles = yr.scalars(r, "roles");
    auto scope = yr.scalar(r, "scope", false);
    if (!tier || !roles) continue;
    auto scope_value = RecipientRule::Scope::warned;
    if (scope && *scope == "neighbours") {
      scope_value = RecipientRule::Scope::neighbours;
    } else if (scope && *scope != "warned") {
      yr.error(r["scope"], "scope '" + *scope + "' must be warned or neighbours");
      continue;
    }
    auto t = parse_tier(*tier);
    if (!t) {
      yr.error(r["tier"], "tier '" + *tier + "' must be one of city, county, township, village");
      continue;
    }
    if (roles->empty()) {
      yr.error(r["roles"], "'roles' must name at least one role");
      continue;
    }
    plan.recipients.push_back(RecipientRule{*t, *roles, scope_value, YamlReader::line_of(r)});
  }
}

// Why `c` cannot carry a step to people, if it cannot: no such medium, a per-area one (the
// loudspeakers: the plan's broadcast rule), or not configured in the daemon.
std::optional<std::string> person_channel_problem(const std::string& c, const std::set<std::string>& channels) {
  const Medium* medium = find_medium(c);
  if (!medium) return "'" + c + "' is not a channel (channels: " + medium_names() + ")";
  if (medium->per_area)
    return std::string(c) + " reaches loudspeakers, not people: give the plan a broadcast rule "
                            "(broadcast: { levels: [red], tier: village }) instead";
  if (channels.count(c)) return std::nullopt;
  std::string list;
  for (const auto& k : channels)
    if (const Medium* m = find_medium(k); m && !m->per_area) list += (list.empty() ? "" : ", ") + k;
  return "channel '" + c + "' is not configured in the daemon (configured: " + (list.empty() ? "none" : list) +
         "): configure channels." + c + " in jiaoyingd.yaml, or drop " + c + " from this step";
}

void read_ladder(YamlReader& yr, const YAML::Node& root, const std::set<std::string>& channels,
                 Plan& plan) {
  YAML::Node list = root["ladder"];
  if (!list.IsDefined() || !list.IsSequence() || list.size() == 0) {
    yr.error(list.IsDefined() ? list : root, "'ladder' must be a non-empty list of steps");
    return;
  }
  for (const auto& s : list) {
    if (!yr.only_keys(s, {"after", "channels", "seat", "notify"}, "a ladder step")) continue;
    auto after = yr.duration(s, "after");
    auto names = yr.scalars(s, "channels", false);
    auto seat = yr.scalar(s, "seat", false);
    auto notify = yr.scalar(s, "notify", false);
    if (!after || !names) continue;
    LadderStep step{*after, {}, SeatChoice::A, Notify::none, YamlReader::line_of(s)};
    bool ok = true;
    if (seat) {
      if (*seat == "A") step.seat = SeatChoice::A;
      else if (*seat == "B") step.seat = SeatChoice::B;
      else if (*seat == "both") step.seat = SeatChoice::both;
      else {
        yr.error(s["seat"], "seat '" + *seat + "' must be A, B or both");
        ok = false;
      }
    }
    if (notify) {
      if (*notify == "superior") step.notify = Notify::superior;
      else if (*notify == "duty_officer") step.notify = Notify::duty_officer;
      else {
        yr.error(s["notify"], "notify '" + *notify + "' must be superior or duty_officer");
        ok = false;
      }
    }
    for (const auto& c : *names) {
      if (auto problem = person_channel_problem(c, channels)) {
        yr.error(s["channels"], *problem);
        ok = false;
        continue;
      }
      step.channels.push_back(c);
    }
    if (names->empty() && step.notify == Notify::none) {
      yr.error(s, "a step needs channels, or notify: superior / duty_officer");
      ok = false;
    }
    if (names->empty() && seat) {
      yr.error(s["seat"], "'seat' needs 'channels' to call the seat on");
      ok = false;
    }
    if (!ok) continue;
    if (!plan.ladder.empty() && step.after <= plan.ladder.back().after) {
      yr.error(s["after"], "step at " + format_duration(step.after) +
                               " must come after the previous step (" +
                               format_duration(plan.ladder.back().after) + ")");
      continue;
    }
    plan.ladder.push_back(std::move(step));
  }
  if (!plan.ladder.empty() && plan.ladder.front().channels.empty())
    yr.error(plan.ladder.front().line, "the first step must call the recipients on a channel");
}

// "22:00" → 1320; nullopt unless HH:MM with HH 00–23 and MM 00–59.
std::optional<int> minute_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  const int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

void read_night(YamlReader& yr, const YAML::Node& root, const std::set<std::string>& channels, Plan& plan) {
  YAML::Node n = root["night"];
  if (!n.IsDefined()) return;
  if (!n.IsMap()) {
    yr.error(n, "'night' must be a map: { from: \"22:00\", to: \"07:00\", first: [ivr] }");
    return;
  }
  if (!yr.only_keys(n, {"from", "to", "first"}, "night")) return;
  NightRule rule;
  rule.line = YamlReader::line_of(n);
  auto from = yr.scalar(n, "from");
  auto to = yr.scalar(n, "to");
  auto first = yr.scalars(n, "first");
  if (!from || !to || !first) return;
  auto f = minute_of_day(*from), t = minute_of_day(*to);
  if (!f) yr.error(n["from"], "from '" + *from + "' must be a time of day, HH:MM");
  if (!t) yr.error(n["to"], "to '" + *to + "' must be a time of day, HH:MM");
  if (!f || !t) return;
  if (*f == *t) {
    yr.error(n, "from and to are the same time: the night would be empty");
    return;
  }
  if (first->empty()) {
    yr.error(n["first"], "'first' must name the channels that ring at night (e.g. [ivr])");
    return;
  }
  for (const auto& c : *first) {
    if (auto problem = person_channel_problem(c, channels)) {
      yr.error(n["first"], *problem);
      return;
    }
  }
  rule.from_minute = *f;
  rule.to_minute = *t;
  rule.first = *first;
  plan.night = rule;
}

// spot_check: { after: 30m, sample: 10% | 5, tier: village, roles: [flood_chief] }
void read_spot_check(YamlReader& yr, const YAML::Node& root, const std::set<std::string>& channels, Plan& plan) {
  const YAML::Node r = root["spot_check"];
  if (!r.IsDefined()) return;
  if (!r.IsMap()) return yr.error(r, "'spot_check' must be a map: { after: 30m, sample: 10%, roles: [flood_chief] }");
  if (!yr.only_keys(r, {"after", "sample", "tier", "roles"}, "spot_check")) return;
  if (!channels.count("ivr"))
    return yr.error(r, "the 六问 spot check phones people, and the daemon has no ivr channel: configure channels.ivr "
                       "in jiaoyingd.yaml, or drop spot_check");
  SpotCheckRule rule;
  rule.line = YamlReader::line_of(r);
  if (r["after"].IsDefined()) {
    auto after = yr.duration(r, "after");
    if (!after) return;
    rule.after = *after;
  }
  if (auto sample = yr.scalar(r, "sample", false)) {
    const bool percent = !sample->empty() && sample->back() == '%';
    const std::string digits = percent ? sample->substr(0, sample->size() - 1) : *sample;
    int n = 0;
    if (!digits.empty() && digits.size() <= 5 && digits.find_first_not_of("0123456789") == std::string::npos)
      n = std::stoi(digits);
    if (n <= 0 || (percent && n > 100))
      return yr.error(r["sample"], "sample must be a number of posts (5) or a share 1%–100% (10%), not '" + *sample + "'");
    rule.sample = percent ? 0 : n;
    rule.percent = percent ? n : 0;
  }
  if (auto tier = yr.scalar(r, "tier", false)) {
    rule.tier = parse_tier(*tier);
    if (!rule.tier) return yr.error(r["tier"], "tier '" + *tier + "' must be one of county, township, village");
  }
  if (auto roles = yr.scalars(r, "roles", false)) rule.roles = *roles;
  plan.spot_check = rule;
}

void read_report_back(YamlReader& yr, const YAML::Node& root, Plan& plan) {
  YAML::Node r = root["report_back"];
  if (!r.IsDefined()) return;
  if (!r.IsMap()) {
    yr.error(r, "'report_back' must be a map: { tier: township, within: 15m, notify: duty_officer }");
    return;
  }
  if (!yr.only_keys(r, {"tier", "within", "notify"}, "report_back")) return;
  ReportDuty duty;
  duty.line = YamlReader::line_of(r);
  if (auto tier = yr.scalar(r, "tier", false)) {
    auto t = parse_tier(*tier);
    if (!t) {
      yr.error(r["tier"], "tier '" + *tier + "' must be one of city, county, township, village");
      return;
    }
    duty.tier = *t;
  }
  if (r["within"].IsDefined()) {
    auto within = yr.duration(r, "within");
    if (!within) return;
    if (within->count() <= 0) {
      yr.error(r["within"], "'within' must be longer than 0m");
      return;
    }
    duty.within = *within;
  }
  if (auto notify = yr.scalar(r, "notify", false)) {
    if (*notify == "superior") duty.notify = Notify::superior;
    else if (*notify == "duty_officer") duty.notify = Notify::duty_officer;
    else {
      yr.error(r["notify"], "notify '" + *notify + "' must be superior or duty_officer");
      return;
    }
  }
  const bool called = std::any_of(plan.recipients.begin(), plan.recipients.end(),
                                  [&](const RecipientRule& rule) { return rule.tier == duty.tier; });
  if (!plan.recipients.empty() && !called) {
    yr.error(r, std::string("report_back names tier ") + std::string(tier_name(duty.tier)) +
                    ", but no recipient rule calls that tier: nobody would owe the report");
    return;
  }
  plan.report_back = duty;
}

void read_broadcast(YamlReader& yr, const YAML::Node& root, const std::set<std::string>& channels, Plan& plan) {
  YAML::Node b = root["broadcast"];
  if (!b.IsDefined()) return;
  if (!b.IsMap()) {
    yr.error(b, "'broadcast' must be a map: { levels: [red], tier: village, repeat: 3, within: 10m }");
    return;
  }
  if (!yr.only_keys(b, {"levels", "tier", "repeat", "within"}, "broadcast")) return;
  if (!channels.count("broadcast")) {
    yr.error(b, "a broadcast rule needs the broadcast channel, which is not configured in the daemon "
                "(channels.broadcast in jiaoyingd.yaml)");
    return;
  }
  BroadcastRule rule;
  rule.line = YamlReader::line_of(b);
  if (b["levels"].IsDefined()) {
    auto levels = yr.scalars(b, "levels");
    if (!levels) return;
    for (const auto& name : *levels) {
      auto level = parse_level(name);
      if (!level) {
        yr.error(b["levels"], "level '" + name + "' must be one of blue, yellow, orange, red");
        return;
      }
      rule.levels.push_back(*level);
    }
  }
  if (auto tier = yr.scalar(b, "tier", false)) {
    auto t = parse_tier(*tier);
    if (!t || (*t != Tier::village && *t != Tier::township)) {
      yr.error(b["tier"], "tier '" + *tier + "' must be village or township: only they have loudspeakers");
      return;
    }
    rule.tier = *t;
  }
  if (auto repeat = yr.scalar(b, "repeat", false)) {
    int n = 0;
    auto [end, ec] = std::from_chars(repeat->data(), repeat->data() + repeat->size(), n);
    if (ec != std::errc() || end != repeat->data() + repeat->size() || n < 1 || n > 10) {
      yr.error(b["repeat"], "repeat '" + *repeat + "' must be how many times the loudspeakers play it, 1 to 10");
      return;
    }
    rule.repeat = n;
  }
  if (b["within"].IsDefined()) {
    auto within = yr.duration(b, "within");
    if (!within) return;
    if (within->count() <= 0) {
      yr.error(b["within"], "'within' must be longer than 0m");
      return;
    }
    rule.within = *within;
  }
  plan.broadcast = rule;
}

// `duty_room: county` or `duty_room: { tier: township }`: whose duty officer hears of it.
void read_duty_room(YamlReader& yr, const YAML::Node& root, Plan& plan) {
  YAML::Node d = root["duty_room"];
  if (!d.IsDefined()) return;
  plan.duty_room_line = YamlReader::line_of(d);
  std::optional<std::string> tier;
  if (d.IsMap()) {
    if (!yr.only_keys(d, {"tier"}, "duty_room")) return;
    tier = yr.scalar(d, "tier");
  } else if (d.IsScalar()) {
    tier = d.Scalar();
  } else {
    yr.error(d, "'duty_room' must be a tier (county) or { tier: county }");
    return;
  }
  if (!tier) return;
  auto t = parse_tier(*tier);
  if (!t || *t == Tier::village) {
    yr.error(d, "duty_room tier '" + *tier + "' must be one of city, county, township (villages keep no duty room)");
    return;
  }
  plan.duty_room = *t;
}

}  // namespace

bool broadcast_applies(const BroadcastRule& rule, Level level) {
  return rule.levels.empty() || std::find(rule.levels.begin(), rule.levels.end(), level) != rule.levels.end();
}

namespace {

// Reads one plan from `root` (the whole file, or a level section merged over it).
void read_plan(YamlReader& yr, const YAML::Node& root, const std::set<std::string>& channels, Plan& plan) {
  if (auto name = yr.scalar(root, "plan")) plan.name = *name;
  plan.title = yr.scalar(root, "title", false).value_or(plan.name);
  read_match(yr, root, plan);
  read_recipients(yr, root, plan);
  read_ladder(yr, root, channels, plan);
  read_report_back(yr, root, plan);
  read_night(yr, root, channels, plan);
  read_broadcast(yr, root, channels, plan);
  read_spot_check(yr, root, channels, plan);
  read_duty_room(yr, root, plan);
  if (auto family = yr.scalar(root, "templates", false)) {
    const auto& families = hazard_families();
    if (std::find(families.begin(), families.end(), *family) == families.end()) {
      std::string names;
      for (auto f : families) names += (names.empty() ? "" : ", ") + std::string(f);
      yr.error(root["templates"], "templates '" + *family + "' must be a hazard family: " + names);
    } else {
      plan.templates = *family;
    }
  }
  if (root["deadline"].IsDefined()) {
    if (auto d = yr.duration(root, "deadline")) plan.deadline = *d;
  }
  if (!plan.ladder.empty() && plan.deadline <= plan.ladder.back().after)
    yr.error(root["deadline"].IsDefined() ? root["deadline"] : root,
             "deadline " + format_duration(plan.deadline) + " must be later than the last step (" +
                 format_duration(plan.ladder.back().after) + ")");
  if (auto fallback = yr.scalar(root, "fallback", false)) {
    if (*fallback == "true" || *fallback == "false")
      plan.fallback = *fallback == "true";
    else
      yr.error(root["fallback"], "fallback must be true or false");
  }
  // DING (钉一下) rings a person's app at once: for red and orange warnings only, as the duty
  // offices agreed, so the plan (or its level section) must answer nothing less urgent.
  {
    int ding_line = 0;  // the first step (or night rule) that DINGs
    for (const LadderStep& step : plan.ladder)
      if (!ding_line && std::count(step.channels.begin(), step.channels.end(), "zzd-ding")) ding_line = step.line;
    if (!ding_line && plan.night && std::count(plan.night->first.begin(), plan.night->first.end(), "zzd-ding"))
      ding_line = plan.night->line;
    const bool dings = ding_line != 0;
    const bool urgent_only = !plan.levels.empty() && std::all_of(plan.levels.begin(), plan.levels.end(), [](Level l) {
      return l == Level::red || l == Level::orange;
    });
    if (dings && !urgent_only) {
      std::string answers;
      for (Level l : plan.levels) answers += (answers.empty() ? "" : ", ") + std::string(level_name(l));
      yr.error(ding_line,
               "zzd-ding (DING) is for red and orange warnings only, and this plan answers " +
                   (answers.empty() ? std::string("every level") : answers) +
                   ": put DING in a red or orange level section, or match only levels: [orange, red]");
    }
  }
  if (auto ack = yr.scalar(root, "ack", false)) {
    if (*ack == "confirm")
      plan.ack = AckMode::confirm;
    else if (*ack == "read") {
      // Only a medium with read receipts (a phone call heard to the end) can; a plan must not
      // believe reads count on cards, which give none.
      auto receipts = [](const std::vector<std::string>& names) {
        return std::any_of(names.begin(), names.end(), [](const std::string& c) {
          const Medium* m = find_medium(c);
          return m && m->read_receipts;
        });
      };
      bool rings = plan.night && receipts(plan.night->first);
      for (const LadderStep& step : plan.ladder) rings = rings || receipts(step.channels);
      if (rings)
        plan.ack = AckMode::read;
      else
        yr.error(root["ack"], "ack: read needs a channel with read receipts; only ivr gives them (a call heard to "
                              "the end), and this plan rings nobody; zzd cards are answered by 收到 alone");
    } else
      yr.error(root["ack"], "ack '" + *ack + "' must be confirm or read");
  }
}

constexpr std::string_view kSectionKeys[] = {"recipients", "ladder", "deadline", "ack", "report_back", "night",
                                             "broadcast", "spot_check"};

// `levels:` sections: each level's plan is the top level with the section's keys laid over it.
// One Plan per section, named "<plan>[<level>]", answering only its level.
void read_sections(YamlReader& yr, const YAML::Node& root, const std::string& text, const std::string& file,
                   const std::set<std::string>& channels, std::vector<Plan>& out) {
  const YAML::Node sections = root["levels"];
  if (!sections.IsMap() || sections.size() == 0) {
    yr.error(sections, "'levels' must map levels to sections: { red: { ladder: … }, orange: {} }");
    return;
  }
  if (root["match"].IsDefined() && root["match"].IsMap() && root["match"]["levels"].IsDefined()) {
    yr.error(root["match"]["levels"], "match.levels and level sections both say which levels this plan "
                                      "answers; with sections, leave match.levels out");
    return;
  }
  for (auto it = sections.begin(); it != sections.end(); ++it) {
    const std::string level_name = it->first.Scalar();
    auto level = parse_level(level_name);
    if (!level) {
      yr.error(it->first, "unknown level '" + level_name + "' (blue, yellow, orange, red)");
      continue;
    }
    const YAML::Node section = it->second;
    if (!section.IsMap() && !section.IsNull()) {
      yr.error(section, "the " + level_name + " section must be a map of " +
                            "recipients, ladder, deadline, ack, report_back, night, broadcast, spot_check (or {} for the "
                            "top level's)");
      continue;
    }
    if (section.IsMap() && !yr.only_keys(section, {"recipients", "ladder", "deadline", "ack", "report_back", "night",
                                                     "broadcast", "spot_check"},
                                         "a level section"))
      continue;
    // The top level with the section's keys laid over it, built from the file's own nodes (not
    // clones) so every error still names the line it is on.
    YAML::Node merged(YAML::NodeType::Map);
    auto overridden = [&](const std::string& k) {
      return section.IsMap() && section[k].IsDefined() &&
             std::find(std::begin(kSectionKeys), std::end(kSectionKeys), k) != std::end(kSectionKeys);
    };
    for (auto kv = root.begin(); kv != root.end(); ++kv) {
      const std::string k = kv->first.Scalar();
      if (k != "levels" && k != "match" && !overridden(k)) merged[k] = kv->second;
    }
    for (std::string_view key : kSectionKeys) {
      const std::string k(key);
      if (overridden(k)) merged[k] = section[k];
    }
    bool complete = true;
    for (const char* key : {"recipients", "ladder"})
      if (!merged[key].IsDefined()) {
        yr.error(it->first, "the " + level_name + " section has no " + key + ", and the plan has none above it");
        complete = false;
      }
    if (!complete) continue;
    YAML::Node match = root["match"].IsDefined() && root["match"].IsMap() ? YAML::Clone(root["match"])
                                                                          : YAML::Node(YAML::NodeType::Map);
    match["levels"].push_back(level_name);
    merged["match"] = match;
    Plan plan;
    plan.file = file;
    plan.yaml = text;
    read_plan(yr, merged, channels, plan);
    plan.section = *level;
    plan.name += "[" + level_name + "]";
    plan.title += fmt::format("（{}）", level_zh(*level));
    out.push_back(std::move(plan));
  }
}

}  // namespace

std::optional<std::vector<Plan>> load_plan_file(const std::string& text, const std::string& file,
                                                const std::set<std::string>& channels, LoadErrors& errors) {
  size_t before = errors.size();
  YamlReader yr(file, errors);
  auto root = yr.load_string(text);
  if (!root) return std::nullopt;
  yr.only_keys(*root, {"plan", "title", "match", "recipients", "ladder", "deadline", "ack", "fallback",
                       "report_back", "night", "broadcast", "spot_check", "levels", "duty_room", "templates"},
               "a plan");
  std::vector<Plan> plans;
  try {
    if ((*root)["levels"].IsDefined()) {
      read_sections(yr, *root, text, file, channels, plans);
    } else {
      Plan plan;
      plan.file = file;
      plan.yaml = text;
      read_plan(yr, *root, channels, plan);
      plans.push_back(std::move(plan));
    }
  } catch (const YAML::Exception& e) {
    errors.push_back(yaml_exception_error(file, e));
  }
  if (errors.size() != before) return std::nullopt;
  return plans;
}

std::optional<Plan> load_plan(const std::string& text, const std::string& file,
                              const std::set<std::string>& channels, LoadErrors& errors) {
  auto plans = load_plan_file(text, file, channels, errors);
  if (!plans) return std::nullopt;
  if (plans->size() != 1) {
    errors.push_back({file, 1, "has level sections: load it with load_plan_file"});
    return std::nullopt;
  }
  return std::move(plans->front());
}

std::optional<std::vector<Plan>> plan_set(const std::vector<PlanFile>& files, const std::string& where,
                                          const std::set<std::string>& channels, LoadErrors& errors) {
  size_t before = errors.size();
  std::vector<Plan> plans;
  for (const PlanFile& file : files) {
    auto loaded = load_plan_file(file.text, file.name, channels, errors);
    if (!loaded) continue;
    for (Plan& plan : *loaded) {
      for (const auto& other : plans)
        if (other.name == plan.name)
          errors.push_back({file.name, 1, "plan '" + plan.name + "' is also defined in " + other.file});
      plans.push_back(std::move(plan));
    }
  }
  if (plans.empty() && errors.size() == before)
    errors.push_back({where, 0, "holds no plan (*.yaml)"});
  if (errors.size() != before) return std::nullopt;
  return plans;
}

std::string template_family(const Plan& plan, std::string_view hazard) {
  return plan.templates.empty() ? std::string(hazard_family(hazard)) : plan.templates;
}

}  // namespace jiaoying
