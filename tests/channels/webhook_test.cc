// The webhook wire and provider: the signature, the deliveries, and how answers become outcomes.
#include <doctest/doctest.h>

#include "channels/scripted_http.h"
#include "channels/webhook/webhook.h"
#include "channels/webhook/webhook_provider.h"

using namespace jiaoying;
using testing::ScriptedHttp;

namespace {

OutboundMessage to(const std::string& key, const std::string& account) {
  OutboundMessage m;
  m.message_id = 7;
  m.idem_key = key;
  m.person_id = "p-" + account;
  m.person_name = "钱某一";
  m.zzd_account = account;
  m.title = "暴雨红色预警";
  m.text = "请立即确认";
  m.ack_url = "http://127.0.0.1:8640/api/v1/ack?c=1&t=x";
  m.level = "red";
  return m;
}

}  // namespace

TEST_CASE("a webhook batch is signed over its timestamp and body; the receiver's answer settles each delivery") {
  WebhookProvider provider({"http://county.test/hook", "webhook-secret-0123456", 100, std::chrono::seconds(5)},
                           [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'781'460'000)); });
  std::vector<OutboundMessage> batch{to("w1-c1-s0-webhook", "100001"), to("w1-c2-s0-webhook", "100002"),
                                     to("w1-c3-s0-webhook", "100003")};
  HttpRequest request = provider.encode(batch);
  std::string timestamp, signature;
  for (const auto& [name, value] : request.headers) {
    if (name == webhook::kHeaderTimestamp) timestamp = value;
    if (name == webhook::kHeaderSignature) signature = value;
  }
  CHECK(timestamp == "1781460000");
  CHECK(webhook::signature_valid("webhook-secret-0123456", timestamp, request.body, signature));
  CHECK_FALSE(webhook::signature_valid("another-secret-0123456", timestamp, request.body, signature));
  CHECK_FALSE(webhook::signature_valid("webhook-secret-0123456", "1781460001", request.body, signature));
  auto deliveries = webhook::parse_deliveries(request.body);
  REQUIRE(deliveries);
  REQUIRE(deliveries->size() == 3);
  CHECK((*deliveries)[1].zzd_account == "100002");
  CHECK((*deliveries)[0].ack_url == batch[0].ack_url);

  std::vector<webhook::Result> answer{{"w1-c1-s0-webhook", "accepted", ""}, {"w1-c2-s0-webhook", "duplicate", ""},
                                      {"w1-c3-s0-webhook", "rejected", "unknown person"}};
  ScriptedHttp http{{200, webhook::results_json(answer), "", {}}};
  auto results = provider.decode(batch, http.perform(request));
  REQUIRE(results.size() == 3);
  CHECK(results[0].outcome == SendOutcome::sent);
  CHECK(results[1].outcome == SendOutcome::duplicate);
  CHECK(results[2].outcome == SendOutcome::failed);
  CHECK(results[2].detail == "rejected: unknown person");
  // No answer, a 5xx: the keys make a resend safe. 429: slow down. Another 4xx: refused.
  CHECK(provider.decode(batch, {0, "", "reset", {}})[0].outcome == SendOutcome::retry);
  CHECK(provider.decode(batch, {503, "", "", {}})[0].outcome == SendOutcome::retry);
  CHECK(provider.decode(batch, {429, "", "", {}})[0].outcome == SendOutcome::deferred);
  CHECK(provider.decode(batch, {403, "", "", {}})[0].outcome == SendOutcome::failed);
  CHECK(provider.decode(batch, {204, "", "", {}})[2].outcome == SendOutcome::sent);
}
