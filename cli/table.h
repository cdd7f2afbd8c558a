// Plain-text tables that line up in a terminal with Chinese text (CJK characters take two
// columns), with optional colour for states when printing to a terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jiaoying {

// Terminal columns a UTF-8 string takes (East Asian wide characters count 2).
size_t display_width(std::string_view utf8);
// At most `columns` terminal columns of `utf8`, cut between characters, "…" marking a cut.
std::string clip(std::string_view utf8, size_t columns);

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  // A row; `colour` is an ANSI SGR code ("31" red) applied to the whole row, or empty.
  void add(std::vector<std::string> cells, std::string colour = {});
  std::string render(bool use_colour) const;

 private:
  struct Row {
    std::vector<std::string> cells;
    std::string colour;
  };
  std::vector<std::string> headers_;
  std::vector<Row> rows_;
};

}  // namespace jiaoying
