// libFuzzer target for the JSON ingest reader: no input may crash it, every refusal must say
// why in UTF-8, and an accepted warning must write and read back unchanged.
// Built only by tests/fuzz/run.sh (clang, -DJIAOYING_FUZZ=ON).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/cap_bytes.h"
#include "rules/warning.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jiaoying;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const WarningParse r = parse_warning_json(body);
  if (!r.warning) {
    if (r.error.message.empty() || !is_valid_utf8(r.error.text())) std::abort();
    return 0;
  }
  const std::string json = warning_to_json(*r.warning);
  const WarningParse again = parse_warning_json(json);
  if (!again.warning || warning_to_json(*again.warning) != json) std::abort();
  return 0;
}
