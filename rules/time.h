// Time as the domain sees it: milliseconds since the Unix epoch, always passed in (rules/ never
// reads a clock). Parsing and formatting of the ISO 8601 forms warnings and plans use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jiaoying {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Millis>;

inline int64_t to_epoch_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_epoch_ms(int64_t ms) { return TimePoint(Millis(ms)); }

// 28–31: the days of a month of the Gregorian calendar (month 1–12).
int days_in_month(int year, int month);

// "2026-06-15T02:00:00+08:00", "…-00:00", "…Z", optional fractional seconds. nullopt if malformed
// or if the day does not exist (2026-02-31).
std::optional<TimePoint> parse_iso8601(std::string_view text);

// As China reads it: "2026-06-15T02:00:00+08:00".
std::string format_china_time(TimePoint t);
// Only the clock time in China, "02:03:15", for tables.
std::string format_china_clock(TimePoint t);

// "90s", "3m", "1h", "1h30m", "0m", "500ms". nullopt if malformed or negative.
std::optional<Millis> parse_duration(std::string_view text);
// The inverse for display: "3m", "1m30s", "45s", "1h".
std::string format_duration(Millis d);

}  // namespace jiaoying
