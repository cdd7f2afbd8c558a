// libFuzzer target for what arrives on jiaoyingd's own links (or from anything at their address):
// the first byte picks the link. Even: a carrier's CMPP gateway — the frame reader over an
// arbitrary byte stream, and every decoder on each frame's body in both versions; a frame that
// decodes must encode back to the same bytes. Odd: an Asterisk manager interface — the message
// reader, and every message encoded again. No input may crash them. Built only by
// tests/fuzz/run.sh (clang, -DJIAOYING_FUZZ=ON).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/ivr/ami.h"
#include "channels/sms/cmpp.h"

namespace {

void fuzz_ami(std::string_view input) {
  using namespace jiaoying;
  ami::Reader reader;
  std::string error;
  reader.feed(input.substr(0, input.size() / 2));
  while (auto m = reader.next(error)) (void)ami::encode(*m);
  if (!error.empty()) return;
  reader.feed(input.substr(input.size() / 2));
  while (auto m = reader.next(error)) {
    // What we send is one message whatever a value holds: it reads back as exactly one.
    ami::Reader again;
    std::string e;
    again.feed("Asterisk Call Manager/5.0.2\r\n" + ami::encode(*m));
    if (!again.next(e) && e.empty() && !m->fields.empty()) std::abort();
  }
  (void)ami::variable_value(input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t raw_size) {
  using namespace jiaoying;
  if (raw_size == 0) return 0;
  if (data[0] % 2 == 1) {
    fuzz_ami(std::string_view(reinterpret_cast<const char*>(data) + 1, raw_size - 1));
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, raw_size - 1);
  const size_t size = input.size();
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
