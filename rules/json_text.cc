#include "rules/json_text.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

namespace jiaoying {

namespace json = boost::json;

namespace {

void write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(key));
        out += ':';
        write(value, out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& value : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(value, out);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {  // JSON has no NaN or infinity
        out += "null";
        return;
      }
      // fmt's shortest round-trip form: 28.98, 120.5, 1e-07 only where a decimal would be absurd.
      std::string text = fmt::format("{}", d);
      if (text.find_first_of(".e") == std::string::npos) text += ".0";
      out += text;
      return;
    }
    default:
      out += json::serialize(v);  // strings (escaped), integers, booleans, null
  }
}

}  // namespace

std::string json_text(const json::value& value) {
  std::string out;
  write(value, out);
  return out;
}

}  // namespace jiaoying
