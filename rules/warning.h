// The warning model: one graded warning from a feed, after validation. Pure data plus the
// JSON reader and writer for the ingest format (docs/warning-json.md); the CAP reader is in
// rules/cap.h. Any thread: nothing here holds state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/time.h"

namespace jiaoying {

// China's four colour levels. Numeric order is severity order: red is the highest.
enum class Level { blue = 1, yellow = 2, orange = 3, red = 4 };

std::optional<Level> parse_level(std::string_view name);  // "red" → Level::red
std::string_view level_name(Level level);                 // "red"
std::string_view level_zh(Level level);                   // "红色"

// A hazard family as plans name it ("rainstorm"), with its Chinese name.
struct HazardInfo {
  std::string_view code;
  std::string_view zh;
};
// The hazards jiaoying knows; plans and warnings must use one of these codes.
const std::vector<HazardInfo>& known_hazards();
const HazardInfo* find_hazard(std::string_view code);

// CAP's <status>. Only `actual` is a real warning; `exercise` (演练, a drill) and `test` must be
// kept apart from it by whoever acts on the warning. Names are CAP's, lower-cased ("exercise").
enum class WarningStatus { actual, exercise, system, test, draft };
std::optional<WarningStatus> parse_status(std::string_view name);
std::string_view status_name(WarningStatus status);

// CAP's <msgType>: a new warning, a change to or the end of earlier ones (named in
// `references`), or a receipt / rejection between systems.
enum class MsgType { alert, update, cancel, ack, error };
std::optional<MsgType> parse_msg_type(std::string_view name);
std::string_view msg_type_name(MsgType type);

// An earlier warning an update, cancel, ack or error is about (CAP's sender,identifier,sent).
struct Reference {
  std::string sender;
  std::string identifier;
  TimePoint sent{};
};

// WGS 84 degrees, as CAP writes them (latitude first).
struct GeoPoint {
  double lat = 0;
  double lon = 0;
};
// Closed: at least four points, the first equal to the last.
struct Polygon {
  std::vector<GeoPoint> points;
};
struct Circle {
  GeoPoint centre;
  double radius_km = 0;
};

// The text of an info block in another language (or a second text the feed sent), kept so a
// channel can show it; the warning's own headline and description are the preferred language's.
struct InfoText {
  std::string language;  // "en-US"; empty when the feed did not say
  std::string event;
  std::string headline;
  std::string description;
};

struct Warning {
  std::string identifier;   // the sender's id; sender + identifier is unique
  std::string sender;
  std::string sender_name;  // the issuing office in words (CAP senderName): 金华市气象台; may be empty
  TimePoint sent{};
  std::string source;       // the feed or agency family: meteorology, water, …
  std::string hazard;       // a code from known_hazards(); empty when !has_info
  Level level = Level::blue;  // meaningless when !has_info
  std::vector<std::string> areas;  // division codes (6, 9 or 12 digits)
  std::string headline;
  std::string description;

  // Defaults below make a warning that says nothing about them a real, new alert, so the
  // ingest format of before reads exactly as it did.
  WarningStatus status = WarningStatus::actual;
  MsgType msg_type = MsgType::alert;
  std::vector<Reference> references;  // required for update, cancel, ack and error
  // False for a message that carries no event at all: a Cancel, Ack or Error without <info>,
  // or a System message. Then hazard is empty and level, areas and geometry say nothing;
  // whoever acts must look at msg_type and references instead. A bool rather than
  // optional<Level> keeps every existing reader of `level` as it was.
  bool has_info = true;
  std::optional<TimePoint> effective;  // when the warning takes effect (CAP: default = sent)
  std::optional<TimePoint> onset;      // when the hazard is expected to begin
  std::optional<TimePoint> expires;    // when the warning lapses unless renewed
  std::string event;       // the feed's own name for it ("暴雨"); may be empty
  std::string event_code;  // national warning type code, "11B03"; empty when not given
  std::string language;    // of headline and description ("zh-CN"); empty when not said
  std::vector<Polygon> polygons;
  std::vector<Circle> circles;
  std::vector<InfoText> other_infos;  // the info blocks in other languages, in feed order
  std::string format = "json";        // the format it was first read from: "json" or "cap"
  // Every XML-DSig element of a CAP alert (ds:Signature), byte for byte as in the (UTF-8)
  // document, concatenated. Not verified yet; verification needs the raw document too,
  // which the store keeps.
  std::string signature_xml;
};

// What is wrong with an input, naming the field to fix and, for files, the line.
struct FieldError {
  std::string field;    // "level", "areas[2]", "alert/info[1]/severity", or "" for the whole body
  std::string message;  // "must be one of blue, yellow, orange, red"
  size_t line = 0;      // 1-based line of the input; 0 when not known or not meaningful
  std::string text() const {
    std::string where = line ? "line " + std::to_string(line) + ": " : "";
    return where + (field.empty() ? message : field + ": " + message);
  }
};

// Parses and validates the JSON ingest format. Division codes are checked for shape only;
// whether they exist is the directory's business.
struct WarningParse {
  std::optional<Warning> warning;
  FieldError error;
};
WarningParse parse_warning_json(std::string_view body);

// The warning back as JSON in the same format (for the store and the API). Fields still at
// their default are left out, so a warning of the original format writes as it always did.
std::string warning_to_json(const Warning& w);

// True for 6, 9 or 12 digits that begin with a province's code (GB/T 2260: 11–82).
bool is_division_code(std::string_view code);

// True when CAP allows the text as an identifier or sender: no spaces, commas, '<', '&' or
// control characters.
bool is_cap_token(std::string_view text);

// Coordinates are kept to 1e-7 degree (about 1 cm) and radii to 1e-6 km: finer digits are
// noise, and values rounded so are read back from JSON exactly (Boost.JSON's parser is not
// correctly rounded for every 17-digit number). Both readers apply these.
GeoPoint rounded(GeoPoint point);
double rounded_km(double radius_km);

// What is wrong with a polygon (fewer than four points, not closed, a coordinate out of range)
// or a circle (centre out of range, negative or non-finite radius); nullopt when it is sound.
std::optional<std::string> polygon_error(const Polygon& polygon);
std::optional<std::string> circle_error(const Circle& circle);

// Warnings are dated between 1900 and 9000: outside that the time is an error in the feed,
// and the ISO 8601 form of it would not read back.
bool is_plausible_time(TimePoint t);

}  // namespace jiaoying
