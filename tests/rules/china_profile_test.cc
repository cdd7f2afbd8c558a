#include <doctest/doctest.h>

#include "rules/china_profile.h"

using namespace jiaoying;

namespace {

CapInfoFacts facts(std::string event, std::string severity = "Unknown") {
  CapInfoFacts f;
  f.event = std::move(event);
  f.severity = std::move(severity);
  f.geocodes = {{"行政区划代码", "330702102"}};
  return f;
}

CapInfoFacts with_code(std::string code, std::string event = "预警", std::string severity = "Unknown") {
  CapInfoFacts f = facts(std::move(event), std::move(severity));
  f.event_codes = {{"type", std::move(code)}};
  return f;
}

ChinaMapping must_map(const CapInfoFacts& f) {
  auto r = map_china_profile(f);
  INFO(r.error.text());
  REQUIRE(r.mapping);
  return *r.mapping;
}

using Expected = std::initializer_list<std::pair<const char*, Level>>;

std::string refusal(const CapInfoFacts& f) {
  auto r = map_china_profile(f);
  CHECK_FALSE(r.mapping);
  return r.error.text();
}

}  // namespace

TEST_CASE("national event codes name the hazard and the agency family") {
  struct Row {
    const char* code;
    const char* hazard;
    const char* source;
  };
  for (const Row& row : {Row{"11B03", "rainstorm", "meteorology"}, Row{"11B20", "thunderstorm_gale", "meteorology"},
                         Row{"11A51", "flash_flood", "water"}, Row{"11D01", "geological_hazard", "natural_resources"},
                         Row{"11B25", "forest_fire", "meteorology"}, Row{"11G01", "forest_fire", "forestry"},
                         Row{"11A01", "flood", "water"}, Row{"11B01", "typhoon", "meteorology"}}) {
    CAPTURE(row.code);
    ChinaMapping m = must_map(with_code(row.code, "预警", "Moderate"));
    CHECK(m.hazard == row.hazard);
    CHECK(m.source == row.source);
    CHECK(m.event_code == row.code);
  }
}

TEST_CASE("every hazard of the national table is one plans know") {
  for (const auto& row : national_event_codes())
    if (!row.hazard.empty()) CHECK_MESSAGE(find_hazard(row.hazard), row.code);
}

TEST_CASE("without a national code the event text names the hazard, 雷雨大风 before 大风") {
  CHECK(must_map(facts("雷雨大风", "Severe")).hazard == "thunderstorm_gale");
  CHECK(must_map(facts("大风", "Severe")).hazard == "gale");
  CHECK(must_map(facts("山洪灾害气象预警", "Severe")).hazard == "flash_flood");
  CHECK(must_map(facts("地质灾害气象风险预警", "Severe")).hazard == "geological_hazard");
  CHECK(must_map(facts("森林火险", "Severe")).hazard == "forest_fire");
  CHECK(must_map(facts("Thunderstorm Gale", "Severe")).hazard == "thunderstorm_gale");
  CHECK(must_map(facts("Rainstorm", "Severe")).source == "meteorology");
}

TEST_CASE("a code of another scheme is ignored; an unknown national code falls back to the text") {
  CHECK(must_map(with_code("FFW", "暴雨", "Severe")).hazard == "rainstorm");
  ChinaMapping m = must_map(with_code("11B99", "暴雨", "Severe"));
  CHECK(m.hazard == "rainstorm");
  CHECK(m.event_code == "11B99");
}

TEST_CASE("a code known but without plans is refused by name, not mistaken for another hazard") {
  CHECK(refusal(with_code("11B19", "霾", "Moderate")).starts_with("eventCode: 11B19 (霾) is not a hazard"));
}

TEST_CASE("severity gives the colour when nothing explicit does") {
  CHECK(must_map(with_code("11B03", "暴雨", "Minor")).level == Level::blue);
  CHECK(must_map(with_code("11B03", "暴雨", "Moderate")).level == Level::yellow);
  CHECK(must_map(with_code("11B03", "暴雨", "Severe")).level == Level::orange);
  CHECK(must_map(with_code("11B03", "暴雨", "Extreme")).level == Level::red);
  CHECK(refusal(with_code("11B03", "暴雨", "Unknown")).starts_with("severity: cannot tell the colour level"));
}

TEST_CASE("a colour parameter in Chinese or English sets the level over severity") {
  for (auto [value, level] : Expected{{"红色", Level::red}, {"橙", Level::orange}, {"Yellow", Level::yellow},
                              {"BLUE", Level::blue}, {"红色预警", Level::red}, {"Ⅱ级", Level::orange},
                              {"III", Level::yellow}, {"黄色（Ⅲ级）", Level::yellow}}) {
    CAPTURE(value);
    CapInfoFacts f = with_code("11B03", "暴雨", "Minor");
    f.parameters = {{"预警级别", value}};
    CHECK(must_map(f).level == level);
  }
  CapInfoFacts f = with_code("11B03", "暴雨", "Minor");
  f.parameters = {{"warning_level", "Red"}};
  CHECK(must_map(f).level == Level::red);
}

TEST_CASE("a colour parameter that says nothing clear is refused naming the parameter") {
  CapInfoFacts f = with_code("11B03", "暴雨", "Extreme");
  f.parameters = {{"color", "purple"}};
  CHECK(refusal(f).starts_with("parameter: color: 'purple' is not a colour"));
  f.parameters = {{"level", "1"}};
  CHECK(refusal(f).find("is ambiguous") != std::string::npos);
  f.parameters = {{"color", "红色 or 橙色"}};
  CHECK(refusal(f).find("names more than one level") != std::string::npos);
}

TEST_CASE("an event-code suffix 01..04 is blue..red") {
  CHECK(must_map(with_code("11B0301")).level == Level::blue);
  CHECK(must_map(with_code("11B0302")).level == Level::yellow);
  CHECK(must_map(with_code("11B0303")).level == Level::orange);
  ChinaMapping m = must_map(with_code("11B0304"));
  CHECK(m.level == Level::red);
  CHECK(m.event_code == "11B03");
}

TEST_CASE("a colour in the event, else in the headline, sets the level") {
  CHECK(must_map(facts("暴雨红色预警", "Minor")).level == Level::red);
  CapInfoFacts f = with_code("11B03", "暴雨", "Minor");
  f.headline = "婺城区气象台发布暴雨橙色预警信号";
  CHECK(must_map(f).level == Level::orange);
  CHECK(must_map(facts("Rainstorm Red Warning", "Minor")).level == Level::red);
}

TEST_CASE("a headline naming two colours, as a downgrade does, says nothing about the level") {
  CapInfoFacts f = with_code("11B03", "暴雨", "Moderate");
  f.headline = "婺城区气象台将暴雨橙色预警信号降级为黄色";
  CHECK(must_map(f).level == Level::yellow);  // from severity
}

TEST_CASE("explicit sources that disagree are refused naming both") {
  CapInfoFacts f = with_code("11B0304", "暴雨", "Extreme");
  f.parameters = {{"预警级别", "黄色"}};
  CHECK(refusal(f) == "eventCode: parameter 预警级别 = 黄色 (yellow) disagrees with eventCode 11B0304 (red)");
  CapInfoFacts g = with_code("11B03", "暴雨", "Extreme");
  g.parameters = {{"color", "red"}};
  g.headline = "暴雨橙色预警";
  CHECK(refusal(g).starts_with("headline: parameter color = red (red) disagrees with headline"));
}

TEST_CASE("severity that disagrees with an explicit colour does not override it") {
  CapInfoFacts f = with_code("11B0304", "暴雨", "Severe");
  CHECK(must_map(f).level == Level::red);
}

TEST_CASE("geological-hazard risk grades 四/三/二/一 are blue/yellow/orange/red") {
  for (auto [grade, level] : Expected{{"四级", Level::blue}, {"三级", Level::yellow}, {"二级", Level::orange},
                              {"一级", Level::red}, {"Ⅲ级", Level::yellow}, {"II级", Level::orange}}) {
    CAPTURE(grade);
    CapInfoFacts f = with_code("11D01", "地质灾害气象风险预警", "Unknown");
    f.headline = std::string("发布地质灾害气象风险") + grade + "预警";
    CHECK(must_map(f).level == level);
  }
}

TEST_CASE("forest fire danger grades 三/四/五 are yellow/orange/red; 一 and 二 are no warning") {
  for (auto [grade, level] : Expected{{"三级", Level::yellow}, {"四级", Level::orange}, {"五级", Level::red}}) {
    CAPTURE(grade);
    CapInfoFacts f = with_code("11G01", "森林火险", "Unknown");
    f.parameters = {{"预警等级", grade}};
    CHECK(must_map(f).level == level);
  }
  CapInfoFacts f = with_code("11B25", std::string("森林火险二级"), "Minor");
  CHECK(refusal(f).find("grade 二 is below warning level") != std::string::npos);
}

TEST_CASE("grade 五 outside forest fire danger is refused") {
  CapInfoFacts f = with_code("11D01", "地质灾害", "Unknown");
  f.parameters = {{"预警级别", "五级"}};
  CHECK(refusal(f).find("grade 五 exists only in the forest fire danger system") != std::string::npos);
}

TEST_CASE("response levels (Ⅳ级应急响应) and wind force are not warning grades") {
  CapInfoFacts f = with_code("11D01", "地质灾害气象风险预警", "Moderate");
  f.headline = "启动地质灾害Ⅳ级应急响应";
  CHECK(must_map(f).level == Level::yellow);  // from severity, not from Ⅳ
  CapInfoFacts g = with_code("11B20", "雷雨大风", "Moderate");
  g.headline = "雷雨大风黄色预警：阵风8级以上，局部5级";
  CHECK(must_map(g).level == Level::yellow);
}

TEST_CASE("flash-flood and water warnings use the four colours directly") {
  CapInfoFacts f = with_code("11A51", "山洪灾害气象预警", "Unknown");
  f.headline = "发布山洪灾害红色预警";
  CHECK(must_map(f).level == Level::red);
  CapInfoFacts g = with_code("11A01", "洪水蓝色预警", "Unknown");
  CHECK(must_map(g).level == Level::blue);
}

TEST_CASE("geocodes give division codes, deduplicated, padding removed, other schemes ignored") {
  CapInfoFacts f = with_code("11B03", "暴雨", "Extreme");
  f.geocodes = {{"行政区划代码", "330702102"}, {"行政区划代码", " 330702102 "}, {"adcode", "330702000000"},
                {"SAME", "CN-ZJ"}, {"code", "330702102001"}};
  CHECK(must_map(f).areas == std::vector<std::string>{"330702102", "330702", "330702102001"});
  f.geocodes = {{"行政区划代码", "33070210"}};
  CHECK(refusal(f) == "geocode: 行政区划代码 '33070210' is not a division code (6, 9 or 12 digits, beginning with a province's 11–82)");
}

TEST_CASE("other countries' digit geocodes are skipped by scheme; six digits outside any province are refused") {
  CapInfoFacts f = with_code("11B03", "暴雨", "Extreme");
  // A US county (SAME/FIPS), a Canadian forecast region and census subdivision, a MeteoAlarm
  // region: all digits, some of six, none a division code.
  f.geocodes = {{"SAME", "006037"},        {"FIPS6", "027031"},
                {"layer:EC-MSC-SMC:1.0:CLC", "077210"}, {"profile:CAP-CP:Location:0.3", "4818005"},
                {"EMMA_ID", "123456"},     {"行政区划代码", "330702"}};
  CHECK(must_map(f).areas == std::vector<std::string>{"330702"});
  f.geocodes = {{"code", "077210"}};
  CHECK(refusal(f).find("'077210' is not a division code") != std::string::npos);
}

TEST_CASE("an event the profile cannot name is refused saying where it looked") {
  std::string why = refusal(facts("不明现象", "Severe"));
  CHECK(why.starts_with("event: cannot tell the hazard: no eventCode holds a national code"));
  CHECK(why.find("'不明现象'") != std::string::npos);
}

TEST_CASE("two different national codes in one info are refused") {
  CapInfoFacts f = with_code("11B03", "暴雨", "Severe");
  f.event_codes.push_back({"type", "11B20"});
  CHECK(refusal(f) == "eventCode: names two national warning types, 11B03 and 11B20: send one warning per type");
}

TEST_CASE("colour words and padded codes normalise as documented") {
  CHECK(level_from_colour_word("红色") == Level::red);
  CHECK(level_from_colour_word(" Orange ") == Level::orange);
  CHECK_FALSE(level_from_colour_word("紫色"));
  CHECK(normalise_division_code("330702000000") == "330702");
  CHECK(normalise_division_code("330702102000") == "330702102");
  CHECK(normalise_division_code("330702102001") == "330702102001");
  CHECK(normalise_division_code("330700") == "330700");
}
