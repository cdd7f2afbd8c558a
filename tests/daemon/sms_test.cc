// SMS answers in the engine: per-phone reply codes (the smallest free among the phone's open
// callouts), a reply with a code answers that callout, a bare 收到 answers only when one is open,
// anything else answers nothing; delivery receipts are recorded.
#include <doctest/doctest.h>

#include "daemon/engine_fixture.h"
#include "text_edit.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

struct SmsFixture : EngineFixture {
  SmsFixture() {
    LoadErrors errors;
    channel_names = {"zzd", "sms"};
    plans.clear();
    auto plan = load_plan(replaced(kPlanYaml, "{ after: 0m, channels: [zzd] }", "{ after: 0m, channels: [zzd, sms] }"),
                          "plan.yaml", channel_names, errors);
    REQUIRE_MESSAGE(plan, (errors.empty() ? std::string() : errors[0].text()));
    plans.push_back(*plan);
    restart();
  }
  // The SMS queued to a person, newest first.
  std::vector<std::string> texts_to(const std::string& person_id) {
    std::vector<std::pair<int64_t, std::string>> texts;
    for (const CalloutRow& c : callouts_anywhere(person_id))
      for (const MessageRow& m : kept().messages_of(c.id))
        if (m.channel == "sms") texts.emplace_back(m.id, m.body);
    std::sort(texts.begin(), texts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (auto& [id, body] : texts) out.push_back(std::move(body));
    return out;
  }
  int64_t answered(const std::string& person_id) {
    int64_t n = 0;
    for (const CalloutRow& c : callouts_anywhere(person_id)) n += c.state == CalloutState::answered;
    return n;
  }
  int64_t events_of_kind(const std::string& kind, const std::string& part = "") {
    return static_cast<int64_t>(events_anywhere(kind, part).size());
  }
  // Two warnings open for 安地镇's township head (钱某一, 19900000002): a rainstorm (code 1) and
  // a flash flood (code 2). Returns their ids.
  std::pair<int64_t, int64_t> two_warnings_open() {
    const int64_t first = ingest(warning({"330702102"}, "w-1")).warning_id;
    engine->tick();
    Warning second = warning({"330702102"}, "w-2");
    second.hazard = "flash_flood";
    second.headline = "山洪红色预警";
    plans[0].hazards.clear();  // the plan answers any hazard from here on (a fresh engine)
    restart();
    const int64_t other = ingest(second).warning_id;
    engine->tick();
    auto texts = texts_to("anding-head");
    REQUIRE(texts.size() == 2);
    CHECK(texts[1].find("回复1确认收到") != std::string::npos);
    CHECK(texts[0].find("回复2确认收到") != std::string::npos);
    return {first, other};
  }
  // The first SMS queued, and the number it goes to.
  std::pair<int64_t, std::string> first_text() {
    for (int64_t w : made)
      for (const CalloutRow& c : kept().callouts_of(w))
        for (const MessageRow& m : kept().messages_of(c.id))
          if (m.channel == "sms") return {m.id, c.mobile};
    FAIL("no SMS queued");
    return {};
  }
};

}  // namespace

TEST_CASE("one phone with two warnings open has codes 1 and 2, and a reply answers the one it names") {
  SUBCASE("a bare 收到 with two open answers nothing, and the phone is told which code is which, once") {
    on_both_stores_of<SmsFixture>([](SmsFixture& f) {
      f.two_warnings_open();
      CHECK(f.engine->sms_reply("19900000002", "收到", "test").find("2 callouts are open") != std::string::npos);
      CHECK(f.answered("anding-head") == 0);
      auto texts = f.texts_to("anding-head");
      REQUIRE(texts.size() == 3);
      CHECK(texts[0] == "您有多条预警待确认：回复1确认「暴雨红色预警」，回复2确认「山洪红色预警」。");
      f.engine->sms_reply("19900000002", "收到", "test");
      CHECK(f.texts_to("anding-head").size() == 3);  // not again for the same codes
    });
  }
  SUBCASE("reply 2 answers the second warning; then a bare 收到 answers the only one left") {
    on_both_stores_of<SmsFixture>([](SmsFixture& f) {
      const auto [first, other] = f.two_warnings_open();
      CHECK(f.engine->sms_reply("19900000002", "2", "test") == "answered");
      CHECK(f.state_in(first, "anding-head") != CalloutState::answered);  // the first is still open
      CHECK(f.kept().callout(f.callout_in(other, "anding-head"))->answered_via == "sms");
      CHECK(f.engine->sms_reply("19900000002", "收到", "test") == "answered");
      CHECK(f.state_in(first, "anding-head") == CalloutState::answered);
      CHECK(f.answered("anding-head") == 2);
    });
  }
  SUBCASE("a code nobody holds, or words without one, answer nothing and are kept on file") {
    on_both_stores_of<SmsFixture>([](SmsFixture& f) {
      f.two_warnings_open();
      CHECK(f.engine->sms_reply("19900000002", "7", "test") == "no open callout has code 7");
      CHECK(f.engine->sms_reply("19900000002", "我在开会", "test") == "not an answer (no reply code)");
      CHECK(f.engine->sms_reply("19900000099", "1", "test") == "no open callout has code 1");
      CHECK(f.events_of_kind("sms_reply") == 3);
      // Numbers are masked in what is kept.
      int masked = 0;
      for (const EventRow& e : f.events_anywhere("sms_reply")) {
        masked += e.detail.starts_with("199****0002");
        CHECK(e.detail.find("19900000002") == std::string::npos);
      }
      CHECK(masked == 2);
    });
  }
}

TEST_CASE("codes are freed when the callout ends: the next warning takes 1 again") {
  on_both_stores_of<SmsFixture>([](SmsFixture& f) {
    auto first = f.ingest(f.warning({"330702102"}, "w-1"));
    f.engine->tick();
    CHECK(f.engine->sms_reply("19900000002", "1", "test") == "answered");
    Warning again = f.warning({"330702102"}, "w-3");
    f.ingest(again);
    f.engine->tick();
    auto texts = f.texts_to("anding-head");
    REQUIRE(texts.size() == 2);
    CHECK(texts[0].find("回复1确认收到") != std::string::npos);
  });
}

TEST_CASE("delivery receipts are recorded on the message; a receipt for no SMS of ours is refused") {
  on_both_stores_of<SmsFixture>([](SmsFixture& f) {
    f.ingest(f.warning({"330702102"}, "w-1"));
    f.engine->tick();
    const auto [id, phone] = f.first_text();
    f.engine->sms_delivery(id, phone, "", true, "DELIVERED", "test");
    f.engine->sms_delivery(id, phone, "", false, "MK:0001", "test");
    CHECK(f.events_of_kind("sms_delivered") == 1);
    CHECK(f.events_of_kind("sms_undelivered", "MK:0001") == 1);
    f.engine->sms_delivery(999999, phone, "", true, "DELIVERED", "test");
    f.engine->sms_delivery(id, "19900009999", "", true, "DELIVERED", "test");  // not the phone it went to
    CHECK(f.events_of_kind("callback_refused") == 2);
  });
}

TEST_CASE("a batch's receipts name its first message and each phone: each lands on that phone's message") {
  on_both_stores_of<SmsFixture>([](SmsFixture& f) {
    // Both seats of 安地镇's township head are texted at once: two phones, one batch.
    LoadErrors errors;
    f.plans = {*load_plan(replaced(kPlanYaml, "{ after: 0m, channels: [zzd] }", "{ after: 0m, channels: [zzd, sms], seat: both }"),
                          "plan.yaml", f.channel_names, errors)};
    f.restart();
    f.ingest(f.warning({"330702102"}, "w-1"));
    f.engine->tick();
    ClaimRequest claim;
    claim.channel = "sms";
    claim.provider = "aliyun";
    claim.limit = 10;
    auto jobs = f.engine->claim_messages(claim);
    REQUIRE(jobs.size() >= 2);
    std::vector<Engine::Completion> done;
    for (const SendJob& job : jobs) done.push_back({job.message_id, {SendOutcome::sent, "900619^4112", "1 SMS"}});
    f.engine->complete_messages(done);
    // The batch went out under the first message's OutId; the second phone's receipt says so.
    f.engine->sms_delivery(jobs[0].message_id, jobs[1].message.mobile, "900619^4112", true, "DELIVERED", "test");
    const auto delivered = f.events_anywhere("sms_delivered");
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0].message == jobs[1].message_id);
  });
}
