// The simulated county broadcast platform against the real broadcast channel, with no sockets
// between them: signatures both ways, de-duplication by EBMID, refusals with the platform's
// codes, and the playback report each scenario produces (opened by the channel as jiaoyingd would).
#include "sim/broadcast_platform.h"

#include <doctest/doctest.h>

#include <sstream>

#include "channels/broadcast/broadcast_channel.h"

namespace {

using namespace jiaoying;

const std::string kOurs = "10433070200000001030101";
const std::string kCounty = "10433070200000000010101";

class RecordingTaps final : public sim::TapScheduler {
 public:
  void schedule(sim::Tap tap) override { taps.push_back(std::move(tap)); }
  std::vector<sim::Tap> taps;
};

ebd::Sm2Key public_of(const ebd::Sm2Key& key) {
  std::string error;
  return std::move(*ebd::Sm2Key::from_pem(key.public_pem(), error));
}

// The channel's HTTP requests go straight to the platform's handler.
class Wire final : public HttpClient {
 public:
  explicit Wire(sim::BroadcastPlatform& platform) : platform_(platform) {}
  HttpResponse perform(const HttpRequest& request) override {
    ServerRequest in;
    in.method = request.method;
    in.path = in.target = "/ebd";
    for (const auto& [name, value] : request.headers) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers[lower] = value;
    }
    in.body = request.body;
    ServerResponse out = platform_.handle(in);
    return {out.status, out.body, "", {{"content-type", out.content_type}}};
  }

 private:
  sim::BroadcastPlatform& platform_;
};

sim::BroadcastBehaviour behaviour(sim::BroadcastBehaviour::Outcome outcome = sim::BroadcastBehaviour::Outcome::played) {
  sim::BroadcastBehaviour b;
  b.ebrid = kCounty;
  b.outcome = outcome;
  b.report_after = std::chrono::seconds(45);
  b.silent = {"330702102203"};
  return b;
}

struct Fixture {
  // Declared first: the platform and the channel are built from them.
  ebd::Sm2Key our_key = ebd::Sm2Key::generate();
  ebd::Sm2Key county_key = ebd::Sm2Key::generate();

  explicit Fixture(sim::BroadcastBehaviour b = behaviour(), bool wrong_sender_key = false)
      : log(log_text),
        platform(std::move(b), copy(county_key),
                 wrong_sender_key ? public_of(ebd::Sm2Key::generate()) : public_of(our_key), "http://daemon/cb", log,
                 taps, diagnostics),
        wire(platform),
        channel({"http://sim/ebd", kOurs, kCounty, "婺城区防指", "SN", {}, std::chrono::seconds(5)}, copy(our_key),
                public_of(county_key), [] { return std::chrono::system_clock::now(); }) {}

  static ebd::Sm2Key copy(const ebd::Sm2Key& key) {
    std::string error;
    return std::move(*ebd::Sm2Key::from_pem(key.private_pem(), error));
  }

  BroadcastOrder order(int msg_type = 1, std::string ebm_id = kOurs + "202606150001") {
    BroadcastOrder o;
    o.broadcast_id = 1;
    o.msg_type = msg_type;
    o.ebm_id = std::move(ebm_id);
    o.hazard = "rainstorm";
    o.level = Level::red;
    o.title = "暴雨红色预警";
    o.text = "各村注意。";
    o.area_codes = {"330702102201", "330702102202", "330702102203"};
    return o;
  }

  std::ostringstream log_text, diagnostics;
  sim::EventLog log;
  RecordingTaps taps;
  sim::BroadcastPlatform platform;
  Wire wire;
  BroadcastChannel channel;
};

}  // namespace

TEST_CASE("the platform takes a signed EBM, logs it, and later reports which villages played") {
  Fixture f;
  SendResult r = f.channel.send(f.order(), f.wire);
  CHECK_MESSAGE(r.outcome == SendOutcome::sent, r.detail, f.diagnostics.str());
  CHECK(f.log_text.str().find("\"endpoint\":\"EBM\"") != std::string::npos);
  REQUIRE(f.taps.taps.size() == 1);
  const sim::Tap& tap = f.taps.taps[0];
  CHECK(tap.url == "http://daemon/cb");
  CHECK(tap.delay == std::chrono::seconds(45));
  // jiaoyingd opens the report with the platform's public key.
  auto received = f.channel.receive(tap.content_type, tap.body);
  REQUIRE_MESSAGE(received.report, received.error);
  CHECK(received.report->ebm_id == kOurs + "202606150001");
  CHECK(received.report->state == ebd::kPlayed);
  CHECK(received.report->covered_areas == std::vector<std::string>{"330702102201", "330702102202"});
  CHECK(received.report->coverage_rate == "0.67");

  SUBCASE("the same EBMID again is taken and plays nothing more") {
    CHECK(f.channel.send(f.order(), f.wire).outcome == SendOutcome::sent);
    CHECK(f.taps.taps.size() == 1);
  }
  SUBCASE("a cancel of it is taken; a cancel of an EBMID never sent is refused with code 5") {
    CHECK(f.channel.send(f.order(2), f.wire).outcome == SendOutcome::sent);
    SendResult unknown = f.channel.send(f.order(2, kOurs + "202606159999"), f.wire);
    CHECK(unknown.outcome == SendOutcome::failed);
    CHECK(unknown.detail.starts_with("ResultCode 5"));
  }
}

TEST_CASE("a platform whose loudspeakers fail reports failure; one that never reports says nothing") {
  Fixture failed(behaviour(sim::BroadcastBehaviour::Outcome::failed));
  CHECK(failed.channel.send(failed.order(), failed.wire).outcome == SendOutcome::sent);
  REQUIRE(failed.taps.taps.size() == 1);
  auto received = failed.channel.receive(failed.taps.taps[0].content_type, failed.taps.taps[0].body);
  REQUIRE(received.report);
  CHECK(received.report->state == ebd::kPlayFailed);

  Fixture silent(behaviour(sim::BroadcastBehaviour::Outcome::never));
  CHECK(silent.channel.send(silent.order(), silent.wire).outcome == SendOutcome::sent);
  CHECK(silent.taps.taps.empty());
}

TEST_CASE("an EBM signed by another key is refused with code 4 and nothing plays") {
  Fixture f(behaviour(), true);
  SendResult r = f.channel.send(f.order(), f.wire);
  CHECK(r.outcome == SendOutcome::failed);
  CHECK(r.detail.starts_with("ResultCode 4"));
  CHECK(f.taps.taps.empty());
  CHECK(f.diagnostics.str().find("broadcast refused") != std::string::npos);
}

TEST_CASE("the scenario's broadcast section is checked") {
  std::vector<sim::ScenarioError> errors;
  auto s = sim::load_scenario_string(
      "zzd: { api_key: k, secret_key: s, tenant_id: \"1\" }\n"
      "broadcast: { ebrid: \"10433070200000000010101\", outcome: failed, report_after: 2m, silent: [\"330702102201\"] }\n",
      "s.yaml", errors);
  REQUIRE(s);
  REQUIRE(s->broadcast);
  CHECK(s->broadcast->outcome == sim::BroadcastBehaviour::Outcome::failed);
  CHECK(s->broadcast->report_after == std::chrono::minutes(2));
  CHECK(s->broadcast->silent == std::vector<std::string>{"330702102201"});
  errors.clear();
  CHECK_FALSE(sim::load_scenario_string(
      "zzd: { api_key: k, secret_key: s, tenant_id: \"1\" }\nbroadcast: { ebrid: \"123\", outcome: loud }\n", "s.yaml",
      errors));
  REQUIRE(!errors.empty());
  CHECK(errors[0].text() == "s.yaml:2: ebrid '123' must be 23 digits");
}
