#include "channels/form.h"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace jiaoying {

std::string form_encode(const FormParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(key, boost::urls::unreserved_chars);
    out += '=';
    out += boost::urls::encode(value, boost::urls::unreserved_chars);
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
