#include "rules/warning.h"

#include <boost/json.hpp>
#include <cctype>

namespace jiaoying {

namespace json = boost::json;

std::optional<Level> parse_level(std::string_view name) {
  if (name == "blue") return Level::blue;
  if (name == "yellow") return Level::yellow;
  if (name == "orange") return Level::orange;
  if (name == "red") return Level::red;
  return std::nullopt;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::blue: return "blue";
    case Level::yellow: return "yellow";
    case Level::orange: return "orange";
    case Level::red: return "red";
  }
  return "unknown";
}

std::string_view level_zh(Level level) {
  switch (level) {
    case Level::blue: return "蓝色";
    case Level::yellow: return "黄色";
    case Level::orange: return "橙色";
    case Level::red: return "红色";
  }
  return "未知";
}

const std::vector<HazardInfo>& known_hazards() {
  static const std::vector<HazardInfo> table = {
      {"rainstorm", "暴雨"},          {"thunderstorm_gale", "雷雨大风"}, {"typhoon", "台风"},
      {"gale", "大风"},               {"lightning", "雷电"},             {"hail", "冰雹"},
      {"heat", "高温"},               {"cold_wave", "寒潮"},             {"snowstorm", "暴雪"},
      {"fog", "大雾"},                {"road_icing", "道路结冰"},        {"drought", "干旱"},
      {"flood", "洪水"},              {"waterlogging", "内涝"},          {"flash_flood", "山洪"},
      {"geological_hazard", "地质灾害"}, {"forest_fire", "森林火险"},    {"safety_risk", "安全生产风险"},
  };
  return table;
}

const HazardInfo* find_hazard(std::string_view code) {
  for (const auto& h : known_hazards())
    if (h.code == code) return &h;
  return nullptr;
}

bool is_division_code(std::string_view code) {
  if (code.size() != 6 && code.size() != 9 && code.size() != 12) return false;
  for (char c : code)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

namespace {

// Reads a required non-empty string field; sets err and returns false otherwise.
bool read_string(const json::object& o, std::string_view key, std::string& out, FieldError& err,
                 bool required = true, size_t max_len = 4096) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (!required) return true;
    err = {std::string(key), "is required"};
    return false;
  }
  if (!v->is_string()) {
    err = {std::string(key), "must be a string"};
    return false;
  }
  out = std::string(v->as_string());
  if (required && out.empty()) {
    err = {std::string(key), "must not be empty"};
    return false;
  }
  if (out.size() > max_len) {
    err = {std::string(key), "is longer than " + std::to_string(max_len) + " bytes"};
    return false;
  }
  return true;
}

bool is_token(std::string_view s) {  // CAP forbids spaces, commas, '<' and '&' in ids
  for (char c : s)
    if (c == ' ' || c == ',' || c == '<' || c == '&' || static_cast<unsigned char>(c) < 0x20)
      return false;
  return true;
}

}  // namespace

WarningParse parse_warning_json(std::string_view body) {
  WarningParse result;
  FieldError& err = result.error;
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) {
    err = {"", "body is not valid JSON: " + ec.message()};
    return result;
  }
  if (!root.is_object()) {
    err = {"", "body must be a JSON object"};
    return result;
  }
  const auto& o = root.as_object();
  static const std::vector<std::string_view> allowed = {
      "identifier", "sender", "sent", "source", "hazard", "level", "areas", "headline", "description"};
  for (const auto& kv : o) {
    bool known = false;
    for (auto a : allowed) known = known || kv.key() == a;
    if (!known) {
      err = {std::string(kv.key()), "is not a field of a warning"};
      return result;
    }
  }
  Warning w;
  std::string sent, level, hazard;
  if (!read_string(o, "identifier", w.identifier, err, true, 256)) return result;
  if (!is_token(w.identifier)) {
    err = {"identifier", "must not contain spaces, commas, '<' or '&'"};
    return result;
  }
  if (!read_string(o, "sender", w.sender, err, true, 256)) return result;
  if (!is_token(w.sender)) {
    err = {"sender", "must not contain spaces, commas, '<' or '&'"};
    return result;
  }
  if (!read_string(o, "sent", sent, err)) return result;
  auto sent_at = parse_iso8601(sent);
  if (!sent_at) {
    err = {"sent", "must be a time like 2026-06-15T02:00:00+08:00"};
    return result;
  }
  w.sent = *sent_at;
  if (!read_string(o, "source", w.source, err, true, 64)) return result;
  if (!read_string(o, "hazard", hazard, err)) return result;
  if (!find_hazard(hazard)) {
    std::string names;
    for (const auto& h : known_hazards()) names += (names.empty() ? "" : ", ") + std::string(h.code);
    err = {"hazard", "'" + hazard + "' is not a known hazard (" + names + ")"};
    return result;
  }
  w.hazard = hazard;
  if (!read_string(o, "level", level, err)) return result;
  auto lv = parse_level(level);
  if (!lv) {
    err = {"level", "'" + level + "' must be one of blue, yellow, orange, red"};
    return result;
  }
  w.level = *lv;
  const json::value* areas = o.if_contains("areas");
  if (!areas) {
    err = {"areas", "is required"};
    return result;
  }
  if (!areas->is_array() || areas->as_array().empty()) {
    err = {"areas", "must be a non-empty array of division codes"};
    return result;
  }
  const auto& arr = areas->as_array();
  if (arr.size() > 10'000) {
    err = {"areas", "has more than 10000 entries"};
    return result;
  }
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string field = "areas[" + std::to_string(i) + "]";
    if (!arr[i].is_string() || !is_division_code(arr[i].as_string())) {
      err = {field, "must be a division code of 6, 9 or 12 digits"};
      return result;
    }
    std::string code(arr[i].as_string());
    for (const auto& seen : w.areas)
      if (seen == code) {
        err = {field, "repeats " + code};
        return result;
      }
    w.areas.push_back(std::move(code));
  }
  if (!read_string(o, "headline", w.headline, err, true, 512)) return result;
  if (!read_string(o, "description", w.description, err, false, 16384)) return result;
  result.warning = std::move(w);
  return result;
}

std::string warning_to_json(const Warning& w) {
  json::array areas;
  for (const auto& a : w.areas) areas.emplace_back(a);
  json::object o{{"identifier", w.identifier},
                 {"sender", w.sender},
                 {"sent", format_china_time(w.sent)},
                 {"source", w.source},
                 {"hazard", w.hazard},
                 {"level", level_name(w.level)},
                 {"areas", std::move(areas)},
                 {"headline", w.headline},
                 {"description", w.description}};
  return json::serialize(o);
}

}  // namespace jiaoying
