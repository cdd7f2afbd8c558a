#include "rules/cap.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <span>

#include "rules/cap_bytes.h"
#include "rules/china_profile.h"

namespace jiaoying {
namespace {

constexpr std::string_view kCap12 = "urn:oasis:names:tc:emergency:cap:1.2";
constexpr std::string_view kCap11 = "urn:oasis:names:tc:emergency:cap:1.1";
constexpr std::string_view kCap10 = "http://www.incident.com/cap/1.0";
constexpr std::string_view kDsig = "http://www.w3.org/2000/09/xmldsig#";

// One place in an XSD sequence: the element, and how often it may occur there.
constexpr int kMany = 1 << 30;
struct Slot {
  std::string_view name;
  int min;
  int max;
};

// The sequences of the CAP 1.2 XSD.
constexpr Slot kAlertSlots[] = {
    {"identifier", 1, 1}, {"sender", 1, 1},      {"sent", 1, 1},      {"status", 1, 1},
    {"msgType", 1, 1},    {"source", 0, 1},      {"scope", 1, 1},     {"restriction", 0, 1},
    {"addresses", 0, 1},  {"code", 0, kMany},    {"note", 0, 1},      {"references", 0, 1},
    {"incidents", 0, 1},  {"info", 0, kMany}};
constexpr Slot kInfoSlots[] = {
    {"language", 0, 1},         {"category", 1, kMany}, {"event", 1, 1},
    {"responseType", 0, kMany}, {"urgency", 1, 1},      {"severity", 1, 1},
    {"certainty", 1, 1},        {"audience", 0, 1},     {"eventCode", 0, kMany},
    {"effective", 0, 1},        {"onset", 0, 1},        {"expires", 0, 1},
    {"senderName", 0, 1},       {"headline", 0, 1},     {"description", 0, 1},
    {"instruction", 0, 1},      {"web", 0, 1},          {"contact", 0, 1},
    {"parameter", 0, kMany},    {"resource", 0, kMany}, {"area", 0, kMany}};
constexpr Slot kPairSlots[] = {{"valueName", 1, 1}, {"value", 1, 1}};
constexpr Slot kResourceSlots[] = {{"resourceDesc", 1, 1}, {"mimeType", 1, 1}, {"size", 0, 1},
                                   {"uri", 0, 1},          {"derefUri", 0, 1}, {"digest", 0, 1}};
constexpr Slot kAreaSlots[] = {{"areaDesc", 1, 1}, {"polygon", 0, kMany}, {"circle", 0, kMany},
                               {"geocode", 0, kMany}, {"altitude", 0, 1}, {"ceiling", 0, 1}};

// The enumerations, in the order of the model's enums where there is one.
constexpr std::string_view kStatus[] = {"Actual", "Exercise", "System", "Test", "Draft"};
constexpr std::string_view kMsgType[] = {"Alert", "Update", "Cancel", "Ack", "Error"};
constexpr std::string_view kScope[] = {"Public", "Restricted", "Private"};
constexpr std::string_view kCategory[] = {"Geo",    "Met",    "Safety",    "Security", "Rescue",
                                          "Fire",   "Health", "Env",       "Transport", "Infra",
                                          "CBRNE",  "Other"};
constexpr std::string_view kResponseType[] = {"Shelter", "Evacuate", "Prepare",  "Execute", "Avoid",
                                              "Monitor", "Assess",   "AllClear", "None"};
constexpr std::string_view kUrgency[] = {"Immediate", "Expected", "Future", "Past", "Unknown"};
constexpr std::string_view kSeverity[] = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"};
constexpr std::string_view kCertainty[] = {"Observed", "Likely", "Possible", "Unlikely", "Unknown"};

constexpr size_t kMaxInfos = 16;
constexpr size_t kMaxSignatureBytes = 65536;

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_space(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && is_xml_space(s[pos])) ++pos;
    size_t start = pos;
    while (pos < s.size() && !is_xml_space(s[pos])) ++pos;
    if (pos > start) out.push_back(s.substr(start, pos - start));
  }
  return out;
}

// Up to 40 bytes of a value for a message, cut on a UTF-8 character boundary. Messages end up
// in JSON answers, so a value that is not UTF-8 (a bad character reference) shows as '?'.
std::string excerpt(std::string_view s) {
  s = trim(s);
  std::string out(s);
  if (s.size() > 40) {
    size_t cut = 40;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    out = std::string(s.substr(0, cut)) + "…";
  }
  if (!is_valid_utf8(out))
    for (char& c : out)
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  return out;
}

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::string_view local_name(pugi::xml_node n) {
  std::string_view q = n.name();
  size_t colon = q.find(':');
  return colon == std::string_view::npos ? q : q.substr(colon + 1);
}

// Every element read has few attributes, so resolving a prefix through its ancestors stays
// cheap; a root with thousands of xmlns declarations would otherwise make each child a long
// search (a 3 MB file took 18 s before this limit).
constexpr size_t kMaxAttributes = 64;
constexpr std::string_view kTooManyAttributes =
    "has more than 64 attributes; CAP elements carry none but namespace declarations";

bool attributes_bounded(pugi::xml_node n) {
  size_t count = 0;
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute())
    if (++count > kMaxAttributes) return false;
  return true;
}

// The namespace an element is in: its prefix's (or the default) declaration on it or the
// nearest ancestor. nullopt for a prefix declared nowhere. pugixml knows no namespaces.
std::optional<std::string_view> namespace_of(pugi::xml_node n) {
  std::string_view q = n.name();
  size_t colon = q.find(':');
  std::string attr =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(q.substr(0, colon));
  for (pugi::xml_node e = n; e && e.type() == pugi::node_element; e = e.parent())
    if (pugi::xml_attribute a = e.attribute(attr.c_str())) return std::string_view(a.value());
  if (colon == std::string_view::npos) return std::string_view();
  return std::nullopt;
}

bool parse_number(std::string_view s, double& out) {
  if (s.starts_with('+')) s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

bool parse_point(std::string_view s, GeoPoint& p) {
  size_t comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  return parse_number(s.substr(0, comma), p.lat) && parse_number(s.substr(comma + 1), p.lon);
}

// CAP's time: exactly YYYY-MM-DDThh:mm:ss±hh:mm. Z and fractional seconds are refused
// (docs/cap-china-profile.md says why).
std::optional<TimePoint> parse_cap_time(std::string_view s, std::string& why) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd+dd:dd";
  bool shaped = s.size() == kShape.size();
  for (size_t i = 0; shaped && i < s.size(); ++i) {
    char want = kShape[i];
    if (want == 'd') shaped = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
    else if (want == '+') shaped = s[i] == '+' || s[i] == '-';
    else shaped = s[i] == want;
  }
  std::string quoted = "'" + excerpt(s) + "'";
  if (!shaped) {
    if (s.ends_with('Z') || s.ends_with('z'))
      why = quoted +
            " is not a CAP time: CAP writes UTC as -00:00, never Z (2026-06-14T18:00:00-00:00)";
    else if (s.size() > 19 && s[19] == '.')
      why = quoted + " is not a CAP time: CAP times have whole seconds (2026-06-15T02:00:00+08:00)";
    else
      why = quoted + " is not a CAP time like 2026-06-15T02:00:00+08:00";
    return std::nullopt;
  }
  int year = std::stoi(std::string(s.substr(0, 4)));
  int month = std::stoi(std::string(s.substr(5, 2)));
  int day = std::stoi(std::string(s.substr(8, 2)));
  auto t = parse_iso8601(s);
  if (!t || month < 1 || month > 12 || day > days_in_month(year, month)) {
    why = quoted + " is not a date and time that exists";
    return std::nullopt;
  }
  if (!is_plausible_time(*t)) {
    why = quoted + " is not between the years 1900 and 9000";
    return std::nullopt;
  }
  return t;
}

bool is_language_tag(std::string_view s) {
  if (s.empty() || s.size() > 35) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// An element's children, grouped by the slot of the sequence they filled.
struct Children {
  std::span<const Slot> slots;
  std::vector<std::vector<pugi::xml_node>> by_slot;
  std::vector<pugi::xml_node> dsig;  // xmldsig elements at the end of <alert>

  const std::vector<pugi::xml_node>& all(std::string_view name) const {
    for (size_t i = 0; i < slots.size(); ++i)
      if (slots[i].name == name) return by_slot[i];
    static const std::vector<pugi::xml_node> none;
    return none;
  }
  pugi::xml_node first(std::string_view name) const {
    const auto& nodes = all(name);
    return nodes.empty() ? pugi::xml_node() : nodes.front();
  }
};

// What one <info> holds that the warning may use.
struct InfoBlock {
  std::string sender_name;  // <senderName>: the issuing office in words
  pugi::xml_node node;
  std::string path;
  std::string language;
  CapInfoFacts facts;
  std::string description;
  std::optional<TimePoint> effective, onset, expires;
  std::vector<Polygon> polygons;
  std::vector<Circle> circles;
};

// Reads one document. Every method returns false after recording the first fault; nothing
// is thrown.
class CapReader {
 public:
  explicit CapReader(std::string_view doc) : doc_(doc) {}
  WarningParse read();

 private:
  bool fail(pugi::xml_node at, std::string field, std::string message);
  bool children(pugi::xml_node parent, std::span<const Slot> slots, const std::string& path,
                Children& out, bool allow_dsig = false);
  bool text(pugi::xml_node n, const std::string& path, std::string& out, size_t max_len = 16384);
  bool optional_text(const Children& c, std::string_view name, const std::string& path,
                     std::string& out, size_t max_len = 16384);
  bool enumerated(pugi::xml_node n, const std::string& path,
                  std::span<const std::string_view> allowed, size_t& index);
  bool time(pugi::xml_node n, const std::string& path, std::optional<TimePoint>& out);
  bool token(pugi::xml_node n, const std::string& path, std::string& out);
  bool root_is_cap(pugi::xml_node root);
  bool references(pugi::xml_node n, const std::string& path, std::vector<Reference>& out);
  bool pairs(const std::vector<pugi::xml_node>& nodes, const std::string& path,
             std::vector<NamedValue>& out);
  bool info(pugi::xml_node n, const std::string& path, InfoBlock& out);
  bool area(pugi::xml_node n, const std::string& path, InfoBlock& out);
  bool resource(pugi::xml_node n, const std::string& path);
  bool signatures(const std::vector<pugi::xml_node>& nodes, std::string& out);
  bool compose(std::vector<InfoBlock>& infos, pugi::xml_node root, Warning& w);
  void take_texts(std::vector<InfoBlock>& infos, size_t primary, Warning& w);
  bool mapping_fault(const InfoBlock& info, const FieldError& error);
  size_t line_of(pugi::xml_node n) const;

  std::string_view doc_;
  FieldError error_;
};

size_t CapReader::line_of(pugi::xml_node n) const {
  ptrdiff_t offset = n.offset_debug();
  return offset < 0 ? 0 : line_at(doc_, static_cast<size_t>(offset));
}

bool CapReader::fail(pugi::xml_node at, std::string field, std::string message) {
  error_ = {std::move(field), std::move(message), line_of(at)};
  return false;
}

bool CapReader::children(pugi::xml_node parent, std::span<const Slot> slots,
                         const std::string& path, Children& out, bool allow_dsig) {
  out.slots = slots;
  out.by_slot.assign(slots.size(), {});
  size_t slot = 0;
  std::string previous;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (!trim(c.value()).empty())
        return fail(c, path, "holds text '" + excerpt(c.value()) + "' where only elements belong");
      continue;
    }
    if (c.type() != pugi::node_element) continue;
    const std::string_view local = local_name(c);
    const std::string shown = excerpt(local);  // names in messages are bounded like values
    const std::string where = path + "/" + shown;
    if (!attributes_bounded(c)) return fail(c, where, std::string(kTooManyAttributes));
    const auto ns = namespace_of(c);
    if (!ns)
      return fail(c, path + "/" + excerpt(c.name()),
                  "uses a namespace prefix that is declared nowhere");
    if (allow_dsig && *ns == kDsig) {
      out.dsig.push_back(c);
      continue;
    }
    if (!out.dsig.empty())
      return fail(c, where,
                  "comes after the XML signature; ds:Signature must be the last thing in <alert>");
    if (*ns != kCap12)
      return fail(c, where,
                  ns->empty() ? "is in no namespace; CAP elements are in " + std::string(kCap12)
                              : "is in namespace '" + std::string(*ns) + "', not CAP 1.2");
    size_t k = 0;
    while (k < slots.size() && slots[k].name != local) ++k;
    if (k == slots.size())
      return fail(c, where,
                  "is not an element of <" + std::string(local_name(parent)) + "> in CAP 1.2");
    if (k < slot)
      return fail(c, where, "is out of order: <" + shown + "> must come before <" + previous + ">");
    for (size_t j = slot; j < k; ++j) {
      if (out.by_slot[j].size() >= static_cast<size_t>(slots[j].min)) continue;
      // Missing here, but perhaps only late: then the order is the fault to name.
      for (pugi::xml_node later = c.next_sibling(); later; later = later.next_sibling())
        if (later.type() == pugi::node_element && local_name(later) == slots[j].name)
          return fail(c, where, "is out of order: <" + shown + "> must come after <" +
                                    std::string(slots[j].name) + ">");
      return fail(
          c, path,
          "<" + std::string(slots[j].name) + "> is missing (it comes before <" + shown + ">)");
    }
    slot = k;
    if (out.by_slot[k].size() >= static_cast<size_t>(slots[k].max))
      return fail(c, where, "<" + shown + "> may appear only once");
    out.by_slot[k].push_back(c);
    previous = shown;
  }
  for (size_t j = slot; j < slots.size(); ++j)
    if (out.by_slot[j].size() < static_cast<size_t>(slots[j].min))
      return fail(parent, path, "<" + std::string(slots[j].name) + "> is missing");
  return true;
}

bool CapReader::text(pugi::xml_node n, const std::string& path, std::string& out, size_t max_len) {
  std::string value;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element) return fail(c, path, "must hold text, not elements");
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) value += c.value();
  }
  std::string_view trimmed = trim(value);
  if (!is_valid_utf8(trimmed))
    return fail(n, path, "holds a character reference that is not a Unicode character");
  for (char ch : trimmed) {
    unsigned char b = static_cast<unsigned char>(ch);
    if (b < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", b);
      return fail(n, path,
                  std::string("holds control character ") + hex + ", which XML 1.0 forbids");
    }
  }
  if (trimmed.size() > max_len)
    return fail(n, path, "is longer than " + std::to_string(max_len) + " bytes");
  out = std::string(trimmed);
  return true;
}

bool CapReader::optional_text(const Children& c, std::string_view name, const std::string& path,
                              std::string& out, size_t max_len) {
  pugi::xml_node n = c.first(name);
  return !n || text(n, path + "/" + std::string(name), out, max_len);
}

bool CapReader::enumerated(pugi::xml_node n, const std::string& path,
                           std::span<const std::string_view> allowed, size_t& index) {
  std::string value;
  if (!text(n, path, value, 64)) return false;
  for (index = 0; index < allowed.size(); ++index)
    if (allowed[index] == value) return true;
  return fail(n, path, "'" + excerpt(value) + "' is not one of " + join(allowed));
}

bool CapReader::time(pugi::xml_node n, const std::string& path, std::optional<TimePoint>& out) {
  if (!n) return true;
  std::string value, why;
  if (!text(n, path, value, 64)) return false;
  out = parse_cap_time(value, why);
  return out ? true : fail(n, path, why);
}

bool CapReader::token(pugi::xml_node n, const std::string& path, std::string& out) {
  if (!text(n, path, out, 256)) return false;
  if (out.empty()) return fail(n, path, "must not be empty");
  if (!is_cap_token(out))
    return fail(n, path, "'" + excerpt(out) + "' must not contain spaces, commas, '<' or '&'");
  return true;
}

bool CapReader::root_is_cap(pugi::xml_node root) {
  if (!attributes_bounded(root)) return fail(root, "alert", std::string(kTooManyAttributes));
  const auto ns = namespace_of(root);
  std::string local = excerpt(local_name(root));
  if (local != "alert")
    return fail(root, "", "the root element is <" + local + ">, not a CAP <alert>");
  if (!ns) return fail(root, "alert", "uses a namespace prefix that is declared nowhere");
  if (*ns == kCap12) return true;
  if (*ns == kCap11)
    return fail(
        root, "alert",
        "is CAP 1.1 (" + std::string(kCap11) +
            "); jiaoying reads CAP 1.2, as GB/T 35965.1-2018 requires: ask the sender for 1.2");
  if (*ns == kCap10)
    return fail(root, "alert",
                "is CAP 1.0 (" + std::string(kCap10) + "); jiaoying reads CAP 1.2 only");
  if (ns->empty())
    return fail(
        root, "alert",
        "is in no namespace; a CAP 1.2 alert is <alert xmlns=\"" + std::string(kCap12) + "\">");
  return fail(root, "alert",
              "is in namespace '" + excerpt(*ns) + "', not CAP 1.2 (" + std::string(kCap12) + ")");
}

bool CapReader::references(pugi::xml_node n, const std::string& path, std::vector<Reference>& out) {
  std::string value;
  if (!text(n, path, value, 1 << 20)) return false;
  // Empty is valid CAP (the XSD types it as a string) and some agencies write it on every first
  // Alert: it names no earlier warning. An Update or Cancel then fails as naming none.
  const auto triples = split_space(value);
  if (triples.size() > 1000) return fail(n, path, "names more than 1000 warnings");
  for (std::string_view t : triples) {
    size_t c1 = t.find(','), c2 = c1 == std::string_view::npos ? c1 : t.find(',', c1 + 1);
    if (c2 == std::string_view::npos || t.find(',', c2 + 1) != std::string_view::npos)
      return fail(n, path, "'" + excerpt(t) + "' is not sender,identifier,sent");
    Reference r{std::string(t.substr(0, c1)), std::string(t.substr(c1 + 1, c2 - c1 - 1)), {}};
    if (r.sender.empty() || r.identifier.empty() || !is_cap_token(r.sender) ||
        !is_cap_token(r.identifier) || r.sender.size() > 256 || r.identifier.size() > 256)
      return fail(n, path, "'" + excerpt(t) + "' is not sender,identifier,sent");
    std::string why;
    auto sent = parse_cap_time(t.substr(c2 + 1), why);
    if (!sent) return fail(n, path, why);
    r.sent = *sent;
    out.push_back(std::move(r));
  }
  return true;
}

bool CapReader::pairs(const std::vector<pugi::xml_node>& nodes, const std::string& path,
                      std::vector<NamedValue>& out) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string where = path + "[" + std::to_string(i + 1) + "]";
    Children c;
    NamedValue nv;
    if (!children(nodes[i], kPairSlots, where, c) ||
        !text(c.first("valueName"), where + "/valueName", nv.name, 256) ||
        !text(c.first("value"), where + "/value", nv.value))
      return false;
    out.push_back(std::move(nv));
  }
  return true;
}

bool CapReader::resource(pugi::xml_node n, const std::string& path) {
  Children c;
  std::string ignored;
  if (!children(n, kResourceSlots, path, c)) return false;
  for (auto name : {"resourceDesc", "mimeType", "uri", "digest"})
    if (!optional_text(c, name, path, ignored)) return false;
  if (!optional_text(c, "derefUri", path, ignored, kMaxCapBytes)) return false;
  if (pugi::xml_node size = c.first("size")) {
    if (!text(size, path + "/size", ignored, 32)) return false;
    if (ignored.empty() || !std::all_of(ignored.begin(), ignored.end(),
                                        [](char ch) { return ch >= '0' && ch <= '9'; }))
      return fail(size, path + "/size",
                  "'" + excerpt(ignored) + "' is not a whole number of bytes");
  }
  return true;
}

bool CapReader::area(pugi::xml_node n, const std::string& path, InfoBlock& out) {
  Children c;
  std::string value;
  if (!children(n, kAreaSlots, path, c)) return false;
  if (!text(c.first("areaDesc"), path + "/areaDesc", value)) return false;
  const auto& polygons = c.all("polygon");
  for (size_t i = 0; i < polygons.size(); ++i) {
    std::string where = path + "/polygon[" + std::to_string(i + 1) + "]";
    if (!text(polygons[i], where, value, kMaxCapBytes)) return false;
    Polygon polygon;
    for (std::string_view pair : split_space(value)) {
      GeoPoint p;
      if (!parse_point(pair, p))
        return fail(polygons[i], where, "'" + excerpt(pair) + "' is not a lat,lon pair");
      polygon.points.push_back(rounded(p));
    }
    if (polygon.points.size() > 100'000)
      return fail(polygons[i], where, "has more than 100000 points");
    if (auto why = polygon_error(polygon)) return fail(polygons[i], where, *why);
    out.polygons.push_back(std::move(polygon));
  }
  const auto& circles = c.all("circle");
  for (size_t i = 0; i < circles.size(); ++i) {
    std::string where = path + "/circle[" + std::to_string(i + 1) + "]";
    if (!text(circles[i], where, value, 256)) return false;
    auto parts = split_space(value);
    Circle circle;
    if (parts.size() != 2 || !parse_point(parts[0], circle.centre) ||
        !parse_number(parts[1], circle.radius_km))
      return fail(circles[i], where,
                  "'" + excerpt(value) + "' is not 'lat,lon radius' (radius in km)");
    circle.centre = rounded(circle.centre);
    circle.radius_km = rounded_km(circle.radius_km);
    if (auto why = circle_error(circle)) return fail(circles[i], where, *why);
    out.circles.push_back(circle);
  }
  if (out.polygons.size() > 1000 || out.circles.size() > 1000)
    return fail(n, path, "an info holds more than 1000 polygons or circles");
  if (!pairs(c.all("geocode"), path + "/geocode", out.facts.geocodes)) return false;
  if (out.facts.geocodes.size() > 10'000)
    return fail(n, path, "an info holds more than 10000 geocodes");
  double number;
  for (auto name : {"altitude", "ceiling"})
    if (pugi::xml_node h = c.first(name)) {
      if (!text(h, path + "/" + name, value, 64)) return false;
      if (!parse_number(value, number))
        return fail(h, path + "/" + name, "'" + excerpt(value) + "' is not a number (feet)");
    }
  if (c.first("ceiling") && !c.first("altitude"))
    return fail(c.first("ceiling"), path + "/ceiling",
                "needs <altitude>: a ceiling alone bounds nothing");
  return true;
}

bool CapReader::info(pugi::xml_node n, const std::string& path, InfoBlock& out) {
  out.node = n;
  out.path = path;
  Children c;
  if (!children(n, kInfoSlots, path, c)) return false;
  size_t index;
  if (pugi::xml_node lang = c.first("language")) {
    if (!text(lang, path + "/language", out.language, 64)) return false;
    if (!is_language_tag(out.language))
      return fail(lang, path + "/language",
                  "'" + excerpt(out.language) + "' is not a language tag like zh-CN");
  }
  const auto& categories = c.all("category");
  for (size_t i = 0; i < categories.size(); ++i)
    if (!enumerated(categories[i], path + "/category[" + std::to_string(i + 1) + "]", kCategory,
                    index))
      return false;
  if (!text(c.first("event"), path + "/event", out.facts.event, 512)) return false;
  if (out.facts.event.empty()) return fail(c.first("event"), path + "/event", "must not be empty");
  const auto& responses = c.all("responseType");
  for (size_t i = 0; i < responses.size(); ++i)
    if (!enumerated(responses[i], path + "/responseType[" + std::to_string(i + 1) + "]",
                    kResponseType, index))
      return false;
  if (!enumerated(c.first("urgency"), path + "/urgency", kUrgency, index)) return false;
  if (!enumerated(c.first("severity"), path + "/severity", kSeverity, index)) return false;
  out.facts.severity = std::string(kSeverity[index]);
  if (!enumerated(c.first("certainty"), path + "/certainty", kCertainty, index)) return false;
  std::string ignored;
  if (!optional_text(c, "audience", path, ignored)) return false;
  if (!pairs(c.all("eventCode"), path + "/eventCode", out.facts.event_codes)) return false;
  if (!time(c.first("effective"), path + "/effective", out.effective) ||
      !time(c.first("onset"), path + "/onset", out.onset) ||
      !time(c.first("expires"), path + "/expires", out.expires))
    return false;
  if (!optional_text(c, "senderName", path, out.sender_name, 256) ||
      !optional_text(c, "headline", path, out.facts.headline, 512) ||
      !optional_text(c, "description", path, out.description, 16384) ||
      !optional_text(c, "instruction", path, ignored) || !optional_text(c, "web", path, ignored) ||
      !optional_text(c, "contact", path, ignored))
    return false;
  if (!pairs(c.all("parameter"), path + "/parameter", out.facts.parameters)) return false;
  const auto& resources = c.all("resource");
  for (size_t i = 0; i < resources.size(); ++i)
    if (!resource(resources[i], path + "/resource[" + std::to_string(i + 1) + "]")) return false;
  const auto& areas = c.all("area");
  for (size_t i = 0; i < areas.size(); ++i)
    if (!area(areas[i], path + "/area[" + std::to_string(i + 1) + "]", out)) return false;
  return true;
}

bool CapReader::signatures(const std::vector<pugi::xml_node>& nodes, std::string& out) {
  for (pugi::xml_node n : nodes) {
    ptrdiff_t offset = n.offset_debug();
    std::optional<std::string_view> bytes;
    if (offset > 0) bytes = element_bytes(doc_, static_cast<size_t>(offset - 1));
    if (bytes) {
      out += *bytes;
    } else {  // not expected after a clean parse; keep pugixml's rendering rather than nothing
      struct Sink : pugi::xml_writer {
        std::string* s;
        void write(const void* data, size_t size) override {
          s->append(static_cast<const char*>(data), size);
        }
      } sink;
      sink.s = &out;
      n.print(sink, "", pugi::format_raw);
    }
    if (out.size() > kMaxSignatureBytes)
      return fail(n, "alert/" + excerpt(local_name(n)),
                  "XML signatures longer than 65536 bytes are refused");
  }
  return true;
}

// Said of a file that passed every CAP 1.2 rule and fails only the China profile's: a valid
// alert from another country's agency, say, which names no hazard or division code of ours.
constexpr std::string_view kOutsideProfile = " — valid CAP 1.2, but outside the China profile";

// The warning from its info blocks: the preferred language's block is the warning, the
// others are kept as texts.
bool CapReader::compose(std::vector<InfoBlock>& infos, pugi::xml_node root, Warning& w) {
  const bool may_lack = w.msg_type == MsgType::cancel || w.msg_type == MsgType::ack ||
                        w.msg_type == MsgType::error || w.status == WarningStatus::system;
  if (infos.empty()) {
    if (!may_lack)
      return fail(root, "alert", "has no <info>: an Alert or Update must say what is happening "
                                 "(only Cancel, Ack, Error and System messages may leave it out)");
    w.has_info = false;
    return true;
  }
  // The warning's language: zh-CN first, then any Chinese, then the first block's. CAP reads a
  // missing language as en-US.
  auto key = [](const std::string& language) { return language.empty() ? std::string("en-us") : lower(language); };
  auto rank = [](const std::string& language) {
    const std::string l = lower(language);
    return l == "zh-cn" ? 0 : (l == "zh" || l.starts_with("zh-")) ? 1 : 2;
  };
  size_t first = 0;
  for (size_t i = 1; i < infos.size(); ++i)
    if (rank(infos[i].language) < rank(infos[first].language)) first = i;
  std::vector<size_t> same;  // every block in the warning's language, in feed order
  for (size_t i = 0; i < infos.size(); ++i)
    if (key(infos[i].language) == key(infos[first].language)) same.push_back(i);

  // Ack, Error and System messages are between systems: nothing to call out, so not mapped.
  if (w.msg_type == MsgType::ack || w.msg_type == MsgType::error || w.status == WarningStatus::system) {
    take_texts(infos, first, w);
    w.has_info = false;
    return true;
  }
  // Several blocks in one language (CAP allows it: one per area set, level or period) are one
  // warning when they are one hazard: the most severe block's level and words, every block's
  // areas, the earliest start and the latest expiry. An area a lesser block names is called
  // out at the higher level — more than it asked for, never less; nobody it names is skipped.
  // Two hazards are refused: each has its own plans and people, and one warning has one.
  std::vector<ChinaMapping> maps;
  for (size_t i : same) {
    ChinaMappingResult mapped = map_china_profile(infos[i].facts);
    if (!mapped.mapping) return mapping_fault(infos[i], mapped.error);
    if (!maps.empty() && mapped.mapping->hazard != maps.front().hazard)
      return fail(infos[i].node, infos[i].path + "/event",
                  "is the hazard " + mapped.mapping->hazard + ", but " + infos[same.front()].path +
                      " in the same language is " + maps.front().hazard +
                      ": one warning calls out one hazard's plans; send one alert per hazard");
    maps.push_back(std::move(*mapped.mapping));
  }
  size_t worst = 0;  // of `same`: the most severe, the first of equals
  for (size_t k = 1; k < maps.size(); ++k)
    if (maps[k].level > maps[worst].level) worst = k;
  const size_t primary = same[worst];
  take_texts(infos, primary, w);
  ChinaMapping& m = maps[worst];
  w.hazard = m.hazard;
  w.level = m.level;
  w.source = m.source;
  w.event_code = m.event_code;
  std::set<std::string> seen;
  for (ChinaMapping& each : maps)
    for (std::string& code : each.areas)
      if (seen.insert(code).second) w.areas.push_back(std::move(code));
  bool every_expires = true;
  for (size_t i : same) {
    InfoBlock& b = infos[i];
    std::move(b.polygons.begin(), b.polygons.end(), std::back_inserter(w.polygons));
    std::move(b.circles.begin(), b.circles.end(), std::back_inserter(w.circles));
    if (b.effective && (!w.effective || *b.effective < *w.effective)) w.effective = b.effective;
    if (b.onset && (!w.onset || *b.onset < *w.onset)) w.onset = b.onset;
    every_expires = every_expires && b.expires;
    if (b.expires && (!w.expires || *b.expires > *w.expires)) w.expires = b.expires;
  }
  if (!every_expires) w.expires.reset();  // one block that never lapses: nor does the warning
  if (w.areas.size() > 10'000) return fail(infos[primary].node, infos[primary].path, "names more than 10000 areas");
  if (w.areas.empty() && w.polygons.empty() && w.circles.empty())
    return fail(infos[primary].node, infos[primary].path + "/area",
                "no area to call out: no <geocode> holds a division code (6, 9 or 12 digits), "
                "and there is no <polygon> or <circle>" + std::string(kOutsideProfile));
  return true;
}

// The warning's words and times from `primary`; every other block's words kept beside them.
void CapReader::take_texts(std::vector<InfoBlock>& infos, size_t primary, Warning& w) {
  const InfoBlock& info = infos[primary];
  w.language = info.language;
  w.event = info.facts.event;
  w.headline = info.facts.headline.empty() ? info.facts.event : info.facts.headline;
  w.description = info.description;
  w.sender_name = info.sender_name;
  w.effective = info.effective;
  w.onset = info.onset;
  w.expires = info.expires;
  for (size_t i = 0; i < infos.size(); ++i)
    if (i != primary)
      w.other_infos.push_back({infos[i].language, infos[i].facts.event, infos[i].facts.headline, infos[i].description});
}

// Refuses a block the China profile cannot map, at the element to fix.
bool CapReader::mapping_fault(const InfoBlock& info, const FieldError& error) {
  pugi::xml_node at = info.node;
  for (pugi::xml_node c : info.node.children())
    if (c.type() == pugi::node_element && local_name(c) == error.field) {
      at = c;
      break;
    }
  if (error.field == "geocode")
    for (pugi::xml_node a : info.node.children())
      for (pugi::xml_node g : a.children())
        if (g.type() == pugi::node_element && local_name(g) == "geocode" && at == info.node) at = g;
  return fail(at, info.path + "/" + error.field, error.message + std::string(kOutsideProfile));
}

WarningParse CapReader::read() {
  WarningParse result;
  pugi::xml_document xml;
  const pugi::xml_parse_result parsed =
      xml.load_buffer(doc_.data(), doc_.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    size_t offset = parsed.offset < 0 ? 0 : static_cast<size_t>(parsed.offset);
    result.error = {"", std::string("is not well-formed XML: ") + parsed.description() + " (byte " +
                            std::to_string(offset) + ")",
                    line_at(doc_, offset)};
    return result;
  }
  pugi::xml_node root;
  for (pugi::xml_node top : xml.children()) {
    if (top.type() != pugi::node_element) continue;
    if (root) {
      fail(top, "",
           "a second root element <" + excerpt(top.name()) + ">: a CAP file holds one <alert>");
      result.error = error_;
      return result;
    }
    root = top;
  }
  if (!root) {
    result.error = {"", "holds no element: a CAP file is one <alert>", 1};
    return result;
  }
  const size_t start = root.offset_debug() > 0 ? static_cast<size_t>(root.offset_debug() - 1) : 0;
  const auto root_bytes = element_bytes(doc_, start);
  size_t stray = first_non_misc(doc_.substr(0, start));
  if (stray == std::string_view::npos && root_bytes) {
    const size_t end = start + root_bytes->size();
    stray = first_non_misc(doc_.substr(end));
    if (stray != std::string_view::npos) stray += end;
  }
  if (!root_bytes || stray != std::string_view::npos) {
    result.error = {"", "holds text outside the root element <" + excerpt(root.name()) + ">",
                    stray == std::string_view::npos ? line_of(root) : line_at(doc_, stray)};
    return result;
  }
  Warning w;
  w.format = "cap";
  Children a;
  size_t index;
  std::vector<InfoBlock> infos;
  std::string ignored;
  std::optional<TimePoint> sent;
  bool ok = root_is_cap(root) && children(root, kAlertSlots, "alert", a, true) &&
            token(a.first("identifier"), "alert/identifier", w.identifier) &&
            token(a.first("sender"), "alert/sender", w.sender) &&
            time(a.first("sent"), "alert/sent", sent) &&
            enumerated(a.first("status"), "alert/status", kStatus, index);
  if (ok) {
    w.sent = *sent;
    w.status = static_cast<WarningStatus>(index);
    ok = enumerated(a.first("msgType"), "alert/msgType", kMsgType, index);
  }
  if (ok) {
    w.msg_type = static_cast<MsgType>(index);
    ok = optional_text(a, "source", "alert", ignored) &&
         enumerated(a.first("scope"), "alert/scope", kScope, index);
  }
  const bool is_private = ok && kScope[index] == "Private";
  for (auto name : {"restriction", "note", "incidents"})
    ok = ok && optional_text(a, name, "alert", ignored, 1 << 20);
  std::string addresses;  // empty or missing alike: an empty element says nothing
  ok = ok && optional_text(a, "addresses", "alert", addresses, 1 << 20);
  if (ok && is_private && addresses.empty())
    ok = fail(a.first("addresses") ? a.first("addresses") : a.first("scope"), "alert/addresses",
              std::string(a.first("addresses") ? "is empty" : "is missing") +
                  ", but is required when <scope> is Private: whom is it for?");
  const auto& codes = a.all("code");
  for (size_t i = 0; ok && i < codes.size(); ++i)
    ok = text(codes[i], "alert/code[" + std::to_string(i + 1) + "]", ignored, 256);
  if (ok && a.first("references"))
    ok = references(a.first("references"), "alert/references", w.references);
  if (ok && w.msg_type != MsgType::alert && w.references.empty())
    ok = fail(a.first("references") ? a.first("references") : a.first("msgType"), "alert/references",
              std::string(a.first("references") ? "is empty, but is required for " : "is required for ") +
                  std::string(kMsgType[static_cast<size_t>(w.msg_type)]) +
                  ": name the earlier warnings as sender,identifier,sent");
  const auto& info_nodes = a.all("info");
  if (ok && info_nodes.size() > kMaxInfos)
    ok = fail(info_nodes[kMaxInfos], "alert", "has more than " + std::to_string(kMaxInfos) + " <info> blocks");
  for (size_t i = 0; ok && i < info_nodes.size(); ++i) {
    infos.emplace_back();
    ok = info(info_nodes[i], "alert/info[" + std::to_string(i + 1) + "]", infos.back());
  }
  ok = ok && signatures(a.dsig, w.signature_xml) && compose(infos, root, w);
  if (!ok) {
    result.error = error_;
    return result;
  }
  result.warning = std::move(w);
  return result;
}

}  // namespace

WarningParse parse_cap(std::string_view bytes) {
  WarningParse result;
  if (bytes.size() > kMaxCapBytes) {
    result.error = {"", "is " + std::to_string(bytes.size()) + " bytes; CAP files over " +
                            std::to_string(kMaxCapBytes) + " bytes are refused"};
    return result;
  }
  if (bytes.empty()) {
    result.error = {"", "is empty"};
    return result;
  }
  DecodedXml decoded = decode_xml(bytes);
  if (decoded.fault) {
    result.error = {"", decoded.fault->message, decoded.fault->line};
    return result;
  }
  return CapReader(decoded.utf8).read();
}

}  // namespace jiaoying
