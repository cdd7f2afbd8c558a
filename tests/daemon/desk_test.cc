// The duty desk: what a duty officer does by hand, each on file with who did it and why, and
// each refused with what to fix when it makes no sense.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "daemon/engine_fixture.h"
#include "daemon/store_sqlite_views.h"
#include "daemon/http_api.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

int sent_to(const EngineFixture& f, const std::string& account, const std::string& text_part = "") {
  return static_cast<int>(std::count_if(f.channel.sent.begin(), f.channel.sent.end(), [&](const OutboundMessage& m) {
    return m.zzd_account == account && m.text.find(text_part) != std::string::npos;
  }));
}

// Events of `kind` by `actor` whose detail holds `part`, under any warning or none.
int64_t events_by(EngineFixture& f, const std::string& kind, const std::string& actor, const std::string& part = "") {
  auto events = f.events_anywhere(kind, part);
  return std::count_if(events.begin(), events.end(), [&](const EventRow& e) { return e.actor == actor; });
}

}  // namespace

// Each case runs on both stores (on_both_stores), but those that go through the admin views
// (store_sqlite_views.cc, which read SQLite): the admin socket's and the period summary.

TEST_CASE("an answer taken by hand stops that person's ladder and names who took it") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    auto out = f.engine->desk_ack(1, "19900000002", "rang the duty room at 02:01", "duty:alice");  // by mobile
    REQUIRE_MESSAGE(out.ok(), out.message);
    const int64_t head = f.callout_in(1, "anding-head");
    CHECK(out.message == fmt::format("钱某一 is answered (callout {}); their ladder stops", head));
    CHECK(f.state_in(1, "anding-head") == CalloutState::answered);
    f.channel.sent.clear();
    f.advance(3 * kMinute);
    CHECK(sent_to(f, "100002") == 0);
    CHECK(sent_to(f, "100001") == 1);  // the others' ladders go on
    CHECK(events_by(f, "manual_ack", "duty:alice", "rang the duty room at 02:01") == 1);
    CHECK(f.kept().callout(head)->answered_via == "duty_desk");
    for (const CalloutRow& c : f.kept().callouts_of(1))
      if (c.id != head) CHECK(c.answered_via != "duty_desk");
  });
}

TEST_CASE("the duty desk refuses what makes no sense, says what to fix, and changes nothing") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning());
    const auto events = f.events_anywhere("").size();
    auto unknown_warning = f.engine->desk_ack(99, "anding-head", "x", "duty:alice");
    CHECK(unknown_warning.status == 404);
    CHECK(unknown_warning.message == "there is no warning 99 (jiaoying warnings lists them)");
    auto nobody = f.engine->desk_ack(1, "someone", "x", "duty:alice");
    CHECK(nobody.status == 404);
    CHECK(nobody.message == "nobody called under warning 1 is 'someone': give a callout number (jiaoying show 1), a "
                            "person id or a mobile");
    CHECK(f.engine->desk_ack(1, "anding-head", "", "duty:alice").status == 400);
    auto via = f.engine->desk_call(1, "anding-head", "phone", "duty:alice");
    CHECK(via.status == 400);
    CHECK(via.message == "'phone' is not a channel jiaoyingd can reach a person on (configured: zzd)");
    CHECK(f.engine->desk_cancel(1, "", "duty:alice").status == 400);
    CHECK(f.engine->desk_note(1, "", "duty:alice").status == 400);
    CHECK(f.events_anywhere("").size() == events);
    REQUIRE(f.engine->desk_cancel(1, "issued by mistake", "duty:alice").ok());
    auto ended = f.engine->desk_call(1, "anding-head", "", "duty:alice");
    CHECK(ended.status == 409);
    CHECK(ended.message == "warning 1 has ended (cancelled): nobody is being called under it any more");
    CHECK(f.engine->desk_note(1, "the county confirmed it was a test file", "duty:bob").ok());  // notes after the end
  });
}

TEST_CASE("a call by hand goes out at once, outside the ladder, even to someone exhausted") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    for (int i = 0; i < 30; ++i) f.advance(kMinute);
    REQUIRE(f.state_in(1, "yantou-head") == CalloutState::exhausted);
    f.channel.sent.clear();
    auto out = f.engine->desk_call(1, "yantou-head", "", "duty:alice");
    REQUIRE_MESSAGE(out.ok(), out.message);
    f.send_all();
    CHECK(sent_to(f, "100004", "值班室人工叫应") == 1);
    CHECK(events_by(f, "manual_call", "duty:alice") == 1);
    // Answered now, it counts (late).
    CHECK(f.engine->ack(f.callout_in(1, "yantou-head"), "zzd", "test").late);
  });
}

TEST_CASE("a resend reaches only the silent when asked, everyone reached otherwise") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.engine->ack(f.callout_in(1, "county-leader"), "zzd", "test");
    f.channel.sent.clear();
    auto silent = f.engine->desk_resend(1, true, "duty:alice");
    REQUIRE_MESSAGE(silent.ok(), silent.message);
    CHECK(silent.affected == 2);
    f.send_all();
    CHECK(sent_to(f, "100001", "值班室重发") == 0);
    CHECK(sent_to(f, "100002", "值班室重发") == 1);
    CHECK(sent_to(f, "100004", "值班室重发") == 1);
    auto all = f.engine->desk_resend(1, false, "duty:alice");
    CHECK(all.affected == 3);
  });
}

TEST_CASE("a warning cancelled by hand ends every callout and tells those reached") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.channel.sent.clear();
    auto out = f.engine->desk_cancel(1, "issued by mistake", "duty:alice");
    REQUIRE_MESSAGE(out.ok(), out.message);
    CHECK(out.message == "warning 1 is cancelled; 解除 goes to the 3 people it reached");
    f.send_all();
    CHECK(f.channel.sent.size() == 3);
    for (const auto& m : f.channel.sent) CHECK(m.text.find("解除：") != std::string::npos);
    CHECK(f.kept().warning(1)->state == WarningState::cancelled);
    CHECK(events_by(f, "warning_cancelled", "duty:alice", "cancelled at the duty desk: issued by mistake") == 1);
    for (const CalloutRow& c : f.kept().callouts_of(1)) CHECK(c.state == CalloutState::cancelled);
  });
}

// On SQLite only: the admin API finds a warning by its identifier through the views.
TEST_CASE("on the admin socket the actor is the Unix user the kernel names, and the answer says what was done") {
  EngineFixture f;
  {
    HttpApi api{*f.engine, *f.views, f.clock, [&f] { f.engine->tick(); }};
    f.ingest(f.warning());
    ServerRequest r;
    r.method = "POST";
    r.path = r.target = "/api/v1/warnings/w-1/note";  // by identifier
    r.body = R"({"text": "县防指已电话确认"})";
    r.peer = "unix:alice";
    auto resp = api.handle_admin(r);
    CHECK(resp.status == 200);
    CHECK(events_by(f, "note", "duty:alice", "县防指已电话确认") == 1);
    r.path = r.target = "/api/v1/warnings/1/ack";
    r.body = R"({"person": "nobody", "note": "x"})";
    auto refused = api.handle_admin(r);
    CHECK(refused.status == 404);
    CHECK(refused.body.find("nobody called under warning 1") != std::string::npos);
    r.body = "not json";
    CHECK(api.handle_admin(r).status == 400);
  }
}

TEST_CASE("escalate raises the posts above the silent now, tells the duty room, or calls another area in") {
  // 安地镇: its head, its village's head, the county above; the county leader has answered.
  auto answered_above = [](EngineFixture& f) {
    f.ingest(f.warning({"330702102"}));
    f.send_all();
    f.engine->ack(f.callout_in(1, "county-leader"), "zzd", "test");
    f.channel.sent.clear();
  };
  SUBCASE("superior") {
    on_both_stores([&](EngineFixture& f) {
      answered_above(f);
      auto out = f.engine->desk_escalate(1, "superior", {}, "村里电话打不通", "duty:alice");
      REQUIRE_MESSAGE(out.ok(), out.message);
      f.send_all();
      // 岩头村's silent head → 安地镇's township head; 安地镇's silent head → the county leader.
      CHECK(sent_to(f, "100002", "村里电话打不通") == 1);
      CHECK(sent_to(f, "100001", "村里电话打不通") == 1);
      CHECK(f.engine->desk_escalate(1, "superior", {}, "again", "duty:alice").ok());  // a second time is its own
      CHECK(events_by(f, "manual_escalate", "duty:alice") == 2);
    });
  }
  SUBCASE("an area called in") {
    on_both_stores([&](EngineFixture& f) {
      answered_above(f);
      auto out = f.engine->desk_escalate(1, "330702100", {"township_head"}, "罗店镇上游来水", "duty:alice");
      REQUIRE_MESSAGE(out.ok(), out.message);
      CHECK(out.affected == 1);
      f.advance(Millis(1000));
      CHECK(f.state_in(1, "luodian-head") == CalloutState::calling);
      CHECK(f.engine->desk_escalate(1, "330702100", {"township_head"}, "again", "duty:alice").status == 409);
      CHECK(f.engine->desk_escalate(1, "330799", {}, "x", "duty:alice").status == 400);
      CHECK(events_by(f, "manual_escalate", "duty:alice") == 1);
    });
  }
}

TEST_CASE("a drill runs a plan through the real channels as an exercise, kept apart from real warnings") {
  on_both_stores([](EngineFixture& f) {
    int64_t id = 0;
    auto out = f.engine->desk_drill("heavy-rain", {"330702102"}, "", "duty:alice", id);
    REQUIRE_MESSAGE(out.ok(), out.message);
    CHECK(id == 1);
    f.made.push_back(id);
    CHECK(out.message == "drill 1 started under plan(s) heavy-rain: 3 people called, every message marked 【演练】");
    const auto drill = f.kept().warning(id);
    REQUIRE(drill);
    CHECK(drill->warning.status == WarningStatus::exercise);
    CHECK(drill->warning.source == "drill");
    CHECK(events_by(f, "drill_started", "duty:alice") == 1);
    auto unknown = f.engine->desk_drill("heavy-snow", {"330702102"}, "", "duty:alice", id);
    CHECK(unknown.status == 404);
    CHECK(unknown.message == "there is no plan 'heavy-snow' (plans: heavy-rain)");
    CHECK(f.engine->desk_drill("heavy-rain", {}, "", "duty:alice", id).status == 400);
  });
}

TEST_CASE("the period summary counts real warnings per township, and drills only apart") {
  EngineFixture f;
  f.ingest(f.warning());
  f.send_all();
  f.clock.advance(kMinute);
  f.engine->ack(f.callout_in(1, "anding-head"), "zzd", "test");
  int64_t drill = 0;
  REQUIRE(f.engine->desk_drill("heavy-rain", {"330702102"}, "", "duty:alice", drill).ok());
  const TimePoint from = f.clock.now() - std::chrono::hours(24), to = f.clock.now() + std::chrono::hours(24);
  auto real = boost::json::parse(f.views->summary(from, to, false));
  CHECK(real.at("total").at("posts").as_int64() == 3);  // the drill's 3 are not here
  CHECK(real.at("total").at("answered_within_30m").as_int64() == 1);
  CHECK(real.at("warnings").as_array().size() == 1);
  bool anding = false;
  for (const auto& a : real.at("areas").as_array())
    if (a.at("township") == "330702102") anding = a.at("name") == "安地镇" && a.at("posts").as_int64() == 2;
  CHECK(anding);
  auto drills = boost::json::parse(f.views->summary(from, to, true));
  CHECK(drills.at("total").at("posts").as_int64() == 3);
  CHECK(drills.at("total").at("answered_within_30m").as_int64() == 0);
}
