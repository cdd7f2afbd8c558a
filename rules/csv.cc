#include "rules/csv.h"

namespace jiaoying {

bool split_csv_line(std::string_view line, std::vector<std::string>& cells) {
  cells.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') cell += '"', ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) cells.push_back(std::move(cell)), cell.clear();
    else cell += c;
  }
  cells.push_back(std::move(cell));
  for (auto& c : cells) {  // spreadsheets pad cells with spaces
    while (!c.empty() && c.back() == ' ') c.pop_back();
    while (!c.empty() && c.front() == ' ') c.erase(0, 1);
  }
  return !quoted;
}

}  // namespace jiaoying
