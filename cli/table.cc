#include "cli/table.h"

#include <algorithm>

namespace jiaoying {

namespace {

bool is_wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

}  // namespace

size_t display_width(std::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    char32_t c;
    size_t len;
    if (b < 0x80) {
      c = b, len = 1;
    } else if ((b >> 5) == 0x6) {
      c = b & 0x1F, len = 2;
    } else if ((b >> 4) == 0xE) {
      c = b & 0x0F, len = 3;
    } else if ((b >> 3) == 0x1E) {
      c = b & 0x07, len = 4;
    } else {
      ++i, ++width;  // a stray byte: count it, move on
      continue;
    }
    for (size_t k = 1; k < len && i + k < s.size(); ++k)
      c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    width += is_wide(c) ? 2 : 1;
    i += len;
  }
  return width;
}

void Table::add(std::vector<std::string> cells, std::string colour) {
  cells.resize(headers_.size());
  rows_.push_back({std::move(cells), std::move(colour)});
}

std::string Table::render(bool use_colour) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = display_width(headers_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.cells.size(); ++i) widths[i] = std::max(widths[i], display_width(r.cells[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(widths[i] - display_width(cells[i]) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  };
  std::string out = line(headers_) + "\n";
  for (const auto& r : rows_) {
    bool paint = use_colour && !r.colour.empty();
    out += (paint ? "\033[" + r.colour + "m" : "") + line(r.cells) + (paint ? "\033[0m" : "") + "\n";
  }
  return out;
}

std::string clip(std::string_view s, size_t columns) {
  if (display_width(s) <= columns) return std::string(s);
  std::string out;
  size_t width = 0;  // display_width(out), kept as it grows
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;  // a character's bytes: its lead byte and the continuation bytes after it
    while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) ++len;
    const std::string_view ch = s.substr(i, len);
    const size_t w = display_width(ch);
    if (width + w + 1 > columns) break;  // room for the "…"
    out += ch;
    width += w;
    i += len;
  }
  return out + "…";
}

}  // namespace jiaoying
