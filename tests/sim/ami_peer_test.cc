// The Asterisk provider against the simulator's PBX over real TCP on loopback: the login, calls
// answered with key 1, busy and unanswered, the trunk's limit on calls at once, a refused login
// (nothing placed: retry), and an Originate taken when the link is cut (unknown, never placed
// again) with the link coming back on its own.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <sstream>

#include "channels/ivr/ami_provider.h"
#include "sim/ami_peer.h"

using namespace jiaoying;

namespace {

struct Rig {
  explicit Rig(std::string secret = "ami-secret", size_t max_calls = 2) : log(log_text) {
    sim::Scenario scenario;
    scenario.asterisk = sim::AsteriskService{"jiaoying", "ami-secret", "jiaoying-warning", "jiaoying-spotcheck", 2};
    scenario.phones["19900000001"] = sim::CallBehaviour{sim::CallBehaviour::Kind::answers, std::chrono::milliseconds(2'000), "1"};
    scenario.phones["19900000002"] = sim::CallBehaviour{sim::CallBehaviour::Kind::busy, std::chrono::milliseconds(1'000), ""};
    peer = std::make_unique<sim::AmiPeer>(io, scenario, log, diagnostics, 100.0, [] { return std::chrono::milliseconds(0); },
                                          sim::PlatformHooks{nullptr, &faults});
    const unsigned short port = peer->listen("127.0.0.1:0");
    AmiSettings s;
    s.name = "test-pbx";
    s.host = "127.0.0.1";
    s.port = std::to_string(port);
    s.username = "jiaoying";
    s.secret = std::move(secret);
    s.caller_id = "057982000000";
    s.max_calls = max_calls;
    s.timeout = std::chrono::milliseconds(3'000);
    s.reconnect_min = std::chrono::milliseconds(50);
    s.reconnect_max = std::chrono::milliseconds(200);
    provider = std::make_unique<AmiProvider>(s);
    LinkEvents events;
    events.call_ended = [this](const CallEnd& call, LinkEvents::Filed filed) {
      ended.push_back(call);
      filed(true);
    };
    provider->start(io, std::move(events));
  }
  ~Rig() {
    provider->stop();
    peer->stop();
    io.poll();
  }
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
    return done();
  }
  std::optional<Delivery> send(std::vector<OutboundMessage> batch) {
    std::optional<Delivery> got;
    provider->submit(std::move(batch), [&got](Delivery d) { got = std::move(d); });
    run_until([&] { return got.has_value(); });
    return got;
  }
  const CallEnd* end_of(int64_t id) const {
    for (const CallEnd& c : ended)
      if (c.message_id == id) return &c;
    return nullptr;
  }

  boost::asio::io_context io;
  std::ostringstream log_text, diagnostics;
  sim::EventLog log;
  sim::Faults faults;
  std::unique_ptr<sim::AmiPeer> peer;
  std::unique_ptr<AmiProvider> provider;
  std::vector<CallEnd> ended;
};

OutboundMessage call_to(int64_t id, const std::string& mobile) {
  OutboundMessage m;
  m.message_id = id;
  m.mobile = mobile;
  m.text = "金华市气象台发布暴雨红色预警, 请立即上岗。确认收到请按1。";
  return m;
}

}  // namespace

TEST_CASE("calls through the county PBX: key 1 answers, busy and no answer are reported, the trunk is never overfilled") {
  Rig rig;
  auto d = rig.send({call_to(1, "19900000001"), call_to(2, "19900000002"), call_to(3, "19900000003")});
  REQUIRE(d);
  CHECK_FALSE(d->fault);
  for (const SendResult& r : d->results) CHECK(r.outcome == SendOutcome::sent);
  REQUIRE(rig.run_until([&] { return rig.ended.size() == 3; }));
  REQUIRE(rig.end_of(1));
  CHECK(rig.end_of(1)->status_code == "300000");
  CHECK(rig.end_of(1)->dtmf == "1");
  CHECK(rig.end_of(2)->status_code == "200002");  // busy
  CHECK(rig.end_of(3)->status_code == "200003");  // rang out
  // Three calls, two at once on the provider's side: the trunk (2 channels) never saw congestion.
  CHECK(rig.log_text.str().find("congestion") == std::string::npos);
  // The text went as one channel variable: its comma made full-width.
  CHECK(rig.log_text.str().find("暴雨红色预警， 请立即上岗") != std::string::npos);
}

TEST_CASE("a refused AMI login places nothing: the calls are retried later and the provider is thought down") {
  Rig rig("not-the-secret");
  rig.run_until([&] { return rig.diagnostics.str().find("refused the login") != std::string::npos; });
  rig.io.run_for(std::chrono::milliseconds(50));
  auto d = rig.send({call_to(9, "19900000001")});
  REQUIRE(d);
  CHECK(d->fault);
  CHECK(d->results[0].outcome == SendOutcome::retry);
  CHECK(d->results[0].detail.find("refused the login") != std::string::npos);
  CHECK(rig.log_text.str().find("Originate") == std::string::npos);
}

TEST_CASE("an Originate whose answer is lost with the link is unknown, and the link comes back") {
  Rig rig;
  sim::FaultSettings lossy;
  lossy.lost_answers = 1;
  rig.faults.set("asterisk", lossy);
  auto lost = rig.send({call_to(5, "19900000003")});
  REQUIRE(lost);
  CHECK(lost->results[0].outcome == SendOutcome::unknown);  // it may ring: never placed again
  rig.faults.set("asterisk", sim::FaultSettings{});
  std::optional<Delivery> again;
  REQUIRE(rig.run_until([&] {
    again = rig.send({call_to(6, "19900000003")});
    return again && again->results[0].outcome == SendOutcome::sent;
  }));
}
