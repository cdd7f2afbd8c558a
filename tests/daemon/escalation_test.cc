#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/engine_fixture.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

int messages_to(const EngineFixture& f, const std::string& account) {
  return static_cast<int>(std::count_if(f.channel.sent.begin(), f.channel.sent.end(),
                                        [&](const OutboundMessage& m) { return m.zzd_account == account; }));
}

const OutboundMessage* last_to(const EngineFixture& f, const std::string& account) {
  for (auto it = f.channel.sent.rbegin(); it != f.channel.sent.rend(); ++it)
    if (it->zzd_account == account) return &*it;
  return nullptr;
}

}  // namespace

TEST_CASE("a B-seat step calls the deputy of the same post, and either seat's answer covers the post") {
  on_both_stores(kEscalatingPlan, [](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    f.advance(3 * kMinute);
    CHECK(messages_to(f, "100002") == 2);  // the A seat again (seat: both)…
    CHECK(messages_to(f, "100003") == 1);  // …and the B deputy, once
    CHECK(f.state_in(w, "anding-deputy", "deputy") == CalloutState::calling);
    f.engine->ack(f.callout_in(w, "anding-deputy", "deputy"), "zzd", "test");
    CHECK(f.state_in(w, "anding-head") == CalloutState::covered);
    f.advance(2 * kMinute);  // the superior step: the post is answered, so nobody is raised for it
    CHECK_FALSE(f.kept().find_raised(w, "county-leader", "superior", f.callout_in(w, "anding-head")).has_value());
  });
}

TEST_CASE("a superior step raises the post above, and the escalation ends when the post answers") {
  on_both_stores(kEscalatingPlan, [](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    f.advance(3 * kMinute);
    f.channel.sent.clear();
    f.advance(2 * kMinute);
    // The silent village head is raised to the township head; the township head to the county.
    CHECK(f.state_in(w, "anding-head", "superior") == CalloutState::calling);
    CHECK(f.state_in(w, "county-leader", "superior") == CalloutState::calling);
    bool told = std::any_of(f.channel.sent.begin(), f.channel.sent.end(), [](const OutboundMessage& m) {
      return m.zzd_account == "100002" && m.text.find("李某一") != std::string::npos;
    });
    CHECK(told);
    // The county has nobody above it in this directory: that is said, not skipped.
    CHECK(f.events(w, "post_unfilled") >= 1);
    f.engine->ack(f.callout_in(w, "yantou-head"), "zzd", "test");
    CHECK(f.state_in(w, "anding-head", "superior") == CalloutState::covered);
  });
}

TEST_CASE("the duty room hears every matter of a warning, a message a minute at most, naming post, person and what was tried") {
  on_both_stores(kEscalatingPlan, [](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    for (int i = 0; i < 10; ++i) f.advance(kMinute);  // 10m: the three posts are silent
    f.advance(Millis(1000));                           // the duty room's digest goes at the next tick
    CHECK(f.state_in(w, "duty-officer", "duty_officer") == CalloutState::calling);  // one duty room's callout
    REQUIRE(messages_to(f, "100009") == 1);
    const OutboundMessage* digest = last_to(f, "100009");
    CHECK(digest->text.find("值班提醒：3 项需人工处置，请查看叫应情况（jiaoying show 1）") != std::string::npos);
    CHECK(digest->text.find("安地镇 乡镇长（A岗） 钱某一：已10分钟未确认收到；已发 浙政钉 2 次") != std::string::npos);
    f.advance(5 * kMinute);  // the deadline: three exhaustions, in one more message
    f.advance(Millis(1000));
    CHECK(f.state_in(w, "county-leader") == CalloutState::exhausted);
    REQUIRE(messages_to(f, "100009") == 2);
    digest = last_to(f, "100009");
    CHECK(digest->text.find("婺城区 带班领导（A岗） 赵某一：15分钟内无人应答，叫应已用尽；已发 浙政钉") != std::string::npos);
    CHECK(f.events(w, "duty_officer_told") == 6);
  });
}

TEST_CASE("the county's duty room is told, not the township's, unless the plan names the township's") {
  for (const char* room : {"", "duty_room: township\n"}) {
    CAPTURE(room);
    const std::string plan = std::string(kEscalatingPlan) + room;
    EngineFixture f(":memory:", plan.c_str());
    // Like a generated directory: every township keeps a duty officer too.
    LoadErrors errors;
    f.directory = std::make_shared<const Directory>(*Directory::load_string(
        std::string(kTestDirectory) + R"(  - id: anding-duty
    name: 冯某九
    zzd: "100019"
    posts: [{ area: "330702102", role: duty_officer, seat: A }]
)",
        "dir.yaml", errors));
    REQUIRE(errors.empty());
    f.restart();
    f.ingest(f.warning());
    f.send_all();
    for (int i = 0; i < 16; ++i) f.advance(kMinute);
    // Who heard of 安地镇's silent township head 钱某一? (婺城区's own posts are always the county's.)
    auto told_of_anding = [&](const std::string& account) {
      return std::any_of(f.channel.sent.begin(), f.channel.sent.end(), [&](const OutboundMessage& m) {
        return m.zzd_account == account && m.text.find("钱某一") != std::string::npos;
      });
    };
    const bool township = *room != 0, county_told = told_of_anding("100009"), township_told = told_of_anding("100019");
    CHECK(county_told == !township);   // 婺城区's duty officer
    CHECK(township_told == township);  // 安地镇's
  }
}

TEST_CASE("an exhausted callout tells the duty officer even when the plan has no such step") {
  on_both_stores([](EngineFixture& f) {  // the plain plan: zzd at 0, 3 and 10 minutes, deadline 30
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    for (int i = 0; i < 30; ++i) f.advance(kMinute);
    f.advance(Millis(1000));  // the duty room's digest
    CHECK(f.state_in(w, "yantou-head") == CalloutState::exhausted);
    CHECK(f.state_in(w, "duty-officer", "duty_officer") == CalloutState::calling);
    CHECK(messages_to(f, "100009") == 1);
    CHECK(f.kept().warning(w)->state == WarningState::active);  // the officer must confirm
    f.engine->ack(f.callout_in(w, "duty-officer", "duty_officer"), "zzd", "test");
    CHECK(f.kept().warning(w)->state == WarningState::closed);
  });
}

TEST_CASE("the words of a notice are the duty office's templates: a B seat and the post above hear them with their values") {
  EngineFixture f(":memory:", kEscalatingPlan);
  std::map<std::string, std::string> texts = shipped_notices();
  texts["notice.deputy"] = "deputy|{{a_person}}|{{waited}}";
  texts["notice.deputy.tag"] = "<B>";
  texts["notice.superior"] = "superior|{{area_name}}|{{role_zh}}|{{person_name}}|{{waited}}";
  texts["zzd.title"] = "{{tag}}{{headline}}";
  texts["zzd.body"] = "{{notice}}";
  LoadErrors errors;
  f.templates = std::make_shared<const TemplateRenderer>(*TemplateRenderer::from_strings(texts, errors));
  REQUIRE(errors.empty());
  f.restart();
  f.ingest(f.warning());
  f.send_all();
  f.advance(3 * kMinute);
  const OutboundMessage* deputy = last_to(f, "100003");
  REQUIRE(deputy);
  CHECK(deputy->title == "<B>暴雨红色预警");
  CHECK(deputy->text == "deputy|钱某一|3m");
  f.advance(2 * kMinute);
  // The village head of 岩头村 is silent: the township head hears of it, the role in words.
  const OutboundMessage* superior = last_to(f, "100002");
  REQUIRE(superior);
  CHECK(superior->text.find("superior|岩头村|村主任|") == 0);
}
