// A warning's bytes, whatever the format: CAP 1.2 or the JSON ingest format, told apart by
// content. The one place that sniffs, used by every feed without a Content-Type (spool) and by
// the offline verbs. Pure; any thread.
#pragma once

#include <string_view>

#include "rules/warning.h"

namespace jiaoying {

// The first byte that says what the bytes are: after any UTF-8 BOM and whitespace ('\0' if none).
char first_sign(std::string_view bytes);

// CAP when the first sign is '<', JSON when it is '{'.
WarningParse parse_warning_bytes(std::string_view bytes);

}  // namespace jiaoying
