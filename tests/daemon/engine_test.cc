#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "daemon/engine_fixture.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

using Accounts = std::vector<std::string>;

Accounts sorted(Accounts a) {
  std::sort(a.begin(), a.end());
  return a;
}

}  // namespace

// Each case runs on both stores (on_both_stores: SQLite, and the in-memory one), reading back
// through the Store API only — but the crash test: a database file outlives a process.

TEST_CASE("a warning creates one callout per person and notifies each of them at once") {
  on_both_stores([](EngineFixture& f) {
    auto out = f.ingest(f.warning());
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    CHECK(out.callouts == 3);
    CHECK(out.plans == std::vector<std::string>{"heavy-rain"});
    CHECK(f.send_all() == 3);
    CHECK(sorted(f.channel.accounts()) == Accounts{"100001", "100002", "100004"});
    std::set<std::string> keys, links;
    for (const auto& m : f.channel.sent) {
      keys.insert(m.idem_key);
      links.insert(m.ack_url);
      CHECK(m.title == "暴雨红色预警");
    }
    CHECK(keys.size() == 3);
    CHECK(links.size() == 3);
  });
}

TEST_CASE("whoever has not answered after 3 minutes is notified again; whoever answered is not") {
  on_both_stores([](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    f.clock.advance(kMinute);
    REQUIRE(f.engine->ack(f.callout_in(w, "county-leader"), "zzd", "test").kind == AckOutcome::Kind::answered);
    f.channel.sent.clear();
    f.advance(2 * kMinute - Millis(1));
    CHECK(f.channel.sent.empty());  // not yet due
    f.advance(Millis(1));
    CHECK(sorted(f.channel.accounts()) == Accounts{"100002", "100004"});
    CHECK(f.channel.sent[0].title == "【第2次提醒】暴雨红色预警");
  });
}

TEST_CASE("an answer cancels the messages still queued for that person, and only theirs") {
  on_both_stores([](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;  // step 1 is queued, not yet claimed
    f.engine->ack(f.callout_in(w, "anding-head"), "zzd", "test");
    f.send_all();
    CHECK(sorted(f.channel.accounts()) == Accounts{"100001", "100004"});
    CHECK(f.events(w, "message_cancelled") == 1);
  });
}

TEST_CASE("nobody answering runs every step, then exhausts the callouts and tells the duty officer") {
  on_both_stores([](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    f.advance(3 * kMinute);
    f.advance(7 * kMinute);
    CHECK(f.channel.sent.size() == 9);  // three steps for three people
    f.advance(19 * kMinute);
    CHECK(f.state_in(w, "county-leader") == CalloutState::calling);
    f.advance(kMinute);
    CHECK(f.state_in(w, "county-leader") == CalloutState::exhausted);
    CHECK(f.events(w, "exhausted") == 3);
    CHECK(f.events(w, "duty_officer_told") == 3);
    CHECK(f.kept().warning(w)->state == WarningState::active);  // the duty officer's callout is still open
  });
}

TEST_CASE("an answer after exhaustion still counts, marked late") {
  on_both_stores([](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    for (int i = 0; i < 31; ++i) f.advance(kMinute);
    auto out = f.engine->ack(f.callout_in(w, "yantou-head"), "zzd", "test");
    CHECK(out.kind == AckOutcome::Kind::answered);
    CHECK(out.late);
    CHECK(f.state_in(w, "yantou-head") == CalloutState::answered);
  });
}

TEST_CASE("answering twice changes nothing the second time") {
  on_both_stores([](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    auto id = f.callout_in(w, "county-leader");
    CHECK(f.engine->ack(id, "zzd", "test").kind == AckOutcome::Kind::answered);
    const int64_t answered = f.events(w, "answered");
    CHECK(f.engine->ack(id, "zzd", "test").kind == AckOutcome::Kind::already_answered);
    CHECK(f.events(w, "answered") == answered);
  });
}

TEST_CASE("the same sender and identifier again is a duplicate and changes nothing") {
  on_both_stores([](EngineFixture& f) {
    auto first = f.ingest(f.warning());
    auto again = f.ingest(f.warning());
    CHECK(again.kind == IngestOutcome::Kind::duplicate);
    CHECK(again.warning_id == first.warning_id);
    CHECK(f.kept().tally(first.warning_id).primaries == 3);
  });
}

TEST_CASE("a warning larger than the county calls out our areas and keeps the others as not ours") {
  on_both_stores([](EngineFixture& f) {
    // The city's warning for 婺城区's 安地镇 and 义乌市's 大陈镇: 婺城区 calls 安地镇.
    auto out = f.ingest(f.warning({"330782103", "330702102"}));
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    CHECK(out.callouts == 3);
    REQUIRE(out.flags.size() == 1);
    CHECK(out.flags[0] == "1 of the warning's 2 area(s) are not in this directory and are another jiaoying's to call: "
                          "330782103");
    CHECK(f.events(out.warning_id, "areas_not_ours") == 1);
    CHECK(f.kept().warning(out.warning_id)->warning.areas == std::vector<std::string>{"330782103", "330702102"});
    f.send_all();
    for (const auto& m : f.channel.sent) CHECK(m.text.find("330782103") == std::string::npos);
  });
}

TEST_CASE("a warning for the whole city stands for the county of a directory that holds only the county") {
  on_both_stores([](EngineFixture& f) {
    auto city = f.ingest(f.warning({"330700"}));
    REQUIRE(city.kind == IngestOutcome::Kind::created);
    CHECK(city.flags.empty());
    EngineFixture g;
    CHECK(city.callouts == g.ingest(g.warning({"330702"})).callouts);
  });
}

TEST_CASE("a new warning with no area of ours is refused and nothing is stored") {
  on_both_stores([](EngineFixture& f) {
    auto out = f.ingest(f.warning({"330782", "330783"}));
    CHECK(out.kind == IngestOutcome::Kind::refused);
    CHECK(out.error.text() == "areas: none of the warning's 2 area(s) (330782、330783) is in this directory: nobody "
                              "here would be called");
    CHECK_FALSE(f.kept().find_warning(f.warning().sender, "w-1").has_value());
  });
}

TEST_CASE("an update that moves a warning out of the county ends its callouts instead of being refused") {
  on_both_stores([](EngineFixture& f) {
    auto first = f.ingest(f.warning());
    f.send_all();
    Warning moved = f.warning({"330782"}, "w-2");
    moved.msg_type = MsgType::update;
    moved.references.push_back({f.warning().sender, "w-1", f.warning().sent});
    auto out = f.ingest(moved);
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    CHECK(f.kept().tally(out.warning_id).open == 0);
    CHECK(f.kept().warning(first.warning_id)->state == WarningState::superseded);
    CHECK(f.kept().warning(out.warning_id)->state != WarningState::active);
  });
}

TEST_CASE("a warning no plan answers is kept, and the trail says nobody was called") {
  on_both_stores([](EngineFixture& f) {
    Warning w = f.warning();
    w.level = Level::blue;
    auto out = f.ingest(w);
    CHECK(out.kind == IngestOutcome::Kind::created);
    CHECK(out.callouts == 0);
    CHECK(f.events(out.warning_id, "no_plan_matched") == 1);
  });
}

TEST_CASE("after a crash mid-send, a restart resends with the same key and nobody gets a step twice") {
  auto path = std::filesystem::temp_directory_path() / "jiaoying-engine-crash-test.db";
  std::filesystem::remove(path);
  {
    EngineFixture f(path.string());
    f.ingest(f.warning());
    auto jobs = f.engine->claim_messages(100);  // marked sending…
    REQUIRE(jobs.size() == 3);
    f.channel.send(jobs[0].message);            // …one reached the provider, then the process died
    f.restart();
    CHECK(f.engine->recover() == 3);
    f.engine->tick();                           // step 1 is not run again
    f.send_all();
    CHECK(f.channel.keys.size() == 3);           // three distinct messages reached the provider
    const auto messages = f.messages_anywhere();
    CHECK(messages.size() == 3);
    for (const auto& [callout, m] : messages) CHECK(m.state == MessageState::sent);
    CHECK(f.events_anywhere("message_recovered").size() == 3);
  }
  std::filesystem::remove(path);
}

TEST_CASE("a temporary failure is retried with a growing back-off, then fails for good") {
  on_both_stores([](EngineFixture& f) {
    f.channel.next_outcome = SendOutcome::retry;
    const int64_t w = f.ingest(f.warning({"330702102201"})).warning_id;  // the village: its chain, three people
    f.send_all();
    CHECK(f.events(w, "message_retry") == 3);
    f.advance(Millis(9'999));
    CHECK(f.channel.sent.size() == 3);  // back-off not over
    f.advance(Millis(1));
    CHECK(f.channel.sent.size() == 6);
    f.advance(Millis(20'000));
    CHECK(f.events(w, "message_failed") == 3);
    CHECK(f.events(w, "message_retry") == 6);  // attempts 1 and 2; the third fails for good
  });
}

TEST_CASE("steps long overdue after downtime are collapsed into one, with a late event") {
  on_both_stores([](EngineFixture& f) {
    const int64_t w = f.ingest(f.warning()).warning_id;
    f.send_all();
    f.channel.sent.clear();
    f.clock.advance(12 * kMinute);  // the engine was down through steps 2 and 3
    f.engine->tick();
    f.send_all();
    CHECK(f.channel.sent.size() == 3);  // one notice each, not two
    for (const auto& m : f.channel.sent) CHECK(m.idem_key.ends_with("-s2-zzd"));  // step 3's, step 2 skipped
    CHECK(f.events(w, "step_late") == 3);
  });
}

TEST_CASE("an ack link is valid only for its own callout") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    const auto& url = f.channel.sent[0].ack_url;
    std::string token = url.substr(url.find("&t=") + 3);
    int64_t id = std::stoll(url.substr(url.find("?c=") + 3));
    CHECK(f.engine->verify_ack_token(id, token));
    CHECK_FALSE(f.engine->verify_ack_token(id + 1, token));
    CHECK_FALSE(f.engine->verify_ack_token(id, token.substr(1)));
    CHECK_FALSE(f.engine->verify_ack_token(id, ""));
  });
}

TEST_CASE("a warning sent long before it arrived is called out all the same, and flagged") {
  on_both_stores([](EngineFixture& f) {
    Warning w = f.warning();
    w.sent = f.clock.now() - 3 * 60 * kMinute;
    auto out = f.ingest(w);
    CHECK(out.callouts == 3);
    REQUIRE(out.flags.size() == 1);
    CHECK(out.flags[0] == "sent 2026-06-14T23:00:00+08:00 is 3h before the time it arrived");
    CHECK(f.events(out.warning_id, "sent_suspicious") == 1);
  });
}

TEST_CASE("an update carries the callout on: the answered are told, new areas start, nobody restarts") {
  on_both_stores([](EngineFixture& f) {
    auto first = f.ingest(f.warning({"330702102"}, "w-1"));
    f.send_all();
    f.engine->ack(f.callout_in(first.warning_id, "anding-head"), "zzd", "test");
    f.channel.sent.clear();
    Warning update = f.warning({"330702102", "330702100"}, "w-2");
    update.msg_type = MsgType::update;
    update.references = {{update.sender, "w-1", update.sent}};
    update.headline = "暴雨红色预警（范围扩大）";
    auto out = f.ingest(update);
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    f.send_all();
    CHECK(f.kept().warning(first.warning_id)->state == WarningState::superseded);
    // 罗店镇 and its village are new: their ladder starts; the answered township head is told.
    // The county leader and the village head were still being called: carried on, not restarted.
    CHECK(sorted(f.channel.accounts()) == Accounts{"100002", "100005", "100006"});
    auto told = std::find_if(f.channel.sent.begin(), f.channel.sent.end(),
                             [](const OutboundMessage& m) { return m.zzd_account == "100002"; });
    CHECK(told->title.find("【更新】") == std::string::npos);  // the fixture's title template has no tag
    CHECK(told->text.find("预警已更新") != std::string::npos);
    CHECK(f.kept().tally(out.warning_id).primaries == 5);
    CHECK(f.state_in(out.warning_id, "county-leader") == CalloutState::calling);
  });
}

TEST_CASE("an update that drops an area stops its callouts and tells those already reached") {
  on_both_stores([](EngineFixture& f) {
    f.ingest(f.warning({"330702102", "330702100"}, "w-1"));
    f.send_all();
    f.channel.sent.clear();
    Warning update = f.warning({"330702102"}, "w-2");
    update.msg_type = MsgType::update;
    update.references = {{update.sender, "w-1", update.sent}};
    const int64_t w = f.ingest(update).warning_id;
    f.send_all();
    CHECK(f.state_in(w, "luodian-head") == CalloutState::cancelled);
    CHECK(f.state_in(w, "houxi-head") == CalloutState::cancelled);
    CHECK(f.state_in(w, "anding-head") == CalloutState::calling);
    CHECK(sorted(f.channel.accounts()) == Accounts{"100005", "100006"});  // their 解除 notices
    f.advance(3 * kMinute);
    auto accounts = f.channel.accounts();
    CHECK(std::count(accounts.begin(), accounts.end(), "100005") == 1);
  });
}

TEST_CASE("a cancel ends every callout: queued messages stop, the reached get a 解除 notice") {
  on_both_stores([](EngineFixture& f) {
    auto first = f.ingest(f.warning({"330702102"}, "w-1"));
    f.send_all();
    f.clock.advance(3 * kMinute);
    f.engine->tick();  // step 2 queued, not sent
    Warning cancel = f.warning({}, "w-3");
    cancel.msg_type = MsgType::cancel;
    cancel.has_info = false;
    cancel.hazard.clear();
    cancel.references = {{cancel.sender, "w-1", cancel.sent}};
    f.channel.sent.clear();
    auto out = f.ingest(cancel);
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    f.send_all();
    const int64_t w = first.warning_id;
    CHECK(f.kept().warning(w)->state == WarningState::cancelled);
    for (const char* person : {"county-leader", "anding-head", "yantou-head"})
      CHECK(f.state_in(w, person) == CalloutState::cancelled);
    CHECK(f.events(w, "message_cancelled") == 3);  // step 2, queued for each of them
    CHECK(f.channel.sent.size() == 3);
    for (const auto& m : f.channel.sent) CHECK(m.text.find("解除") != std::string::npos);
    f.advance(20 * kMinute);
    CHECK(f.channel.sent.size() == 3);
  });
}

TEST_CASE("an expired warning stops calling") {
  on_both_stores([](EngineFixture& f) {
    Warning w = f.warning();
    w.expires = f.clock.now() + 5 * kMinute;
    const int64_t id = f.ingest(w).warning_id;
    f.send_all();
    f.advance(5 * kMinute);
    CHECK(f.kept().warning(id)->state == WarningState::expired);
    CHECK(f.state_in(id, "county-leader") == CalloutState::cancelled);
    f.channel.sent.clear();
    f.advance(10 * kMinute);
    CHECK(f.channel.sent.empty());
  });
}

TEST_CASE("a drill is called out marked as one; a test message calls nobody") {
  on_both_stores([](EngineFixture& f) {
    Warning drill = f.warning({"330702102"}, "w-drill");
    drill.status = WarningStatus::exercise;
    CHECK(f.ingest(drill).callouts == 3);
    Warning test = f.warning({"330702102"}, "w-test");
    test.status = WarningStatus::test;
    auto out = f.ingest(test);
    CHECK(out.callouts == 0);
    CHECK(out.flags == std::vector<std::string>{"status test: stored, nobody is called"});
    CHECK(f.kept().warning(out.warning_id)->state == WarningState::closed);
  });
}

TEST_CASE("a plan file of level sections: the warning's level picks its section, and the snapshot keeps it across a restart") {
  on_both_stores([](EngineFixture& f) {
    LoadErrors errors;
    auto sectioned = load_plan_file(R"(plan: rain
match: { hazards: [rainstorm] }
recipients:
  - { tier: township, roles: [township_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 10m, channels: [zzd] }
levels:
  red:
    ladder:
      - { after: 0m, channels: [zzd] }
      - { after: 2m, channels: [zzd] }
  orange: {}
)",
                                    "rain.yaml", {"zzd"}, errors);
    REQUIRE(sectioned);
    f.plans = *sectioned;
    f.restart();
    IngestOutcome out = f.ingest(f.warning());  // red
    CHECK(out.plans == std::vector<std::string>{"rain[red]"});
    f.send_all();
    f.restart();  // the snapshot is re-read from the store: the whole file, the red section picked
    f.advance(2 * kMinute);
    CHECK(f.channel.sent.size() == 2);  // the red ladder's 2-minute step ran
    const std::vector<int64_t> snapshots = f.kept().snapshots_of(out.warning_id);
    REQUIRE(snapshots.size() == 1);
    CHECK(f.kept().snapshot(snapshots.front())->plan_name == "rain[red]");
  });
}

TEST_CASE("an area inside ours that the directory lacks is named to mend, and the rest is called out") {
  on_both_stores([](EngineFixture& f) {
    auto alone = f.ingest(f.warning({"330702777"}, "w-gap"));
    CHECK(alone.kind == IngestOutcome::Kind::refused);
    CHECK(alone.error.text() == "areas[0]: 330702777 lies inside 330702 婺城区 but is not in the directory: nobody is "
                                "called for it (add it to the directory, or correct the warning)");
    auto out = f.ingest(f.warning({"330702102", "330702777"}));
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    CHECK(out.callouts == 3);
    CHECK(f.events(out.warning_id, "area_not_in_directory") == 1);
  });
}
