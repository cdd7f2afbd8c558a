// The offline verbs' checks a duty office runs before any warning: templates rendered for each
// hazard family, and the duty rooms of a generated directory.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "cli/directory_generator.h"
#include "cli/plan_commands.h"

using namespace jiaoying;
namespace fs = std::filesystem;

TEST_CASE("plan check renders each template a plan can send: empty text is an error, an unknown value a warning") {
  LoadErrors errors;
  auto plan = load_plan(R"(plan: fire
match: { hazards: [forest_fire] }
recipients: [{ tier: village, roles: [forest_ranger] }]
ladder: [{ after: 0m, channels: [zzd] }]
)",
                        "fire.yaml", {"zzd"}, errors);
  REQUIRE(plan);
  auto templates = TemplateRenderer::from_strings({{"zzd.title", "{{headline}}"},
                                                   {"zzd.body", "{{role_zh}} {{rolezh}}"},
                                                   {"forest-fire/zzd.body", "{{#drill}}演练{{/drill}}"}},
                                                  errors);
  REQUIRE(templates);
  auto findings = check_templates({*plan}, *templates, "t");
  REQUIRE(findings.size() == 1);  // the forest-fire family's own body is the one sent, and it is empty
  CHECK(findings[0].text() == "t/forest-fire/zzd.body.mustache: error: renders no text for plan fire (a forest-fire "
                              "warning): its messages would be empty");
  plan->templates = "flood";  // the common body, with its typo
  findings = check_templates({*plan}, *templates, "t");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].text() == "t/zzd.body.mustache: warning: uses {{rolezh}}, which no message fills: it prints nothing "
                              "there");
}

TEST_CASE("plan check warns of a notice template using a value that notice is not given") {
  LoadErrors errors;
  auto plan = load_plan(R"(plan: rain
match: {}
recipients: [{ tier: village, roles: [village_head] }]
ladder: [{ after: 0m, channels: [zzd] }]
)",
                        "rain.yaml", {"zzd"}, errors);
  REQUIRE(plan);
  auto templates = TemplateRenderer::from_strings({{"zzd.title", "{{headline}}"},
                                                   {"zzd.body", "{{headline}}"},
                                                   {"notice.deputy", "A岗{{a_person}}已{{waited}}未确认"},
                                                   {"notice.chase", "{{area_name}} {{headline}}"}},
                                                  errors);
  REQUIRE(templates);
  auto findings = check_templates({*plan}, *templates, "t");
  REQUIRE(findings.size() == 1);  // notice.deputy uses what it is given; notice.chase is not given a headline
  CHECK(findings[0].text() == "t/notice.chase.mustache: warning: uses {{headline}}, which this notice is not given "
                              "(it is given area_name within within_zh): it prints nothing there");
}

TEST_CASE("in a generated county, the county's duty room answers for its villages though every township has one") {
  GeneratorOptions g;
  g.divisions_csv = (fs::path(JIAOYING_SOURCE_DIR) / "packaging/data/jinhua-divisions.csv").string();
  g.county = "330782";  // 义乌市
  g.villages_per_township = 1;
  std::ostringstream yaml;
  std::string error;
  REQUIRE(generate_directory(g, yaml, error) > 0);
  LoadErrors errors;
  auto d = Directory::load_string(yaml.str(), "dir.yaml", errors);
  REQUIRE(d);
  const Area* village = nullptr;
  for (const Area* a : d->all_areas())
    if (a->tier == Tier::village) village = village ? village : a;
  REQUIRE(village);
  REQUIRE(d->holder(village->parent, "duty_officer", Seat::A));  // the township keeps one too
  const DutyOfficer county = duty_officer_for(*d, village->code, Tier::county);
  REQUIRE(county.person);
  CHECK(county.area->code == "330782");
  CHECK(duty_officer_for(*d, village->code, Tier::township).area->code == village->parent);
}
