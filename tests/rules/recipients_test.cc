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
