// One line of a CSV file as spreadsheets write it: commas, "quoted cells" with "" for a quote,
// padding spaces trimmed, a trailing CR dropped. Shared by the directory loader and the
// division-code reader. Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jiaoying {

// Splits `line` into cells; false when a quoted cell is not closed.
bool split_csv_line(std::string_view line, std::vector<std::string>& cells);

}  // namespace jiaoying
