#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/engine_fixture.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const char* kEscalatingPlan = R"(plan: escalating
match: {}
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd], seat: both }
  - { after: 5m, notify: superior }
  - { after: 10m, notify: duty_officer }
deadline: 15m
)";

int messages_to(const EngineFixture& f, const std::string& account) {
  return static_cast<int>(std::count_if(f.channel.sent.begin(), f.channel.sent.end(),
                                        [&](const OutboundMessage& m) { return m.zzd_account == account; }));
}

}  // namespace

TEST_CASE("a B-seat step calls the deputy of the same post, and either seat's answer covers the post") {
  EngineFixture f(":memory:", kEscalatingPlan);
  f.ingest(f.warning());
  f.send_all();
  f.advance(3 * kMinute);
  CHECK(messages_to(f, "100002") == 2);  // the A seat again (seat: both)…
  CHECK(messages_to(f, "100003") == 1);  // …and the B deputy, once
  auto deputy = f.channel.sent.back().zzd_account == "100003" ? f.channel.sent.back() : f.channel.sent.front();
  CHECK(f.state_of("anding-deputy", "deputy") == "calling");
  f.engine->ack(f.callout_of("anding-deputy", "deputy"), "zzd", "test");
  CHECK(f.state_of("anding-head") == "covered");
  f.advance(2 * kMinute);  // the superior step: the post is answered, so nobody is raised for it
  CHECK(f.count("SELECT COUNT(*) FROM callouts WHERE kind = 'superior' AND escalated_from = " +
                std::to_string(f.callout_of("anding-head"))) == 0);
}

TEST_CASE("a superior step raises the post above, and the escalation ends when the post answers") {
  EngineFixture f(":memory:", kEscalatingPlan);
  f.ingest(f.warning());
  f.send_all();
  f.advance(3 * kMinute);
  f.channel.sent.clear();
  f.advance(2 * kMinute);
  // The silent village head is raised to the township head; the township head to the county.
  CHECK(f.state_of("anding-head", "superior") == "calling");
  CHECK(f.state_of("county-leader", "superior") == "calling");
  bool told = std::any_of(f.channel.sent.begin(), f.channel.sent.end(), [](const OutboundMessage& m) {
    return m.zzd_account == "100002" && m.text.find("李某一") != std::string::npos;
  });
  CHECK(told);
  // The county has nobody above it in this directory: that is said, not skipped.
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'post_unfilled' AND detail LIKE '%no superior%'") == 1);
  f.engine->ack(f.callout_of("yantou-head"), "zzd", "test");
  CHECK(f.state_of("anding-head", "superior") == "covered");
}

TEST_CASE("the duty officer is told once per warning, however many posts stay silent") {
  EngineFixture f(":memory:", kEscalatingPlan);
  f.ingest(f.warning());
  f.send_all();
  for (int i = 0; i < 10; ++i) f.advance(kMinute);
  CHECK(f.count("SELECT COUNT(*) FROM callouts WHERE kind = 'duty_officer'") == 1);
  CHECK(messages_to(f, "100009") == 1);
  f.advance(5 * kMinute);  // the deadline: three exhaustions, each told to the duty officer
  CHECK(f.state_of("county-leader") == "exhausted");
  CHECK(messages_to(f, "100009") == 1);
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'duty_officer_told'") >= 6);
}

TEST_CASE("an exhausted callout tells the duty officer even when the plan has no such step") {
  EngineFixture f;  // the plain plan: zzd at 0, 3 and 10 minutes, deadline 30
  f.ingest(f.warning());
  f.send_all();
  for (int i = 0; i < 30; ++i) f.advance(kMinute);
  CHECK(f.state_of("yantou-head") == "exhausted");
  CHECK(f.state_of("duty-officer", "duty_officer") == "calling");
  CHECK(messages_to(f, "100009") == 1);
  CHECK(f.count("SELECT COUNT(*) FROM warnings WHERE state = 'active'") == 1);  // the officer must confirm
  f.engine->ack(f.callout_of("duty-officer", "duty_officer"), "zzd", "test");
  CHECK(f.count("SELECT COUNT(*) FROM warnings WHERE state = 'closed'") == 1);
}
