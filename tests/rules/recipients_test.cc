#include <doctest/doctest.h>

#include <algorithm>

#include "rules/recipients.h"
#include "rules/test_directory.h"
#include "text_edit.h"

using namespace jiaoying;

namespace {

struct Fixture {
  LoadErrors errors;
  Directory dir = *Directory::load_string(kTestDirectory, "dir.yaml", errors);
  Plan plan = *load_plan(R"(plan: p
match: {}
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head, party_secretary] }
  - { tier: village, roles: [village_head, flood_chief] }
ladder: [{ after: 0m, channels: [zzd] }]
)",
                         "p.yaml", {"zzd"}, errors);

  Resolution resolve(std::vector<std::string> areas) {
    Warning w;
    w.areas = std::move(areas);
    return resolve_recipients(w, {&plan}, dir);
  }
};

std::vector<std::string> people(const Resolution& r) {
  std::vector<std::string> out;
  for (const auto& x : r.recipients) out.push_back(x.person);
  return out;
}

const Recipient* find_role(const Resolution& r, const std::string& role) {
  auto it = std::find_if(r.recipients.begin(), r.recipients.end(),
                         [&](const Recipient& x) { return x.role == role; });
  return it == r.recipients.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("a township warning reaches its county above and its villages below, not its neighbours") {
  Fixture f;
  auto r = f.resolve({"330702102"});
  CHECK(people(r) == std::vector<std::string>{"county-leader", "anding-head", "yantou-head"});
}

TEST_CASE("a person holding two posts in scope is called once, for the higher post") {
  Fixture f;
  auto r = f.resolve({"330702102"});
  auto called = people(r);
  CHECK(std::count(called.begin(), called.end(), "anding-head") == 1);
  const Recipient* head = find_role(r, "township_head");
  REQUIRE(head);
  CHECK(head->person == "anding-head");
  CHECK(head->tier == Tier::township);
  CHECK(find_role(r, "flood_chief") == nullptr);
}

TEST_CASE("a post with nobody in it is reported, never skipped in silence") {
  Fixture f;
  auto r = f.resolve({"330702102"});
  bool reported = std::any_of(r.unfilled.begin(), r.unfilled.end(), [](const UnfilledPost& u) {
    return u.area == "330702102" && u.role == "party_secretary" && u.why == "no holder in seat A or B";
  });
  CHECK(reported);
}

TEST_CASE("an empty A seat calls the B seat and says so") {
  Fixture f;
  std::string text = replaced(kTestDirectory, "role: township_head, seat: A }\n      - { area: \"330702102201\"",
                              "role: deputy_head, seat: A }\n      - { area: \"330702102201\"");
  f.dir = *Directory::load_string(text, "dir.yaml", f.errors);
  auto r = f.resolve({"330702102"});
  const Recipient* head = find_role(r, "township_head");
  REQUIRE(head);
  CHECK(head->person == "anding-deputy");
  CHECK(head->seat == Seat::B);
  CHECK(std::any_of(r.unfilled.begin(), r.unfilled.end(),
                    [](const UnfilledPost& u) { return u.why == "seat A is empty; calling the B seat"; }));
}

TEST_CASE("a county warning reaches every township and village under it") {
  Fixture f;
  auto r = f.resolve({"330702"});
  CHECK(people(r) == std::vector<std::string>{"county-leader", "luodian-head", "anding-head",
                                              "houxi-head", "yantou-head"});
}

TEST_CASE("a neighbours rule tells the leaders of the next county, not of the warned one") {
  const char* dir_text = R"(areas:
  - { code: "330702", name: 婺城区, tier: county, neighbours: ["330703"] }
  - { code: "330703", name: 金东区, tier: county }
  - { code: "330723", name: 武义县, tier: county }
  - { code: "330702102", name: 安地镇, tier: township, parent: "330702" }
people:
  - { id: a, name: 赵某一, zzd: "1", posts: [{ area: "330702", role: leader_on_duty }] }
  - { id: b, name: 钱某一, zzd: "2", posts: [{ area: "330703", role: leader_on_duty }] }
  - { id: c, name: 孙某一, zzd: "3", posts: [{ area: "330723", role: leader_on_duty }] }
  - { id: d, name: 李某一, zzd: "4", posts: [{ area: "330702102", role: township_head }] }
)";
  LoadErrors errors;
  auto dir = Directory::load_string(dir_text, "dir.yaml", errors);
  REQUIRE_MESSAGE(dir, (errors.empty() ? "" : errors[0].text()));
  CHECK(dir->area("330703")->neighbours == std::vector<std::string>{"330702"});  // both ways
  auto plan = load_plan(R"(plan: p
match: {}
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: county, roles: [leader_on_duty], scope: neighbours }
ladder: [{ after: 0m, channels: [zzd] }]
)",
                        "p.yaml", {"zzd"}, errors);
  REQUIRE(plan);
  Warning w;
  w.areas = {"330702102"};
  auto r = resolve_recipients(w, {&*plan}, *dir);
  std::vector<std::string> called;
  for (const auto& x : r.recipients) called.push_back(x.person);
  CHECK(called == std::vector<std::string>{"a", "b", "d"});  // 武义县 is not a neighbour here
}

TEST_CASE("a neighbour must be another county of the directory") {
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string(R"(areas:
  - { code: "330702", name: 婺城区, tier: county, neighbours: ["330799"] }
people: []
)",
                                     "dir.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "dir.yaml:2: area 330702: neighbour 330799 is not another county of the directory");
}

TEST_CASE("division codes contain what lies under them, in 6- and 12-digit forms") {
  CHECK(division_contains("330700", "330782"));
  CHECK(division_contains("330000", "330782001201"));
  CHECK(division_contains("330782", "330782001"));
  CHECK(division_contains("330782000000", "330782001"));
  CHECK(division_contains("330782", "330782"));
  CHECK_FALSE(division_contains("330782", "330702001"));
  CHECK_FALSE(division_contains("330782001", "330782"));
  CHECK_FALSE(division_contains("33078", "330782"));  // not a division code
}

TEST_CASE("a warning's areas split into ours, another county's, and ours the directory lacks") {
  LoadErrors errors;
  auto d = Directory::load_string(kTestDirectory, "dir.yaml", errors);
  REQUIRE(d);
  AreaSplit s = split_areas({"330782", "330702102", "330702777", "330700"}, *d);
  CHECK(s.ours == std::vector<std::string>{"330702102", "330702"});  // 金华市 stands for 婺城区, all we hold of it
  CHECK(s.not_ours == std::vector<std::string>{"330782"});
  REQUIRE(s.missing.size() == 1);
  CHECK(s.missing[0].code == "330702777");
  CHECK(s.missing[0].within->code == "330702");
}
