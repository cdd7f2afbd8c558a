#include <doctest/doctest.h>

#include <algorithm>

#include "rules/geometry.h"
#include "rules/recipients.h"
#include "rules/test_directory.h"
#include "text_edit.h"

using namespace jiaoying;

namespace {

// A square around 岩头村 (29.00 N, 119.50 E), given the way CAP writes it: lat,lon, closed.
Polygon square() {
  return {{{28.98, 119.48}, {28.98, 119.52}, {29.02, 119.52}, {29.02, 119.48}, {28.98, 119.48}}};
}

}  // namespace

TEST_CASE("a polygon covers the points inside and on its border, whatever its winding") {
  CHECK(covers(square(), {29.00, 119.50}));
  CHECK(covers(square(), {28.98, 119.50}));
  CHECK_FALSE(covers(square(), {29.05, 119.50}));
  Polygon reversed = square();
  std::reverse(reversed.points.begin(), reversed.points.end());
  CHECK(covers(reversed, {29.00, 119.50}));
}

TEST_CASE("a circle covers by great-circle distance") {
  Circle c{{29.00, 119.50}, 5.0};
  CHECK(covers(c, {29.03, 119.50}));        // ~3.3 km north
  CHECK_FALSE(covers(c, {29.06, 119.50}));  // ~6.7 km north
  CHECK(distance_km({29.0, 119.5}, {30.0, 119.5}) == doctest::Approx(111.2).epsilon(0.01));
}

TEST_CASE("a warning drawn as a polygon reaches the village inside it, and the chain above") {
  LoadErrors errors;
  std::string text = replaced(kTestDirectory, "name: 岩头村, tier: village, parent: \"330702102\", synthetic: true",
                              "name: 岩头村, tier: village, parent: \"330702102\", synthetic: true, lat: 29.0, lon: 119.5");
  auto dir = Directory::load_string(text, "dir.yaml", errors);
  REQUIRE_MESSAGE(dir, (errors.empty() ? "" : errors[0].text()));
  auto plan = load_plan(R"(plan: p
match: {}
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head] }
ladder: [{ after: 0m, channels: [zzd] }]
)",
                        "p.yaml", {"zzd"}, errors);
  REQUIRE(plan);
  Warning w;
  w.polygons = {square()};
  auto r = resolve_recipients(w, {&*plan}, *dir);
  std::vector<std::string> people;
  for (const auto& x : r.recipients) people.push_back(x.person);
  CHECK(people == std::vector<std::string>{"county-leader", "anding-head", "yantou-head"});
}

TEST_CASE("coordinates must be both present and in range") {
  LoadErrors errors;
  std::string text = replaced(kTestDirectory, "name: 岩头村, tier: village, parent: \"330702102\", synthetic: true",
                              "name: 岩头村, tier: village, parent: \"330702102\", synthetic: true, lat: 129.0, lon: 119.5");
  CHECK_FALSE(Directory::load_string(text, "dir.yaml", errors));
  REQUIRE(!errors.empty());  // the posts in the refused village are reported after it
  CHECK(errors[0].message == "area 330702102201: lat and lon must both be degrees (lat -90..90, lon -180..180)");
}
