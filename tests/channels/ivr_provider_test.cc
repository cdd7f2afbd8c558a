// The voice provider: the RPC signature (with the provider's published example), IvrCall's
// parameters, the call reports, and how each answer becomes a send outcome — at most once.
#include <doctest/doctest.h>

#include "channels/form.h"
#include "channels/ivr/aliyun_vms.h"
#include "channels/ivr/ivr_provider.h"

#include "channels/scripted_http.h"

using namespace jiaoying;

namespace {

// The platform's usual answer.
HttpResponse ok_answer() { return {200, R"({"Code":"OK","Message":"OK","RequestId":"r1","CallId":"118720962490^1055181"})", "", {}}; }

using testing::ScriptedHttp;

IvrSettings settings() {
  IvrSettings s;
  s.base_url = "http://voice.test";
  s.key = {"test-key-id", "test-key-secret"};
  s.show_number = "057100000000";
  s.start_code = "TTS_WARNING";
  s.confirm_code = "TTS_THANKS";
  return s;
}

OutboundMessage call_to(const std::string& mobile) {
  OutboundMessage m;
  m.message_id = 4242;
  m.idem_key = "w1-c2-s1-ivr";
  m.person_name = "钱某一";
  m.mobile = mobile;
  m.text = "钱某一您好，安地镇暴雨红色预警。确认收到请按1。";
  return m;
}

}  // namespace

TEST_CASE("the RPC signature matches the provider's published example") {
  // Alibaba Cloud's signature documentation: DescribeRegions signed with secret "testsecret".
  FormParams params{{"Timestamp", "2016-02-23T12:46:24Z"}, {"Format", "XML"},
                    {"AccessKeyId", "testid"},             {"Action", "DescribeRegions"},
                    {"SignatureMethod", "HMAC-SHA1"},      {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
                    {"Version", "2014-05-26"},             {"SignatureVersion", "1.0"}};
  const std::string text = vms::string_to_sign("GET", params);
  CHECK(text ==
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp"
        "%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26");
  CHECK(vms::sign("testsecret", text) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  CHECK(vms::percent_encode("a b*~你") == "a%20b%2A~%E4%BD%A0");
}

TEST_CASE("an IvrCall is signed, reads the message out and takes key 1; the platform's check accepts it") {
  ScriptedHttp http{ok_answer()};
  IvrProvider channel(settings(), [] { return std::chrono::system_clock::time_point{}; });
  SendResult r = send_now(channel, http, call_to("19900000002"));
  CHECK(r.outcome == SendOutcome::sent);
  CHECK(r.provider_ref == "118720962490^1055181");
  REQUIRE(http.requests.size() == 1);
  FormParams sent;
  REQUIRE(form_decode(http.requests[0].body, sent));
  CHECK(http.requests[0].url == "http://voice.test/");
  CHECK(form_get(sent, "Action") == "IvrCall");
  CHECK(form_get(sent, "CalledNumber") == "19900000002");
  CHECK(form_get(sent, "MenuKeyMap.1.Key") == "1");
  CHECK(form_get(sent, "OutId") == "m39u");  // 4242 in base 36
  CHECK(form_get(sent, "Timestamp") == "1970-01-01T00:00:00Z");
  CHECK(form_get(sent, "StartTtsParams").find("安地镇暴雨红色预警") != std::string::npos);
  CHECK(vms::signature_valid(sent, "test-key-secret"));
  CHECK_FALSE(vms::signature_valid(sent, "another-secret"));
}

TEST_CASE("a call whose fate is unknown is never placed again; a refusal before ringing may be") {
  ScriptedHttp http{ok_answer()};
  IvrProvider channel(settings(), [] { return std::chrono::system_clock::now(); });
  http.next = {0, "", "timeout", {}};
  CHECK(send_now(channel, http, call_to("19900000002")).outcome == SendOutcome::unknown);
  http.next = {0, "", "Couldn't connect to server", {}, true};  // nothing reached the platform
  CHECK(send_now(channel, http, call_to("19900000002")).outcome == SendOutcome::retry);
  http.next = {502, "", "", {}};
  CHECK(send_now(channel, http, call_to("19900000002")).outcome == SendOutcome::unknown);
  http.next = {200, R"({"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发流控","RequestId":"r"})", "", {}};
  CHECK(send_now(channel, http, call_to("19900000002")).outcome == SendOutcome::retry);
  http.next = {200, R"({"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"r"})", "", {}};
  CHECK(send_now(channel, http, call_to("19900000002")).outcome == SendOutcome::deferred);  // slow down, not a failure
  http.next = {200, R"({"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"号码格式错误","RequestId":"r"})", "", {}};
  SendResult bad = send_now(channel, http, call_to("19900000002"));
  CHECK(bad.outcome == SendOutcome::failed);
  CHECK(bad.detail.find("isv.MOBILE_NUMBER_ILLEGAL") != std::string::npos);
  // Nobody to ring: no request at all.
  size_t before = http.requests.size();
  CHECK(send_now(channel, http, call_to("")).outcome == SendOutcome::failed);
  CHECK(http.requests.size() == before);
}

TEST_CASE("call reports are read from the platform's JSON array; OutId round-trips a message id") {
  auto reports = vms::parse_voice_report(
      R"([{"status_code":"300000","callee":"199****0002","duration":"25","call_id":"1^2","status_msg":"按键",)"
      R"("out_id":"m39u","dtmf":"1","voice_type":"voice"},{"call_id":"3^4","status_code":"200003","out_id":"m1"}])");
  REQUIRE(reports);
  REQUIRE(reports->size() == 2);
  CHECK((*reports)[0].dtmf == "1");
  CHECK(vms::message_id_of((*reports)[0].out_id) == 4242);
  CHECK(vms::call_status_text((*reports)[1].status_code) == "no answer");
  CHECK_FALSE(vms::parse_voice_report(R"({"call_id":"1"})"));
  CHECK_FALSE(vms::parse_voice_report(R"([{"out_id":"m1"}])"));
  for (int64_t id : {int64_t{1}, int64_t{35}, int64_t{36}, INT64_MAX}) CHECK(vms::message_id_of(vms::out_id_of(id)) == id);
  CHECK(vms::out_id_of(INT64_MAX).size() <= 15);
  CHECK_FALSE(vms::message_id_of("x12"));
  CHECK_FALSE(vms::message_id_of("m"));
  CHECK_FALSE(vms::message_id_of("mzzzzzzzzzzzzzz"));  // beyond 64 bits
}

TEST_CASE("someone with only a fixed line is rung on it, digits only") {
  ScriptedHttp http{ok_answer()};
  IvrProvider channel(settings(), [] { return std::chrono::system_clock::now(); });
  OutboundMessage m = call_to("");
  m.landline = "0579-00000001";
  CHECK_FALSE(channel.refuse(m));
  CHECK(send_now(channel, http, m).outcome == SendOutcome::sent);
  FormParams sent;
  REQUIRE(form_decode(http.requests.back().body, sent));
  CHECK(form_get(sent, "CalledNumber") == "057900000001");
}
