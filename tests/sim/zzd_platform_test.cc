// The simulated Zhezhengding platform, driven without sockets: signatures, parameters,
// bizMsgId de-duplication, the log, and which 收到 taps it schedules.
#include "sim/zzd_platform.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <sstream>

#include "channels/form.h"
#include "channels/zzd/open_platform.h"

namespace {

using namespace jiaoying;
namespace json = boost::json;

constexpr const char* kScenario = R"(
zzd: { api_key: demo-api-key, secret_key: demo-secret-key, tenant_id: "196729" }
people:
  - { account: "100001", answer_after: 45s }
  - { account: "100002", answer_after: 4m, report: { after: 6m, commander: 钱某一 镇长, villages: 3, moved: 120 } }
  - { account: "100003", answer: never }
default: never
)";

const zzd::Credentials kGoodKey{"demo-api-key", "demo-secret-key"};
const std::string kUrl = "http://127.0.0.1:9/ack/t0ken";

class RecordingTaps final : public sim::TapScheduler {
 public:
  void schedule(sim::Tap tap) override { taps.push_back(std::move(tap)); }
  std::vector<sim::Tap> taps;
};

// One platform with its log, taps and diagnostics captured.
struct Fixture {
  Fixture() : log(log_text), platform(load(), log, taps, diagnostics) {}

  static sim::Scenario load() {
    std::vector<sim::ScenarioError> errors;
    auto scenario = sim::load_scenario_string(kScenario, "scenario.yaml", errors);
    REQUIRE(scenario);
    return *scenario;
  }

  std::vector<json::object> log_lines() const {
    std::vector<json::object> lines;
    std::istringstream in(log_text.str());
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
    return lines;
  }

  std::ostringstream log_text;
  std::ostringstream diagnostics;
  sim::EventLog log;
  RecordingTaps taps;
  sim::ZzdPlatform platform;
};

// What the HTTP server would hand the platform for `request`.
ServerRequest as_received(const HttpRequest& request) {
  ServerRequest in;
  in.method = request.method;
  size_t after_scheme = request.url.find("://");
  size_t slash = request.url.find('/', after_scheme == std::string::npos ? 0 : after_scheme + 3);
  in.target = slash == std::string::npos ? "/" : request.url.substr(slash);
  size_t q = in.target.find('?');
  in.path = in.target.substr(0, q);
  if (q != std::string::npos) in.query = in.target.substr(q + 1);
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers[lower] = value;
  }
  in.body = request.body;
  in.peer = "127.0.0.1:40000";
  return in;
}

FormParams notification(const std::string& biz_msg_id, const std::string& receivers,
                        const std::string& msg) {
  return {
      {"receiverIds", receivers}, {"tenantId", "196729"}, {"bizMsgId", biz_msg_id}, {"msg", msg}};
}

std::string card(const std::string& url) {
  return zzd::action_card_msg("暴雨红色预警", "请确认收到", "收到", url);
}

ServerRequest signed_post(const FormParams& params, const zzd::Credentials& key = kGoodKey) {
  return as_received(zzd::make_signed_post("http://sim", zzd::kWorkNotificationPath, params, key,
                                           "2026-06-15T02:05:00.000+08:00", "17814000000001234"));
}

zzd::Envelope envelope_of(const ServerResponse& response) {
  auto envelope = zzd::parse_envelope(response.body);
  REQUIRE(envelope);
  return *envelope;
}

}  // namespace

TEST_CASE(
    "a request signed with the scenario's key is accepted, answered with a message id and logged") {
  Fixture f;
  ServerResponse response =
      f.platform.handle(signed_post(notification("w42-p1-s0-a1", "100001,100003", card(kUrl))));
  CHECK(response.status == 200);
  zzd::Envelope envelope = envelope_of(response);
  CHECK(envelope.success);
  CHECK(envelope.data == "msg-000001");
  CHECK_FALSE(envelope.request_id.empty());

  auto lines = f.log_lines();
  REQUIRE(lines.size() == 1);
  const json::object& line = lines[0];
  CHECK(line.at("time").as_string().ends_with("+08:00"));
  CHECK(line.at("provider") == "zzd");
  CHECK(line.at("endpoint") == "/message/workNotification");
  CHECK(line.at("receivers") == json::array{"100001", "100003"});
  CHECK(line.at("biz_msg_id") == "w42-p1-s0-a1");
  CHECK(line.at("msg_type") == "action_card");
  CHECK(line.at("title") == "暴雨红色预警");
  CHECK(line.at("msg_id") == "msg-000001");
  CHECK(line.at("duplicate") == false);
  CHECK(line.at("action_url").as_string() == kUrl);
}

TEST_CASE("a request signed with another secret is refused with 401 and not logged") {
  Fixture f;
  ServerResponse response = f.platform.handle(signed_post(
      notification("w42-p1-s0-a1", "100001", card(kUrl)), {"demo-api-key", "another-secret"}));
  CHECK(response.status == 401);
  zzd::Envelope envelope = envelope_of(response);
  CHECK_FALSE(envelope.success);
  CHECK(envelope.code == zzd::kErrorBadSignature);
  CHECK(envelope.message == "signature mismatch");
  CHECK(f.log_text.str().empty());
  CHECK(f.taps.taps.empty());
  CHECK(f.diagnostics.str().find("signature mismatch") != std::string::npos);
}

TEST_CASE("a body changed after signing is refused with 401") {
  Fixture f;
  ServerRequest request = signed_post(notification("w42-p1-s0-a1", "100001", card(kUrl)));
  request.body = form_encode(notification("w42-p1-s0-a1", "100001,100002", card(kUrl)));
  CHECK(f.platform.handle(request).status == 401);
  CHECK(f.log_text.str().empty());
}

TEST_CASE("an unknown apiKey is refused with 401 InvalidApiKey") {
  Fixture f;
  ServerResponse response = f.platform.handle(signed_post(
      notification("w42-p1-s0-a1", "100001", card(kUrl)), {"other-key", "demo-secret-key"}));
  CHECK(response.status == 401);
  CHECK(envelope_of(response).code == zzd::kErrorUnknownApiKey);
  CHECK(f.log_text.str().empty());
}

TEST_CASE("a request missing a signature header is refused with 401 InvalidSignature") {
  Fixture f;
  ServerRequest request = signed_post(notification("w42-p1-s0-a1", "100001", card(kUrl)));
  request.headers.erase("x-hmac-auth-nonce");
  ServerResponse response = f.platform.handle(request);
  CHECK(response.status == 401);
  CHECK(envelope_of(response).code == zzd::kErrorBadSignature);
  CHECK(envelope_of(response).message == "missing header X-Hmac-Auth-Nonce");
}

TEST_CASE("query-string parameters are covered by the signature like body parameters") {
  Fixture f;
  FormParams all = notification("w42-p1-s0-a1", "100001", card(kUrl));
  HttpRequest request = zzd::make_signed_post("http://sim", zzd::kWorkNotificationPath, all,
                                              kGoodKey, "2026-06-15T02:05:00.000+08:00", "1");
  // Move tenantId from the body to the query string: the signature still holds.
  request.body = form_encode({all[0], all[2], all[3]});
  request.url += "?" + form_encode({all[1]});
  CHECK(f.platform.handle(as_received(request)).status == 200);
}

TEST_CASE("a bizMsgId used before is refused as a duplicate, logged as one, and taps nobody") {
  Fixture f;
  f.platform.handle(signed_post(notification("w42-p1-s0-a1", "100001", card(kUrl))));
  ServerResponse again = f.platform.handle(
      signed_post(notification("w42-p1-s0-a1", "100002", card("http://127.0.0.1:9/ack/other"))));
  CHECK(again.status == 200);
  zzd::Envelope envelope = envelope_of(again);
  CHECK_FALSE(envelope.success);
  CHECK(envelope.code == zzd::kErrorDuplicateBizMsgId);
  CHECK(envelope.message == "bizMsgId already used");

  auto lines = f.log_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].at("duplicate") == true);
  CHECK(lines[1].at("biz_msg_id") == "w42-p1-s0-a1");
  REQUIRE(f.taps.taps.size() == 1);  // only the first notification's tap by 100001
  CHECK(f.taps.taps[0].account == "100001");
}

TEST_CASE("a person taps once per button URL, counting from the first notification") {
  Fixture f;
  f.platform.handle(signed_post(notification("w42-p1-s0-a1", "100001,100002", card(kUrl))));
  // A re-notification of the same callout: new bizMsgId, same button URL.
  ServerResponse again =
      f.platform.handle(signed_post(notification("w42-p1-s1-a1", "100001", card(kUrl))));
  CHECK(envelope_of(again).success);
  // Another callout for the same person is another URL, so another tap.
  f.platform.handle(
      signed_post(notification("w43-p1-s0-a1", "100001", card("http://127.0.0.1:9/ack/t2"))));

  REQUIRE(f.taps.taps.size() == 3);
  CHECK(f.taps.taps[0].account == "100001");
  CHECK(f.taps.taps[0].url == kUrl);
  CHECK(f.taps.taps[0].delay == std::chrono::seconds(45));
  CHECK(f.taps.taps[1].account == "100002");
  CHECK(f.taps.taps[1].delay == std::chrono::minutes(4));
  CHECK(f.taps.taps[2].url == "http://127.0.0.1:9/ack/t2");
}

TEST_CASE("people who never answer, listed or not, get no tap") {
  Fixture f;
  f.platform.handle(signed_post(notification("w42-p1-s0-a1", "100003,555555", card(kUrl))));
  CHECK(f.taps.taps.empty());
  CHECK(f.log_lines().size() == 1);
}

TEST_CASE("the button titled 收到 is the one tapped, wherever it sits on the card") {
  Fixture f;
  std::string msg =
      R"({"msgtype":"action_card","action_card":{"title":"t","markdown":"m","btn_orientation":"1",)"
      R"("btn_json_list":[{"title":"详情","action_url":"http://x/details"},)"
      R"({"title":"收到","action_url":"http://x/ack"}]}})";
  f.platform.handle(signed_post(notification("w42-p1-s0-a1", "100001", msg)));
  REQUIRE(f.taps.taps.size() == 1);
  CHECK(f.taps.taps[0].url == "http://x/ack");
}

TEST_CASE("a text message is accepted and schedules no tap") {
  Fixture f;
  ServerResponse response = f.platform.handle(signed_post(notification(
      "w42-p1-s0-a1", "100001", R"({"msgtype":"text","text":{"content":"暴雨红色预警"}})")));
  CHECK(envelope_of(response).success);
  CHECK(f.taps.taps.empty());
  CHECK(f.log_lines().at(0).at("msg_type") == "text");
}

TEST_CASE("bad parameters are refused with InvalidParameter naming the parameter") {
  Fixture f;
  auto refusal = [&](FormParams params) {
    ServerResponse response = f.platform.handle(signed_post(params));
    CHECK(response.status == 200);
    zzd::Envelope envelope = envelope_of(response);
    CHECK_FALSE(envelope.success);
    CHECK(envelope.code == zzd::kErrorBadParameter);
    return envelope.message;
  };
  FormParams other_tenant = notification("b1", "100001", card(kUrl));
  other_tenant[1].second = "1";
  CHECK(refusal(other_tenant) == "tenantId '1' is not this tenant (196729)");
  CHECK(refusal(notification("b2", "", card(kUrl))) == "receiverIds is missing or empty");
  std::string many = "1";
  for (int i = 2; i <= 1001; ++i) many += "," + std::to_string(i);
  CHECK(refusal(notification("b3", many, card(kUrl))) ==
        "receiverIds has 1001 ids, over the limit of 1000");
  CHECK(refusal(notification("", "100001", card(kUrl))) == "bizMsgId is missing");
  CHECK(refusal(notification("b4", "100001", "{not json")) == "msg is not a JSON object");
  CHECK(refusal(notification("b5", "100001", R"({"text":{"content":"x"}})")) ==
        "msg has no msgtype");
  std::string big = zzd::action_card_msg("t", std::string(2100, 'x'), "收到", kUrl);
  CHECK(refusal(notification("b6", "100001", big)).find("over the 2048-byte limit") !=
        std::string::npos);
  CHECK(f.log_text.str().empty());
  CHECK(f.taps.taps.empty());
}

TEST_CASE("a bizMsgId refused for bad parameters can still be used once fixed") {
  Fixture f;
  f.platform.handle(signed_post(notification("w42-p1-s0-a1", "", card(kUrl))));
  CHECK(envelope_of(
            f.platform.handle(signed_post(notification("w42-p1-s0-a1", "100001", card(kUrl)))))
            .success);
}

TEST_CASE("gettoken gives a token for the scenario's key and secret, and 401 otherwise") {
  Fixture f;
  ServerRequest request;
  request.method = "GET";
  request.path = "/gettoken.json";
  request.query = "appkey=demo-api-key&appsecret=demo-secret-key";
  ServerResponse response = f.platform.handle(request);
  CHECK(response.status == 200);
  json::object body = json::parse(response.body).as_object();
  CHECK(body.at("success") == true);
  const json::object& data = body.at("content").at("data").as_object();
  CHECK(data.at("accessToken").as_string().size() == 32);
  CHECK(data.at("expiresIn") == 7200);
  CHECK(f.log_lines().at(0).at("endpoint") == "/gettoken.json");

  request.query = "appkey=demo-api-key&appsecret=wrong";
  ServerResponse refused = f.platform.handle(request);
  CHECK(refused.status == 401);
  CHECK(envelope_of(refused).code == zzd::kErrorUnknownApiKey);
  CHECK(f.log_lines().size() == 1);
}

TEST_CASE("the health endpoint answers ok and anything unknown is 404") {
  Fixture f;
  ServerRequest request;
  request.method = "GET";
  request.path = "/sim/health";
  ServerResponse health = f.platform.handle(request);
  CHECK(health.status == 200);
  CHECK(health.body == R"({"ok":true})");
  request.path = "/ding/isv/send.json";
  ServerResponse missing = f.platform.handle(request);
  CHECK(missing.status == 404);
  CHECK(envelope_of(missing).code == "NotFound");
  CHECK(f.log_text.str().empty());
}

TEST_CASE("a card with a 回报 button makes a reporting person file the form once, after their delay") {
  Fixture f;
  const std::string report_url = "http://127.0.0.1:9/api/v1/report?c=7&t=r3p0rt";
  std::string msg = zzd::action_card_msg("暴雨红色预警", "请确认收到并回报",
                                         {{"收到", kUrl}, {"回报", report_url}});
  f.platform.handle(signed_post(notification("w1-c7-s0-zzd", "100001,100002", msg)));
  f.platform.handle(signed_post(notification("w1-c7-s1-zzd", "100002", msg)));  // a repeat
  // 100001 taps 收到 only; 100002 taps 收到 and files the report once.
  REQUIRE(f.taps.taps.size() == 3);
  const sim::Tap& report = f.taps.taps[2];
  CHECK(report.account == "100002");
  CHECK(report.url == report_url);
  CHECK(report.delay == std::chrono::minutes(6));
  FormParams form;
  REQUIRE(form_decode(report.form, form));
  CHECK(form_get(form, "commander") == "钱某一 镇长");
  CHECK(form_get(form, "villages") == "3");
  CHECK(form_get(form, "moved") == "120");
  CHECK(f.taps.taps[0].form.empty());
  CHECK(f.taps.taps[0].url == kUrl);  // the 收到 button, not the 回报 one
  const auto lines = f.log_lines();
  CHECK(std::string(lines[0].at("report_url").as_string()) == report_url);
}
