#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "rules/cap.h"

using namespace jiaoying;
namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = fs::path(JIAOYING_SOURCE_DIR) / "tests/data/cap";

std::string read_corpus(const std::string& relative) {
  std::ifstream in(kCorpus / relative, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << relative);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Warning must_parse(const std::string& relative) {
  auto r = parse_cap(read_corpus(relative));
  INFO(relative << ": " << r.error.text());
  REQUIRE(r.warning);
  return *r.warning;
}

std::set<std::string> files_in(const std::string& folder) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(kCorpus / folder))
    if (entry.path().extension() == ".xml") out.insert(entry.path().filename().string());
  return out;
}

const std::string kBase = R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>inline-1</identifier>
  <sender>wucheng-met@jinhua.zj</sender>
  <sent>2026-06-15T02:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Likely</certainty>
    <area>
      <areaDesc>安地镇</areaDesc>
      <geocode><valueName>行政区划代码</valueName><value>330702102</value></geocode>
    </area>
  </info>
</alert>
)";

std::string with(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

// What each valid file must read as.
struct ValidCase {
  const char* file;
  const char* hazard;  // "" when the message carries no event
  Level level;
  WarningStatus status;
  MsgType type;
};

const ValidCase kValid[] = {
    {"rainstorm-red-11B03-geocodes.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"prefixed-namespace-cap.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"utf8-bom.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"iso-8859-1-declared.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"one-line.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"comments-before-root.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"en-US-before-zh-CN-infos.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"update-references-earlier.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::update},
    {"cancel-without-info.xml", "", Level::blue, WarningStatus::actual, MsgType::cancel},
    {"cancel-with-info.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::cancel},
    {"flash-flood-11A51-polygon-circle.xml", "flash_flood", Level::orange, WarningStatus::actual, MsgType::alert},
    {"exercise-drill.xml", "rainstorm", Level::red, WarningStatus::exercise, MsgType::alert},
    {"test-status.xml", "rainstorm", Level::red, WarningStatus::test, MsgType::alert},
    {"thunderstorm-gale-colour-parameter.xml", "thunderstorm_gale", Level::orange, WarningStatus::actual, MsgType::alert},
    {"event-code-colour-suffix.xml", "rainstorm", Level::yellow, WarningStatus::actual, MsgType::alert},
    {"geological-hazard-grade-three.xml", "geological_hazard", Level::yellow, WarningStatus::actual, MsgType::alert},
    {"forest-fire-grade-four.xml", "forest_fire", Level::orange, WarningStatus::actual, MsgType::alert},
    {"xml-signature-kept.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"geocode-padded-12-digits.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"system-heartbeat-without-info.xml", "", Level::blue, WarningStatus::system, MsgType::alert},
    {"ack-of-earlier-alert.xml", "", Level::blue, WarningStatus::actual, MsgType::ack},
    {"empty-optional-elements.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
    {"two-infos-one-hazard-by-area.xml", "rainstorm", Level::red, WarningStatus::actual, MsgType::alert},
};

// Each invalid file, and a fragment of the message that must refuse it.
struct InvalidCase {
  const char* file;
  const char* fragment;
};

const InvalidCase kInvalid[] = {
    {"xxe-external-entity.xml", "line 2: DOCTYPE is refused"},
    {"doctype-entity-expansion.xml", "DOCTYPE is refused"},
    {"doctype-lowercase-after-bom.xml", "DOCTYPE is refused"},
    {"entity-declaration-in-comment.xml", "ENTITY is refused"},
    {"cap-1.1-namespace.xml", "alert: is CAP 1.1"},
    {"no-namespace.xml", "alert: is in no namespace"},
    {"unknown-namespace.xml", "is in namespace 'urn:example:not-cap', not CAP 1.2"},
    {"undeclared-prefix.xml", "prefix that is declared nowhere"},
    {"root-not-alert.xml", "the root element is <warning>, not a CAP <alert>"},
    {"wrong-order-status-before-sent.xml", "alert/status: is out of order: <status> must come after <sent>"},
    {"wrong-order-headline-before-expires.xml", "info[1]/expires: is out of order: <expires> must come before <headline>"},
    {"missing-scope.xml", "alert: <scope> is missing"},
    {"missing-sent.xml", "alert: <sent> is missing"},
    {"missing-event.xml", "alert/info[1]: <event> is missing"},
    {"missing-category.xml", "alert/info[1]: <category> is missing"},
    {"missing-area-desc.xml", "area[1]: <areaDesc> is missing"},
    {"sent-twice.xml", "alert/sent: <sent> may appear only once"},
    {"unknown-element-in-info.xml", "info[1]/colour: is not an element of <info>"},
    {"bad-status-enum.xml", "alert/status: 'Real' is not one of Actual, Exercise, System, Test, Draft"},
    {"bad-msgtype-lowercase.xml", "alert/msgType: 'alert' is not one of Alert, Update, Cancel, Ack, Error"},
    {"bad-scope-enum.xml", "alert/scope: 'Everyone' is not one of Public, Restricted, Private"},
    {"bad-category-enum.xml", "category[1]: 'Weather' is not one of Geo, Met"},
    {"bad-urgency-enum.xml", "urgency: 'Now' is not one of Immediate"},
    {"bad-severity-enum.xml", "severity: 'Red' is not one of Extreme, Severe, Moderate, Minor, Unknown"},
    {"bad-certainty-enum.xml", "certainty: 'Sure' is not one of Observed"},
    {"bad-response-type-enum.xml", "responseType[1]: 'Run' is not one of Shelter"},
    {"private-scope-without-addresses.xml", "alert/addresses: is missing, but is required when <scope> is Private"},
    {"private-scope-empty-addresses.xml", "line 9: alert/addresses: is empty, but is required when <scope> is Private"},
    {"update-without-references.xml", "alert/references: is required for Update"},
    {"cancel-without-references.xml", "alert/references: is required for Cancel"},
    {"update-with-empty-references.xml", "line 9: alert/references: is empty, but is required for Update"},
    {"references-not-triples.xml", "is not sender,identifier,sent"},
    {"alert-without-info.xml", "alert: has no <info>"},
    {"sent-utc-written-z.xml", "CAP writes UTC as -00:00, never Z"},
    {"sent-fractional-seconds.xml", "CAP times have whole seconds"},
    {"expires-without-zone.xml", "info[1]/expires: '2026-06-15T08:00:00' is not a CAP time"},
    {"sent-impossible-date.xml", "'2026-02-30T02:00:00+08:00' is not a date and time that exists"},
    {"identifier-with-space.xml", "alert/identifier: '3307 0241' must not contain spaces"},
    {"polygon-not-closed.xml", "polygon[1]: is not closed"},
    {"polygon-three-points.xml", "polygon[1]: has 3 points; a polygon needs at least 4"},
    {"polygon-latitude-out-of-range.xml", "polygon[1]: point 1 is outside latitude -90..90"},
    {"circle-without-radius.xml", "circle[1]: '29.01,119.55' is not 'lat,lon radius'"},
    {"ceiling-without-altitude.xml", "ceiling: needs <altitude>"},
    {"two-infos-two-hazards.xml",
     "line 47: alert/info[2]/event: is the hazard geological_hazard, but alert/info[1] in the same language is rainstorm"},
    {"hazard-not-recognisable.xml", "info[1]/event: cannot tell the hazard"},
    {"haze-code-has-no-plans.xml", "eventCode: 11B19 (霾) is not a hazard jiaoying calls out for"},
    {"colour-parameter-disagrees-with-code-suffix.xml", "预警级别 = 红色 (red) disagrees with eventCode 11B0302 (yellow)"},
    {"level-unknowable.xml", "info[1]/severity: cannot tell the colour level"},
    {"level-parameter-ambiguous-number.xml", "parameter: level: '4' is ambiguous"},
    {"event-code-suffix-out-of-range.xml", "colour suffix 05 is not one of 01 blue"},
    {"forest-fire-grade-below-warning.xml", "forest fire danger grade 二 is below warning level"},
    {"no-area-to-call-out.xml", "info[1]/area: no area to call out"},
    {"geocode-seven-digits.xml", "geocode: 行政区划代码 '3307021' is not a division code"},
    {"not-well-formed-mismatched-tag.xml", "line 24: is not well-formed XML: Start-end tags mismatch"},
    {"truncated.xml", "is not well-formed XML"},
    {"encoding-gb2312.xml", "encoding 'gb2312' is not read"},
    {"encoding-name-not-a-name.xml", "the XML declaration names no encoding XML allows"},  // found by cap_fuzz
    {"utf16.xml", "UTF-16"},
    {"invalid-utf8-bytes.xml", "line 12: byte 0xB1 at offset 388 is not UTF-8"},
    {"bom-but-declares-latin1.xml", "byte-order mark but declares encoding 'iso-8859-1'"},
    {"text-after-root.xml", "line 47: holds text outside the root element"},
    {"two-root-elements.xml", "a second root element <alert>"},
    {"element-after-signature.xml", "alert/note: comes after the XML signature"},
    {"text-between-elements.xml", "alert: holds text 'stray text' where only elements belong"},
    {"element-inside-simple-element.xml", "info[1]/event: must hold text, not elements"},
    {"control-character-reference.xml", "headline: holds control character 0x01"},
    {"empty-file.xml", "is empty"},
};

}  // namespace

TEST_CASE("every valid corpus file reads as the warning its name promises") {
  std::set<std::string> covered;
  for (const auto& c : kValid) {
    CAPTURE(c.file);
    covered.insert(c.file);
    Warning w = must_parse(std::string("valid/") + c.file);
    CHECK(w.format == "cap");
    CHECK(w.hazard == c.hazard);
    CHECK(w.has_info == (std::string(c.hazard) != ""));
    if (w.has_info) CHECK(w.level == c.level);
    CHECK(w.status == c.status);
    CHECK(w.msg_type == c.type);
  }
  CHECK(covered == files_in("valid"));  // a new corpus file needs its row here
}

TEST_CASE("every invalid corpus file is refused with the message that names its fault") {
  std::set<std::string> covered;
  for (const auto& c : kInvalid) {
    CAPTURE(c.file);
    covered.insert(c.file);
    auto r = parse_cap(read_corpus(std::string("invalid/") + c.file));
    CHECK_FALSE(r.warning);
    CHECK_MESSAGE(r.error.text().find(c.fragment) != std::string::npos, r.error.text());
  }
  CHECK(covered == files_in("invalid"));
}

TEST_CASE("a CMA-style red rainstorm warning is read with its townships, times and event code") {
  Warning w = must_parse("valid/rainstorm-red-11B03-geocodes.xml");
  CHECK(w.identifier == "33070241600000_20260615020000");
  CHECK(w.sender == "wucheng-met@jinhua.zj");
  CHECK(format_china_time(w.sent) == "2026-06-15T02:00:00+08:00");
  CHECK(w.source == "meteorology");
  CHECK(w.event == "暴雨");
  CHECK(w.event_code == "11B03");
  CHECK(w.language == "zh-CN");
  CHECK(w.areas == std::vector<std::string>{"330702102", "330702204"});
  CHECK(w.headline == "婺城区气象台发布暴雨红色预警信号");
  REQUIRE(w.expires);
  CHECK(format_china_time(*w.expires) == "2026-06-15T08:00:00+08:00");
  CHECK_FALSE(w.onset);
  CHECK(w.references.empty());
}

TEST_CASE("several infos of one hazard in one language are one warning: the worst level, every area") {
  Warning w = must_parse("valid/two-infos-one-hazard-by-area.xml");
  CHECK(w.level == Level::red);                                    // the second block's
  CHECK(w.headline == "婺城区气象台发布暴雨红色预警信号");          // and its words
  CHECK(w.areas == std::vector<std::string>{"330702204", "330702102"});  // both blocks', in feed order
  REQUIRE(w.expires);
  CHECK(format_china_time(*w.expires) == "2026-06-15T11:00:00+08:00");  // the later expiry
  REQUIRE(w.other_infos.size() == 1);
  CHECK(w.other_infos[0].headline == "婺城区气象台发布暴雨橙色预警信号");  // kept beside it
  // A block that never lapses keeps the whole warning open.
  std::string doc = read_corpus("valid/two-infos-one-hazard-by-area.xml");
  doc = with(doc, "<expires>2026-06-15T08:00:00+08:00</expires>", "");
  auto r = parse_cap(doc);
  REQUIRE(r.warning);
  CHECK_FALSE(r.warning->expires);
}

TEST_CASE("empty optional elements read as left out: no references, no sender name, the same warning") {
  // Shaped like a national agency's feed that writes every optional string element on every
  // message, empty when it has nothing to say (CAP 1.2's XSD types them xs:string).
  Warning empty = must_parse("valid/empty-optional-elements.xml");
  Warning plain = must_parse("valid/rainstorm-red-11B03-geocodes.xml");
  CHECK(empty.references.empty());
  CHECK(empty.sender_name.empty());
  CHECK(empty.areas == plain.areas);
  CHECK(empty.headline == plain.headline);
  CHECK(empty.hazard == plain.hazard);
  CHECK(empty.level == plain.level);
}

TEST_CASE("a prefixed namespace, a BOM, one line and comments before the root read as the same warning") {
  const std::string base = warning_to_json(must_parse("valid/rainstorm-red-11B03-geocodes.xml"));
  for (const char* file : {"valid/prefixed-namespace-cap.xml", "valid/utf8-bom.xml", "valid/one-line.xml",
                           "valid/comments-before-root.xml"}) {
    CAPTURE(file);
    CHECK(warning_to_json(must_parse(file)) == base);
  }
}

TEST_CASE("ISO-8859-1 is transcoded to UTF-8") {
  Warning w = must_parse("valid/iso-8859-1-declared.xml");
  CHECK(w.headline == "Rainstorm red warning for the Zône d'essai");
  CHECK(w.description.find("très") != std::string::npos);
}

TEST_CASE("the zh-CN info is the warning and the other languages are kept beside it") {
  Warning w = must_parse("valid/en-US-before-zh-CN-infos.xml");
  CHECK(w.language == "zh-CN");
  CHECK(w.headline == "婺城区气象台发布暴雨红色预警信号");
  REQUIRE(w.other_infos.size() == 1);
  CHECK(w.other_infos[0].language == "en-US");
  CHECK(w.other_infos[0].event == "Rainstorm");
  CHECK(w.other_infos[0].headline == "Wucheng: rainstorm red warning");
}

TEST_CASE("an Update names the warning it changes and carries the new expiry") {
  Warning w = must_parse("valid/update-references-earlier.xml");
  REQUIRE(w.references.size() == 1);
  CHECK(w.references[0].sender == "wucheng-met@jinhua.zj");
  CHECK(w.references[0].identifier == "33070241600000_20260615020000");
  CHECK(format_china_time(w.references[0].sent) == "2026-06-15T02:00:00+08:00");
  CHECK(format_china_time(*w.expires) == "2026-06-15T11:00:00+08:00");
}

TEST_CASE("a Cancel without info is accepted and references what it cancels") {
  Warning w = must_parse("valid/cancel-without-info.xml");
  CHECK(w.msg_type == MsgType::cancel);
  CHECK_FALSE(w.has_info);
  CHECK(w.hazard.empty());
  CHECK(w.areas.empty());
  REQUIRE(w.references.size() == 1);
  CHECK(w.references[0].identifier == "33070241600000_20260615020000");
}

TEST_CASE("Exercise and Test warnings keep their status, apart from Actual") {
  CHECK(must_parse("valid/exercise-drill.xml").status == WarningStatus::exercise);
  CHECK(must_parse("valid/test-status.xml").status == WarningStatus::test);
  CHECK(must_parse("valid/rainstorm-red-11B03-geocodes.xml").status == WarningStatus::actual);
}

TEST_CASE("polygon and circle areas are kept as geometry, latitude first") {
  Warning w = must_parse("valid/flash-flood-11A51-polygon-circle.xml");
  CHECK(w.areas.empty());
  REQUIRE(w.polygons.size() == 1);
  REQUIRE(w.polygons[0].points.size() == 5);
  CHECK(w.polygons[0].points[0].lat == doctest::Approx(29.05));
  CHECK(w.polygons[0].points[0].lon == doctest::Approx(119.5));
  REQUIRE(w.circles.size() == 1);
  CHECK(w.circles[0].centre.lat == doctest::Approx(29.01));
  CHECK(w.circles[0].radius_km == doctest::Approx(8.5));
}

TEST_CASE("an XML signature is kept byte for byte, and not taken for verified") {
  const std::string raw = read_corpus("valid/xml-signature-kept.xml");
  Warning w = must_parse("valid/xml-signature-kept.xml");
  CHECK(w.signature_xml.starts_with("<ds:Signature xmlns:ds="));
  CHECK(w.signature_xml.ends_with("</ds:Signature>"));
  CHECK(raw.find(w.signature_xml) != std::string::npos);
}

TEST_CASE("division codes padded to 12 digits lose the padding; other geocode schemes are ignored") {
  Warning w = must_parse("valid/geocode-padded-12-digits.xml");
  CHECK(w.areas == std::vector<std::string>{"330702", "330702102"});
}

TEST_CASE("a DOCTYPE is refused before parsing, even a harmless one") {
  auto r = parse_cap(with(kBase, "<alert ", "<!DOCTYPE alert>\n<alert "));
  CHECK_FALSE(r.warning);
  CHECK(r.error.line == 2);
  CHECK(r.error.message.starts_with("DOCTYPE is refused"));
}

TEST_CASE("CAP 1.1 is refused naming the version and what to ask for") {
  auto r = parse_cap(with(kBase, "cap:1.2", "cap:1.1"));
  CHECK(r.error.text() ==
        "line 2: alert: is CAP 1.1 (urn:oasis:names:tc:emergency:cap:1.1); jiaoying reads CAP 1.2, as "
        "GB/T 35965.1-2018 requires: ask the sender for 1.2");
}

TEST_CASE("times in -00:00 are UTC; Z is refused with the CAP spelling") {
  auto utc = parse_cap(with(kBase, "2026-06-15T02:00:00+08:00", "2026-06-14T18:00:00-00:00"));
  REQUIRE(utc.warning);
  CHECK(format_china_time(utc.warning->sent) == "2026-06-15T02:00:00+08:00");
  auto z = parse_cap(with(kBase, "2026-06-15T02:00:00+08:00", "2026-06-14T18:00:00Z"));
  CHECK(z.error.field == "alert/sent");
  CHECK(z.error.line == 5);
}

TEST_CASE("a missing info language reads as unstated, and a headline falls back to the event") {
  auto r = parse_cap(kBase);
  REQUIRE(r.warning);
  CHECK(r.warning->language.empty());
  CHECK(r.warning->headline == "暴雨");
  CHECK(r.warning->level == Level::red);  // from severity Extreme: nothing else says
}

TEST_CASE("an unbound or undeclared default namespace on a child is refused") {
  auto r = parse_cap(with(kBase, "<scope>Public</scope>", "<scope xmlns=\"\">Public</scope>"));
  CHECK(r.error.text() == "line 8: alert/scope: is in no namespace; CAP elements are in "
                          "urn:oasis:names:tc:emergency:cap:1.2");
}

TEST_CASE("a Status of System without info is accepted as a heartbeat, with nothing to call out") {
  Warning w = must_parse("valid/system-heartbeat-without-info.xml");
  CHECK_FALSE(w.has_info);
  CHECK(w.status == WarningStatus::system);
}

TEST_CASE("every warning read from CAP writes to JSON and reads back as the same warning") {
  for (const auto& entry : fs::directory_iterator(kCorpus / "valid")) {
    CAPTURE(entry.path().filename().string());
    Warning w = must_parse("valid/" + entry.path().filename().string());
    const std::string json = warning_to_json(w);
    auto again = parse_warning_json(json);
    INFO(again.error.text());
    REQUIRE(again.warning);
    CHECK(warning_to_json(*again.warning) == json);
    CHECK(again.warning->format == "cap");
    CHECK(again.warning->has_info == w.has_info);
  }
}

TEST_CASE("input that is not CAP at all is refused, never crashes") {
  for (std::string junk : {std::string(""), std::string("<"), std::string("<a"), std::string("\xEF\xBB\xBF"),
                           std::string("<?xml version=\"1.0\"?>"), std::string(1, '\0'),
                           std::string("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>"),
                           std::string("<![CDATA[x]]>")}) {
    auto r = parse_cap(junk);
    CHECK_FALSE(r.warning);
    CHECK_FALSE(r.error.message.empty());
  }
}

TEST_CASE("a root with thousands of namespace declarations is refused at once, not searched") {
  std::string attrs;
  for (int i = 0; i < 65; ++i) attrs += " xmlns:p" + std::to_string(i) + "=\"urn:x:" + std::to_string(i) + "\"";
  auto r = parse_cap(with(kBase, "<alert ", "<alert" + attrs + " "));
  CHECK(r.error.text() == "line 2: alert: has more than 64 attributes; CAP elements carry none but namespace "
                          "declarations");
}

TEST_CASE("more than 16 info blocks are refused before any is read") {
  const size_t from = kBase.find("  <info>"), to = kBase.find("</alert>");
  std::string infos;
  for (int i = 0; i < 17; ++i)
    infos += with(kBase.substr(from, to - from), "<category>", "<language>x-" + std::to_string(i) + "</language><category>");
  auto r = parse_cap(kBase.substr(0, from) + infos + "</alert>\n");
  CHECK(r.error.text().find("alert: has more than 16 <info> blocks") != std::string::npos);
}

// Alerts published by national agencies (tests/data/cap/realworld/README.md says where each
// came from). None is Chinese, so none can be called out; what matters is that each is
// classified for what it is: a valid CAP 1.2 alert the China profile cannot use (every CAP rule
// passed — the profile is applied last), or not CAP 1.2 at all.
TEST_CASE("real-world alerts from national agencies are classified, with the reason") {
  struct RealWorldCase {
    const char* file;
    const char* fragment;
  };
  const RealWorldCase cases[] = {
      {"eccc-wind-warning-update-en-fr-signed.xml",
       "line 21: alert/info[1]/event: cannot tell the hazard"},
      {"ntwc-tsunami-cancellation.xml", "line 14: alert/info[1]/event: cannot tell the hazard"},
      {"nws-severe-thunderstorm.xml", "line 11: alert/info[1]/event: cannot tell the hazard"},
      {"usgs-caltech-earthquake-update.xml", "alert/info[1]/event: cannot tell the hazard"},
      {"dhs-homeland-security-advisory.xml", "alert/info[1]/event: cannot tell the hazard"},
      {"lapd-amber-alert-en-es.xml", "alert/info[1]/event: cannot tell the hazard"},
      {"nws-blizzard-warning-cap-1.1.xml", "line 15: alert: is CAP 1.1"},
  };
  std::set<std::string> covered;
  for (const auto& c : cases) {
    CAPTURE(c.file);
    covered.insert(c.file);
    auto r = parse_cap(read_corpus(std::string("realworld/") + c.file));
    CHECK_FALSE(r.warning);
    CHECK_MESSAGE(r.error.text().find(c.fragment) != std::string::npos, r.error.text());
    const bool is_cap_1_2 = std::string(c.fragment).find("CAP 1.1") == std::string::npos;
    CHECK((r.error.text().find("valid CAP 1.2, but outside the China profile") != std::string::npos) ==
          is_cap_1_2);
  }
  CHECK(covered == files_in("realworld"));
}

TEST_CASE("a real agency's alert becomes callable once it carries the China profile's codes") {
  // The ECCC alert as it would read had a Chinese agency sent it: a national event code and a
  // division code. Everything else — two languages, CAP-CP codes and layers, empty elements,
  // long polygons, the enveloped X.509 signature — is the agency's own.
  std::string eccc = read_corpus("realworld/eccc-wind-warning-update-en-fr-signed.xml");
  eccc = with(eccc, "<language>en-CA</language>", "<language>zh-CN</language>");
  eccc = with(eccc, "<valueName>SAME</valueName>\n            <value>HWW</value>",
              "<valueName>国家预警信息类型</valueName>\n            <value>11B0602</value>");
  eccc = with(eccc, "<valueName>profile:CAP-CP:Location:0.3</valueName>\n                <value>4818005</value>",
              "<valueName>行政区划代码</valueName>\n                <value>330702</value>");
  auto r = parse_cap(eccc);
  INFO(r.error.text());
  REQUIRE(r.warning);
  CHECK(r.warning->hazard == "gale");
  CHECK(r.warning->level == Level::yellow);
  CHECK(r.warning->msg_type == MsgType::update);
  CHECK(r.warning->references.size() == 1);
  CHECK(r.warning->areas == std::vector<std::string>{"330702"});
  CHECK(r.warning->polygons.size() == 2);
  CHECK(r.warning->other_infos.size() == 1);
  CHECK(r.warning->signature_xml.find("<X509Certificate>") != std::string::npos);
}
