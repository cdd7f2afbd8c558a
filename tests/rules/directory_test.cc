#include <doctest/doctest.h>

#include "rules/directory.h"
#include "rules/test_directory.h"
#include "text_edit.h"

using namespace jiaoying;

TEST_CASE("the directory links areas into a tree and posts to people") {
  LoadErrors errors;
  auto dir = Directory::load_string(kTestDirectory, "dir.yaml", errors);
  REQUIRE_MESSAGE(dir, (errors.empty() ? "" : errors.front().text()));
  CHECK(dir->area_count() == 5);
  CHECK(dir->person_count() == 7);
  auto up = dir->ancestors("330702102201");
  REQUIRE(up.size() == 2);
  CHECK(up[0]->name == "安地镇");
  CHECK(up[1]->name == "婺城区");
  CHECK(dir->descendants("330702").size() == 4);
  CHECK(dir->holder("330702102", "township_head", Seat::B)->id == "anding-deputy");
  CHECK(dir->holder("330702102", "party_secretary", Seat::A) == nullptr);
}

TEST_CASE("a directory error names the file and line to fix") {
  LoadErrors errors;
  std::string text = replaced(kTestDirectory, "seat: B", "seat: C");
  CHECK_FALSE(Directory::load_string(text, "dir.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "dir.yaml:23: seat 'C' must be A or B");
}

TEST_CASE("a post held twice, an unknown area and a code of the wrong length are all reported") {
  LoadErrors errors;
  std::string text = replaced(kTestDirectory, "village_head, seat: A }]\n  - id: luodian",
                              "flood_chief, seat: A }]\n  - id: luodian");
  text = replaced(text, "\"330702100201\", name", "\"3307021002\", name");
  text = replaced(text, "area: \"330702100\", role", "area: \"330702999\", role");
  CHECK_FALSE(Directory::load_string(text, "dir.yaml", errors));
  std::string all;
  for (const auto& e : errors) all += e.text() + "\n";
  CHECK(all.find("is already held") != std::string::npos);
  CHECK(all.find("must be 12 digits") != std::string::npos);
  CHECK(all.find("area 330702999 is not in the directory") != std::string::npos);
}

TEST_CASE("a person with no way to be reached is refused") {
  LoadErrors errors;
  std::string text = replaced(kTestDirectory, "    zzd: \"100001\"\n", "");
  CHECK_FALSE(Directory::load_string(text, "dir.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "person 'county-leader' has no contact (zzd, mobile or landline)");
}

TEST_CASE("a CSV export with one row per person and post loads like the YAML") {
  const std::string csv =
      "area_code,area_name,tier,parent,role,seat,person_id,name,zzd,mobile\n"
      "330702,婺城区,county,,,,,,,\n"
      "330702102,安地镇,township,330702,township_head,A,p1,钱某一,100002,19900000002\n"
      "330702102201,岩头村,village,330702102,flood_chief,A,p1,钱某一,100002,19900000002\n"
      "\"330702102201\",\"岩头村\",village,330702102,village_head,B, p2 ,李某一,,19900000004\n";
  LoadErrors errors;
  auto dir = Directory::load_string(csv, "export.csv", errors);
  REQUIRE_MESSAGE(dir, (errors.empty() ? "" : errors[0].text()));
  CHECK(dir->area_count() == 3);
  CHECK(dir->person_count() == 2);
  CHECK(dir->holder("330702102201", "flood_chief", Seat::A)->id == "p1");
  CHECK(dir->holder("330702102201", "village_head", Seat::B)->name == "李某一");
}

TEST_CASE("a CSV row that contradicts an earlier one is refused at its line") {
  const std::string csv =
      "area_code,area_name,tier,parent,role,seat,person_id,name,zzd,mobile\n"
      "330702,婺城区,county,,leader_on_duty,A,p1,钱某一,100002,\n"
      "330702,婺城区,county,,emergency_bureau_head,A,p1,钱某二,100002,\n"
      "330702,婺城区,county,,water_bureau_head,C,p3,孙某一,100003,\n"
      "330702,婺城区,county\n";
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string(csv, "export.csv", errors));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].text() == "export.csv:3: person 'p1' differs from the one on line 2");
  CHECK(errors[1].text() == "export.csv:4: seat 'C' must be A or B");
  CHECK(errors[2].text().starts_with("export.csv:5: expected 10 cells"));
}

TEST_CASE("a CSV cell whose quote is never closed is refused at its line") {
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string("area_code,area_name,tier,parent,role,seat,person_id,name,zzd,mobile\n"
                                     "330702,\"婺城区,county,,,,,,,\n",
                                     "export.csv", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "export.csv:2: a quoted cell is not closed");
}

TEST_CASE("a CSV may order its columns freely and add landlines and broadcast endpoints") {
  const std::string csv =
      "name,person_id,area_code,area_name,tier,parent,role,seat,zzd,mobile,landline,broadcast\n"
      ",,330702,婺城区,county,,,,,,,\n"
      "钱某一,p1,330702102,安地镇,township,330702,township_head,A,,,0579-00000001,\n"
      "李某一,p2,330702102201,岩头村,village,330702102,village_head,A,100004,,,EB-330702102201-01; EB-330702102201-02\n"
      "张某一,p3,330702102201,岩头村,village,330702102,flood_chief,A,100005,,,\n";
  LoadErrors errors;
  auto dir = Directory::load_string(csv, "export.csv", errors);
  REQUIRE_MESSAGE(dir, (errors.empty() ? "" : errors[0].text()));
  CHECK(dir->person("p1")->landline == "0579-00000001");
  CHECK(reachable_on("ivr", "", "", dir->person("p1")->landline));
  CHECK_FALSE(reachable_on("sms", "", "", dir->person("p1")->landline));
  CHECK(dir->area("330702102201")->broadcast ==
        std::vector<std::string>{"EB-330702102201-01", "EB-330702102201-02"});
}

TEST_CASE("a CSV header that misses or misspells a column is refused naming it") {
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string("area_code,area_name,tier,parent,role,seat,person_id,name,zzd,moblie\n"
                                     "330702,婺城区,county,,,,,,,\n",
                                     "export.csv", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text().starts_with("export.csv:1: the header row must name the columns"));
  CHECK(errors[0].text().ends_with("unknown column 'moblie'; no column 'mobile'"));
}

TEST_CASE("broadcast endpoints belong to villages or townships, one area each; landlines are phone numbers") {
  const std::string yaml = R"(areas:
  - { code: "330702", name: 婺城区, tier: county, broadcast: ["EB1"] }
  - { code: "330702102", name: 安地镇, tier: township, parent: "330702", broadcast: ["EB2"] }
  - { code: "330702102201", name: 岩头村, tier: village, parent: "330702102", broadcast: ["EB2", "bad id!"] }
people:
  - { id: p1, name: 钱某一, landline: "0579-82", posts: [{ area: "330702102", role: township_head }] }
)";
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string(yaml, "dir.yaml", errors));
  std::vector<std::string> texts;
  for (const auto& e : errors) texts.push_back(e.text());
  CHECK(texts == std::vector<std::string>{
                     "dir.yaml:2: area 330702: only villages and townships have broadcast endpoints",
                     "dir.yaml:4: broadcast endpoint EB2 is already given to area 330702102",
                     "dir.yaml:4: area 330702102201: broadcast endpoint 'bad id!' must be 1 to 64 letters, digits, "
                     "'-' or '_' (the platform's resource id)",
                     "dir.yaml:6: landline '0579-82' must be 7 to 16 digits, optionally with '-' (0579-00000001)"});
}

TEST_CASE("a YAML directory without people, or with areas that are not a list, is an error, not a crash") {
  // Found by tests/fuzz/directory_fuzz: yaml-cpp threw on the missing key and aborted the CLI
  // (and would have taken a reloading daemon down).
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string("areas:\n  - { code: \"330702\", name: 婺城区, tier: county }\n", "d.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "d.yaml:1: 'people' must be a list of people");
  errors.clear();
  CHECK_FALSE(Directory::load_string("people: []\n", "d.yaml", errors));
  CHECK(errors[0].text() == "d.yaml:1: 'areas' must be a list of areas");
}

TEST_CASE("an area refused for its coordinates and written again is not looked up as if it had loaded") {
  // Found by tests/fuzz/directory_fuzz: the second definition indexed an area that was never
  // stored (undefined behaviour under UBSan).
  LoadErrors errors;
  CHECK_FALSE(Directory::load_string(R"(areas:
  - { code: "330702", name: 婺城区, tier: county, lat: 95, lon: 119 }
  - { code: "330702", name: 婺城区, tier: county }
people: []
)",
                                     "d.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "d.yaml:2: area 330702: lat and lon must both be degrees (lat -90..90, lon -180..180)");
}
