// libFuzzer target for what a carrier's gateway (or anything at its address) sends jiaoyingd over
// a CMPP link: the frame reader over an arbitrary byte stream, and every decoder on each frame's
// body in both versions. No input may crash them; a frame that decodes must encode back to the
// same bytes. Built only by tests/fuzz/run.sh (clang, -DJIAOYING_FUZZ=ON).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/sms/cmpp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jiaoying;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  cmpp::FrameReader reader;
  // Fed in two pieces, as a stream arrives.
  reader.feed(input.substr(0, size / 2));
  std::string error;
  auto check = [](bool same) {
    if (!same) std::abort();
  };
  for (int round = 0; round < 2; ++round) {
    while (auto f = reader.next(error)) {
      for (cmpp::Version v : {cmpp::Version::v20, cmpp::Version::v30}) {
        if (auto r = cmpp::decode_connect_resp(f->body, v)) (void)cmpp::encode_connect_resp(*r, v);
        if (auto r = cmpp::decode_submit_resp(f->body, v)) check(cmpp::encode_submit_resp(*r, v) == f->body);
        if (auto d = cmpp::decode_deliver(f->body, v)) {
          (void)cmpp::decode_status_report(d->content);
          (void)cmpp::text_of(d->msg_fmt, d->tp_udhi != 0, d->content);
          (void)cmpp::mainland_number(d->src_terminal_id);
        }
        if (auto s = cmpp::decode_submit(f->body, v)) (void)cmpp::encode_submit(*s, v);
      }
      if (auto c = cmpp::decode_connect(f->body)) check(cmpp::encode_connect(*c).size() == f->body.size());
    }
    if (!error.empty()) return 0;  // the link is closed here
    reader.feed(input.substr(size / 2));
  }
  (void)cmpp::ucs2_parts(input, 1);
  return 0;
}
