// The SMS wire: segments as the platform bills them, SendSms parameters on the signed RPC, the
// receipt and reply pushes, reply codes, and how each answer becomes a send outcome — at most once.
#include <doctest/doctest.h>

#include "channels/form.h"
#include "channels/sms/aliyun_sms.h"
#include "channels/sms/sms_provider.h"

#include "channels/scripted_http.h"

using namespace jiaoying;

namespace {

// The platform's usual answer.
HttpResponse ok_answer() { return {200, R"({"Code":"OK","Message":"OK","RequestId":"r1","BizId":"900619^4112"})", "", {}}; }

using testing::ScriptedHttp;

OutboundMessage text_to(const std::string& mobile, std::string text = "安地镇暴雨红色预警。钱某一请立即履职，回复1确认收到。") {
  OutboundMessage m;
  m.message_id = 4242;
  m.person_name = "钱某一";
  m.mobile = mobile;
  m.text = std::move(text);
  return m;
}

}  // namespace

TEST_CASE("segments count the signature and split long texts in 67-character parts") {
  CHECK(sms::characters("浙江防汛") == 4);
  CHECK(sms::segments("浙江防汛", std::string(64, 'a')) == 1);  // 4 + 2 + 64 = 70
  CHECK(sms::segments("浙江防汛", std::string(65, 'a')) == 2);  // 71
  CHECK(sms::segments("浙江防汛", std::string(128, 'a')) == 2);  // 134 = 2 × 67
  CHECK(sms::segments("浙江防汛", std::string(129, 'a')) == 3);
}

TEST_CASE("reply codes are the leading number of a reply; bare receipts are recognised") {
  CHECK(sms::reply_code_of("1") == 1);
  CHECK(sms::reply_code_of(" 2 收到") == 2);
  CHECK(sms::reply_code_of("12") == 12);
  CHECK_FALSE(sms::reply_code_of("收到"));
  CHECK_FALSE(sms::reply_code_of("0"));
  CHECK_FALSE(sms::reply_code_of("13912345678"));  // a number, not a code
  CHECK(sms::is_bare_receipt("收到"));
  CHECK(sms::is_bare_receipt(" 收到！"));
  CHECK(sms::is_bare_receipt("ok"));
  CHECK_FALSE(sms::is_bare_receipt("收到，但我在外地"));
}

TEST_CASE("receipts and replies read as the platform pushes them") {
  auto reports = sms::parse_delivery_reports(
      R"([{"phone_number":"19900000002","send_time":"2026-06-15 02:03:01","report_time":"2026-06-15 02:03:05",)"
      R"("success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"900619^4112","out_id":"m39u"}])");
  REQUIRE(reports);
  CHECK((*reports)[0].success);
  CHECK((*reports)[0].out_id == "m39u");
  CHECK_FALSE(sms::parse_delivery_reports(R"([{"phone_number":"1"}])"));  // no success flag
  CHECK_FALSE(sms::parse_delivery_reports("{}"));
  auto replies = sms::parse_replies(
      R"([{"phone_number":"19900000002","send_time":"2026-06-15 02:04:00","content":"1","sign_name":"浙江防汛",)"
      R"("dest_code":"1069000","sequence_id":1234}])");
  REQUIRE(replies);
  CHECK((*replies)[0].content == "1");
  CHECK((*replies)[0].sequence_id == "1234");
  CHECK(sms::push_ack() == R"({"code":0,"msg":"接收成功"})");
}

TEST_CASE("a text goes out as a signed SendSms; doubt is never resent") {
  ScriptedHttp http{ok_answer()};
  SmsProvider channel({"http://sms.test", {"sms-id", "sms-secret"}, "浙江防汛", "SMS_100001", 100, std::chrono::seconds(5)},
                      [] { return std::chrono::system_clock::time_point(std::chrono::hours(500'000)); });
  SendResult r = send_now(channel, http, text_to("19900000002"));
  CHECK(r.outcome == SendOutcome::sent);
  CHECK(r.provider_ref == "900619^4112");
  REQUIRE(http.requests.size() == 1);
  FormParams params;
  REQUIRE(form_decode(http.requests[0].body, params));
  CHECK(form_get(params, "Action") == "SendSms");
  CHECK(form_get(params, "PhoneNumbers") == "19900000002");
  CHECK(form_get(params, "SignName") == "浙江防汛");
  CHECK(form_get(params, "TemplateParam").find("回复1确认收到") != std::string::npos);
  CHECK(form_get(params, "OutId") == "m39u");
  CHECK(vms::signature_valid(params, "sms-secret"));

  http.next = {0, "", "timed out", {}};
  CHECK(send_now(channel, http, text_to("19900000002")).outcome == SendOutcome::unknown);
  http.next = {0, "", "Couldn't connect to server", {}, true};  // nothing reached the platform
  CHECK(send_now(channel, http, text_to("19900000002")).outcome == SendOutcome::retry);
  http.next = {503, "", "", {}};
  CHECK(send_now(channel, http, text_to("19900000002")).outcome == SendOutcome::unknown);
  http.next = {200, R"({"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发分钟级流控","RequestId":"r"})", "", {}};
  CHECK(send_now(channel, http, text_to("19900000002")).outcome == SendOutcome::retry);
  http.next = {200, R"({"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"r"})", "", {}};
  CHECK(send_now(channel, http, text_to("19900000002")).outcome == SendOutcome::deferred);
  http.next = {200, R"({"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号","RequestId":"r"})", "", {}};
  CHECK(send_now(channel, http, text_to("19900000002")).outcome == SendOutcome::failed);
  // Refused before any request: no mobile, not a mainland mobile, too long.
  const size_t before = http.requests.size();
  CHECK(send_now(channel, http, text_to("")).outcome == SendOutcome::failed);
  CHECK(send_now(channel, http, text_to("0579-0000001")).outcome == SendOutcome::failed);
  CHECK(send_now(channel, http, text_to("19900000002", std::string(600, 'x'))).outcome == SendOutcome::failed);
  CHECK(http.requests.size() == before);
}

TEST_CASE("a batch of texts is one SendBatchSms, each number with its own text; one answer settles them all") {
  ScriptedHttp http{ok_answer()};
  SmsProvider provider({"http://sms.test", {"sms-id", "sms-secret"}, "浙江防汛", "SMS_100001", 100, std::chrono::seconds(5)},
                       [] { return std::chrono::system_clock::now(); });
  std::vector<OutboundMessage> batch{text_to("19900000002", "回复1确认收到"), text_to("19900000003", "回复2确认收到")};
  batch[1].message_id = 4243;
  HttpRequest request = provider.encode(batch);
  FormParams params;
  REQUIRE(form_decode(request.body, params));
  CHECK(form_get(params, "Action") == "SendBatchSms");
  CHECK(form_get(params, "PhoneNumberJson") == R"(["19900000002","19900000003"])");
  CHECK(form_get(params, "SignNameJson") == R"(["浙江防汛","浙江防汛"])");
  CHECK(form_get(params, "TemplateParamJson") == R"([{"content":"回复1确认收到"},{"content":"回复2确认收到"}])");
  CHECK(form_get(params, "OutId") == "m39u");  // the first message's; receipts name the phone too
  CHECK(vms::signature_valid(params, "sms-secret"));
  auto results = provider.decode(batch, http.perform(request));
  REQUIRE(results.size() == 2);
  CHECK(results[0].outcome == SendOutcome::sent);
  CHECK(results[1].provider_ref == "900619^4112");
  http.next = {0, "", "reset", {}};
  results = provider.decode(batch, http.perform(request));
  CHECK(results[1].outcome == SendOutcome::unknown);  // neither is ever sent again
}
