// What a polled feed URL returned: an index of CAP entries (Atom or RSS 2.0) to fetch one by
// one, or a single CAP alert. Pure; any thread. DOCTYPEs are refused as in the CAP reader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jiaoying {

struct FeedIndex {
  enum class Kind { index, single_alert, invalid } kind = Kind::invalid;
  std::vector<std::string> links;  // entry URLs, in document order (when kind == index)
  std::string error;               // when invalid
};

// Atom: each <entry>'s <link href> (rel alternate or none; else the first). RSS: each <item>'s
// <link>. Relative links are resolved against `base_url`.
FeedIndex parse_feed_index(std::string_view body, std::string_view base_url);

}  // namespace jiaoying
