// The byte level under the CAP reader: what is refused before any XML is parsed (DOCTYPE and
// ENTITY declarations, UTF-16), the decoding to UTF-8 (BOM, ISO-8859-1), and locating an
// element's exact bytes afterwards (for XML signatures). Pure functions; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jiaoying {

// A fault at the byte level: what, and on which line of the input.
struct ByteFault {
  std::string message;
  size_t line = 0;
};

// The input as UTF-8 without a BOM, ready for the parser, or why it cannot be.
// Refused: DOCTYPE or ENTITY anywhere (checked first, on the raw bytes, so no parser ever sees
// one), UTF-16/32, an encoding other than UTF-8, US-ASCII or ISO-8859-1, a BOM contradicting the
// declared encoding, and bytes that are not valid UTF-8. Transcoding keeps line numbers, so
// the parser's lines are the input's.
struct DecodedXml {
  std::string utf8;
  std::optional<ByteFault> fault;
};
DecodedXml decode_xml(std::string_view bytes);

// 1-based line of a byte offset.
size_t line_at(std::string_view text, size_t offset);

// True when text is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// The exact bytes of the element whose '<' is at `start`, through its end tag, or nullopt when
// the text there is not a complete element.
std::optional<std::string_view> element_bytes(std::string_view doc, size_t start);

// Where the text first holds something other than whitespace, comments and processing
// instructions (what XML allows outside the root element); npos when it holds nothing else.
size_t first_non_misc(std::string_view text);

}  // namespace jiaoying
