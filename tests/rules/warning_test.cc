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

TEST_CASE("a JSON warning without the new fields is a real, new alert carrying an event") {
  auto r = parse_warning_json(kGood);
  REQUIRE(r.warning);
  CHECK(r.warning->status == WarningStatus::actual);
  CHECK(r.warning->msg_type == MsgType::alert);
  CHECK(r.warning->has_info);
  CHECK(r.warning->format == "json");
  CHECK(r.warning->references.empty());
  CHECK_FALSE(r.warning->expires);
}

TEST_CASE("a warning of the original format writes back exactly the original fields") {
  auto r = parse_warning_json(kGood);
  REQUIRE(r.warning);
  CHECK(warning_to_json(*r.warning) ==
        R"({"identifier":"33070041600000_20260615020000","sender":"wucheng-met@jinhua.zj",)"
        R"("sent":"2026-06-15T02:00:00+08:00","source":"meteorology","hazard":"rainstorm","level":"red",)"
        R"("areas":["330702102","330702204"],"headline":"暴雨红色预警","description":"未来3小时累计雨量将达100毫米以上"})");
}

TEST_CASE("an update without references is refused; with them it is read") {
  auto bare = parse_warning_json(with("\"level\"", "\"msg_type\": \"update\", \"level\""));
  CHECK(bare.error.text() == "references: is required for update: name the earlier warnings it is about");
  auto r = parse_warning_json(with(
      "\"level\"", R"("msg_type": "update", "references": [{"sender": "wucheng-met@jinhua.zj",
      "identifier": "33070041600000_20260615010000", "sent": "2026-06-15T01:00:00+08:00"}], "level")"));
  REQUIRE(r.warning);
  CHECK(r.warning->msg_type == MsgType::update);
  REQUIRE(r.warning->references.size() == 1);
  CHECK(r.warning->references[0].identifier == "33070041600000_20260615010000");
}

TEST_CASE("a reference is checked field by field") {
  auto r = parse_warning_json(with("\"level\"", R"("msg_type": "cancel", "references": [{"sender": "a",
      "identifier": "b", "sent": "soon"}], "level")"));
  CHECK(r.error.field == "references[0].sent");
  auto extra = parse_warning_json(with("\"level\"", R"("references": [{"sender": "a", "identifier": "b",
      "sent": "2026-06-15T01:00:00+08:00", "why": "x"}], "level")"));
  CHECK(extra.error.field == "references[0].why");
}

TEST_CASE("a cancel may leave out hazard, level, areas and headline, but not carry a level alone") {
  const char* cancel = R"({"identifier": "c-1", "sender": "wucheng-met@jinhua.zj",
      "sent": "2026-06-15T06:00:00+08:00", "msg_type": "cancel",
      "references": [{"sender": "wucheng-met@jinhua.zj", "identifier": "w-1", "sent": "2026-06-15T02:00:00+08:00"}]})";
  auto r = parse_warning_json(cancel);
  INFO(r.error.text());
  REQUIRE(r.warning);
  CHECK_FALSE(r.warning->has_info);
  CHECK(r.warning->hazard.empty());
  auto again = parse_warning_json(warning_to_json(*r.warning));
  REQUIRE(again.warning);
  CHECK_FALSE(again.warning->has_info);
  std::string with_level = cancel;
  with_level.insert(with_level.size() - 1, R"(, "level": "red")");
  CHECK(parse_warning_json(with_level).error.field == "level");
}

TEST_CASE("an alert must still name its hazard") {
  CHECK(parse_warning_json(with("\"hazard\": \"rainstorm\",", "")).error.text() == "hazard: is required");
}

TEST_CASE("an unknown status or message type is refused listing the allowed values") {
  CHECK(parse_warning_json(with("\"level\"", "\"status\": \"drill\", \"level\"")).error.text() ==
        "status: 'drill' must be one of actual, exercise, system, test, draft");
  CHECK(parse_warning_json(with("\"level\"", "\"msg_type\": \"Alert\", \"level\"")).error.text() ==
        "msg_type: 'Alert' must be one of alert, update, cancel, ack, error");
}

TEST_CASE("an exercise keeps its status through a round trip") {
  auto r = parse_warning_json(with("\"level\"", "\"status\": \"exercise\", \"level\""));
  REQUIRE(r.warning);
  CHECK(r.warning->status == WarningStatus::exercise);
  CHECK(parse_warning_json(warning_to_json(*r.warning)).warning->status == WarningStatus::exercise);
}

TEST_CASE("polygons or circles may stand in for areas") {
  auto r = parse_warning_json(with(R"("areas": ["330702102", "330702204"])",
                                   R"("areas": [], "polygons": [[[29.05, 119.5], [29.05, 119.6], [28.98, 119.6],
                                      [29.05, 119.5]]], "circles": [{"lat": 29.01, "lon": 119.55, "radius_km": 8}])"));
  INFO(r.error.text());
  REQUIRE(r.warning);
  CHECK(r.warning->areas.empty());
  REQUIRE(r.warning->polygons.size() == 1);
  CHECK(r.warning->polygons[0].points.size() == 4);
  REQUIRE(r.warning->circles.size() == 1);
  CHECK(r.warning->circles[0].radius_km == 8);
  CHECK(parse_warning_json(with(R"("areas": ["330702102", "330702204"])", R"("areas": [])")).error.field == "areas");
}

TEST_CASE("a polygon that is not closed, or a circle out of range, is refused naming it") {
  CHECK(parse_warning_json(with("\"headline\"", R"("polygons": [[[29, 119], [29, 120], [28, 120], [28, 119]]], "headline")"))
            .error.text() == "polygons[0]: is not closed: the last point must equal the first");
  CHECK(parse_warning_json(with("\"headline\"", R"("polygons": [[[29, 119], [29, 120], [29, 119]]], "headline")"))
            .error.field == "polygons[0]");
  CHECK(parse_warning_json(with("\"headline\"", R"("polygons": [[[29, 119], "x"]], "headline")")).error.field ==
        "polygons[0][1]");
  CHECK(parse_warning_json(with("\"headline\"", R"("circles": [{"lat": 91, "lon": 119, "radius_km": 1}], "headline")"))
            .error.text() == "circles[0]: centre is outside latitude -90..90, longitude -180..180");
  CHECK(parse_warning_json(with("\"headline\"", R"("circles": [{"lat": 29, "lon": 119, "radius_km": -1}], "headline")"))
            .error.field == "circles[0]");
}

TEST_CASE("every new field survives a round trip through JSON") {
  auto r = parse_warning_json(with("\"level\"", R"("status": "test", "effective": "2026-06-15T02:00:00+08:00",
      "onset": "2026-06-15T03:00:00+08:00", "expires": "2026-06-15T08:00:00+08:00", "event": "暴雨",
      "event_code": "11B03", "language": "zh-CN", "format": "cap", "signature_xml": "<ds:Signature/>",
      "other_infos": [{"language": "en-US", "event": "Rainstorm", "headline": "Red rainstorm", "description": ""}],
      "circles": [{"lat": 29.01, "lon": 119.55, "radius_km": 8.5}], "level")"));
  INFO(r.error.text());
  REQUIRE(r.warning);
  const Warning& w = *r.warning;
  CHECK(format_china_time(*w.onset) == "2026-06-15T03:00:00+08:00");
  CHECK(w.event_code == "11B03");
  CHECK(w.other_infos.at(0).headline == "Red rainstorm");
  CHECK(w.format == "cap");
  const std::string json = warning_to_json(w);
  auto again = parse_warning_json(json);
  REQUIRE(again.warning);
  CHECK(warning_to_json(*again.warning) == json);
}

TEST_CASE("new fields are checked as strictly as the old ones") {
  CHECK(parse_warning_json(with("\"level\"", "\"expires\": \"later\", \"level\"")).error.field == "expires");
  CHECK(parse_warning_json(with("\"level\"", "\"event_code\": \"11 B03\", \"level\"")).error.field == "event_code");
  CHECK(parse_warning_json(with("\"level\"", "\"language\": \"zh CN\", \"level\"")).error.field == "language");
  CHECK(parse_warning_json(with("\"level\"", "\"format\": \"xml\", \"level\"")).error.field == "format");
  CHECK(parse_warning_json(with("\"level\"", "\"other_infos\": [{\"lang\": \"en\"}], \"level\"")).error.field ==
        "other_infos[0].lang");
  CHECK(parse_warning_json(with("2026-06-15T02:00:00+08:00", "0001-01-01T00:00:00+08:00")).error.text() ==
        "sent: must be between the years 1900 and 9000");
}

TEST_CASE("coordinates with more digits than a centimetre write and read back unchanged") {
  // Found by json_fuzz: 29.0222…2 (many digits) did not survive serialize-then-parse.
  auto r = parse_warning_json(with("\"headline\"",
      R"("circles": [{"lat": 29.0222222222222222222222, "lon": -0.00000001, "radius_km": 8.123456789}], "headline")"));
  REQUIRE(r.warning);
  CHECK(r.warning->circles[0].centre.lat == doctest::Approx(29.0222222).epsilon(1e-12));
  CHECK(r.warning->circles[0].radius_km == doctest::Approx(8.123457).epsilon(1e-12));
  const std::string json = warning_to_json(*r.warning);
  auto again = parse_warning_json(json);
  REQUIRE(again.warning);
  CHECK(warning_to_json(*again.warning) == json);
}

TEST_CASE("JSON that does not parse is named by line and column") {
  auto r = parse_warning_json("{\"identifier\": \"x\",\n \"sender\": \"省气象台\" \"sent\": 1}");
  CHECK_FALSE(r.warning);
  CHECK(r.error.text() == "line 2: body is not valid JSON at column 19: syntax error");
  auto cut = parse_warning_json("{\"identifier\": \"x\"");
  CHECK(cut.error.text().starts_with("line 1: body is not valid JSON at column 19:"));
}

TEST_CASE("a JSON date that does not exist is refused, as the CAP reader refuses it") {
  auto r = parse_warning_json(with("2026-06-15T02:00:00+08:00", "2026-02-31T10:00:00+08:00"));
  CHECK_FALSE(r.warning);
  CHECK(r.error.field == "sent");
  CHECK(r.error.message.starts_with("must be a time that exists"));
  CHECK(parse_warning_json(with("2026-06-15T02:00:00+08:00", "2028-02-29T10:00:00+08:00")).warning);  // a leap year
}

TEST_CASE("the JSON written says 28.98, not 2.898E1") {
  Warning w = *parse_warning_json(kGood).warning;
  w.circles.push_back({{28.98, 119.65}, 2.5});
  const std::string text = warning_to_json(w);
  CHECK(text.find("28.98") != std::string::npos);
  CHECK(text.find("119.65") != std::string::npos);
  CHECK(text.find("E1") == std::string::npos);
  auto back = parse_warning_json(text);  // and it reads back the same
  REQUIRE(back.warning);
  CHECK(back.warning->circles.at(0).centre.lat == 28.98);
}
