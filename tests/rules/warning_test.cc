#include <doctest/doctest.h>

#include "rules/warning.h"

using namespace jiaoying;

namespace {

const char* kGood = R"({
  "identifier": "33070041600000_20260615020000", "sender": "wucheng-met@jinhua.zj",
  "sent": "2026-06-15T02:00:00+08:00", "source": "meteorology", "hazard": "rainstorm",
  "level": "red", "areas": ["330702102", "330702204"], "headline": "暴雨红色预警",
  "description": "未来3小时累计雨量将达100毫米以上"})";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  s.replace(s.find(from), from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("a complete warning is read into the model") {
  auto r = parse_warning_json(kGood);
  REQUIRE(r.warning);
  CHECK(r.warning->level == Level::red);
  CHECK(r.warning->hazard == "rainstorm");
  CHECK(r.warning->areas == std::vector<std::string>{"330702102", "330702204"});
  CHECK(format_china_time(r.warning->sent) == "2026-06-15T02:00:00+08:00");
}

TEST_CASE("an unknown level is refused naming the field and the allowed values") {
  auto r = parse_warning_json(with("\"red\"", "\"purple\""));
  CHECK_FALSE(r.warning);
  CHECK(r.error.field == "level");
  CHECK(r.error.text() == "level: 'purple' must be one of blue, yellow, orange, red");
}

TEST_CASE("a malformed area code is refused naming its position") {
  auto r = parse_warning_json(with("\"330702204\"", "\"33070\""));
  CHECK(r.error.field == "areas[1]");
}

TEST_CASE("malformed JSON, missing fields and unknown fields are refused") {
  CHECK(parse_warning_json("{not json").error.field.empty());
  CHECK(parse_warning_json("[]").error.message == "body must be a JSON object");
  CHECK(parse_warning_json(with("\"headline\": \"暴雨红色预警\",", "")).error.field == "headline");
  CHECK(parse_warning_json(with("\"level\"", "\"colour\": 1, \"level\"")).error.field == "colour");
  CHECK(parse_warning_json(with("\"meteorology\"", "42")).error.text() == "source: must be a string");
  CHECK(parse_warning_json(with("\"rainstorm\"", "\"locusts\"")).error.field == "hazard");
  CHECK(parse_warning_json(with("2026-06-15T02:00:00+08:00", "yesterday")).error.field == "sent");
}

TEST_CASE("an identifier with a space or comma is refused, as CAP forbids") {
  CHECK(parse_warning_json(with("33070041600000_20260615020000", "a b")).error.field == "identifier");
  CHECK(parse_warning_json(with("wucheng-met@jinhua.zj", "a,b")).error.field == "sender");
}

TEST_CASE("a warning written back to JSON reads as the same warning") {
  auto first = parse_warning_json(kGood);
  REQUIRE(first.warning);
  auto again = parse_warning_json(warning_to_json(*first.warning));
  REQUIRE(again.warning);
  CHECK(again.warning->identifier == first.warning->identifier);
  CHECK(again.warning->sent == first.warning->sent);
  CHECK(again.warning->areas == first.warning->areas);
}
