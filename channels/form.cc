#include "channels/form.h"

#include <array>

namespace jiaoying {

namespace {

// RFC 3986's unreserved characters: A–Z a–z 0–9 - . _ ~ (everything else is %XX).
constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
  for (char c : {'-', '.', '_', '~'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

void append_encoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (kUnreserved[c]) {
      out += ch;
    } else {
      const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escaped, 3);
    }
  }
}

}  // namespace

// A card's body is mostly Chinese text, three escaped bytes a character: this runs once per
// message, so it is a plain table walk rather than a general URL library's encoder.
std::string form_encode(const FormParams& params) {
  size_t size = 0;
  for (const auto& [key, value] : params) size += 2 + 3 * (key.size() + value.size());
  std::string out;
  out.reserve(size);
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    append_encoded(out, key);
    out += '=';
    append_encoded(out, value);
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_component(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace

bool form_decode(std::string_view body, FormParams& out) {
  out.clear();
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    if (!decode_component(pair.substr(0, eq), key)) return false;
    if (eq != std::string_view::npos && !decode_component(pair.substr(eq + 1), value)) return false;
    out.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::string form_get(const FormParams& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return {};
}

}  // namespace jiaoying
