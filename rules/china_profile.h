// The China profile of CAP (GB/T 35965.1-2018): how one CAP <info> block becomes jiaoying's
// hazard, colour level, agency family and division codes. The tables are documented in
// docs/cap-china-profile.md. Pure functions over constant tables; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/warning.h"

namespace jiaoying {

// CAP's valueName / value pairs (eventCode, parameter, geocode).
struct NamedValue {
  std::string name;
  std::string value;
};

// What the profile reads from the info block the warning is taken from.
struct CapInfoFacts {
  std::string event;                    // <event>, "暴雨" or "暴雨红色预警"
  std::string headline;                 // <headline>; may be empty
  std::string severity;                 // <severity>, CAP's word: "Extreme" … "Unknown"
  std::vector<NamedValue> event_codes;  // every <eventCode>
  std::vector<NamedValue> parameters;   // every <parameter>
  std::vector<NamedValue> geocodes;     // every <geocode> of every <area>
};

struct ChinaMapping {
  std::string hazard;              // a code of known_hazards()
  Level level = Level::blue;
  std::string source;              // agency family: meteorology, water, natural_resources, …
  std::string event_code;  // the national code without its colour suffix ("11B03"); may be empty
  std::vector<std::string> areas;  // division codes from the geocodes, padding removed, no repeats
};

// Either a mapping or the reason there is none. error.field names the CAP element to fix
// ("eventCode", "parameter", "event", "severity", "geocode"); the caller prefixes its path.
struct ChinaMappingResult {
  std::optional<ChinaMapping> mapping;
  FieldError error;
};

// The hazard comes from a national event code, else from the event text, else the headline.
// The level comes from, in order: a colour parameter, the event code's colour suffix, a colour
// (or, for geological-hazard and forest-fire warnings, a grade) in the event text, else the
// headline, and last from <severity>. Explicit sources that disagree are refused; severity
// only fills in when none of them says anything.
ChinaMappingResult map_china_profile(const CapInfoFacts& info);

// One row of the national warning-type table (GB/T 35965.1 / CMA codes).
struct EventCodeInfo {
  std::string_view code;    // "11B03"
  std::string_view zh;      // "暴雨"
  std::string_view hazard;  // a known_hazards() code, or empty when jiaoying has no plans for it
  std::string_view source;  // the agency family that issues it
};
const std::vector<EventCodeInfo>& national_event_codes();

// "红色", "红", "Red", "RED" → Level::red; nullopt for anything else.
std::optional<Level> level_from_colour_word(std::string_view word);

// Division codes padded to 12 digits or to 9 lose the padding: "330702000000" → "330702",
// "330702102000" → "330702102". A township or village number is never 000, so this is exact.
std::string normalise_division_code(std::string_view code);

}  // namespace jiaoying
