// The CAP 1.2 reader, China profile (GB/T 35965.1-2018): the bytes of one CAP alert in, a
// validated Warning or the first fault out — the element's path and the line to fix. What is
// accepted and refused, and why, is in docs/cap-china-profile.md. Pure; any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "rules/warning.h"

namespace jiaoying {

// Larger documents are refused before parsing. Real alerts are a few KiB.
inline constexpr size_t kMaxCapBytes = 4 * 1024 * 1024;

// Reads one CAP 1.2 <alert>, validated against the XSD (element order, required elements,
// enumerations) and the spec's prose rules (references on Update/Cancel, polygons closed,
// times with an explicit offset), then mapped by the China profile (rules/china_profile.h).
// The result has format "cap". error.field is an element path like
// "alert/info[1]/area[2]/polygon[1]"; error.line the line in the input.
WarningParse parse_cap(std::string_view bytes);

}  // namespace jiaoying
