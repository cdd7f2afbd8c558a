// The warning model: one graded warning from a feed, after validation. Pure data plus the
// JSON reader for the ingest format (docs/warning-json.md). Any thread.
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

struct Warning {
  std::string identifier;   // the sender's id; sender + identifier is unique
  std::string sender;
  TimePoint sent{};
  std::string source;       // the feed or agency family: meteorology, water, …
  std::string hazard;       // a code from known_hazards()
  Level level = Level::blue;
  std::vector<std::string> areas;  // division codes (6, 9 or 12 digits)
  std::string headline;
  std::string description;
};

// What is wrong with an input, naming the field to fix.
struct FieldError {
  std::string field;    // "level", "areas[2]", or "" for the whole body
  std::string message;  // "must be one of blue, yellow, orange, red"
  std::string text() const { return field.empty() ? message : field + ": " + message; }
};

// Parses and validates the JSON ingest format. Division codes are checked for shape only;
// whether they exist is the directory's business.
struct WarningParse {
  std::optional<Warning> warning;
  FieldError error;
};
WarningParse parse_warning_json(std::string_view body);

// The warning back as JSON in the same format (for the store and the API).
std::string warning_to_json(const Warning& w);

// True for 6, 9 or 12 digits.
bool is_division_code(std::string_view code);

}  // namespace jiaoying
