#include "rules/warning.h"

#include <fmt/format.h>

#include <algorithm>

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <set>

#include "rules/json_text.h"

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

namespace {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr EnumName<WarningStatus> kStatusNames[] = {{WarningStatus::actual, "actual"},
                                                    {WarningStatus::exercise, "exercise"},
                                                    {WarningStatus::system, "system"},
                                                    {WarningStatus::test, "test"},
                                                    {WarningStatus::draft, "draft"}};
constexpr EnumName<MsgType> kMsgTypeNames[] = {{MsgType::alert, "alert"},
                                               {MsgType::update, "update"},
                                               {MsgType::cancel, "cancel"},
                                               {MsgType::ack, "ack"},
                                               {MsgType::error, "error"}};

template <typename E, size_t N>
std::optional<E> enum_from(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return e.value;
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view enum_to(const EnumName<E> (&table)[N], E value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return "unknown";
}

template <typename E, size_t N>
std::string enum_list(const EnumName<E> (&table)[N]) {
  std::string out;
  for (const auto& e : table) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

}  // namespace

std::optional<WarningStatus> parse_status(std::string_view name) {
  return enum_from(kStatusNames, name);
}
std::string_view status_name(WarningStatus status) { return enum_to(kStatusNames, status); }
std::optional<MsgType> parse_msg_type(std::string_view name) {
  return enum_from(kMsgTypeNames, name);
}
std::string_view msg_type_name(MsgType type) { return enum_to(kMsgTypeNames, type); }

bool is_division_code(std::string_view code) {
  if (code.size() != 6 && code.size() != 9 && code.size() != 12) return false;
  for (char c : code)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  // GB/T 2260's provinces: 11–15 north, 21–23 north-east, 31–37 east, 41–46 centre-south,
  // 50–54 south-west, 61–65 north-west, 71 Taiwan, 81 Hong Kong, 82 Macao.
  const int province = (code[0] - '0') * 10 + (code[1] - '0');
  static constexpr std::pair<int, int> kProvinces[] = {{11, 15}, {21, 23}, {31, 37}, {41, 46},
                                                       {50, 54}, {61, 65}, {71, 71}, {81, 82}};
  return std::any_of(std::begin(kProvinces), std::end(kProvinces),
                     [&](auto r) { return province >= r.first && province <= r.second; });
}

bool is_cap_token(std::string_view s) {
  for (char c : s)
    if (c == ' ' || c == ',' || c == '<' || c == '&' || static_cast<unsigned char>(c) < 0x20 ||
        c == 0x7f)
      return false;
  return true;
}

bool is_plausible_time(TimePoint t) {
  // 1900-01-01T00:00:00Z and 9000-01-01T00:00:00Z.
  return to_epoch_ms(t) >= -2'208'988'800'000 && to_epoch_ms(t) < 221'845'392'000'000;
}

namespace {

bool point_in_range(const GeoPoint& p) {
  return std::isfinite(p.lat) && std::isfinite(p.lon) && p.lat >= -90 && p.lat <= 90 &&
         p.lon >= -180 && p.lon <= 180;
}

}  // namespace

GeoPoint rounded(GeoPoint p) {
  // + 0.0 turns -0.0 into 0.0, which writes as "0E0" both times.
  return {std::round(p.lat * 1e7) / 1e7 + 0.0, std::round(p.lon * 1e7) / 1e7 + 0.0};
}

double rounded_km(double radius_km) { return std::round(radius_km * 1e6) / 1e6 + 0.0; }

std::optional<std::string> polygon_error(const Polygon& polygon) {
  const auto& pts = polygon.points;
  if (pts.size() < 4)
    return "has " + std::to_string(pts.size()) +
           " points; a polygon needs at least 4, the last equal to the first";
  for (size_t i = 0; i < pts.size(); ++i)
    if (!point_in_range(pts[i]))
      return "point " + std::to_string(i + 1) + " is outside latitude -90..90, longitude -180..180";
  if (pts.front().lat != pts.back().lat || pts.front().lon != pts.back().lon)
    return "is not closed: the last point must equal the first";
  return std::nullopt;
}

std::optional<std::string> circle_error(const Circle& circle) {
  if (!point_in_range(circle.centre))
    return "centre is outside latitude -90..90, longitude -180..180";
  if (!std::isfinite(circle.radius_km) || circle.radius_km < 0 || circle.radius_km > 20'000)
    return "radius must be between 0 and 20000 km";
  return std::nullopt;
}

namespace {

// Only these may come without an event: they are about earlier warnings, or about the feed.
bool may_lack_info(WarningStatus status, MsgType type) {
  return type == MsgType::cancel || type == MsgType::ack || type == MsgType::error ||
         status == WarningStatus::system;
}

bool needs_references(MsgType type) { return type != MsgType::alert; }

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

bool present(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null();
}

bool read_time(const json::object& o, std::string_view key, std::optional<TimePoint>& out,
               FieldError& err, bool required) {
  std::string text;
  if (!read_string(o, key, text, err, required, 64)) return false;
  if (!present(o, key)) return true;
  auto t = parse_iso8601(text);
  if (!t) {  // malformed, or a day that does not exist (2026-02-31): both say what to write
    err = {std::string(key), "must be a time that exists, like 2026-06-15T02:00:00+08:00 (a day such as 02-31 is not one)"};
    return false;
  }
  if (!is_plausible_time(*t)) {
    err = {std::string(key), "must be between the years 1900 and 9000"};
    return false;
  }
  out = *t;
  return true;
}

bool read_token(const json::object& o, std::string_view key, std::string& out, FieldError& err,
                std::string_view field_prefix = "") {
  if (!read_string(o, key, out, err, true, 256)) {
    err.field = std::string(field_prefix) + err.field;
    return false;
  }
  if (!is_cap_token(out)) {
    err = {std::string(field_prefix) + std::string(key),
           "must not contain spaces, commas, '<' or '&'"};
    return false;
  }
  return true;
}

bool read_number(const json::value& v, double& out) {
  if (!v.is_number()) return false;
  boost::system::error_code ec;
  out = v.to_number<double>(ec);
  return !ec && std::isfinite(out);
}

bool read_references(const json::object& o, Warning& w, FieldError& err) {
  const json::value* v = o.if_contains("references");
  if (!v || v->is_null()) return true;
  if (!v->is_array()) {
    err = {"references", "must be an array of {sender, identifier, sent}"};
    return false;
  }
  const auto& arr = v->as_array();
  if (arr.size() > 1000) {
    err = {"references", "has more than 1000 entries"};
    return false;
  }
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string field = "references[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) {
      err = {field, "must be an object {sender, identifier, sent}"};
      return false;
    }
    const auto& ro = arr[i].as_object();
    for (const auto& kv : ro)
      if (kv.key() != "sender" && kv.key() != "identifier" && kv.key() != "sent") {
        err = {field + "." + std::string(kv.key()), "is not a field of a reference"};
        return false;
      }
    Reference r;
    std::optional<TimePoint> sent;
    if (!read_token(ro, "sender", r.sender, err, field + ".")) return false;
    if (!read_token(ro, "identifier", r.identifier, err, field + ".")) return false;
    if (!read_time(ro, "sent", sent, err, true)) {
      err.field = field + "." + err.field;
      return false;
    }
    r.sent = *sent;
    w.references.push_back(std::move(r));
  }
  return true;
}

bool read_polygons(const json::object& o, Warning& w, FieldError& err) {
  const json::value* v = o.if_contains("polygons");
  if (!v || v->is_null()) return true;
  if (!v->is_array() || v->as_array().size() > 1000) {
    err = {"polygons", "must be an array of at most 1000 polygons, each [[lat, lon], …]"};
    return false;
  }
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string field = "polygons[" + std::to_string(i) + "]";
    if (!arr[i].is_array() || arr[i].as_array().size() > 100'000) {
      err = {field, "must be an array of at most 100000 [lat, lon] points"};
      return false;
    }
    Polygon polygon;
    const auto& pts = arr[i].as_array();
    for (size_t j = 0; j < pts.size(); ++j) {
      GeoPoint p;
      const json::array* pair = pts[j].if_array();
      if (!pair || pair->size() != 2 || !read_number((*pair)[0], p.lat) ||
          !read_number((*pair)[1], p.lon)) {
        err = {field + "[" + std::to_string(j) + "]", "must be [lat, lon] in degrees"};
        return false;
      }
      polygon.points.push_back(rounded(p));
    }
    if (auto why = polygon_error(polygon)) {
      err = {field, *why};
      return false;
    }
    w.polygons.push_back(std::move(polygon));
  }
  return true;
}

bool read_circles(const json::object& o, Warning& w, FieldError& err) {
  const json::value* v = o.if_contains("circles");
  if (!v || v->is_null()) return true;
  if (!v->is_array() || v->as_array().size() > 1000) {
    err = {"circles", "must be an array of at most 1000 {lat, lon, radius_km}"};
    return false;
  }
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string field = "circles[" + std::to_string(i) + "]";
    const json::object* co = arr[i].if_object();
    Circle c;
    if (!co || co->size() != 3 || !co->if_contains("lat") || !co->if_contains("lon") ||
        !co->if_contains("radius_km") || !read_number(co->at("lat"), c.centre.lat) ||
        !read_number(co->at("lon"), c.centre.lon) ||
        !read_number(co->at("radius_km"), c.radius_km)) {
      err = {field, "must be {\"lat\": degrees, \"lon\": degrees, \"radius_km\": km}"};
      return false;
    }
    c.centre = rounded(c.centre);
    c.radius_km = rounded_km(c.radius_km);
    if (auto why = circle_error(c)) {
      err = {field, *why};
      return false;
    }
    w.circles.push_back(c);
  }
  return true;
}

bool read_other_infos(const json::object& o, Warning& w, FieldError& err) {
  const json::value* v = o.if_contains("other_infos");
  if (!v || v->is_null()) return true;
  if (!v->is_array() || v->as_array().size() > 16) {
    err = {"other_infos",
           "must be an array of at most 16 {language, event, headline, description}"};
    return false;
  }
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string field = "other_infos[" + std::to_string(i) + "]";
    const json::object* io = arr[i].if_object();
    if (!io) {
      err = {field, "must be an object {language, event, headline, description}"};
      return false;
    }
    for (const auto& kv : *io)
      if (kv.key() != "language" && kv.key() != "event" && kv.key() != "headline" &&
          kv.key() != "description") {
        err = {field + "." + std::string(kv.key()), "is not a field of an info text"};
        return false;
      }
    InfoText t;
    if (!read_string(*io, "language", t.language, err, false, 64) ||
        !read_string(*io, "event", t.event, err, false, 512) ||
        !read_string(*io, "headline", t.headline, err, false, 512) ||
        !read_string(*io, "description", t.description, err, false, 16384)) {
      err.field = field + "." + err.field;
      return false;
    }
    w.other_infos.push_back(std::move(t));
  }
  return true;
}

bool read_areas(const json::object& o, Warning& w, FieldError& err) {
  const bool has_geometry = !w.polygons.empty() || !w.circles.empty();
  const json::value* areas = o.if_contains("areas");
  if (!areas || areas->is_null()) {
    if (has_geometry || !w.has_info) return true;
    err = {"areas", "is required"};
    return false;
  }
  if (!areas->is_array() || (areas->as_array().empty() && w.has_info && !has_geometry)) {
    err = {"areas",
           has_geometry
               ? "must be an array of division codes"
               : "must be a non-empty array of division codes (or give polygons or circles)"};
    return false;
  }
  const auto& arr = areas->as_array();
  if (arr.size() > 10'000) {
    err = {"areas", "has more than 10000 entries"};
    return false;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string field = "areas[" + std::to_string(i) + "]";
    if (!arr[i].is_string() || !is_division_code(arr[i].as_string())) {
      err = {field, "must be a division code: 6, 9 or 12 digits beginning with a province's 11–82"};
      return false;
    }
    std::string code(arr[i].as_string());
    if (!seen.insert(code).second) {
      err = {field, "repeats " + code};
      return false;
    }
    w.areas.push_back(std::move(code));
  }
  return true;
}

bool is_event_code_text(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_language_tag(std::string_view s) {  // BCP 47 shape: letters, digits and hyphens
  if (s.size() > 35) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

}  // namespace

WarningParse parse_warning_json(std::string_view body) {
  WarningParse result;
  FieldError& err = result.error;
  boost::system::error_code ec;
  // The stream parser tells where it stopped: the fault is named by line and column.
  json::stream_parser parser;
  const size_t used = parser.write_some(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const size_t at = ec == json::error::extra_data ? used : std::min(used, body.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at; ++i) {
      if (body[i] == '\n') ++line, column = 1;
      else if ((static_cast<unsigned char>(body[i]) & 0xC0) != 0x80) ++column;  // characters, not bytes
    }
    err = {"", fmt::format("body is not valid JSON at column {}: {}", column, ec.message()), line};
    return result;
  }
  json::value root = parser.release();
  if (!root.is_object()) {
    err = {"", "body must be a JSON object"};
    return result;
  }
  const auto& o = root.as_object();
  static const std::vector<std::string_view> allowed = {
      "identifier", "sender",     "sent",       "source",    "hazard",      "level",
      "areas",      "headline",   "description", "status",   "msg_type",    "references",
      "effective",  "onset",      "expires",    "event",     "event_code",  "language",
      "polygons",   "circles",    "other_infos", "format",   "signature_xml", "sender_name"};
  for (const auto& kv : o) {
    bool known = false;
    for (auto a : allowed) known = known || kv.key() == a;
    if (!known) {
      err = {std::string(kv.key()), "is not a field of a warning"};
      return result;
    }
  }
  Warning w;
  std::string text, level, hazard;
  std::optional<TimePoint> sent;
  if (!read_token(o, "identifier", w.identifier, err)) return result;
  if (!read_token(o, "sender", w.sender, err)) return result;
  if (!read_time(o, "sent", sent, err, true)) return result;
  w.sent = *sent;

  if (!read_string(o, "status", text, err, false, 16)) return result;
  if (present(o, "status")) {
    auto status = parse_status(text);
    if (!status) {
      err = {"status", "'" + text + "' must be one of " + enum_list(kStatusNames)};
      return result;
    }
    w.status = *status;
  }
  text.clear();
  if (!read_string(o, "msg_type", text, err, false, 16)) return result;
  if (present(o, "msg_type")) {
    auto type = parse_msg_type(text);
    if (!type) {
      err = {"msg_type", "'" + text + "' must be one of " + enum_list(kMsgTypeNames)};
      return result;
    }
    w.msg_type = *type;
  }
  if (!read_references(o, w, err)) return result;
  if (needs_references(w.msg_type) && w.references.empty()) {
    err = {"references", "is required for " + std::string(msg_type_name(w.msg_type)) +
                             ": name the earlier warnings it is about"};
    return result;
  }

  w.has_info = present(o, "hazard") || !may_lack_info(w.status, w.msg_type);
  if (!w.has_info) {
    if (present(o, "level")) {
      err = {"level", "needs a hazard: a " + std::string(msg_type_name(w.msg_type)) +
                          " without a hazard carries no level"};
      return result;
    }
    if (!read_string(o, "source", w.source, err, false, 64)) return result;
  } else {
    if (!read_string(o, "source", w.source, err, true, 64)) return result;
    if (!read_string(o, "hazard", hazard, err)) return result;
    if (!find_hazard(hazard)) {
      std::string names;
      for (const auto& h : known_hazards())
        names += (names.empty() ? "" : ", ") + std::string(h.code);
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
  }
  // Geometry first: it decides whether an empty list of areas is acceptable.
  if (!read_polygons(o, w, err)) return result;
  if (!read_circles(o, w, err)) return result;
  if (!read_areas(o, w, err)) return result;
  if (!read_string(o, "headline", w.headline, err, w.has_info, 512)) return result;
  if (!read_string(o, "sender_name", w.sender_name, err, false, 256)) return result;
  if (!read_string(o, "description", w.description, err, false, 16384)) return result;

  if (!read_time(o, "effective", w.effective, err, false)) return result;
  if (!read_time(o, "onset", w.onset, err, false)) return result;
  if (!read_time(o, "expires", w.expires, err, false)) return result;
  if (!read_string(o, "event", w.event, err, false, 512)) return result;
  if (!read_string(o, "event_code", w.event_code, err, false, 32)) return result;
  if (!w.event_code.empty() && !is_event_code_text(w.event_code)) {
    err = {"event_code", "must be letters and digits, like 11B03"};
    return result;
  }
  if (!read_string(o, "language", w.language, err, false, 35)) return result;
  if (!is_language_tag(w.language)) {
    err = {"language", "must be a language tag like zh-CN"};
    return result;
  }
  if (!read_other_infos(o, w, err)) return result;
  text.clear();
  if (!read_string(o, "format", text, err, false, 8)) return result;
  if (present(o, "format")) {
    if (text != "json" && text != "cap") {
      err = {"format",
             "'" + text + "' must be json or cap (the format the warning was first read from)"};
      return result;
    }
    w.format = text;
  }
  if (!read_string(o, "signature_xml", w.signature_xml, err, false, 65536)) return result;
  result.warning = std::move(w);
  return result;
}

namespace {

json::value point_json(const GeoPoint& p) { return json::array{p.lat, p.lon}; }

}  // namespace

std::string warning_to_json(const Warning& w) {
  json::object o{
      {"identifier", w.identifier}, {"sender", w.sender}, {"sent", format_china_time(w.sent)}};
  if (w.status != WarningStatus::actual) o["status"] = status_name(w.status);
  if (w.msg_type != MsgType::alert) o["msg_type"] = msg_type_name(w.msg_type);
  if (!w.references.empty()) {
    json::array refs;
    for (const auto& r : w.references)
      refs.push_back(json::object{
          {"sender", r.sender}, {"identifier", r.identifier}, {"sent", format_china_time(r.sent)}});
    o["references"] = std::move(refs);
  }
  if (w.has_info || !w.source.empty()) o["source"] = w.source;
  if (w.has_info) {
    o["hazard"] = w.hazard;
    o["level"] = level_name(w.level);
  }
  if (w.has_info || !w.areas.empty()) {
    json::array areas;
    for (const auto& a : w.areas) areas.emplace_back(a);
    o["areas"] = std::move(areas);
  }
  if (w.has_info || !w.headline.empty()) o["headline"] = w.headline;
  if (!w.sender_name.empty()) o["sender_name"] = w.sender_name;
  if (w.has_info || !w.description.empty()) o["description"] = w.description;
  if (w.effective) o["effective"] = format_china_time(*w.effective);
  if (w.onset) o["onset"] = format_china_time(*w.onset);
  if (w.expires) o["expires"] = format_china_time(*w.expires);
  if (!w.event.empty()) o["event"] = w.event;
  if (!w.event_code.empty()) o["event_code"] = w.event_code;
  if (!w.language.empty()) o["language"] = w.language;
  if (!w.polygons.empty()) {
    json::array polygons;
    for (const auto& polygon : w.polygons) {
      json::array pts;
      for (const auto& p : polygon.points) pts.push_back(point_json(p));
      polygons.push_back(std::move(pts));
    }
    o["polygons"] = std::move(polygons);
  }
  if (!w.circles.empty()) {
    json::array circles;
    for (const auto& c : w.circles)
      circles.push_back(
          json::object{{"lat", c.centre.lat}, {"lon", c.centre.lon}, {"radius_km", c.radius_km}});
    o["circles"] = std::move(circles);
  }
  if (!w.other_infos.empty()) {
    json::array infos;
    for (const auto& t : w.other_infos)
      infos.push_back(json::object{{"language", t.language},
                                   {"event", t.event},
                                   {"headline", t.headline},
                                   {"description", t.description}});
    o["other_infos"] = std::move(infos);
  }
  if (w.format != "json") o["format"] = w.format;
  if (!w.signature_xml.empty()) o["signature_xml"] = w.signature_xml;
  return json_text(o);
}

}  // namespace jiaoying
