// The simulated voice platform, without sockets: the RPC signature check, IvrCall's parameters,
// and the call report each scenario phone produces.
#include "sim/voice_platform.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <sstream>

#include "channels/form.h"
#include "channels/ivr/aliyun_vms.h"
#include "channels/ivr/ivr_provider.h"

namespace {

using namespace jiaoying;

constexpr const char* kScenario = R"(
zzd: { api_key: k, secret_key: s, tenant_id: "1" }
voice: { access_key_id: voice-id, access_key_secret: voice-secret }
people:
  - { account: "1", answer: never, mobile: "19900000001", call: { answer_after: 20s, press: "1" } }
  - { account: "2", answer: never, mobile: "19900000002", call: busy }
)";

class RecordingTaps final : public sim::TapScheduler {
 public:
  void schedule(sim::Tap tap) override { taps.push_back(std::move(tap)); }
  std::vector<sim::Tap> taps;
};

struct Fixture {
  Fixture()
      : log(log_text),
        voice(load(), "http://daemon/api/v1/callbacks/voice/t0ken", log, taps, diagnostics, [this] { return now; }) {}
  static sim::Scenario load() {
    std::vector<sim::ScenarioError> errors;
    auto s = sim::load_scenario_string(kScenario, "s.yaml", errors);
    REQUIRE(s);
    return *s;
  }
  ServerResponse call(const std::string& mobile, const vms::AccessKey& key = {"voice-id", "voice-secret"}) {
    FormParams params{{"Action", "IvrCall"},         {"CalledNumber", mobile},
                      {"CalledShowNumber", "0571"},  {"StartCode", "TTS_1"},
                      {"StartTtsParams", R"({"text":"暴雨红色预警，确认请按1"})"},
                      {"MenuKeyMap.1.Key", "1"},     {"MenuKeyMap.1.Code", "TTS_2"},
                      {"OutId", "m39u"}};
    HttpRequest out = vms::make_signed_request("http://sim", params, key, "2026-06-15T02:05:00Z", "nonce-1");
    ServerRequest in;
    in.method = "POST";
    in.path = in.target = "/";
    in.body = out.body;
    return voice.handle(in);
  }
  std::chrono::milliseconds now{0};  // scenario time
  std::ostringstream log_text, diagnostics;
  sim::EventLog log;
  RecordingTaps taps;
  sim::VoicePlatform voice;
};

}  // namespace

TEST_CASE("a signed IvrCall gets a CallId, and the phone's report goes to jiaoyingd when the call ends") {
  Fixture f;
  ServerResponse r = f.call("19900000001");
  CHECK(r.status == 200);
  auto answer = vms::parse_answer(r.body);
  REQUIRE(answer);
  CHECK(answer->code == "OK");
  CHECK_FALSE(answer->call_id.empty());
  REQUIRE(f.taps.taps.size() == 1);
  CHECK(f.taps.taps[0].url == "http://daemon/api/v1/callbacks/voice/t0ken");
  CHECK(f.taps.taps[0].delay == std::chrono::seconds(20));
  auto reports = vms::parse_voice_report(f.taps.taps[0].json);
  REQUIRE(reports);
  CHECK((*reports)[0].out_id == "m39u");
  CHECK((*reports)[0].status_code == "300000");
  CHECK((*reports)[0].dtmf == "1");
  CHECK(f.log_text.str().find("暴雨红色预警") != std::string::npos);
}

TEST_CASE("a busy phone and an unknown number report what happened, without a key") {
  Fixture f;
  f.call("19900000002");
  f.call("19900000099");
  REQUIRE(f.taps.taps.size() == 2);
  CHECK((*vms::parse_voice_report(f.taps.taps[0].json))[0].status_code == "200002");
  CHECK((*vms::parse_voice_report(f.taps.taps[1].json))[0].status_code == "200003");
  CHECK(f.taps.taps[1].delay == std::chrono::seconds(30));
}

TEST_CASE("a request signed with another secret, or for a bad number, is refused as the platform does") {
  Fixture f;
  auto forged = f.call("19900000001", {"voice-id", "not-the-secret"});
  CHECK(forged.status == 400);
  CHECK(vms::parse_answer(forged.body)->code == "SignatureDoesNotMatch");
  auto unknown = f.call("19900000001", {"other-id", "voice-secret"});
  CHECK(vms::parse_answer(unknown.body)->code == "InvalidAccessKeyId.NotFound");
  auto bad = f.call("0579-00000001");
  CHECK(vms::parse_answer(bad.body)->code == "isv.MOBILE_NUMBER_ILLEGAL");
  CHECK(f.taps.taps.empty());
}

TEST_CASE("the carrier's caps: one call a minute and five an hour to one number, refused before ringing") {
  Fixture f;
  CHECK(vms::parse_answer(f.call("19900000001").body)->code == "OK");
  f.now += std::chrono::seconds(30);
  auto limited = f.call("19900000001");
  CHECK(vms::parse_answer(limited.body)->code == "isv.BUSINESS_LIMIT_CONTROL");
  CHECK(vms::parse_answer(f.call("19900000002").body)->code == "OK");  // another number is free
  for (int i = 0; i < 4; ++i) {
    f.now += std::chrono::minutes(1);
    CHECK(vms::parse_answer(f.call("19900000001").body)->code == "OK");
  }
  f.now += std::chrono::minutes(1);  // a sixth within the hour
  CHECK(vms::parse_answer(f.call("19900000001").body)->code == "isv.BUSINESS_LIMIT_CONTROL");
  f.now += std::chrono::hours(1);
  CHECK(vms::parse_answer(f.call("19900000001").body)->code == "OK");
  CHECK(f.taps.taps.size() == 7);  // refused calls never ring, so they report nothing
}

TEST_CASE("a fixed line with its area code is a number the platform rings") {
  Fixture f;
  CHECK(vms::parse_answer(f.call("057900000001").body)->code == "OK");
  CHECK(vms::parse_answer(f.call("1579000").body)->code == "isv.MOBILE_NUMBER_ILLEGAL");
}
