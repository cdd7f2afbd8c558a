// libFuzzer target for the CAP reader: no input may crash it, every refusal must say why in
// UTF-8, and whatever it accepts must survive the JSON round trip the store relies on.
// Built only by tests/fuzz/run.sh (clang, -DJIAOYING_FUZZ=ON).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/cap.h"
#include "rules/cap_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jiaoying;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const WarningParse r = parse_cap(bytes);
  if (!r.warning) {
    if (r.error.message.empty() || !is_valid_utf8(r.error.text())) std::abort();
    return 0;
  }
  const std::string json = warning_to_json(*r.warning);
  const WarningParse again = parse_warning_json(json);
  if (!again.warning || warning_to_json(*again.warning) != json) std::abort();
  return 0;
}
