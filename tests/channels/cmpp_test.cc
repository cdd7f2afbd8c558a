// The CMPP wire: the login's authenticators and every packet layout against vectors computed
// independently (Python's hashlib and struct.pack, docs/protocols/cmpp.md), in both versions;
// the frame reader on split and hostile streams; UCS2 texts and their long-message parts.
#include <doctest/doctest.h>

#include "channels/sms/cmpp.h"

using namespace jiaoying;

namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 0xF]);
  }
  return out;
}

std::string hex(const cmpp::Digest& d) { return hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())); }

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

cmpp::Submit submit_of(const std::string& content) {
  cmpp::Submit s;
  s.service_id = "JYWARN";
  s.msg_src = "901234";
  s.src_id = "1069000";
  s.dest_terminal_ids = {"19900000001"};
  s.content = content;
  return s;
}

}  // namespace

TEST_CASE("the login's authenticators match independently computed MD5s") {
  // hashlib.md5(b"901234" + b"\0"*9 + b"s3cret-Test" + b"1203021500")
  const cmpp::Digest source = cmpp::authenticator_source("901234", "s3cret-Test", "1203021500");
  CHECK(hex(source) == "030a936f99a66a1826b9172959dd8662");
  // hashlib.md5(struct.pack(">I", 0) + source + secret) in 3.0; one status byte in 2.0.
  CHECK(hex(cmpp::authenticator_ismg(0, cmpp::Version::v30, source, "s3cret-Test")) == "b760b4987e8ac03f65758d0d945f6786");
  CHECK(hex(cmpp::authenticator_ismg(0, cmpp::Version::v20, source, "s3cret-Test")) == "8c08d7fdbdaa0c4a05572e93fc2e0c5b");
  CHECK(cmpp::authenticator_source("901234", "another", "1203021500") != source);
}

TEST_CASE("the login's timestamp is MMDDHHMMSS in Beijing time") {
  // 2026-12-02T18:15:00Z is 02:15:00 on 3 December in Beijing.
  const auto at = std::chrono::sys_days(std::chrono::year(2026) / 12 / 2) + std::chrono::hours(18) + std::chrono::minutes(15);
  CHECK(cmpp::timestamp_text(at) == "1203021500");
  CHECK(cmpp::timestamp_value("1203021500") == 1203021500u);
}

TEST_CASE("CONNECT and CONNECT_RESP are laid out as the specification says") {
  cmpp::Connect c;
  c.source_addr = "901234";
  c.authenticator = cmpp::authenticator_source("901234", "s3cret-Test", "1203021500");
  c.version = 0x30;
  c.timestamp = 1203021500;
  const std::string wire = cmpp::frame(cmpp::kConnect, 1, cmpp::encode_connect(c));
  CHECK(hex(wire) == "000000270000000100000001393031323334030a936f99a66a1826b9172959dd86623047b4a6bc");
  auto back = cmpp::decode_connect(cmpp::encode_connect(c));
  REQUIRE(back);
  CHECK(back->source_addr == "901234");
  CHECK(back->authenticator == c.authenticator);
  CHECK(back->timestamp == 1203021500u);

  cmpp::ConnectResp resp{3, {}, 0x20};
  CHECK(cmpp::encode_connect_resp(resp, cmpp::Version::v20).size() == 18);  // Status 1 + 16 + Version 1
  CHECK(cmpp::encode_connect_resp(resp, cmpp::Version::v30).size() == 21);  // Status 4 + 16 + Version 1
  auto r3 = cmpp::decode_connect_resp(cmpp::encode_connect_resp(resp, cmpp::Version::v30), cmpp::Version::v30);
  REQUIRE(r3);
  CHECK(r3->status == 3u);
  // A 2.0 answer read as 3.0 is refused, not misread.
  CHECK_FALSE(cmpp::decode_connect_resp(cmpp::encode_connect_resp(resp, cmpp::Version::v20), cmpp::Version::v30));
}

TEST_CASE("SUBMIT is byte-exact in 2.0 and 3.0 and reads back") {
  const std::string content = cmpp::ucs2_of("测试1");
  CHECK(hex(content) == "6d4b8bd50031");
  const std::string v20 = cmpp::frame(cmpp::kSubmit, 7, cmpp::encode_submit(submit_of(content), cmpp::Version::v20));
  const std::string v30 = cmpp::frame(cmpp::kSubmit, 7, cmpp::encode_submit(submit_of(content), cmpp::Version::v30));
  CHECK(v20.size() == 165);  // 12 + 117 + 21 + 1 + 6 + 8
  CHECK(v30.size() == 201);  // 12 + 129 + 32 + 1 + 1 + 6 + 20
  CHECK(hex(v20) ==
        "000000a500000004000000070000000000000000010101004a595741524e0000000002000000000000000000000000000000000000000000"
        "0000083930313233343031303030303030000000000000000000000000000000000000000000000000000000000000000000003130363930"
        "3030000000000000000000000000000001313939303030303030303100000000000000000000066d4b8bd500310000000000000000");
  CHECK(hex(v30) ==
        "000000c900000004000000070000000000000000010101004a595741524e0000000002000000000000000000000000000000000000000000"
        "0000000000000000000000000000083930313233343031303030303030000000000000000000000000000000000000000000000000000000"
        "0000000000000031303639303030000000000000000000000000000001313939303030303030303100000000000000000000000000000000"
        "000000000000066d4b8bd500310000000000000000000000000000000000000000");
  for (cmpp::Version v : {cmpp::Version::v20, cmpp::Version::v30}) {
    auto back = cmpp::decode_submit(cmpp::encode_submit(submit_of(content), v), v);
    REQUIRE(back);
    CHECK(back->dest_terminal_ids == std::vector<std::string>{"19900000001"});
    CHECK(back->src_id == "1069000");
    CHECK(back->content == content);
  }
  // A SUBMIT of one version is not silently read as the other.
  CHECK_FALSE(cmpp::decode_submit(cmpp::encode_submit(submit_of(content), cmpp::Version::v20), cmpp::Version::v30));
}

TEST_CASE("SUBMIT_RESP carries a one-byte result in 2.0 and four bytes in 3.0") {
  auto r2 = cmpp::decode_submit_resp(unhex("012300000000000508"), cmpp::Version::v20);
  REQUIRE(r2);
  CHECK(r2->msg_id == 0x0123000000000005u);
  CHECK(r2->result == cmpp::kFlowControl);
  auto r3 = cmpp::decode_submit_resp(unhex("012300000000000500000008"), cmpp::Version::v30);
  REQUIRE(r3);
  CHECK(r3->result == cmpp::kFlowControl);
  CHECK(hex(cmpp::encode_submit_resp({0x0123000000000005, 8}, cmpp::Version::v30)) == "012300000000000500000008");
  CHECK_FALSE(cmpp::decode_submit_resp(unhex("0123000000000005"), cmpp::Version::v20));  // no result
}

TEST_CASE("DELIVER: a reply in UCS2 (3.0) and in GB (2.0), and a status report of either length") {
  const std::string v30 = unhex(
      "0000006f00000005000000030123000000000009313036393030300000000000000000000000000000000000000000000000000000083836"
      "31393930303030303030310000000000000000000000000000000000000000000200320000000000000000000000000000000000000000");
  cmpp::FrameReader reader;
  reader.feed(v30);
  std::string error;
  auto f = reader.next(error);
  REQUIRE(f);
  CHECK(f->command == cmpp::kDeliver);
  CHECK(f->sequence == 3u);
  auto d = cmpp::decode_deliver(f->body, cmpp::Version::v30);
  REQUIRE(d);
  CHECK(cmpp::mainland_number(d->src_terminal_id) == "19900000001");
  CHECK(d->registered_delivery == 0);
  CHECK(cmpp::text_of(d->msg_fmt, d->tp_udhi, d->content) == "2");

  auto gb = cmpp::decode_deliver(
      unhex("01230000000000093130363930303000000000000000000000000000000000000000000000000000000f3139393030303030303031000000"
            "000000000000000004cad5b5bd0000000000000000"),
      cmpp::Version::v20);
  REQUIRE(gb);
  CHECK(gb->src_terminal_id == "19900000001");
  CHECK(cmpp::text_of(gb->msg_fmt, gb->tp_udhi, gb->content) == "收到");

  const std::string report30 = unhex(
      "012300000000000544454c495652443236313230333032313532363132303330323135313939303030303030303100000000000000000000"
      "000000000000000000000000000000");
  REQUIRE(report30.size() == 71);
  auto r = cmpp::decode_status_report(report30);
  REQUIRE(r);
  CHECK(r->msg_id == 0x0123000000000005u);
  CHECK(r->stat == "DELIVRD");
  CHECK(r->dest_terminal_id == "19900000001");
  cmpp::StatusReport undelivered{7, "UNDELIV", "2612030215", "2612030215", "19900000001", 9};
  const std::string report20 = cmpp::encode_status_report(undelivered, cmpp::Version::v20);
  CHECK(report20.size() == 60);
  auto r20 = cmpp::decode_status_report(report20);
  REQUIRE(r20);
  CHECK(r20->stat == "UNDELIV");
  CHECK(r20->smsc_sequence == 9u);
  CHECK_FALSE(cmpp::decode_status_report(report20.substr(0, 59)));
}

TEST_CASE("the frame reader takes a stream cut anywhere, and refuses lengths no gateway sends") {
  const std::string a = cmpp::frame(cmpp::kActiveTest, 1, "");
  const std::string b = cmpp::frame(cmpp::kSubmit | cmpp::kResponse, 2, cmpp::encode_submit_resp({5, 0}, cmpp::Version::v30));
  const std::string stream = a + b;
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    cmpp::FrameReader reader;
    std::string error;
    std::vector<cmpp::Frame> got;
    reader.feed(stream.substr(0, cut));
    while (auto f = reader.next(error)) got.push_back(*f);
    reader.feed(stream.substr(cut));
    while (auto f = reader.next(error)) got.push_back(*f);
    CHECK(error.empty());
    REQUIRE(got.size() == 2);
    CHECK(got[0].command == cmpp::kActiveTest);
    CHECK(got[1].sequence == 2u);
    CHECK(reader.buffered() == 0);
  }
  for (std::string_view bad : {"\x00\x00\x00\x05\x00\x00\x00\x08\x00\x00\x00\x01", "\x7f\xff\xff\xff\x00\x00\x00\x08\x00\x00\x00\x01"}) {
    cmpp::FrameReader reader;
    reader.feed(std::string(bad.data(), 12));
    std::string error;
    CHECK_FALSE(reader.next(error));
    CHECK(error.find("CMPP frames are 12 to") != std::string::npos);
  }
}

TEST_CASE("texts: UCS2 both ways, long texts in 67-unit parts behind the UDH, pairs never split") {
  CHECK(cmpp::utf8_of_ucs2(cmpp::ucs2_of("暴雨红色预警 𠀀 ok")) == "暴雨红色预警 𠀀 ok");
  CHECK_FALSE(cmpp::utf8_of_ucs2("\xd8\x00"));  // a lone high surrogate
  CHECK_FALSE(cmpp::utf8_of_ucs2(std::string_view("\x00", 1)));  // an odd length
  CHECK(cmpp::ucs2_parts(std::string(70, 'a'), 1).size() == 1);
  CHECK(cmpp::ucs2_parts(std::string(70, 'a'), 1).front().size() == 140);
  std::vector<std::string> parts = cmpp::ucs2_parts(std::string(71, 'a'), 9);
  REQUIRE(parts.size() == 2);
  CHECK(hex(parts[0].substr(0, 6)) == "050003090201");
  CHECK(hex(parts[1].substr(0, 6)) == "050003090202");
  CHECK(parts[0].size() == 6 + 134);
  CHECK(parts[1].size() == 6 + 8);
  // 66 units then a character beyond the BMP: the pair moves whole to the second part.
  std::vector<std::string> paired = cmpp::ucs2_parts(std::string(66, 'a') + "𠀀" + std::string(10, 'b'), 2);
  REQUIRE(paired.size() == 2);
  CHECK(paired[0].size() == 6 + 132);
  CHECK(cmpp::text_of(cmpp::kUcs2, true, paired[1]) == "𠀀" + std::string(10, 'b'));
  CHECK(cmpp::ucs2_parts(std::string(67 * 256, 'a'), 1).empty());  // more than 255 parts
  CHECK(cmpp::mainland_number("+8619900000001") == "19900000001");
  CHECK(cmpp::mainland_number("19900000001") == "19900000001");
}
