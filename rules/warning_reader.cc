#include "rules/warning_reader.h"

#include "rules/cap.h"

namespace jiaoying {

char first_sign(std::string_view bytes) {
  std::string_view rest = bytes;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\r' || rest.front() == '\n'))
    rest.remove_prefix(1);
  return rest.empty() ? '\0' : rest.front();
}

WarningParse parse_warning_bytes(std::string_view bytes) {
  const char sign = first_sign(bytes);
  if (sign == '<') return parse_cap(bytes);
  WarningParse result;
  if (sign == '{') {
    if (bytes.starts_with("\xEF\xBB\xBF")) {
      result.error = {"", "starts with a UTF-8 byte-order mark; the JSON format has none"};
      return result;
    }
    return parse_warning_json(bytes);
  }
  if (bytes.empty()) {
    result.error = {"", "is empty"};
  } else if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
    result.error = {"", "is UTF-16: send UTF-8"};
  } else {
    result.error = {"", "is neither CAP (starts with '<') nor JSON (starts with '{')"};
  }
  return result;
}

}  // namespace jiaoying
