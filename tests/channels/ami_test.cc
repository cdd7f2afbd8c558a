// The Asterisk manager interface's wire: messages in and out (CRLF fields, the empty line, the
// banner), values that would smuggle a field or split a channel variable, and the dial's
// Reason in the voice platform's words.
#include <doctest/doctest.h>

#include "channels/ivr/ami.h"

using namespace jiaoying;

TEST_CASE("AMI messages: fields in order, a CR or LF in a value cannot start a field of its own") {
  ami::Message m;
  m.add("Action", "Originate");
  m.add("ActionID", "jy-7-1");
  m.add("Variable", "JY_TEXT=line one\r\nAction: Hangup");
  CHECK(ami::encode(m) == "Action: Originate\r\nActionID: jy-7-1\r\nVariable: JY_TEXT=line one  Action: Hangup\r\n\r\n");
  // Commas split an Originate's Variable header (manager.c): they, quotes and backslashes go full-width.
  CHECK(ami::variable_value("暴雨红色预警, \"立即\" 转移\\") == "暴雨红色预警， ＂立即＂ 转移＼");
}

TEST_CASE("the AMI reader: the banner, messages cut anywhere, keys without case, hostile lengths refused") {
  const std::string stream =
      "Asterisk Call Manager/5.0.2\r\n"
      "Response: Success\r\nActionID: jy-login\r\nMessage: Authentication accepted\r\n\r\n"
      "Event: OriginateResponse\r\nActionID: jy-7-1\r\nresponse: Failure\r\nReason: 5\r\n\r\n";
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    ami::Reader reader;
    std::string error;
    std::vector<ami::Message> got;
    reader.feed(stream.substr(0, cut));
    while (auto m = reader.next(error)) got.push_back(*m);
    reader.feed(stream.substr(cut));
    while (auto m = reader.next(error)) got.push_back(*m);
    CHECK(error.empty());
    REQUIRE(got.size() == 2);
    CHECK(reader.banner() == "Asterisk Call Manager/5.0.2");
    CHECK(got[0].get("Message") == "Authentication accepted");
    CHECK(got[1].get("Response") == "Failure");  // "response:" read without case
    CHECK(got[1].get("reason") == "5");
    CHECK_FALSE(got[1].has("Uniqueid"));
  }
  ami::Reader reader;
  std::string error;
  reader.feed("Asterisk Call Manager/5.0.2\r\n" + std::string(ami::Reader::kMaxLine + 10, 'x'));
  CHECK_FALSE(reader.next(error));
  CHECK(error.find("a line longer than") != std::string::npos);
  ami::Reader many;
  std::string fields = "Asterisk Call Manager/5.0.2\r\n";
  for (size_t i = 0; i <= ami::Reader::kMaxFields; ++i) fields += "K: v\r\n";
  many.feed(fields);
  error.clear();
  CHECK_FALSE(many.next(error));
  CHECK(error.find("more than") != std::string::npos);
}

TEST_CASE("the dial's Reason in the voice platform's words, and the dial string") {
  CHECK(ami::status_of_reason(ami::kReasonBusy) == "200002");
  CHECK(ami::status_of_reason(ami::kReasonRinging) == "200003");
  CHECK(ami::status_of_reason(ami::kReasonAnswered) == "200000");
  CHECK(ami::status_of_reason(ami::kReasonHangup) == "200005");
  CHECK(ami::status_of_reason(ami::kReasonCongestion) == "200005");
  CHECK(ami::dial_string("PJSIP/{number}@county-trunk", "19900000001") == "PJSIP/19900000001@county-trunk");
}
