// libFuzzer target for what the broadcast platform sends jiaoyingd: the multipart body, the
// EBDT tar, the EBD XML and its signature file. No input may crash them; a document that reads
// must write out and read back the same. The first byte picks the layer (0 multipart, 1 tar,
// 2 EBD XML, 3 signature XML). Built only by tests/fuzz/run.sh (clang, -DJIAOYING_FUZZ=ON).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/broadcast/ebd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jiaoying;
  if (size == 0) return 0;
  static const ebd::Sm2Key key = ebd::Sm2Key::generate();
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string error;
  // Errors reach audit events and JSON views: whatever a peer sends, they stay printable ASCII
  // or the project's own UTF-8 text, never the peer's raw bytes.
  struct Check {
    std::string& error;
    ~Check() {
      for (size_t i = 0; i < error.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(error[i]);
        if (c < 0x20 && c != '\n') std::abort();
      }
    }
  } check{error};
  switch (data[0] % 4) {
    case 0:
      if (auto file = ebd::multipart_field("multipart/form-data; boundary=b", input, "file", error))
        (void)ebd::open(*file, key, error);
      break;
    case 1:
      (void)ebd::open(input, key, error);
      break;
    case 2:
      if (auto doc = ebd::parse(input, error)) {
        auto again = ebd::parse(ebd::write(*doc), error);
        if (!again || again->envelope.ebd_id != doc->envelope.ebd_id || again->envelope.type != doc->envelope.type ||
            again->ebm.has_value() != doc->ebm.has_value() || again->state.has_value() != doc->state.has_value())
          std::abort();
      }
      break;
    case 3:
      if (auto sig = ebd::parse_signature(input, error))
        if (!ebd::parse_signature(ebd::write_signature(*sig), error)) std::abort();
      break;
  }
  return 0;
}
