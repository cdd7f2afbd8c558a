#include <doctest/doctest.h>

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
        "heavy-rain.yaml:9: channel 'ivr' is not configured in the daemon (configured: zzd)");
}

TEST_CASE("steps out of order, a deadline before the last step and unknown keys are refused") {
  std::string text = replaced(kHeavyRain, "after: 3m", "after: 0s");
  text = replaced(text, "deadline: 30m", "deadline: 30m\nnight: true");
  LoadErrors errors;
  CHECK_FALSE(load_plan(text, "p.yaml", kChannels, errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].text().starts_with("p.yaml:11: unknown key 'night' in a plan"));
  CHECK(errors[1].text() == "p.yaml:9: step at 0s must come after the previous step (0s)");
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
