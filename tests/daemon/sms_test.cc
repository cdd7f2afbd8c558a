// SMS answers in the engine: per-phone reply codes (the smallest free among the phone's open
// callouts), a reply with a code answers that callout, a bare 收到 answers only when one is open,
// anything else answers nothing; delivery receipts are recorded.
#include <doctest/doctest.h>
#include <fmt/format.h>

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
    std::vector<std::string> out;
    Stmt s = db->prepare("SELECT t.body FROM messages m JOIN callouts c ON c.id = m.callout_id "
                         "JOIN message_texts t ON t.message_id = m.id "
                         "WHERE m.channel = 'sms' AND c.person_id = ? ORDER BY m.id DESC");
    s.bind(1, person_id);
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  int64_t callout_in(int64_t warning_id, const std::string& person_id) {
    Stmt s = db->prepare("SELECT id FROM callouts WHERE warning_id = ? AND person_id = ? AND kind = 'primary'");
    s.bind(1, warning_id).bind(2, person_id);
    REQUIRE(s.step());
    return s.int64(0);
  }
};

}  // namespace

TEST_CASE("one phone with two warnings open has codes 1 and 2, and a reply answers the one it names") {
  SmsFixture f;
  auto first = f.ingest(f.warning({"330702102"}, "w-1"));
  f.engine->tick();
  Warning second = f.warning({"330702102"}, "w-2");
  second.hazard = "flash_flood";
  second.headline = "山洪红色预警";
  f.plans[0].hazards.clear();  // the plan answers any hazard from here on (a fresh engine)
  f.restart();
  auto other = f.ingest(second);
  f.engine->tick();
  auto texts = f.texts_to("anding-head");  // 钱某一, 19900000002
  REQUIRE(texts.size() == 2);
  CHECK(texts[1].find("回复1确认收到") != std::string::npos);
  CHECK(texts[0].find("回复2确认收到") != std::string::npos);

  SUBCASE("a bare 收到 with two open answers nothing, and the phone is told which code is which, once") {
    CHECK(f.engine->sms_reply("19900000002", "收到", "test").find("2 callouts are open") != std::string::npos);
    CHECK(f.count("SELECT COUNT(*) FROM callouts WHERE person_id = 'anding-head' AND state = 'answered'") == 0);
    auto texts = f.texts_to("anding-head");
    REQUIRE(texts.size() == 3);
    CHECK(texts[0] == "您有多条预警待确认：回复1确认「暴雨红色预警」，回复2确认「山洪红色预警」。");
    f.engine->sms_reply("19900000002", "收到", "test");
    CHECK(f.texts_to("anding-head").size() == 3);  // not again for the same codes
  }
  SUBCASE("reply 2 answers the second warning; then a bare 收到 answers the only one left") {
    CHECK(f.engine->sms_reply("19900000002", "2", "test") == "answered");
    CHECK(f.state_of("anding-head") != "answered");  // the first warning's callout (first row) is still open
    Stmt s = f.db->prepare("SELECT answered_via FROM callouts WHERE id = ?");
    s.bind(1, f.callout_in(other.warning_id, "anding-head"));
    REQUIRE(s.step());
    CHECK(s.text(0) == "sms");
    CHECK(f.engine->sms_reply("19900000002", "收到", "test") == "answered");
    CHECK(f.count("SELECT COUNT(*) FROM callouts WHERE person_id = 'anding-head' AND kind = 'primary' "
                  "AND state = 'answered'") == 2);
    (void)first;
  }
  SUBCASE("a code nobody holds, or words without one, answer nothing and are kept on file") {
    CHECK(f.engine->sms_reply("19900000002", "7", "test") == "no open callout has code 7");
    CHECK(f.engine->sms_reply("19900000002", "我在开会", "test") == "not an answer (no reply code)");
    CHECK(f.engine->sms_reply("19900000099", "1", "test") == "no open callout has code 1");
    CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'sms_reply'") == 3);
    // Numbers are masked in what is kept.
    CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'sms_reply' AND detail LIKE '199****0002%'") == 2);
  }
}

TEST_CASE("codes are freed when the callout ends: the next warning takes 1 again") {
  SmsFixture f;
  auto first = f.ingest(f.warning({"330702102"}, "w-1"));
  f.engine->tick();
  CHECK(f.engine->sms_reply("19900000002", "1", "test") == "answered");
  Warning again = f.warning({"330702102"}, "w-3");
  f.ingest(again);
  f.engine->tick();
  auto texts = f.texts_to("anding-head");
  REQUIRE(texts.size() == 2);
  CHECK(texts[0].find("回复1确认收到") != std::string::npos);
  (void)first;
}

TEST_CASE("delivery receipts are recorded on the message; a receipt for no SMS of ours is refused") {
  SmsFixture f;
  f.ingest(f.warning({"330702102"}, "w-1"));
  f.engine->tick();
  Stmt s = f.db->prepare("SELECT m.id, c.mobile FROM messages m JOIN callouts c ON c.id = m.callout_id "
                         "WHERE m.channel = 'sms' ORDER BY m.id LIMIT 1");
  REQUIRE(s.step());
  const int64_t id = s.int64(0);
  const std::string phone = s.text(1);
  f.engine->sms_delivery(id, phone, "", true, "DELIVERED", "test");
  f.engine->sms_delivery(id, phone, "", false, "MK:0001", "test");
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'sms_delivered'") == 1);
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'sms_undelivered' AND detail LIKE '%MK:0001%'") == 1);
  f.engine->sms_delivery(999999, phone, "", true, "DELIVERED", "test");
  f.engine->sms_delivery(id, "19900009999", "", true, "DELIVERED", "test");  // not the phone it went to
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'callback_refused'") == 2);
}

TEST_CASE("a batch's receipts name its first message and each phone: each lands on that phone's message") {
  SmsFixture f;
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
  CHECK(f.count(fmt::format("SELECT COUNT(*) FROM events WHERE kind = 'sms_delivered' AND message_id = {}",
                            jobs[1].message_id)) == 1);
}
