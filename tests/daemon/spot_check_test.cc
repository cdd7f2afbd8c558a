// The 六问 spot check in the engine: a plan's rule phones the answered posts after its delay,
// once; each call's keys are kept; a "no" is told at once (the posts above, else the duty room); a cancelled warning lets
// the rule off; the desk's own spot check refuses what makes no sense.
#include <doctest/doctest.h>

#include "daemon/engine_fixture.h"
#include "daemon/rule_files.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const char* kPlan = R"(plan: heavy-rain
match: { hazards: [rainstorm], levels: [red] }
recipients:
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [flood_chief] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
deadline: 30m
spot_check: { after: 10m, sample: 100%, roles: [township_head] }
)";

struct SpotFixture : EngineFixture {
  SpotFixture() {
    channel_names = {"zzd", "ivr"};
    LoadErrors errors;
    plans = {*load_plan(kPlan, "plan.yaml", channel_names, errors)};
    REQUIRE(errors.empty());
    auto set = load_spot_checks(std::string(JIAOYING_SOURCE_DIR) + "/templates", errors);
    REQUIRE_MESSAGE(set, (errors.empty() ? "" : errors[0].text()));
    // As the daemon does at every start: the questions are read with the templates.
    after_restart = [this, set = *set] { engine->set_spot_checks(set); };
    restart();
  }
  // Every post of the person answers (钱某一 holds two: the township's head and a village's flood chief).
  void answer_all(const std::string& person) {
    for (const CalloutRow& c : kept().callouts_named(last_warning, person, 0))
      if (c.kind == "primary") engine->ack(c.id, "zzd", "test");
  }
  const OutboundMessage* questionnaire() {
    for (const OutboundMessage& m : channel.sent)
      if (is_spot_check_key(m.idem_key)) return &m;
    return nullptr;
  }
  std::vector<SpotCheckRow> checks() { return kept().spot_checks_of(last_warning); }
};

}  // namespace

TEST_CASE("a plan's spot_check phones the answered township head after 10 minutes, once; a no is told at once") {
  SpotFixture f;
  f.ingest(f.warning());
  f.send_all();
  f.answer_all("anding-head");
  f.advance(Millis(9 * 60'000));
  CHECK(f.questionnaire() == nullptr);  // not yet
  f.advance(Millis(60'000));
  const OutboundMessage* call = f.questionnaire();
  REQUIRE(call);
  CHECK(call->mobile == "19900000002");
  const Questionnaire q = parse_questionnaire(call->text);
  CHECK(q.questions.size() == 6);  // the flood family's six
  REQUIRE(f.checks().size() == 1);
  CHECK(f.checks()[0].state == SpotCheckState::calling);
  CHECK(f.checks()[0].family == "flood");
  // Once: later ticks, and a restart, phone nobody again.
  f.restart();
  f.advance(Millis(20 * 60'000));
  int questionnaires = 0;
  for (const OutboundMessage& m : f.channel.sent) questionnaires += is_spot_check_key(m.idem_key);
  CHECK(questionnaires == 1);
  CHECK(f.events(f.last_warning, "spot_check_rule") == 1);
  // The call's keys: a no to question 3. Kept, and told at once (the plan calls nobody above the
  // township, so its duty room).
  const size_t before = f.channel.sent.size();
  REQUIRE(f.engine->call_result({call->message_id, "call-1", "300000", "112111", "40"}, "voice@test"));
  REQUIRE(f.checks().size() == 1);
  CHECK(f.checks()[0].state == SpotCheckState::failed);
  CHECK(f.checks()[0].keys == "112111");
  CHECK(f.checks()[0].first_no == 3);
  CHECK(f.events(f.last_warning, "spot_check_failed") == 1);
  CHECK_FALSE(f.events_anywhere("duty_officer_told", "六问抽查未通过").empty());
  f.advance(Millis(60'000));  // the duty room's digest
  bool told = false;
  for (size_t i = before; i < f.channel.sent.size(); ++i)
    told = told || (f.channel.sent[i].zzd_account == "100009" &&
                    f.channel.sent[i].text.find("六问抽查未通过") != std::string::npos);
  CHECK(told);
  // The same report pushed again changes nothing; the post's answer stays its own.
  CHECK(f.engine->call_result({call->message_id, "call-1", "300000", "111111", "40"}, "voice@test"));
  CHECK(f.checks()[0].state == SpotCheckState::failed);
  CHECK(f.state_in(f.last_warning, "anding-head") == CalloutState::answered);
}

TEST_CASE("a spot check call nobody answers is 'unreached', one refused is cancelled; a cancelled warning lets the rule off") {
  SpotFixture f;
  f.ingest(f.warning());
  f.send_all();
  f.answer_all("anding-head");
  const Engine::DeskOutcome asked = f.engine->desk_spot_check(f.last_warning, {1, 0, "township", {}}, "duty:test");
  REQUIRE_MESSAGE(asked.ok(), asked.message);
  f.send_all();
  const OutboundMessage* call = f.questionnaire();
  REQUIRE(call);
  REQUIRE(f.engine->call_result({call->message_id, "call-2", "200003", "", "0"}, "voice@test"));
  CHECK(f.checks()[0].state == SpotCheckState::unreached);
  // Asked again: that post was checked, nobody else answered.
  const Engine::DeskOutcome again = f.engine->desk_spot_check(f.last_warning, {1, 0, "township", {}}, "duty:test");
  CHECK(again.status == 409);
  CHECK(again.message.find("checked before") != std::string::npos);
  CHECK(f.engine->desk_spot_check(f.last_warning, {0, 0, "", {}}, "duty:test").status == 400);  // how many?
  CHECK(f.engine->desk_spot_check(f.last_warning, {1, 0, "province", {}}, "duty:test").status == 400);

  // A call the provider refuses for good ends its check as cancelled, not calling for ever.
  SpotFixture h;
  h.ingest(h.warning({"330702102"}, "w-3"));
  h.send_all();
  h.answer_all("anding-head");
  REQUIRE(h.engine->desk_spot_check(h.last_warning, {1, 0, "township", {}}, "duty:test").ok());
  h.channel.next_outcome = SendOutcome::failed;
  h.send_all();
  REQUIRE(h.checks().size() == 1);
  CHECK(h.checks()[0].state == SpotCheckState::cancelled);
  CHECK(h.events(h.last_warning, "spot_check_cancelled") == 1);

  SpotFixture g;
  g.ingest(g.warning({"330702102"}, "w-2"));
  REQUIRE(g.engine->desk_cancel(g.last_warning, "issued by mistake", "duty:test").ok());
  g.advance(Millis(15 * 60'000));
  CHECK(g.questionnaire() == nullptr);
  CHECK(g.events(g.last_warning, "spot_check_rule") == 1);  // let off, on file
}
