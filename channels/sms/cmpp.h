// CMPP 2.0 and 3.0, China Mobile's protocol between an SP and a carrier's SMS gateway (ISMG):
// the frames, the login's authenticators, SUBMIT, DELIVER (replies and status reports),
// ACTIVE_TEST, and the UCS2 texts with their long-message parts. Pure functions and one frame
// reader; any thread. Every layout and the reason for each field are in docs/protocols/cmpp.md.
// All integers are big-endian; fixed-length strings are NUL-padded (and read up to the first NUL).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jiaoying::cmpp {

enum class Version : uint8_t { v20 = 0x20, v30 = 0x30 };
std::string_view version_name(Version v);  // "2.0", "3.0"

inline constexpr uint32_t kConnect = 0x00000001;
inline constexpr uint32_t kTerminate = 0x00000002;
inline constexpr uint32_t kSubmit = 0x00000004;
inline constexpr uint32_t kDeliver = 0x00000005;
inline constexpr uint32_t kActiveTest = 0x00000008;
inline constexpr uint32_t kResponse = 0x80000000;  // a response's id is its request's | this

inline constexpr size_t kHeaderSize = 12;
// No CMPP frame is near this (a SUBMIT to 100 numbers in 3.0 is 3,531 bytes): anything longer is
// not a gateway speaking CMPP, and the link is closed rather than waiting for it.
inline constexpr uint32_t kMaxFrame = 8192;

// SUBMIT_RESP / DELIVER_RESP results and CONNECT_RESP statuses worth naming.
inline constexpr uint32_t kOk = 0;
inline constexpr uint32_t kFlowControl = 8;  // slow down: nothing was taken
inline constexpr uint32_t kBadSource = 2;    // CONNECT: Source_Addr unknown
inline constexpr uint32_t kAuthFailed = 3;   // CONNECT: wrong secret (or clock)
std::string result_text(uint32_t result);    // "8 flow control", …
std::string connect_status_text(uint32_t status);

inline constexpr uint8_t kUcs2 = 8;
inline constexpr uint8_t kGb = 15;
inline constexpr uint8_t kAscii = 0;

struct Frame {
  uint32_t command = 0;
  uint32_t sequence = 0;
  std::string body;  // after the header
};

// Header and body as sent.
std::string frame(uint32_t command, uint32_t sequence, std::string_view body);

// Cuts a byte stream into frames. feed() what arrived; next() gives each whole frame, nullopt when
// more bytes are needed. A length below the header or above kMaxFrame is an error (the stream
// cannot be resynchronised: close the link).
class FrameReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  std::optional<Frame> next(std::string& error);
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
};

// The login's clock: the uint32 whose decimal digits are MMDDHHMMSS, in Beijing time (UTC+8).
std::string timestamp_text(std::chrono::system_clock::time_point at);  // "1203021500"
uint32_t timestamp_value(std::string_view mmddhhmmss);                  // 1203021500

using Digest = std::array<uint8_t, 16>;
// MD5(Source_Addr + 9 × 0x00 + secret + "MMDDHHMMSS").
Digest authenticator_source(std::string_view source_addr, std::string_view secret, std::string_view timestamp);
// MD5(Status + AuthenticatorSource + secret); Status is 1 byte in 2.0 and 4 in 3.0.
Digest authenticator_ismg(uint32_t status, Version version, const Digest& source, std::string_view secret);

struct Connect {
  std::string source_addr;  // the SP id, 6 characters
  Digest authenticator{};
  uint8_t version = 0x30;
  uint32_t timestamp = 0;
};
std::string encode_connect(const Connect& c);
std::optional<Connect> decode_connect(std::string_view body);

struct ConnectResp {
  uint32_t status = 0;
  Digest authenticator{};  // AuthenticatorISMG
  uint8_t version = 0x30;
};
std::string encode_connect_resp(const ConnectResp& r, Version v);
std::optional<ConnectResp> decode_connect_resp(std::string_view body, Version v);

struct Submit {
  uint64_t msg_id = 0;
  uint8_t pk_total = 1, pk_number = 1;
  uint8_t registered_delivery = 1;  // a status report is wanted
  uint8_t msg_level = 0;
  std::string service_id;
  uint8_t fee_user_type = 2;        // the SP pays
  std::string fee_terminal_id;
  uint8_t fee_terminal_type = 0;    // 3.0
  uint8_t tp_pid = 0, tp_udhi = 0;
  uint8_t msg_fmt = kUcs2;
  std::string msg_src;              // the SP id
  std::string fee_type = "01";      // free to the person
  std::string fee_code = "000000";
  std::string valid_time, at_time;  // empty: the gateway's default validity, now
  std::string src_id;               // the service number the phone shows (1069…)
  std::vector<std::string> dest_terminal_ids;
  uint8_t dest_terminal_type = 0;   // 3.0
  std::string content;              // ≤ 140 bytes, with the UDH when tp_udhi
  std::string link_id;              // 3.0 LinkID (2.0: Reserve)
};
std::string encode_submit(const Submit& s, Version v);
std::optional<Submit> decode_submit(std::string_view body, Version v);

struct SubmitResp {
  uint64_t msg_id = 0;
  uint32_t result = 0;
};
std::string encode_submit_resp(const SubmitResp& r, Version v);
std::optional<SubmitResp> decode_submit_resp(std::string_view body, Version v);

struct Deliver {
  uint64_t msg_id = 0;
  std::string dest_id;            // our service number the person texted
  std::string service_id;
  uint8_t tp_pid = 0, tp_udhi = 0;
  uint8_t msg_fmt = kUcs2;
  std::string src_terminal_id;    // the person's number
  uint8_t src_terminal_type = 0;  // 3.0
  uint8_t registered_delivery = 0;  // 1: the content is a status report
  std::string content;
  std::string link_id;
};
std::string encode_deliver(const Deliver& d, Version v);
std::optional<Deliver> decode_deliver(std::string_view body, Version v);

// What a DELIVER with registered_delivery = 1 carries.
struct StatusReport {
  uint64_t msg_id = 0;   // the SUBMIT_RESP's
  std::string stat;      // DELIVRD, UNDELIV, EXPIRED, …
  std::string submit_time, done_time;  // YYMMDDHHMM
  std::string dest_terminal_id;
  uint32_t smsc_sequence = 0;
};
std::string encode_status_report(const StatusReport& r, Version v);
// 60 bytes (a 21-byte number, 2.0 and some 3.0 gateways) or 71 (32 bytes, 3.0).
std::optional<StatusReport> decode_status_report(std::string_view content);
inline constexpr std::string_view kDelivered = "DELIVRD";

struct DeliverResp {
  uint64_t msg_id = 0;
  uint32_t result = 0;
};
std::string encode_deliver_resp(const DeliverResp& r, Version v);
std::optional<DeliverResp> decode_deliver_resp(std::string_view body, Version v);

// ACTIVE_TEST_RESP's body: one reserved byte.
std::string active_test_resp_body();

// Texts. UCS2 here is UTF-16BE (surrogate pairs for characters beyond the BMP, as phones do).
std::string ucs2_of(std::string_view utf8);
std::optional<std::string> utf8_of_ucs2(std::string_view ucs2);
// A DELIVER's text in UTF-8, by its Msg_Fmt (UCS2, GB18030, ASCII), the UDH dropped when udhi.
std::optional<std::string> text_of(uint8_t msg_fmt, bool udhi, std::string_view content);

// The parts a text goes in: one of up to 70 UCS2 units, or parts of 67 each behind the UDH
// 05 00 03 <ref> <total> <n>; a surrogate pair is never split. Empty when it needs more than 255.
std::vector<std::string> ucs2_parts(std::string_view utf8, uint8_t ref);

// A DELIVER's number as the directory keeps it: "+86"/"86" dropped from a 13-digit mainland one.
std::string mainland_number(std::string_view terminal_id);

}  // namespace jiaoying::cmpp
