// The simulator's scenario file: what it accepts and how it names what it refuses.
#include "sim/scenario.h"

#include <doctest/doctest.h>

#include <fstream>

using jiaoying::sim::load_scenario_file;
using jiaoying::sim::load_scenario_string;
using jiaoying::sim::Millis;
using jiaoying::sim::parse_duration;
using jiaoying::sim::ScenarioError;

namespace {

constexpr const char* kGood = R"(# who the platform accepts
zzd:
  api_key: demo-api-key
  secret_key: demo-secret-key
  tenant_id: "196729"
people:
  - { account: "100001", answer_after: 45s }
  - { account: "100002", answer_after: 1m30s }
  - { account: "100003", answer: never }
default: 30s
)";

// Every error of loading `text`, one a line, or "" when it loaded.
std::string errors_of(const std::string& text) {
  std::vector<ScenarioError> errors;
  auto scenario = load_scenario_string(text, "s.yaml", errors);
  CHECK(scenario.has_value() == errors.empty());
  std::string all;
  for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e.text();
  return all;
}

std::string with_people(const std::string& people) {
  return "zzd: {api_key: k, secret_key: s, tenant_id: '1'}\npeople:\n" + people;
}

}  // namespace

TEST_CASE("a scenario gives each listed person their delay and everyone else the default") {
  std::vector<ScenarioError> errors;
  auto scenario = load_scenario_string(kGood, "s.yaml", errors);
  REQUIRE(scenario);
  CHECK(errors.empty());
  CHECK(scenario->credentials.api_key == "demo-api-key");
  CHECK(scenario->credentials.secret_key == "demo-secret-key");
  CHECK(scenario->tenant_id == "196729");
  CHECK(scenario->answer_delay("100001") == Millis(45'000));
  CHECK(scenario->answer_delay("100002") == Millis(90'000));
  CHECK_FALSE(scenario->answer_delay("100003").has_value());
  CHECK(scenario->answer_delay("999999") == Millis(30'000));
}

TEST_CASE("people not listed never answer when the scenario has no default") {
  std::vector<ScenarioError> errors;
  auto scenario =
      load_scenario_string("zzd: {api_key: k, secret_key: s, tenant_id: 1}\n", "s.yaml", errors);
  REQUIRE(scenario);
  CHECK_FALSE(scenario->answer_delay("100001").has_value());
}

TEST_CASE("a bad duration is reported at its own line") {
  CHECK(errors_of(with_people("  - { account: '1', answer_after: 45s }\n"
                              "  - { account: '2', answer_after: 45 }\n")) ==
        "s.yaml:4: 'answer_after' must be never or a duration like 45s or 1m30s, not '45'");
}

TEST_CASE("a bad default is reported at its line") {
  CHECK(errors_of(with_people("  - { account: '1', answer: never }\ndefault: soon\n")) ==
        "s.yaml:4: 'default' must be never or a duration like 45s or 1m30s, not 'soon'");
}

TEST_CASE("an unknown key is refused with the keys that are allowed") {
  CHECK(errors_of(with_people("  - { account: '1', answer_afer: 45s }\n")) ==
        "s.yaml:3: unknown key 'answer_afer' in a person (expected account, answer_after, answer, report, mobile, call, text, spot_check)\n"
        "s.yaml:3: a person needs answer_after (a duration) or answer: never");
}

TEST_CASE("a person with both answer_after and answer: never is refused") {
  CHECK(errors_of(with_people("  - { account: '1', answer_after: 1m, answer: never }\n")) ==
        "s.yaml:3: a person has either answer_after or answer: never, not both");
}

TEST_CASE("a person with neither answer_after nor answer is refused") {
  CHECK(errors_of(with_people("  - { account: '1' }\n")) ==
        "s.yaml:3: a person needs answer_after (a duration) or answer: never");
}

TEST_CASE("an account listed twice is refused at the second listing") {
  CHECK(errors_of(with_people("  - { account: '1', answer_after: 1m }\n"
                              "  - { account: '1', answer: never }\n")) ==
        "s.yaml:4: account 1 is already listed at line 3");
}

TEST_CASE("a missing zzd section is refused") {
  CHECK(errors_of("people: []\n") ==
        "s.yaml:1: the scenario needs 'zzd' (api_key, secret_key, tenant_id)");
}

TEST_CASE("broken YAML is reported with the parser's line") {
  CHECK(errors_of("zzd:\n  api_key: k\n  tenant_id: [1\n").rfind("s.yaml:", 0) == 0);
}

TEST_CASE("every problem in a scenario is reported, not only the first") {
  CHECK(errors_of("zzd: {api_key: k, tenant_id: 1, secret: s}\ndefault: 5\n") ==
        "s.yaml:1: unknown key 'secret' in zzd (expected api_key, secret_key, tenant_id)\n"
        "s.yaml:1: zzd needs 'secret_key'\n"
        "s.yaml:2: 'default' must be never or a duration like 45s or 1m30s, not '5'");
}

TEST_CASE("a scenario file that cannot be opened says so without a line") {
  std::vector<ScenarioError> errors;
  CHECK_FALSE(load_scenario_file("/nonexistent/scenario.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors.front().text() == "/nonexistent/scenario.yaml: cannot open");
}

TEST_CASE("durations combine units from largest to smallest") {
  CHECK(parse_duration("45s") == Millis(45'000));
  CHECK(parse_duration("4m") == Millis(240'000));
  CHECK(parse_duration("1m30s") == Millis(90'000));
  CHECK(parse_duration("2h") == Millis(7'200'000));
  CHECK(parse_duration("500ms") == Millis(500));
  CHECK(parse_duration("1s500ms") == Millis(1'500));
  CHECK(parse_duration("0s") == Millis(0));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("45"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("30s1m"));
  CHECK_FALSE(parse_duration("1m1m"));
  CHECK_FALSE(parse_duration("-5s"));
  CHECK_FALSE(parse_duration("5 s"));
  CHECK_FALSE(parse_duration("1d"));
}

TEST_CASE("a person's report-back is read, and a count that is not a number is refused at its line") {
  std::vector<ScenarioError> errors;
  auto scenario = load_scenario_string(
      with_people("  - { account: '1', answer_after: 1m, report: { after: 5m, commander: 钱某一, villages: 2, moved: 0 } }\n"),
      "s.yaml", errors);
  REQUIRE(scenario);
  const jiaoying::sim::ReportBehaviour& r = scenario->reports.at("1");
  CHECK(r.after == std::chrono::minutes(5));
  CHECK(r.commander == "钱某一");
  CHECK(r.villages == 2);
  CHECK(r.moved == 0);
  CHECK(errors_of(with_people(
            "  - { account: '1', answer_after: 1m, report: { after: 5m, commander: x, villages: some, moved: 0 } }\n")) ==
        "s.yaml:3: 'villages' must be a whole number");
}
