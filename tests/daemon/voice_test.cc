// Phone calls in the engine and on the wire: at most once, even across a crash; key 1 in the
// voice platform's report is an answer; forged reports are refused.
#include <doctest/doctest.h>

#include "channels/ivr/aliyun_vms.h"
#include "daemon/engine_fixture.h"
#include "daemon/http_api.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const char* kPhonePlan = R"(plan: heavy-rain
match: { hazards: [rainstorm] }
recipients:
  - { tier: township, roles: [township_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd, ivr] }
deadline: 30m
)";

struct PhoneFixture : EngineFixture {
  PhoneFixture() {
    LoadErrors errors;
    plans = {*load_plan(kPhonePlan, "plan.yaml", {"zzd", "ivr"}, errors)};
    std::map<std::string, std::string> texts = shipped_notices();
    texts.insert({{"zzd.title", "{{headline}}"}, {"zzd.body", "{{notice}}|{{description}}"},
                  {"ivr.title", "{{headline}}"}, {"ivr.body", "{{person_name}}您好，{{headline}}。确认收到请按1。"}});
    templates = std::make_shared<const TemplateRenderer>(*TemplateRenderer::from_strings(std::move(texts), errors));
    REQUIRE(errors.empty());
    restart();
  }
  // The first call of the last warning, and a message's state (through the Store API: either store).
  int64_t call_message() {
    for (const MessageRow& m : messages(last_warning))
      if (m.channel == "ivr") return m.id;
    return 0;
  }
  std::string message_state(int64_t id) {
    for (const MessageRow& m : messages(last_warning))
      if (m.id == id) return std::string(state_name(m.state));
    FAIL("no message ", id);
    return "";
  }
  std::string person_state(const std::string& person_id) {
    return std::string(state_name(state_in(last_warning, person_id)));
  }
};

ServerRequest voice_push(const std::string& token, const std::string& body) {
  ServerRequest r;
  r.method = "POST";
  r.path = r.target = "/api/v1/callbacks/voice/" + token;
  r.headers["content-type"] = "application/json";
  r.body = body;
  r.peer = "127.0.0.1:6000";
  return r;
}

}  // namespace

TEST_CASE("three minutes unanswered: the phone rings, reading the warning; key 1 answers") {
  on_both_stores_of<PhoneFixture>([](PhoneFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute);
    int64_t call = f.call_message();
    REQUIRE(call > 0);
    CHECK(f.message_state(call) == "sent");
    CHECK(f.channel.sent.back().text == "钱某一您好，暴雨红色预警。确认收到请按1。");
    CHECK(f.engine->call_result({call, "c-1", "300000", "1", "25"}, "voice"));
    CHECK(f.person_state("anding-head") == "answered");
    CHECK(f.events(f.last_warning, "answered", "via ivr after 3m") == 1);
    CHECK(f.events(f.last_warning, "call_result", "key pressed, pressed 1, 25 s") == 1);
  });
}

TEST_CASE("a call that rang out, or was heard without a key, is recorded but answers nothing") {
  on_both_stores_of<PhoneFixture>([](PhoneFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute);
    int64_t call = f.call_message();
    CHECK(f.engine->call_result({call, "c-1", "200003", "", "0"}, "voice"));
    CHECK(f.engine->call_result({call, "c-1", "200000", "", "30"}, "voice"));
    CHECK(f.person_state("anding-head") == "calling");
    CHECK(f.events(f.last_warning, "call_result", "no answer") == 1);
    // A report for a message that is not a call is not taken.
    CHECK_FALSE(f.engine->call_result({call - 1, "c-0", "300000", "1", "5"}, "voice"));
    CHECK_FALSE(f.engine->call_result({999999, "c-9", "300000", "1", "5"}, "voice"));
  });
}

TEST_CASE("a call whose outcome is unknown is not placed again, not even after a crash") {
  on_both_stores_of<PhoneFixture>([](PhoneFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute - Millis(1));
    f.clock.advance(Millis(1));
    f.engine->tick();
    auto jobs = f.engine->claim_messages(10);  // zzd repeat and the call, both now `sending`
    REQUIRE(jobs.size() == 2);
    f.restart();  // crash: nothing was reported back
    CHECK(f.engine->recover() == 1);  // the card is resent (same bizMsgId), the call is not
    int64_t call = f.call_message();
    CHECK(f.message_state(call) == "unknown");
    CHECK(f.events(f.last_warning, "message_unknown") == 1);
    f.send_all();
    CHECK(f.message_state(call) == "unknown");

    PhoneFixture g;
    if (f.store) g.use_memory_store();
    g.ingest(g.warning());
    g.send_all();
    g.channel.next_outcome = SendOutcome::unknown;
    g.advance(3 * kMinute);
    CHECK(g.message_state(g.call_message()) == "unknown");
    size_t sent = g.channel.sent.size();
    g.channel.next_outcome = SendOutcome::sent;
    g.advance(kMinute);
    CHECK(g.channel.sent.size() == sent);
  });
}

TEST_CASE("the voice platform's report callback: path token checked, key 1 answers, bad bodies refused") {
  on_both_stores_of<PhoneFixture>([](PhoneFixture& f) {
    HttpApi api{*f.engine, *f.views, f.clock, [] {}};
    api.set_voice_report_token("voice-token-0123456789");
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute);
    const std::string out_id = vms::out_id_of(f.call_message());
    const std::string body = R"([{"call_id":"1^2","out_id":")" + out_id +
                             R"(","status_code":"300000","dtmf":"1","duration":"20","callee":"19900000002"}])";
    CHECK(api.handle_public(voice_push("wrong-token-0123456789", body)).status == 401);
    CHECK(f.person_state("anding-head") == "calling");
    CHECK(api.handle_public(voice_push("voice-token-0123456789", "{not json")).status == 400);
    auto ok = api.handle_public(voice_push("voice-token-0123456789", body));
    CHECK(ok.status == 200);
    CHECK(ok.body == R"({"code":0,"msg":"接收成功"})");
    CHECK(f.person_state("anding-head") == "answered");
    // Pushed again (the platform retries on timeouts): still one answer, still 200.
    CHECK(api.handle_public(voice_push("voice-token-0123456789", body)).status == 200);
    CHECK(f.events(f.last_warning, "answered") == 1);
    // Without a configured token the endpoint does not exist for anyone.
    HttpApi closed{*f.engine, *f.views, f.clock, [] {}};
    CHECK(closed.handle_public(voice_push("", body)).status == 401);
  });
}

TEST_CASE("the night rule: a first step between 22:00 and 07:00 also rings; by day it does not") {
  const char* plan = R"(plan: heavy-rain
match: { hazards: [rainstorm] }
recipients:
  - { tier: township, roles: [township_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
deadline: 30m
night: { from: "22:00", to: "07:00", first: [ivr] }
)";
  auto run_at = [&](int64_t epoch_ms) {
    PhoneFixture f;
    LoadErrors errors;
    f.plans = {*load_plan(plan, "plan.yaml", {"zzd", "ivr"}, errors)};
    f.clock.set(from_epoch_ms(epoch_ms));
    f.restart();
    Warning w = f.warning();
    w.sent = f.clock.now();
    f.ingest(w);
    f.send_all();
    const auto all = f.messages(f.last_warning);
    return std::count_if(all.begin(), all.end(), [](const MessageRow& m) { return m.channel == "ivr" && m.step == 0; });
  };
  CHECK(run_at(1'781'460'000'000) == 1);                  // 02:00 in China: rung at once
  CHECK(run_at(1'781'460'000'000 + 8 * 3'600'000) == 0);  // 10:00: the card alone
  CHECK(run_at(1'781'460'000'000 + 20 * 3'600'000) == 1); // 22:00: night again
}

TEST_CASE("ack: read — a call heard to the end is the phone's read receipt and answers; without it, it does not") {
  on_both_stores_of<PhoneFixture>([](PhoneFixture& f) {
    LoadErrors errors;
    f.plans = {*load_plan(std::string(kPhonePlan) + "ack: read\n", "plan.yaml", {"zzd", "ivr"}, errors)};
    f.restart();
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute);
    CHECK(f.engine->call_result({f.call_message(), "c-1", "200003", "", "0"}, "voice"));  // rang out
    CHECK(f.person_state("anding-head") == "calling");
    CHECK(f.engine->call_result({f.call_message(), "c-1", "200000", "", "30"}, "voice"));  // heard it all
    CHECK(f.person_state("anding-head") == "answered");
    CHECK(f.events(f.last_warning, "answered", "via ivr-heard after 3m") == 1);
  });
}

TEST_CASE("a post holder with only a landline is rung on it; the card still goes by their account") {
  on_both_stores_of<PhoneFixture>([](PhoneFixture& f) {
    std::string dir = kTestDirectory;
    const std::string mobile_line = "    mobile: \"19900000002\"\n";
    dir.replace(dir.find(mobile_line), mobile_line.size(), "    landline: \"0579-00000001\"\n");
    LoadErrors errors;
    f.directory = std::make_shared<const Directory>(*Directory::load_string(dir, "dir.yaml", errors));
    f.restart();
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute);
    CHECK(f.message_state(f.call_message()) == "sent");
    CHECK(f.channel.sent.back().landline == "0579-00000001");
    CHECK(f.channel.sent.back().mobile.empty());
  });
}
