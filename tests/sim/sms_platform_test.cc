// The simulated SMS platform against the real SMS channel, without sockets: the RPC signature,
// the approved signature and template, and the receipt and reply each scenario phone produces.
#include "sim/sms_platform.h"

#include <doctest/doctest.h>

#include <sstream>

#include "channels/sms/aliyun_sms.h"
#include "channels/sms/sms_provider.h"

namespace {

using namespace jiaoying;

constexpr const char* kScenario = R"(
zzd: { api_key: k, secret_key: s, tenant_id: "1" }
voice: { access_key_id: cloud-id, access_key_secret: cloud-secret }
sms: { sign_name: 婺城防汛, template_code: SMS_1 }
people:
  - { account: "1", answer: never, mobile: "19900000001", text: { reply_after: 20s } }
  - { account: "2", answer: never, mobile: "19900000002", text: { reply_after: 1m, reply: 收到 } }
)";

class RecordingTaps final : public sim::TapScheduler {
 public:
  void schedule(sim::Tap tap) override { taps.push_back(std::move(tap)); }
  std::vector<sim::Tap> taps;
};

class Wire final : public HttpClient {
 public:
  explicit Wire(sim::SmsPlatform& platform) : platform_(platform) {}
  HttpResponse perform(const HttpRequest& request) override {
    ServerRequest in;
    in.method = "POST";
    in.path = in.target = "/";
    in.body = request.body;
    REQUIRE(platform_.serves(in));
    ServerResponse out = platform_.handle(in);
    return {out.status, out.body, "", {}};
  }

 private:
  sim::SmsPlatform& platform_;
};

sim::Scenario load() {
  std::vector<sim::ScenarioError> errors;
  auto s = sim::load_scenario_string(kScenario, "s.yaml", errors);
  REQUIRE_MESSAGE(s, (errors.empty() ? std::string() : errors[0].text()));
  return *s;
}

struct Fixture {
  explicit Fixture(std::string template_code = "SMS_1")
      : log(log_text),
        platform(load(), "http://daemon/api/v1/callbacks/sms/t0ken", log, taps, diagnostics),
        wire(platform),
        channel({"http://sim", {"cloud-id", "cloud-secret"}, "婺城防汛", std::move(template_code), 1, std::chrono::seconds(5)},
                [] { return std::chrono::system_clock::now(); }) {}
  SendResult send(const OutboundMessage& m) { return send_now(channel, wire, m); }
  OutboundMessage text(const std::string& mobile, int code) {
    OutboundMessage m;
    m.message_id = 77;
    m.mobile = mobile;
    m.text = "安地镇暴雨红色预警。请立即履职，回复" + std::to_string(code) + "确认收到。";
    return m;
  }
  std::ostringstream log_text, diagnostics;
  sim::EventLog log;
  RecordingTaps taps;
  sim::SmsPlatform platform;
  Wire wire;
  SmsProvider channel;
};

}  // namespace

TEST_CASE("a text is taken; the receipt follows, and the phone replies with the code the text asks for") {
  Fixture f;
  SendResult r = f.send(f.text("19900000001", 2));
  CHECK_MESSAGE(r.outcome == SendOutcome::sent, r.detail, f.diagnostics.str());
  REQUIRE(f.taps.taps.size() == 2);
  CHECK(f.taps.taps[0].url == "http://daemon/api/v1/callbacks/sms/t0ken/report");
  auto receipts = sms::parse_delivery_reports(f.taps.taps[0].json);
  REQUIRE(receipts);
  CHECK((*receipts)[0].success);
  CHECK((*receipts)[0].out_id == vms::out_id_of(77));
  CHECK(f.taps.taps[1].url == "http://daemon/api/v1/callbacks/sms/t0ken/reply");
  CHECK(f.taps.taps[1].delay == std::chrono::seconds(20));
  auto replies = sms::parse_replies(f.taps.taps[1].json);
  REQUIRE(replies);
  CHECK((*replies)[0].content == "2");

  // Someone else replies in their own words; a number not in the scenario never replies.
  f.send(f.text("19900000002", 1));
  CHECK(sms::parse_replies(f.taps.taps.back().json)->at(0).content == "收到");
  const size_t before = f.taps.taps.size();
  f.send(f.text("19900000009", 1));
  CHECK(f.taps.taps.size() == before + 1);  // the receipt only
}

TEST_CASE("a template the platform has not approved is refused; the channel calls it final") {
  Fixture f("SMS_OTHER");
  SendResult r = f.send(f.text("19900000001", 1));
  CHECK(r.outcome == SendOutcome::failed);
  CHECK(r.detail.find("isv.SMS_TEMPLATE_ILLEGAL") != std::string::npos);
  CHECK(f.taps.taps.empty());
}
