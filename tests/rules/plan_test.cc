#include <doctest/doctest.h>

#include <map>

#include "rules/plan.h"
#include "text_edit.h"

using namespace jiaoying;

namespace {

const std::set<std::string> kChannels{"zzd"};

const char* kHeavyRain = R"(plan: heavy-rain
title: 强降雨叫应方案
match: { hazards: [rainstorm], levels: [orange, red] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
deadline: 30m
)";

Warning warning(const std::string& hazard, Level level) {
  Warning w;
  w.hazard = hazard;
  w.level = level;
  return w;
}

}  // namespace

TEST_CASE("a plan matches on its hazards and levels only") {
  LoadErrors errors;
  auto plan = load_plan(kHeavyRain, "heavy-rain.yaml", kChannels, errors);
  REQUIRE(plan);
  CHECK(plan_matches(*plan, warning("rainstorm", Level::red)));
  CHECK(plan_matches(*plan, warning("rainstorm", Level::orange)));
  CHECK_FALSE(plan_matches(*plan, warning("rainstorm", Level::yellow)));
  CHECK_FALSE(plan_matches(*plan, warning("forest_fire", Level::red)));
}

TEST_CASE("a plan with an empty match answers every warning") {
  std::string text = replaced(kHeavyRain, "{ hazards: [rainstorm], levels: [orange, red] }", "{}");
  LoadErrors errors;
  auto plan = load_plan(text, "any.yaml", kChannels, errors);
  REQUIRE(plan);
  CHECK(plan_matches(*plan, warning("forest_fire", Level::blue)));
}

TEST_CASE("a plan's ladder keeps its steps, times and deadline") {
  LoadErrors errors;
  auto plan = load_plan(kHeavyRain, "heavy-rain.yaml", kChannels, errors);
  REQUIRE(plan);
  REQUIRE(plan->ladder.size() == 2);
  CHECK(plan->ladder[1].after == Millis(180'000));
  CHECK(plan->ladder[1].line == 9);
  CHECK(plan->deadline == Millis(1'800'000));
  CHECK(plan->recipients[1].tier == Tier::township);
}

TEST_CASE("a channel the daemon does not have is refused with file and line") {
  std::string text = replaced(kHeavyRain, "3m, channels: [zzd]", "3m, channels: [ivr]");
  LoadErrors errors;
  CHECK_FALSE(load_plan(text, "heavy-rain.yaml", kChannels, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() ==
        "heavy-rain.yaml:9: channel 'ivr' is not configured in the daemon (configured: zzd): configure channels.ivr in jiaoyingd.yaml, or drop ivr from this step");
}

TEST_CASE("DING is for red and orange warnings: a plan that answers less urgent ones is refused at its ladder") {
  const std::set<std::string> channels{"zzd", "zzd-ding"};
  LoadErrors errors;
  // orange and red only: DING may ring.
  CHECK(load_plan(replaced(kHeavyRain, "3m, channels: [zzd]", "3m, channels: [zzd, zzd-ding]"), "heavy-rain.yaml", channels,
                  errors));
  CHECK(errors.empty());
  const std::string yellow = replaced(replaced(kHeavyRain, "levels: [orange, red]", "levels: [yellow, orange, red]"),
                                      "3m, channels: [zzd]", "3m, channels: [zzd, zzd-ding]");
  CHECK_FALSE(load_plan(yellow, "heavy-rain.yaml", channels, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() ==
        "heavy-rain.yaml:9: zzd-ding (DING) is for red and orange warnings only, and this plan answers yellow, orange, "
        "red: put DING in a red or orange level section, or match only levels: [orange, red]");
  // In a red section of a file from blue to red, it is the section's own.
  errors.clear();
  const char* sections = R"(plan: all-levels
match: { hazards: [rainstorm] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
ladder:
  - { after: 0m, channels: [zzd] }
levels:
  yellow: {}
  red:
    ladder:
      - { after: 0m, channels: [zzd, zzd-ding] }
)";
  auto plans = load_plan_file(sections, "all-levels.yaml", channels, errors);
  REQUIRE_MESSAGE(plans, (errors.empty() ? "" : errors[0].text()));
  CHECK(plans->size() == 2);
}

TEST_CASE("steps out of order, a deadline before the last step and unknown keys are refused") {
  std::string text = replaced(kHeavyRain, "after: 3m", "after: 0s");
  text = replaced(text, "deadline: 30m", "deadline: 30m\nsirens: true");
  LoadErrors errors;
  CHECK_FALSE(load_plan(text, "p.yaml", kChannels, errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].text().starts_with("p.yaml:11: unknown key 'sirens' in a plan"));
  CHECK(errors[1].text() == "p.yaml:9: step at 0s must come after the previous step (0s)");
}

TEST_CASE("a broadcast rule names levels, the tier whose loudspeakers play, how often, and when the report is due") {
  const std::set<std::string> with_broadcast{"zzd", "broadcast"};
  LoadErrors errors;
  auto plan = load_plan(replaced(kHeavyRain, "deadline: 30m",
                                 "deadline: 30m\nbroadcast: { levels: [red, orange], tier: village, repeat: 2, within: 5m }"),
                        "p.yaml", with_broadcast, errors);
  REQUIRE_MESSAGE(plan, (errors.empty() ? std::string() : errors[0].text()));
  REQUIRE(plan->broadcast);
  CHECK(plan->broadcast->levels == std::vector<Level>{Level::red, Level::orange});
  CHECK(plan->broadcast->tier == Tier::village);
  CHECK(plan->broadcast->repeat == 2);
  CHECK(plan->broadcast->within == Millis(5 * 60 * 1000));
  CHECK(broadcast_applies(*plan->broadcast, Level::red));
  CHECK_FALSE(broadcast_applies(*plan->broadcast, Level::yellow));

  auto defaults = load_plan(replaced(kHeavyRain, "deadline: 30m", "deadline: 30m\nbroadcast: {}"), "p.yaml",
                            with_broadcast, errors);
  REQUIRE(defaults);
  CHECK(defaults->broadcast->repeat == 3);
  CHECK(defaults->broadcast->within == Millis(10 * 60 * 1000));
  CHECK(broadcast_applies(*defaults->broadcast, Level::blue));

  auto first_error = [&](const std::string& rule, const std::set<std::string>& channels) {
    LoadErrors e;
    CHECK_FALSE(load_plan(replaced(kHeavyRain, "deadline: 30m", "deadline: 30m\n" + rule), "p.yaml", channels, e));
    return e.empty() ? std::string() : e[0].text();
  };
  CHECK(first_error("broadcast: { tier: county }", with_broadcast) ==
        "p.yaml:11: tier 'county' must be village or township: only they have loudspeakers");
  CHECK(first_error("broadcast: { repeat: 0 }", with_broadcast) ==
        "p.yaml:11: repeat '0' must be how many times the loudspeakers play it, 1 to 10");
  CHECK(first_error("broadcast: { levels: [crimson] }", with_broadcast) ==
        "p.yaml:11: level 'crimson' must be one of blue, yellow, orange, red");
  CHECK(first_error("broadcast: { levels: [red] }", kChannels) ==
        "p.yaml:11: a broadcast rule needs the broadcast channel, which is not configured in the daemon "
        "(channels.broadcast in jiaoyingd.yaml)");
  // The broadcast reaches loudspeakers, not people: a ladder step cannot use it.
  LoadErrors e;
  CHECK_FALSE(load_plan(replaced(kHeavyRain, "3m, channels: [zzd]", "3m, channels: [broadcast]"), "p.yaml",
                        with_broadcast, e));
  REQUIRE(!e.empty());
  CHECK(e[0].text().starts_with("p.yaml:9: broadcast reaches loudspeakers, not people"));
}

TEST_CASE("a YAML syntax error is reported at its line") {
  LoadErrors errors;
  CHECK_FALSE(load_plan("plan: x\nmatch: [unclosed\n", "bad.yaml", kChannels, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].file == "bad.yaml");
  CHECK(errors[0].line >= 2);
}

TEST_CASE("a fallback plan runs only when no other plan matches") {
  LoadErrors errors;
  auto rain = load_plan(kHeavyRain, "heavy-rain.yaml", kChannels, errors);
  auto any = load_plan(replaced(replaced(kHeavyRain, "plan: heavy-rain", "plan: default\nfallback: true"),
                                "{ hazards: [rainstorm], levels: [orange, red] }", "{ levels: [orange, red] }"),
                       "default.yaml", kChannels, errors);
  REQUIRE(rain);
  REQUIRE(any);
  std::vector<Plan> plans{*any, *rain};
  auto for_rain = plans_for(plans, warning("rainstorm", Level::red));
  REQUIRE(for_rain.size() == 1);
  CHECK(for_rain[0]->name == "heavy-rain");
  auto for_fire = plans_for(plans, warning("forest_fire", Level::red));
  REQUIRE(for_fire.size() == 1);
  CHECK(for_fire[0]->name == "default");
  CHECK(plans_for(plans, warning("forest_fire", Level::blue)).empty());
}

TEST_CASE("a plan may match on sources and leave drills out") {
  LoadErrors errors;
  auto plan = load_plan(replaced(kHeavyRain, "levels: [orange, red] }",
                                 "levels: [orange, red], sources: [meteorology], status: [actual] }"),
                        "p.yaml", kChannels, errors);
  REQUIRE_MESSAGE(plan, (errors.empty() ? "" : errors[0].text()));
  Warning w = warning("rainstorm", Level::red);
  w.source = "meteorology";
  CHECK(plan_matches(*plan, w));
  w.status = WarningStatus::exercise;
  CHECK_FALSE(plan_matches(*plan, w));
  w.status = WarningStatus::actual;
  w.source = "water";
  CHECK_FALSE(plan_matches(*plan, w));
}

TEST_CASE("by default a plan answers real warnings and drills") {
  LoadErrors errors;
  auto plan = load_plan(kHeavyRain, "p.yaml", kChannels, errors);
  REQUIRE(plan);
  Warning w = warning("rainstorm", Level::red);
  w.status = WarningStatus::exercise;
  CHECK(plan_matches(*plan, w));
  auto bad = load_plan(replaced(kHeavyRain, "levels: [orange, red] }", "levels: [orange, red], status: [test] }"),
                       "p.yaml", kChannels, errors);
  CHECK_FALSE(bad);
  CHECK(errors.back().text() ==
        "p.yaml:3: status 'test' must be actual or exercise (test, system and draft messages call nobody)");
}

namespace {

// One file from blue to red: the top level is the common part, each level lays its own over it.
const char* kSectioned = R"(plan: rain
title: 强降雨叫应方案
match: { hazards: [rainstorm] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 10m, channels: [zzd] }
deadline: 30m
levels:
  red:
    ladder:
      - { after: 0m, channels: [zzd], seat: both }
      - { after: 3m, channels: [zzd], notify: superior }
    deadline: 15m
    report_back: { tier: township, within: 15m }
  orange: {}
  yellow:
    recipients:
      - { tier: county, roles: [leader_on_duty] }
)";

}  // namespace

TEST_CASE("level sections: one plan per level, each the top level with its section laid over it") {
  LoadErrors errors;
  auto plans = load_plan_file(kSectioned, "rain.yaml", kChannels, errors);
  const std::string first = errors.empty() ? std::string() : errors.front().text();
  INFO(first);
  REQUIRE(plans);
  REQUIRE(plans->size() == 3);
  std::map<std::string, const Plan*> by_name;
  for (const Plan& p : *plans) by_name[p.name] = &p;
  REQUIRE(by_name.count("rain[red]"));
  const Plan& red = *by_name["rain[red]"];
  CHECK(red.title == "强降雨叫应方案（红色）");
  CHECK(red.section == Level::red);
  CHECK(red.levels == std::vector<Level>{Level::red});
  CHECK(red.ladder.size() == 2);
  CHECK(red.ladder[1].after == Millis(180'000));
  CHECK(red.ladder[1].line == 15);  // errors and plan check point into the section
  CHECK(red.deadline == Millis(15 * 60'000));
  CHECK(red.report_back);
  CHECK(red.recipients.size() == 2);  // inherited
  const Plan& orange = *by_name["rain[orange]"];
  CHECK(orange.ladder[1].after == Millis(600'000));  // all from the top level
  CHECK_FALSE(orange.report_back);
  CHECK(by_name["rain[yellow]"]->recipients.size() == 1);

  CHECK(plans_for(*plans, warning("rainstorm", Level::red)).front()->name == "rain[red]");
  CHECK(plans_for(*plans, warning("rainstorm", Level::yellow)).front()->name == "rain[yellow]");
  CHECK(plans_for(*plans, warning("rainstorm", Level::blue)).empty());  // no section, no plan
  CHECK(plans_for(*plans, warning("forest_fire", Level::red)).empty());

  // A file of sections is not one plan.
  errors.clear();
  CHECK_FALSE(load_plan(kSectioned, "rain.yaml", kChannels, errors));
}

TEST_CASE("level sections are refused at the line that is wrong") {
  auto first_error = [](const std::string& text) {
    LoadErrors errors;
    CHECK_FALSE(load_plan_file(text, "rain.yaml", kChannels, errors));
    return errors.empty() ? std::string() : errors.front().text();
  };
  CHECK(first_error(replaced(kSectioned, "  orange: {}", "  crimson: {}")) ==
        "rain.yaml:18: unknown level 'crimson' (blue, yellow, orange, red)");
  CHECK(first_error(replaced(kSectioned, "match: { hazards: [rainstorm] }",
                             "match: { hazards: [rainstorm], levels: [red] }")) ==
        "rain.yaml:3: match.levels and level sections both say which levels this plan answers; with "
        "sections, leave match.levels out");
  CHECK(first_error(replaced(kSectioned, "    deadline: 15m", "    deadline: 15m\n    colour: red")) ==
        "rain.yaml:17: unknown key 'colour' in a level section (known: recipients, ladder, deadline, ack, "
        "report_back, night, broadcast, spot_check)");
  CHECK(first_error(replaced(kSectioned, "      - { after: 3m, channels: [zzd], notify: superior }",
                             "      - { after: 3m, channels: [sms], notify: superior }"))
            .starts_with("rain.yaml:15: channel 'sms' is not configured"));
  // Without a top-level ladder, a section that gives none has nothing to climb.
  std::string no_top_ladder = replaced(kSectioned, "ladder:\n  - { after: 0m, channels: [zzd] }\n  - { after: 10m, channels: [zzd] }\n", "");
  CHECK(first_error(no_top_ladder) == "rain.yaml:15: the orange section has no ladder, and the plan has none above it");
}

TEST_CASE("the night rule is read with its hours and channels, and refused at its line when wrong") {
  const std::set<std::string> channels{"zzd", "ivr"};
  const std::string base = std::string(kHeavyRain) + "night: { from: \"22:00\", to: \"07:00\", first: [ivr] }\n";
  LoadErrors errors;
  auto plan = load_plan(base, "p.yaml", channels, errors);
  REQUIRE(plan);
  REQUIRE(plan->night);
  CHECK(plan->night->from_minute == 22 * 60);
  CHECK(plan->night->to_minute == 7 * 60);
  CHECK(plan->night->first == std::vector<std::string>{"ivr"});
  const TimePoint two_am = from_epoch_ms(1'781'460'000'000);  // 2026-06-15 02:00 China time
  CHECK(is_night(*plan->night, two_am));
  CHECK_FALSE(is_night(*plan->night, two_am + Millis(5 * 3'600'000)));  // 07:00: morning
  CHECK(is_night(*plan->night, two_am - Millis(4 * 3'600'000)));        // 22:00
  CHECK_FALSE(is_night(*plan->night, two_am - Millis(4 * 3'600'000 + 60'000)));  // 21:59

  auto first_error = [&](const std::string& text, const std::set<std::string>& with) {
    LoadErrors e;
    CHECK_FALSE(load_plan(text, "p.yaml", with, e));
    return e.empty() ? std::string() : e.front().text();
  };
  CHECK(first_error(replaced(base, "\"22:00\"", "\"10pm\""), channels) ==
        "p.yaml:11: from '10pm' must be a time of day, HH:MM");
  CHECK(first_error(replaced(base, "\"07:00\"", "\"22:00\""), channels) ==
        "p.yaml:11: from and to are the same time: the night would be empty");
  CHECK(first_error(base, {"zzd"}) == "p.yaml:11: channel 'ivr' is not configured in the daemon (configured: zzd): configure channels.ivr in jiaoyingd.yaml, or drop ivr from this step");
}

TEST_CASE("a plan with only a name is refused for each missing part, not a crash") {
  LoadErrors errors;
  CHECK_FALSE(load_plan_file("plan: x\n", "x.yaml", kChannels, errors));
  std::vector<std::string> texts;
  for (const auto& e : errors) texts.push_back(e.text());
  CHECK(texts == std::vector<std::string>{"x.yaml:1: 'match' is required (use match: {} to answer every warning)",
                                          "x.yaml:1: 'recipients' must be a non-empty list",
                                          "x.yaml:1: 'ladder' must be a non-empty list of steps"});
  errors.clear();
  CHECK_FALSE(load_plan_file("plan: x\nlevels: { red: {} }\n", "x.yaml", kChannels, errors));
  CHECK(errors.front().text() == "x.yaml:2: the red section has no recipients, and the plan has none above it");
}

TEST_CASE("ack: read is taken only when the plan rings someone: cards give no read receipts") {
  LoadErrors errors;
  CHECK_FALSE(load_plan(std::string(kHeavyRain) + "ack: read\n", "p.yaml", {"zzd", "ivr"}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text().starts_with("p.yaml:11: ack: read needs a channel with read receipts; only ivr gives them"));
  errors.clear();
  auto rings = load_plan(replaced(kHeavyRain, "after: 3m, channels: [zzd]", "after: 3m, channels: [zzd, ivr]") +
                             "ack: read\n",
                         "p.yaml", {"zzd", "ivr"}, errors);
  REQUIRE(rings);
  CHECK(rings->ack == AckMode::read);
}

TEST_CASE("YAML syntax errors say what to fix, with the line as written") {
  auto first_error = [](const std::string& text) {
    LoadErrors errors;
    CHECK_FALSE(load_plan(text, "p.yaml", kChannels, errors));
    REQUIRE(!errors.empty());
    return errors[0].text();
  };
  CHECK(first_error(replaced(kHeavyRain, "  - { tier: township", "\t- { tier: township")) ==
        "p.yaml:6: YAML syntax: line 6 is indented with a tab: YAML indents with spaces only (illegal block entry) — "
        "the line: `\t- { tier: township, roles: [township_head] }`");
  CHECK(first_error(replaced(kHeavyRain, "  - { tier: township", "   - { tier: township")).starts_with(
      "p.yaml:6: YAML syntax: the indentation does not line up"));
  CHECK(first_error(replaced(kHeavyRain, "[township_head] }", "[township_head }")).starts_with(
      "p.yaml:6: YAML syntax: a [ or { here is not closed"));
  CHECK(first_error(replaced(kHeavyRain, "[rainstorm]", "[rainstrom]")).starts_with(
      "p.yaml:3: unknown hazard 'rainstrom' (hazards: rainstorm, thunderstorm_gale,"));
}
