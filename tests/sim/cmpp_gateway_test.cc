// The CMPP provider against the simulator's CMPP gateway over real TCP on loopback, in both
// versions: the login, short and long texts (parts put back together on the far side), status
// reports as receipts, a person's reply code, and the failures that must keep SMS at most once —
// a refused login (nothing sent: retry), flow control (deferred), an answer lost with the link
// (unknown, never resent) and the link coming back on its own.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <sstream>

#include "channels/sms/cmpp_provider.h"
#include "sim/cmpp_gateway.h"

using namespace jiaoying;

namespace {

constexpr std::string_view kLongText =
    "【金华防汛】金华市气象台发布暴雨红色预警：未来3小时婺城区、金东区降雨量将达100毫米以上，请各村防汛责任人立即上岗，"
    "组织危险区人员转移，检查山塘水库和地质灾害点，确保人员安全。钱某二请立即履职，回复2确认收到。";

struct Rig {
  explicit Rig(cmpp::Version version, std::string secret = "s3cret-Test") : log(log_text) {
    sim::Scenario scenario;
    scenario.cmpp = sim::CmppService{"901234", "s3cret-Test", "1069000", static_cast<uint8_t>(version)};
    scenario.texters["19900000002"] = sim::TextBehaviour{std::chrono::milliseconds(2'000), ""};
    gateway = std::make_unique<sim::CmppGateway>(io, scenario, log, diagnostics, 100.0,
                                                 [] { return std::chrono::milliseconds(0); }, sim::PlatformHooks{nullptr, &faults});
    const unsigned short port = gateway->listen("127.0.0.1:0");
    CmppSettings s;
    s.name = "test-cmpp";
    s.host = "127.0.0.1";
    s.port = std::to_string(port);
    s.version = version;
    s.sp_id = "901234";
    s.secret = std::move(secret);
    s.service_id = "JYWARN";
    s.src_id = "1069000";
    s.sign_name = "金华防汛";
    s.batch = 4;
    s.window = 4;
    s.timeout = std::chrono::milliseconds(3'000);
    s.reconnect_min = std::chrono::milliseconds(50);
    s.reconnect_max = std::chrono::milliseconds(200);
    provider = std::make_unique<CmppProvider>(s, [] { return std::chrono::system_clock::now(); });
    LinkEvents events;
    events.receipt = [this](int64_t id, const std::string& phone, const std::string&, bool delivered, const std::string& code,
                            LinkEvents::Filed filed) {
      receipts.push_back({id, phone, delivered, code});
      filed(true);
    };
    events.reply = [this](const std::string& phone, const std::string& text, LinkEvents::Filed filed) {
      replies.emplace_back(phone, text);
      filed(true);
    };
    provider->start(io, std::move(events));
  }
  ~Rig() {
    provider->stop();
    gateway->stop();
    io.poll();
  }

  // Runs the loop until `done` holds or 10 s have passed.
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

  struct Receipt {
    int64_t message_id;
    std::string phone;
    bool delivered;
    std::string code;
  };
  boost::asio::io_context io;
  std::ostringstream log_text, diagnostics;
  sim::EventLog log;
  sim::Faults faults;
  std::unique_ptr<sim::CmppGateway> gateway;
  std::unique_ptr<CmppProvider> provider;
  std::vector<Receipt> receipts;
  std::vector<std::pair<std::string, std::string>> replies;
};

OutboundMessage text_to(int64_t id, const std::string& mobile, std::string text) {
  OutboundMessage m;
  m.message_id = id;
  m.mobile = mobile;
  m.text = std::move(text);
  return m;
}

}  // namespace

TEST_CASE("a CMPP link logs in, sends short and long texts, files their reports and a reply code") {
  for (cmpp::Version version : {cmpp::Version::v20, cmpp::Version::v30}) {
    CAPTURE(cmpp::version_name(version));
    Rig rig(version);
    const std::string long_text = std::string(kLongText).substr(std::string_view("【金华防汛】").size());
    auto d = rig.send({text_to(11, "19900000001", "暴雨红色预警，回复1确认收到。"), text_to(12, "19900000002", long_text)});
    REQUIRE(d);
    CHECK_FALSE(d->fault);
    REQUIRE(d->results.size() == 2);
    CHECK(d->results[0].outcome == SendOutcome::sent);
    CHECK(d->results[0].detail == fmt::format("1 SMS over CMPP {}", cmpp::version_name(version)));
    CHECK(d->results[1].outcome == SendOutcome::sent);
    CHECK(d->results[1].detail.starts_with("2 SMS"));  // 113 characters: two parts of 67
    CHECK(d->results[1].provider_ref.size() == 16);
    // Each text's reports (both parts of the long one) make one receipt; the texter answers.
    REQUIRE(rig.run_until([&] { return rig.receipts.size() == 2 && rig.replies.size() == 1; }));
    CHECK(rig.receipts[0].delivered);
    CHECK(rig.receipts[0].code == "DELIVRD");
    CHECK(((rig.receipts[0].message_id == 11 && rig.receipts[1].message_id == 12) ||
           (rig.receipts[0].message_id == 12 && rig.receipts[1].message_id == 11)));
    CHECK(rig.replies[0] == std::pair<std::string, std::string>{"19900000002", "2"});
    // The gateway put the long text back together, signature first, as the phone shows it.
    CHECK(rig.log_text.str().find(std::string(kLongText)) != std::string::npos);
    CHECK(rig.log_text.str().find("\"segments\":2") != std::string::npos);
  }
}

TEST_CASE("a refused login sends nothing: the texts are retried later and the provider is thought down") {
  Rig rig(cmpp::Version::v30, "the-wrong-secret");
  rig.run_until([&] { return rig.diagnostics.str().find("refused the login") != std::string::npos; });
  rig.io.run_for(std::chrono::milliseconds(50));
  auto d = rig.send({text_to(21, "19900000001", "测试")});
  REQUIRE(d);
  CHECK(d->fault);
  CHECK(d->results[0].outcome == SendOutcome::retry);
  CHECK(d->results[0].detail.find("authentication failed") != std::string::npos);
  CHECK(rig.log_text.str().find("SUBMIT") == std::string::npos);
}

TEST_CASE("flow control defers a text; an answer lost with the link is unknown, and the link comes back") {
  Rig rig(cmpp::Version::v30);
  sim::FaultSettings limited;
  limited.rate_limit = 1;  // one SUBMIT, then Result 8
  rig.faults.set("cmpp", limited);
  auto d = rig.send({text_to(31, "19900000001", "一"), text_to(32, "19900000003", "二")});
  REQUIRE(d);
  CHECK(d->results[0].outcome == SendOutcome::sent);
  CHECK(d->results[1].outcome == SendOutcome::deferred);
  CHECK_FALSE(d->fault);

  sim::FaultSettings lossy;
  lossy.lost_answers = 1;  // taken, and the link cut before the answer
  rig.faults.set("cmpp", lossy);
  auto lost = rig.send({text_to(33, "19900000001", "三")});
  REQUIRE(lost);
  CHECK(lost->results[0].outcome == SendOutcome::unknown);  // it may have gone: never sent again
  CHECK(lost->results[0].detail.find("may have been sent") != std::string::npos);

  rig.faults.set("cmpp", sim::FaultSettings{});
  std::optional<Delivery> again;
  REQUIRE(rig.run_until([&] {
    again = rig.send({text_to(34, "19900000001", "四")});
    return again && again->results[0].outcome == SendOutcome::sent;
  }));
}
