// application/x-www-form-urlencoded bodies: the Zhezhengding open platform takes its
// parameters this way. Order is kept as written; duplicates are allowed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jiaoying {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes every byte outside RFC 3986's unreserved set (so '+' never means space).
std::string form_encode(const FormParams& params);

// Decodes a body or query string; '+' is a space. Returns false on a malformed escape.
bool form_decode(std::string_view body, FormParams& out);

// The first value of `key`, or empty.
std::string form_get(const FormParams& params, std::string_view key);

}  // namespace jiaoying
