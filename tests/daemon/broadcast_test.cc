// The broadcast rule in the engine: one EBM per warning naming the villages with loudspeakers,
// villages without them told to the duty officer, playback reports (played, partial, failed),
// a report that never comes, refusals and retries, a cancelled warning, and a crash mid-send.
#include <doctest/doctest.h>

#include "daemon/engine_fixture.h"
#include "text_edit.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const std::string kEbrid = "10433070200000001030101";

// 岩头村 has loudspeakers; 后溪村 has none.
struct BroadcastFixture : EngineFixture {
  explicit BroadcastFixture(const std::string& rule = "broadcast: { levels: [red], tier: village, repeat: 2, within: 10m }",
                            const std::string& db_path = ":memory:")
      : EngineFixture(db_path) {
    LoadErrors errors;
    directory = std::make_shared<const Directory>(*Directory::load_string(
        replaced(kTestDirectory, R"(parent: "330702102", synthetic: true })",
                 R"(parent: "330702102", synthetic: true, broadcast: ["EB330702102201-01"] })"),
        "dir.yaml", errors));
    channel_names = {"zzd", "broadcast"};
    broadcast_ebrid = kEbrid;
    plans.clear();
    auto plan = load_plan(std::string(kPlanYaml) + rule + "\n", "plan.yaml", channel_names, errors);
    REQUIRE_MESSAGE(plan, (errors.empty() ? std::string() : errors[0].text()));
    plans.push_back(*plan);
    restart();
  }

  // Claims the broadcasts and answers each with `outcome`.
  std::vector<Engine::BroadcastJob> send_broadcasts(SendOutcome outcome = SendOutcome::sent, std::string detail = "") {
    auto jobs = engine->claim_broadcasts(10);
    for (const auto& job : jobs) engine->complete_broadcast(job.broadcast_id, {outcome, "", detail});
    return jobs;
  }

  // Every broadcast (EBM or its cancel) under the warnings ingest() made, oldest first.
  std::vector<BroadcastRow> broadcasts() {
    std::vector<BroadcastRow> out;
    for (int64_t w : made)
      for (BroadcastRow& b : kept().broadcasts_of(w, true)) out.push_back(std::move(b));
    std::sort(out.begin(), out.end(), [](const BroadcastRow& a, const BroadcastRow& b) { return a.id < b.id; });
    return out;
  }
  // The state of the first EBM (msg_type 1) or cancel (2).
  std::string broadcast_state(int msg_type = 1) {
    for (const BroadcastRow& b : broadcasts())
      if (b.msg_type == msg_type) return std::string(state_name(b.state));
    return "none";
  }
  int64_t events_of_kind(const std::string& kind, const std::string& part = "") {
    return static_cast<int64_t>(events_anywhere(kind, part).size());
  }

  // A Cancel (identifier `id`) of the warning `of`.
  Warning cancel_of(const std::string& of, const std::string& id) {
    Warning cancel = warning({}, id);
    cancel.msg_type = MsgType::cancel;
    cancel.has_info = false;
    cancel.hazard.clear();
    cancel.references = {{cancel.sender, of, cancel.sent}};
    return cancel;
  }

  // What the duty room has been sent, once its digest has gone (the next tick), oldest first.
  std::vector<std::string> duty_officer_notes() {
    engine->tick();
    std::vector<MessageRow> sent;
    for (int64_t w : made)
      for (const CalloutRow& c : kept().callouts_of(w))
        if (c.kind == "duty_officer")
          for (MessageRow& m : kept().messages_of(c.id)) sent.push_back(std::move(m));
    std::sort(sent.begin(), sent.end(), [](const MessageRow& a, const MessageRow& b) { return a.id < b.id; });
    std::vector<std::string> out;
    for (MessageRow& m : sent) out.push_back(std::move(m.body));
    return out;
  }

  // The platform's report on the first EBM.
  PlaybackReport report(int state, std::vector<std::string> covered = {}) {
    for (const BroadcastRow& b : broadcasts())
      if (b.msg_type == 1) return {"ebd-1", b.ebm_id, state, "", "", std::move(covered)};
    FAIL("no EBM queued");
    return {};
  }
};

bool contains(const std::vector<std::string>& notes, const std::string& text) {
  for (const auto& n : notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a red warning queues one EBM naming the villages with loudspeakers; the others go to the duty officer") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    f.ingest(f.warning({"330702"}));
    auto jobs = f.send_broadcasts();
    REQUIRE(jobs.size() == 1);
    const BroadcastOrder& o = jobs[0].order;
    CHECK(o.area_codes == std::vector<std::string>{"330702102201"});
    CHECK(o.ebm_id.size() == 35);
    CHECK(o.ebm_id.starts_with(kEbrid + "20260615"));
    CHECK(o.level == Level::red);
    CHECK(o.msg_type == 1);
    CHECK(o.text == "请注意：暴雨红色预警。\n请注意：暴雨红色预警。");  // repeat: 2
    CHECK(f.broadcast_state() == "sent");
    // 后溪村 has no loudspeakers: the duty officer hears it at once.
    auto notes = f.duty_officer_notes();
    REQUIRE(notes.size() == 1);
    CHECK(contains(notes, "应急广播覆盖不到 1 处（没有广播终端）：后溪村"));
    CHECK(f.events_of_kind("broadcast_gap") == 1);
  });
}

TEST_CASE("the broadcast rule answers only its levels") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    Warning w = f.warning({"330702"});
    w.level = Level::orange;
    f.ingest(w);
    CHECK(f.engine->claim_broadcasts(10).empty());
    CHECK(f.broadcast_state() == "none");
  });
}

TEST_CASE("a playback report that covers every village closes the broadcast; the warning closes when all answered") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    auto out = f.ingest(f.warning({"330702102"}));  // 安地镇 and its 岩头村: all loudspeakers
    f.send_all();
    f.send_broadcasts();
    CHECK(f.duty_officer_notes().empty());
    // Everyone answers; the warning still waits for the loudspeakers.
    for (const CalloutRow& c : f.kept().primaries(out.warning_id)) f.engine->ack(c.id, "link", "test");
    CHECK(f.kept().warning(out.warning_id)->state == WarningState::active);

    CHECK(f.engine->broadcast_report(f.report(ebd::kPlaying), "test"));
    CHECK(f.broadcast_state() == "sent");  // progress only
    CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed, {"330702102201"}), "test"));
    CHECK(f.broadcast_state() == "played");
    CHECK(f.kept().warning(out.warning_id)->state == WarningState::closed);
    CHECK(f.events_of_kind("broadcast_report", "covered 1 of 1") == 1);
  });
}

TEST_CASE("a partial or failed playback is told to the duty officer, naming where it did not play") {
  struct TownshipFixture : BroadcastFixture {
    TownshipFixture() : BroadcastFixture(R"(broadcast: { tier: township })") {}  // endpoints are on a village
  };
  on_both_stores_of<TownshipFixture>([](TownshipFixture& f) {
    f.ingest(f.warning({"330702"}));
    // No township has loudspeakers: nothing can be sent, and the duty officer is told so.
    CHECK(f.engine->claim_broadcasts(10).empty());
    CHECK(f.events_of_kind("broadcast_failed") == 1);
    CHECK(contains(f.duty_officer_notes(), "应急广播无法播发：预警范围内 2 处没有广播终端"));
  });
}

TEST_CASE("reports: partial coverage, failure, an unknown EBMID") {
  // Each subcase on both stores (doctest enters a subcase once per run: the store loop is inside).
  auto sent = [](BroadcastFixture& f) {
    f.ingest(f.warning({"330702102"}));
    f.send_broadcasts();
  };
  SUBCASE("partial") {
    on_both_stores_of<BroadcastFixture>([&](BroadcastFixture& f) {
      sent(f);
      CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed, {"330702100201"}), "test"));  // not ours
      CHECK(f.broadcast_state() == "partial");
      CHECK(contains(f.duty_officer_notes(), "应急广播只播出了一部分：1 处没有播出（岩头村）"));
    });
  }
  SUBCASE("a report naming the township covers its villages") {
    on_both_stores_of<BroadcastFixture>([&](BroadcastFixture& f) {
      sent(f);
      CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed, {"330702102"}), "test"));
      CHECK(f.broadcast_state() == "played");
    });
  }
  SUBCASE("failed") {
    on_both_stores_of<BroadcastFixture>([&](BroadcastFixture& f) {
      sent(f);
      PlaybackReport r = f.report(ebd::kPlayFailed);
      r.desc = "终端离线";
      CHECK(f.engine->broadcast_report(r, "test"));
      CHECK(f.broadcast_state() == "failed");
      CHECK(contains(f.duty_officer_notes(), "广播平台报告应急广播播发失败（终端离线）"));
    });
  }
  SUBCASE("an EBMID we never sent is refused and recorded") {
    on_both_stores_of<BroadcastFixture>([&](BroadcastFixture& f) {
      sent(f);
      PlaybackReport r = f.report(ebd::kPlayed);
      r.ebm_id = "999";
      CHECK_FALSE(f.engine->broadcast_report(r, "test"));
      CHECK(f.events_of_kind("broadcast_report") == 0);
      CHECK(f.events_of_kind("", "EBM 999 we never sent") == 1);
    });
  }
}

TEST_CASE("no playback report by the deadline: unconfirmed, and the duty officer is told") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    f.ingest(f.warning({"330702102"}));
    f.send_broadcasts();
    f.engine->broadcast_report(f.report(ebd::kPlaying), "test");
    f.clock.advance(9 * kMinute);
    f.engine->tick();
    CHECK(f.broadcast_state() == "sent");
    f.clock.advance(2 * kMinute);
    f.engine->tick();
    CHECK(f.broadcast_state() == "unconfirmed");
    CHECK(contains(f.duty_officer_notes(), "应急广播未确认播出：广播平台没有报告播放结果（最后报告：playing）"));
    // A late report still counts, and says it was late.
    CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed), "test"));
    CHECK(f.broadcast_state() == "played");
    CHECK(f.events_of_kind("broadcast_report", "after the report was due") == 1);
  });
}

TEST_CASE("a lost answer is sent again with the same EBMID; a refusal goes to the duty officer") {
  // The first attempt's answer is lost (HTTP 503); the EBM waits its back-off.
  auto lost = [](BroadcastFixture& f) {
    auto first = f.send_broadcasts(SendOutcome::retry, "HTTP 503");
    REQUIRE(first.size() == 1);
    CHECK(f.broadcast_state() == "queued");
    CHECK(f.engine->claim_broadcasts(10).empty());  // backing off
    f.clock.advance(Millis(10'000));
    return first[0].order.ebm_id;
  };
  SUBCASE("sent on the next attempt") {
    on_both_stores_of<BroadcastFixture>([&](BroadcastFixture& f) {
      f.ingest(f.warning({"330702102"}));
      const std::string ebm_id = lost(f);
      auto second = f.send_broadcasts();
      REQUIRE(second.size() == 1);
      CHECK(second[0].order.ebm_id == ebm_id);
      CHECK(second[0].order.attempt == 2);
      CHECK(f.broadcast_state() == "sent");
    });
  }
  SUBCASE("refused") {
    on_both_stores_of<BroadcastFixture>([&](BroadcastFixture& f) {
      f.ingest(f.warning({"330702102"}));
      lost(f);
      f.send_broadcasts(SendOutcome::failed, "ResultCode 4: 签名验证失败");
      CHECK(f.broadcast_state() == "failed");
      CHECK(contains(f.duty_officer_notes(), "应急广播发送失败（ResultCode 4: 签名验证失败）"));
    });
  }
}

// On SQLite only: a database file outlives a process, the memory store does not.
TEST_CASE("a crash while sending: the broadcast goes again under the same EBMID") {
  auto path = std::filesystem::temp_directory_path() / "jiaoying-broadcast-recover.db";
  std::filesystem::remove(path);
  {
    BroadcastFixture f("broadcast: { levels: [red], tier: village, repeat: 2, within: 10m }", path.string());
    f.ingest(f.warning({"330702102"}));
    auto jobs = f.engine->claim_broadcasts(10);  // then the process dies
    REQUIRE(jobs.size() == 1);
    f.restart();
    CHECK(f.engine->recover() >= 1);
    auto again = f.engine->claim_broadcasts(10);
    REQUIRE(again.size() == 1);
    CHECK(again[0].order.ebm_id == jobs[0].order.ebm_id);
  }
  std::filesystem::remove(path);
}

TEST_CASE("a cancelled warning tells the platform to stop, under the same EBMID") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    f.ingest(f.warning({"330702102"}, "w-1"));
    auto jobs = f.send_broadcasts();
    REQUIRE(jobs.size() == 1);
    f.ingest(f.cancel_of("w-1", "w-2"));
    auto stop = f.engine->claim_broadcasts(10);
    REQUIRE(stop.size() == 1);
    CHECK(stop[0].order.msg_type == 2);
    CHECK(stop[0].order.ebm_id == jobs[0].order.ebm_id);
    CHECK(stop[0].order.text == "预警解除。");
    f.engine->complete_broadcast(stop[0].broadcast_id, {SendOutcome::sent, "", ""});
    CHECK(f.broadcast_state(2) == "cancelled");
    // The first EBM no longer awaits a playback report: nobody is chased about it.
    CHECK(f.broadcast_state(1) == "cancelled");
    f.clock.advance(11 * kMinute);
    f.engine->tick();
    CHECK(f.events_of_kind("broadcast_unconfirmed") == 0);
  });
}

TEST_CASE("an EBM whose answer arrives after its warning was cancelled is not chased either") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    f.ingest(f.warning({"330702102"}, "w-1"));
    auto jobs = f.engine->claim_broadcasts(10);  // being sent…
    REQUIRE(jobs.size() == 1);
    f.ingest(f.cancel_of("w-1", "w-2"));  // …when the cancel comes: a cancel EBM is queued behind it
    f.engine->complete_broadcast(jobs[0].broadcast_id, {SendOutcome::sent, "", ""});
    f.send_broadcasts();
    f.clock.advance(11 * kMinute);
    f.engine->tick();
    CHECK(f.broadcast_state(1) == "cancelled");
    CHECK(f.events_of_kind("broadcast_unconfirmed") == 0);
  });
}

TEST_CASE("a warning cancelled before its broadcast went out sends nothing") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    f.ingest(f.warning({"330702102"}, "w-1"));
    f.ingest(f.cancel_of("w-1", "w-2"));
    CHECK(f.engine->claim_broadcasts(10).empty());
    CHECK(f.broadcast_state() == "cancelled");
  });
}

TEST_CASE("an Update keeps the first broadcast on file with the warning that carries on, and plays the new text") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    auto first = f.ingest(f.warning({"330702102"}, "w-1"));
    f.send_broadcasts();
    f.engine->broadcast_report(f.report(ebd::kPlayed), "test");
    Warning update = f.warning({"330702102"}, "w-2");
    update.msg_type = MsgType::update;
    update.references = {{update.sender, "w-1", update.sent}};
    update.headline = "暴雨红色预警（雨势加强）";
    auto out = f.ingest(update);
    auto jobs = f.send_broadcasts();
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].order.text.find("雨势加强") != std::string::npos);
    CHECK(f.kept().broadcasts_of(out.warning_id, true).size() == 2);
    CHECK(f.kept().broadcasts_of(first.warning_id, true).empty());
  });
}

TEST_CASE("an Update down to a level the rule does not cover plays nothing new") {
  on_both_stores_of<BroadcastFixture>([](BroadcastFixture& f) {
    f.ingest(f.warning({"330702102"}, "w-1"));
    f.send_broadcasts();
    Warning update = f.warning({"330702102"}, "w-2");
    update.msg_type = MsgType::update;
    update.references = {{update.sender, "w-1", update.sent}};
    update.level = Level::orange;
    f.ingest(update);
    CHECK(f.engine->claim_broadcasts(10).empty());
    CHECK(f.broadcasts().size() == 1);
  });
}
