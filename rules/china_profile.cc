#include "rules/china_profile.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace jiaoying {

const std::vector<EventCodeInfo>& national_event_codes() {
  // From PROTOCOLS.md. 11B25 is unconfirmed; 11A*, 11D*, 11G01 come from a single source.
  // Codes with an empty hazard are known but have no plans in jiaoying: they are refused by
  // name rather than mistaken for something else.
  static const std::vector<EventCodeInfo> table = {
      {"11B01", "台风", "typhoon", "meteorology"},
      {"11B03", "暴雨", "rainstorm", "meteorology"},
      {"11B04", "暴雪", "snowstorm", "meteorology"},
      {"11B05", "寒潮", "cold_wave", "meteorology"},
      {"11B06", "大风", "gale", "meteorology"},
      {"11B07", "沙尘暴", "", "meteorology"},
      {"11B09", "高温", "heat", "meteorology"},
      {"11B14", "雷电", "lightning", "meteorology"},
      {"11B15", "冰雹", "hail", "meteorology"},
      {"11B16", "霜冻", "", "meteorology"},
      {"11B17", "大雾", "fog", "meteorology"},
      {"11B19", "霾", "", "meteorology"},
      {"11B20", "雷雨大风", "thunderstorm_gale", "meteorology"},
      {"11B21", "道路结冰", "road_icing", "meteorology"},
      {"11B22", "干旱", "drought", "meteorology"},
      {"11B25", "森林火险", "forest_fire", "meteorology"},
      {"11A01", "洪水", "flood", "water"},
      {"11A02", "内涝", "waterlogging", "water"},
      {"11A51", "山洪", "flash_flood", "water"},
      {"11D01", "地质灾害", "geological_hazard", "natural_resources"},
      {"11D02", "泥石流", "geological_hazard", "natural_resources"},
      {"11G01", "森林火灾", "forest_fire", "forestry"},
  };
  return table;
}

namespace {

// Event-text keywords, most specific first: "雷雨大风" must win over "大风", "山洪" over "洪水".
struct Keyword {
  std::string_view text;
  std::string_view hazard;
};
const std::vector<Keyword>& event_keywords() {
  static const std::vector<Keyword> table = {
      {"雷雨大风", "thunderstorm_gale"}, {"山洪", "flash_flood"},       {"地质灾害", "geological_hazard"},
      {"滑坡", "geological_hazard"},     {"泥石流", "geological_hazard"}, {"崩塌", "geological_hazard"},
      {"森林火险", "forest_fire"},       {"森林火灾", "forest_fire"},   {"森林草原火", "forest_fire"},
      {"内涝", "waterlogging"},          {"渍涝", "waterlogging"},      {"洪水", "flood"},
      {"暴雨", "rainstorm"},             {"暴雪", "snowstorm"},         {"台风", "typhoon"},
      {"大风", "gale"},                  {"雷电", "lightning"},         {"冰雹", "hail"},
      {"高温", "heat"},                  {"寒潮", "cold_wave"},         {"大雾", "fog"},
      {"道路结冰", "road_icing"},        {"干旱", "drought"},           {"安全生产", "safety_risk"},
      {"thunderstorm gale", "thunderstorm_gale"}, {"flash flood", "flash_flood"},
      {"geological hazard", "geological_hazard"}, {"landslide", "geological_hazard"},
      {"debris flow", "geological_hazard"},       {"forest fire", "forest_fire"},
      {"waterlogging", "waterlogging"},           {"flood", "flood"},
      {"rainstorm", "rainstorm"},                 {"snowstorm", "snowstorm"},
      {"typhoon", "typhoon"},                     {"gale", "gale"},
      {"lightning", "lightning"},                 {"hail", "hail"},
      {"heat", "heat"},                           {"cold wave", "cold_wave"},
      {"fog", "fog"},                             {"road icing", "road_icing"},
      {"drought", "drought"},
  };
  return table;
}

// The family that issues a hazard when no event code says so.
std::string_view default_source(std::string_view hazard) {
  if (hazard == "flood" || hazard == "waterlogging" || hazard == "flash_flood") return "water";
  if (hazard == "geological_hazard") return "natural_resources";
  if (hazard == "forest_fire") return "forestry";
  if (hazard == "safety_risk") return "emergency_management";
  return "meteorology";
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)); }

// Whole-word, case-insensitive search for an ASCII word in text.
bool has_word(std::string_view lower_text, std::string_view word) {
  for (size_t pos = lower_text.find(word); pos != std::string_view::npos;
       pos = lower_text.find(word, pos + 1)) {
    bool start_ok = pos == 0 || !is_word_char(lower_text[pos - 1]);
    size_t end = pos + word.size();
    bool end_ok = end == lower_text.size() || !is_word_char(lower_text[end]);
    if (start_ok && end_ok) return true;
  }
  return false;
}

constexpr std::string_view kLevelWordsZh[] = {"蓝色", "黄色", "橙色", "红色"};
constexpr std::string_view kLevelWordsEn[] = {"blue", "yellow", "orange", "red"};

Level level_at(size_t index) { return static_cast<Level>(index + 1); }

// The distinct colours a text names.
std::vector<Level> colours_in(std::string_view text) {
  std::vector<Level> out;
  const std::string lower = lower_ascii(text);
  for (size_t i = 0; i < 4; ++i)
    if (text.find(kLevelWordsZh[i]) != std::string_view::npos || has_word(lower, kLevelWordsEn[i]))
      out.push_back(level_at(i));
  return out;
}

// The grades a text names as "<numeral>级": 一…五, Ⅰ…Ⅴ, I…V, 1…5. Response levels
// ("Ⅳ级应急响应") are a different thing and skipped.
std::vector<int> grades_in(std::string_view text) {
  static constexpr std::string_view kJi = "级";
  static constexpr std::string_view kChinese[] = {"一", "二", "三", "四", "五"};
  static constexpr std::string_view kRoman[] = {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"};
  static constexpr std::string_view kAscii[] = {"I", "II", "III", "IV", "V"};
  std::vector<int> out;
  auto add = [&out](int g) {
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  };
  for (size_t pos = text.find(kJi); pos != std::string_view::npos; pos = text.find(kJi, pos + 1)) {
    std::string_view after = text.substr(pos + kJi.size());
    if (after.starts_with("应急") || after.starts_with("响应")) continue;
    std::string_view before = text.substr(0, pos);
    for (int g = 0; g < 5; ++g) {
      if (before.ends_with(kChinese[g]) || before.ends_with(kRoman[g])) add(g + 1);
    }
    size_t run = 0;  // ASCII Roman numerals or a single digit right before 级
    while (run < before.size() && run < 4 &&
           (before[before.size() - 1 - run] == 'I' || before[before.size() - 1 - run] == 'V'))
      ++run;
    if (run > 0 && (run == before.size() || !is_word_char(before[before.size() - 1 - run]))) {
      std::string_view numeral = before.substr(before.size() - run);
      for (int g = 0; g < 5; ++g)
        if (numeral == kAscii[g]) add(g + 1);
    } else if (!before.empty() && before.back() >= '1' && before.back() <= '5' &&
               (before.size() == 1 ||
                !std::isdigit(static_cast<unsigned char>(before[before.size() - 2])))) {
      add(before.back() - '0');
    }
  }
  return out;
}

// A whole value that is only a numeral: "三", "Ⅲ", "III".
std::optional<int> bare_grade(std::string_view value) {
  static constexpr std::string_view kForms[][3] = {
      {"一", "Ⅰ", "I"}, {"二", "Ⅱ", "II"}, {"三", "Ⅲ", "III"}, {"四", "Ⅳ", "IV"}, {"五", "Ⅴ", "V"}};
  for (int g = 0; g < 5; ++g)
    for (auto form : kForms[g])
      if (value == form) return g + 1;
  return std::nullopt;
}

const char* grade_zh(int grade) {
  static const char* names[] = {"一", "二", "三", "四", "五"};
  return names[grade - 1];
}

// A grade in the level system of the hazard. Forest fire danger has five grades and warns from
// 三 (yellow) up; every other system counts I (red) down to IV (blue).
std::optional<Level> grade_level(int grade, std::string_view hazard, std::string& why) {
  if (hazard == "forest_fire") {
    if (grade >= 3) return static_cast<Level>(grade - 1);
    why = std::string("forest fire danger grade ") + grade_zh(grade) +
          " is below warning level (warnings start at grade 三 = yellow)";
    return std::nullopt;
  }
  if (grade <= 4) return static_cast<Level>(5 - grade);
  why = "grade 五 exists only in the forest fire danger system (I 一 red … IV 四 blue here)";
  return std::nullopt;
}

// One explicit statement of the level, for naming it in a conflict.
struct LevelClaim {
  Level level;
  std::string field;  // the CAP element
  std::string what;   // "parameter 预警级别 = 红色"
};

std::string describe(const LevelClaim& c) {
  return c.what + " (" + std::string(level_name(c.level)) + ")";
}

// The level a text states, or nothing when it names none or several.
std::optional<Level> level_in_text(std::string_view text, std::string_view hazard,
                                   std::string& why) {
  std::vector<Level> levels = colours_in(text);
  if (hazard == "forest_fire" || hazard == "geological_hazard") {
    for (int g : grades_in(text)) {
      auto lv = grade_level(g, hazard, why);
      if (!lv) return std::nullopt;
      if (std::find(levels.begin(), levels.end(), *lv) == levels.end()) levels.push_back(*lv);
    }
  }
  if (levels.size() == 1) return levels.front();
  return std::nullopt;
}

bool is_level_parameter(std::string_view name) {
  std::string key;
  for (char c : lower_ascii(trim(name)))
    if (c != ' ' && c != '_' && c != '-') key += c;
  static constexpr std::string_view kNames[] = {
      "预警级别", "预警等级", "预警颜色", "级别",         "等级",        "颜色",
      "color",    "colour",   "level",    "warninglevel", "alertlevel",  "warningcolor",
      "warningcolour", "alertcolor", "alertcolour"};
  for (auto n : kNames)
    if (key == n) return true;
  return false;
}

// The level a colour parameter's value states: a colour, a grade, or both agreeing.
std::optional<Level> level_in_parameter(std::string_view raw, std::string_view hazard,
                                        std::string& why) {
  std::string_view value = trim(raw);
  std::vector<Level> levels;
  if (auto lv = level_from_colour_word(value)) levels.push_back(*lv);
  for (Level lv : colours_in(value))
    if (std::find(levels.begin(), levels.end(), lv) == levels.end()) levels.push_back(lv);
  std::vector<int> grades = grades_in(value);
  if (auto g = bare_grade(value)) grades.push_back(*g);
  for (int g : grades) {
    auto lv = grade_level(g, hazard, why);
    if (!lv) return std::nullopt;
    if (std::find(levels.begin(), levels.end(), *lv) == levels.end()) levels.push_back(*lv);
  }
  if (levels.size() == 1) return levels.front();
  if (levels.size() > 1) {
    why = "'" + std::string(value) + "' names more than one level";
    return std::nullopt;
  }
  bool digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  why = digits ? "'" + std::string(value) +
                     "' is ambiguous (is 1 the highest or the lowest?): write a colour (红色, red) "
                     "or a grade (Ⅰ级, 一级)"
               : "'" + std::string(value) +
                     "' is not a colour (红色/橙色/黄色/蓝色, red/orange/yellow/blue) or a grade "
                     "(Ⅰ级–Ⅳ级, 一级–四级)";
  return std::nullopt;
}

// A national code: two digits, a capital letter, two digits, optionally a two-digit colour.
bool is_national_code(std::string_view v) {
  if (v.size() != 5 && v.size() != 7) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    bool ok = i == 2 ? std::isupper(static_cast<unsigned char>(v[i]))
                     : std::isdigit(static_cast<unsigned char>(v[i]));
    if (!ok) return false;
  }
  return true;
}

const EventCodeInfo* find_code(std::string_view code) {
  for (const auto& row : national_event_codes())
    if (row.code == code) return &row;
  return nullptr;
}

std::string hazard_list() {
  std::string names;
  for (const auto& h : known_hazards()) names += (names.empty() ? "" : ", ") + std::string(h.code);
  return names;
}

std::optional<Level> level_from_severity(std::string_view severity) {
  if (severity == "Minor") return Level::blue;
  if (severity == "Moderate") return Level::yellow;
  if (severity == "Severe") return Level::orange;
  if (severity == "Extreme") return Level::red;
  return std::nullopt;
}

std::string_view hazard_from_text(std::string_view text) {
  const std::string lower = lower_ascii(text);
  for (const auto& k : event_keywords()) {
    bool ascii = static_cast<unsigned char>(k.text.front()) < 0x80;
    if (ascii ? has_word(lower, k.text) : text.find(k.text) != std::string_view::npos)
      return k.hazard;
  }
  return {};
}

// Geocode schemes other countries' agencies fill with digits: a US county's SAME/FIPS code
// ("006037") has the shape of a division code, so these are skipped by name, not by shape.
bool is_foreign_geocode_scheme(std::string_view name) {
  const std::string n = lower_ascii(trim(name));
  static constexpr std::string_view kNames[] = {"same", "fips6", "ugc", "nwsugc", "emma_id",
                                                "warncellid", "postcode", "zip"};
  static constexpr std::string_view kPrefixes[] = {"profile:cap-cp:location", "layer:ec-msc-smc",
                                                   "nuts", "iso3166", "iso 3166"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](auto k) { return n == k; }) ||
         std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [&](auto p) { return n.starts_with(p); });
}

ChinaMappingResult refuse(std::string field, std::string message) {
  ChinaMappingResult r;
  r.error = {std::move(field), std::move(message)};
  return r;
}

}  // namespace

std::optional<Level> level_from_colour_word(std::string_view word) {
  static constexpr std::string_view kSingle[] = {"蓝", "黄", "橙", "红"};
  const std::string lower = lower_ascii(trim(word));
  for (size_t i = 0; i < 4; ++i)
    if (lower == kLevelWordsZh[i] || lower == kSingle[i] || lower == kLevelWordsEn[i])
      return level_at(i);
  return std::nullopt;
}

std::string normalise_division_code(std::string_view code) {
  std::string out(code);
  if (out.size() == 12 && out.ends_with("000")) out.resize(9);
  if (out.size() == 9 && out.ends_with("000")) out.resize(6);
  return out;
}

ChinaMappingResult map_china_profile(const CapInfoFacts& info) {
  ChinaMapping m;

  // The national code, and its colour suffix if it has one.
  std::optional<LevelClaim> code_claim;
  for (const auto& ec : info.event_codes) {
    std::string value = std::string(trim(ec.value));
    for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!is_national_code(value)) continue;  // another scheme's code: not ours to read
    std::string base = value.substr(0, 5);
    if (!m.event_code.empty() && m.event_code != base)
      return refuse("eventCode", "names two national warning types, " + m.event_code + " and " +
                                     base + ": send one warning per type");
    m.event_code = base;
    if (value.size() == 7) {
      int suffix = (value[5] - '0') * 10 + (value[6] - '0');
      if (suffix < 1 || suffix > 4)
        return refuse("eventCode", value + ": colour suffix " + value.substr(5) +
                                       " is not one of 01 blue, 02 yellow, 03 orange, 04 red");
      LevelClaim claim{level_at(static_cast<size_t>(suffix - 1)), "eventCode",
                       "eventCode " + value};
      if (code_claim && code_claim->level != claim.level)
        return refuse("eventCode", describe(*code_claim) + " disagrees with " + describe(claim));
      code_claim = claim;
    }
  }

  // Hazard: the code's, else the event text's, else the headline's.
  const EventCodeInfo* row = m.event_code.empty() ? nullptr : find_code(m.event_code);
  if (row && row->hazard.empty())
    return refuse("eventCode", m.event_code + " (" + std::string(row->zh) +
                                   ") is not a hazard jiaoying calls out for; plans know " +
                                   hazard_list());
  if (row) {
    m.hazard = std::string(row->hazard);
    m.source = std::string(row->source);
  } else {
    std::string_view h = hazard_from_text(info.event);
    if (h.empty()) h = hazard_from_text(info.headline);
    if (h.empty()) {
      std::string code_part = m.event_code.empty()
                                  ? "no eventCode holds a national code (like 11B03)"
                                  : "eventCode " + m.event_code + " is not in the national table";
      return refuse("event", "cannot tell the hazard: " + code_part + ", and the event '" +
                                 info.event + "' names none of " + hazard_list() +
                                 " (see docs/cap-china-profile.md)");
    }
    m.hazard = std::string(h);
    m.source = std::string(default_source(h));
  }

  // Level: explicit claims must agree; severity only fills in.
  std::vector<LevelClaim> claims;
  std::string why;
  for (const auto& p : info.parameters) {
    if (!is_level_parameter(p.name)) continue;
    auto lv = level_in_parameter(p.value, m.hazard, why);
    if (!lv) return refuse("parameter", std::string(trim(p.name)) + ": " + why);
    claims.push_back(
        {*lv, "parameter",
         "parameter " + std::string(trim(p.name)) + " = " + std::string(trim(p.value))});
  }
  if (code_claim) claims.push_back(*code_claim);
  if (auto lv = level_in_text(info.event, m.hazard, why)) {
    claims.push_back({*lv, "event", "event '" + info.event + "'"});
  } else if (!why.empty()) {
    return refuse("event", why);
  } else if (auto hv = level_in_text(info.headline, m.hazard, why)) {
    claims.push_back({*hv, "headline", "headline '" + info.headline + "'"});
  } else if (!why.empty()) {
    return refuse("headline", why);
  }
  for (const auto& c : claims)
    if (c.level != claims.front().level)
      return refuse(c.field, describe(claims.front()) + " disagrees with " + describe(c));
  if (!claims.empty()) {
    m.level = claims.front().level;
  } else if (auto lv = level_from_severity(info.severity)) {
    m.level = *lv;
  } else {
    return refuse(
        "severity",
        "cannot tell the colour level: severity is " + info.severity +
            ", and no colour parameter, eventCode suffix, or colour in the event or headline");
  }

  // Areas: every geocode that holds a division code.
  std::set<std::string> seen;
  for (const auto& g : info.geocodes) {
    std::string_view value = trim(g.value);
    bool digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (!digits) continue;  // another scheme ("CN-ZJ"): nothing to call out by
    if (is_foreign_geocode_scheme(g.name)) continue;  // digits, but not ours (SAME, FIPS6, …)
    if (!is_division_code(value))
      return refuse("geocode", std::string(trim(g.name)) + " '" + std::string(value) +
                                   "' is not a division code (6, 9 or 12 digits, beginning with a province's 11–82)");
    std::string code = normalise_division_code(value);
    if (seen.insert(code).second) m.areas.push_back(std::move(code));
  }
  ChinaMappingResult r;
  r.mapping = std::move(m);
  return r;
}

}  // namespace jiaoying
