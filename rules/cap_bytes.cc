#include "rules/cap_bytes.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace jiaoying {
namespace {

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// Where a case-insensitive ASCII needle first occurs, or npos.
size_t find_nocase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it == hay.end() ? std::string_view::npos : static_cast<size_t>(it - hay.begin());
}

// The offset of the first byte that breaks UTF-8, or npos.
size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    unsigned char second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// The encoding named in the XML declaration at the start of text ("" when none is named).
std::string declared_encoding(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && is_xml_space(text[start])) ++start;
  std::string_view rest = text.substr(start);
  if (!rest.starts_with("<?xml") || rest.size() < 6 || !is_xml_space(rest[5])) return "";
  size_t end = rest.find("?>");
  if (end == std::string_view::npos) return "";
  std::string_view decl = rest.substr(0, end);
  size_t pos = decl.find("encoding");
  if (pos == std::string_view::npos) return "";
  pos += 8;
  while (pos < decl.size() && is_xml_space(decl[pos])) ++pos;
  if (pos >= decl.size() || decl[pos] != '=') return "";
  ++pos;
  while (pos < decl.size() && is_xml_space(decl[pos])) ++pos;
  if (pos >= decl.size() || (decl[pos] != '"' && decl[pos] != '\'')) return "";
  char quote = decl[pos++];
  size_t close = decl.find(quote, pos);
  if (close == std::string_view::npos) return "";
  return lower(decl.substr(pos, close - pos));
}

ByteFault fault_at(std::string_view text, size_t offset, std::string message) {
  return {std::move(message), line_at(text, offset)};
}

}  // namespace

size_t line_at(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<size_t>(
                 std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(offset), '\n'));
}

bool is_valid_utf8(std::string_view text) {
  return first_invalid_utf8(text) == std::string_view::npos;
}

DecodedXml decode_xml(std::string_view bytes) {
  DecodedXml out;
  // First of all, before any decoding: a DTD is refused wherever it hides (even in a comment
  // or CDATA, where it would be harmless — being sure costs less than parsing to find out).
  for (std::string_view bad : {"<!DOCTYPE", "<!ENTITY"}) {
    size_t at = find_nocase(bytes, bad);
    if (at != std::string_view::npos) {
      out.fault = fault_at(bytes, at,
                           std::string(bad.substr(2)) +
                               " is refused: CAP needs no DTD, and DTDs and entities are how "
                               "XML attacks come in (external entities, entity expansion)");
      return out;
    }
  }
  auto starts = [&bytes](std::string_view prefix) { return bytes.starts_with(prefix); };
  using namespace std::string_view_literals;
  if (starts("\xFF\xFE"sv) || starts("\xFE\xFF"sv) || starts("\x00\x00"sv) ||
      (bytes.size() >= 2 && (bytes[0] == '\0' || bytes[1] == '\0'))) {
    out.fault = ByteFault{"the file is UTF-16 or UTF-32: send UTF-8", 1};
    return out;
  }
  std::string_view text = bytes;
  bool bom = false;
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
    bom = true;
  }
  const std::string encoding = declared_encoding(text);
  // XML's EncName: [A-Za-z] ([A-Za-z0-9._] | '-')*. Anything else is not echoed back.
  bool enc_name = encoding.size() <= 40 &&
                  (encoding.empty() || std::isalpha(static_cast<unsigned char>(encoding[0])));
  for (char c : encoding)
    enc_name = enc_name &&
               (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!enc_name) {
    out.fault =
        ByteFault{"the XML declaration names no encoding XML allows (encoding=\"UTF-8\")", 1};
    return out;
  }
  enum { utf8, ascii, latin1 } kind;
  if (encoding.empty() || encoding == "utf-8" || encoding == "utf8") {
    kind = utf8;
  } else if (encoding == "us-ascii" || encoding == "ascii") {
    kind = ascii;
  } else if (encoding == "iso-8859-1" || encoding == "iso8859-1" || encoding == "iso_8859-1" ||
             encoding == "latin1" || encoding == "latin-1" || encoding == "l1") {
    kind = latin1;
  } else {
    out.fault = ByteFault{"encoding '" + encoding +
                              "' is not read: send UTF-8 (ISO-8859-1 and US-ASCII are read too)",
                          1};
    return out;
  }
  if (bom && kind != utf8) {
    out.fault = ByteFault{"the file starts with a UTF-8 byte-order mark but declares encoding '" +
                              encoding + "': one of them is wrong",
                          1};
    return out;
  }
  if (kind == latin1) {
    out.utf8.reserve(text.size() + text.size() / 8);
    for (char ch : text) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (c < 0x80) {
        out.utf8 += ch;
      } else {
        out.utf8 += static_cast<char>(0xC0 | (c >> 6));
        out.utf8 += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    return out;
  }
  if (kind == ascii) {
    for (size_t i = 0; i < text.size(); ++i)
      if (static_cast<unsigned char>(text[i]) >= 0x80) {
        out.fault = fault_at(text, i,
                             "declares US-ASCII but byte " +
                                 hex_byte(static_cast<unsigned char>(text[i])) + " is not ASCII");
        return out;
      }
  }
  size_t bad = first_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    out.fault = fault_at(text, bad, "byte " + hex_byte(static_cast<unsigned char>(text[bad])) +
                                        " at offset " + std::to_string(bad + (bom ? 3 : 0)) +
                                        " is not UTF-8: send UTF-8, or declare the encoding "
                                        "(<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>)");
    return out;
  }
  out.utf8 = std::string(text);
  return out;
}

std::optional<std::string_view> element_bytes(std::string_view doc, size_t start) {
  if (start >= doc.size() || doc[start] != '<') return std::nullopt;
  auto name_end = [&doc](size_t pos) {
    while (pos < doc.size() && !is_xml_space(doc[pos]) && doc[pos] != '/' && doc[pos] != '>') ++pos;
    return pos;
  };
  const size_t first_name_end = name_end(start + 1);
  const std::string_view qname = doc.substr(start + 1, first_name_end - start - 1);
  if (qname.empty()) return std::nullopt;
  size_t pos = start;
  int depth = 0;
  while (pos < doc.size()) {
    size_t lt = doc.find('<', pos);
    if (lt == std::string_view::npos) return std::nullopt;
    std::string_view at = doc.substr(lt);
    std::string_view skip_to;
    if (at.starts_with("<!--")) skip_to = "-->";
    else if (at.starts_with("<![CDATA[")) skip_to = "]]>";
    else if (at.starts_with("<?")) skip_to = "?>";
    if (!skip_to.empty()) {
      size_t end = doc.find(skip_to, lt + 2);
      if (end == std::string_view::npos) return std::nullopt;
      pos = end + skip_to.size();
      continue;
    }
    const bool closing = lt + 1 < doc.size() && doc[lt + 1] == '/';
    const size_t name_start = lt + 1 + (closing ? 1 : 0);
    const size_t name_stop = name_end(name_start);
    const std::string_view name = doc.substr(name_start, name_stop - name_start);
    size_t gt = name_stop;
    char quote = 0;
    for (; gt < doc.size(); ++gt) {
      char c = doc[gt];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
    }
    if (gt >= doc.size()) return std::nullopt;
    const bool self_closing = !closing && doc[gt - 1] == '/';
    if (name == qname) {
      if (closing) --depth;
      else if (!self_closing) ++depth;
      if (depth <= 0) return doc.substr(start, gt + 1 - start);
    }
    pos = gt + 1;
  }
  return std::nullopt;
}

size_t first_non_misc(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (is_xml_space(text[pos])) {
      ++pos;
      continue;
    }
    std::string_view at = text.substr(pos);
    std::string_view close;
    if (at.starts_with("<!--")) close = "-->";
    else if (at.starts_with("<?")) close = "?>";
    else return pos;
    size_t end = text.find(close, pos + 2);
    if (end == std::string_view::npos) return pos;
    pos = end + close.size();
  }
  return std::string_view::npos;
}

}  // namespace jiaoying
