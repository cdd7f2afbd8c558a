// DING (钉一下) on Zhezhengding: the signed form the government gateway takes (creator,
// receivers, notifyType, a plaintext text body ending in the person's 收到 link), and how each
// answer becomes an outcome — at most once, since the DING API keeps no key to dedup on.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "channels/form.h"
#include "channels/scripted_http.h"
#include "channels/zzd/ding_provider.h"
#include "channels/zzd/signature.h"

using namespace jiaoying;
using testing::ScriptedHttp;

namespace {

DingProvider provider() {
  DingSettings s;
  s.base_url = "http://127.0.0.1:8641";
  s.credentials = {"e2e-api-key", "e2e-secret-key"};
  s.tenant_id = "196729";
  s.creator = "3000999";
  return DingProvider(s, [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'781'488'000)); });
}

OutboundMessage ding_to(const std::string& account) {
  OutboundMessage m;
  m.message_id = 77;
  m.zzd_account = account;
  m.text = "【DING】钱某一：婺城区暴雨红色预警。请立即查看浙政钉工作通知，履职并点「收到」。";
  m.ack_url = "https://jiaoying.example/api/v1/ack?c=5&t=abc";
  return m;
}

HttpResponse answer(int status, std::string body) { return {status, std::move(body), "", {}}; }

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST_CASE("a DING is one signed POST of /gov/ding/isv/send.json to the person, in the duty room's name") {
  const DingProvider ding = provider();
  ScriptedHttp http{answer(200, R"({"success":true,"content":{"success":true,"data":"ding-000001"}})")};
  const SendResult r = send_now(ding, http, ding_to("3000001"));
  CHECK(r.outcome == SendOutcome::sent);
  CHECK(r.provider_ref == "ding-000001");
  REQUIRE(http.requests.size() == 1);
  const HttpRequest& req = http.requests[0];
  CHECK(req.url == "http://127.0.0.1:8641/gov/ding/isv/send.json");
  FormParams form;
  REQUIRE(form_decode(req.body, form));
  CHECK(form_get(form, "tenantId") == "196729");
  CHECK(boost::json::parse(form_get(form, "creator")).at("accountId") == "3000999");
  CHECK(boost::json::parse(form_get(form, "receivers")).as_array().at(0).at("accountId") == "3000001");
  CHECK(form_get(form, "notifyType") == "app");
  CHECK(form_get(form, "textType") == "plaintext");
  CHECK(form_get(form, "bodyType") == "text");
  const std::string text(boost::json::parse(form_get(form, "body")).at("text").as_string());
  CHECK(text.starts_with("【DING】钱某一"));
  CHECK(text.ends_with("确认收到：https://jiaoying.example/api/v1/ack?c=5&t=abc"));  // the 收到 link, as on the card
  // Signed as every open-platform call is: the signature covers this path and these parameters.
  const std::string to_sign = zzd::string_to_sign("POST", header(req, "X-Hmac-Auth-Timestamp"),
                                                  header(req, "X-Hmac-Auth-Nonce"), "/gov/ding/isv/send.json", form);
  CHECK(header(req, "X-Hmac-Auth-Signature") == zzd::hmac_sha256_base64("e2e-secret-key", to_sign));
}

TEST_CASE("a DING whose fate is unknown never rings again; one refused before the platform may") {
  const DingProvider ding = provider();
  ScriptedHttp http{answer(0, "")};
  http.next.error = "timeout";
  CHECK(send_now(ding, http, ding_to("3000001")).outcome == SendOutcome::unknown);
  http.next.not_delivered = true;  // connection refused: nothing reached the platform
  CHECK(send_now(ding, http, ding_to("3000001")).outcome == SendOutcome::retry);
  http.next = answer(503, "");
  CHECK(send_now(ding, http, ding_to("3000001")).outcome == SendOutcome::unknown);
  http.next = answer(200, R"({"success":false,"Code":"143103","Message":"请求频率超过限制"})");
  CHECK(send_now(ding, http, ding_to("3000001")).outcome == SendOutcome::deferred);
  http.next = answer(200, R"({"success":false,"Code":"InvalidParameter","Message":"receivers"})");
  CHECK(send_now(ding, http, ding_to("3000001")).outcome == SendOutcome::failed);
  CHECK(send_now(ding, http, ding_to("")).outcome == SendOutcome::failed);  // no account: refused, no request
}
