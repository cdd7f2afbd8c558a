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

  std::string broadcast_state(int msg_type = 1) {
    Stmt s = db->prepare("SELECT state FROM broadcasts WHERE msg_type = ?");
    s.bind(1, msg_type);
    return s.step() ? s.text(0) : "none";
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

  // The messages queued to the duty officer, by body.
  // What the duty room has been sent, once its digest has gone (the next tick).
  std::vector<std::string> duty_officer_notes() {
    engine->tick();
    std::vector<std::string> out;
    Stmt s = db->prepare(
        "SELECT t.body FROM messages m JOIN callouts c ON c.id = m.callout_id JOIN message_texts t ON t.message_id = m.id "
        "WHERE c.kind = 'duty_officer' "
        "ORDER BY m.id");
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  PlaybackReport report(int state, std::vector<std::string> covered = {}) {
    Stmt s = db->prepare("SELECT ebm_id FROM broadcasts WHERE msg_type = 1");
    REQUIRE(s.step());
    return {"ebd-1", s.text(0), state, "", "", std::move(covered)};
  }
};

bool contains(const std::vector<std::string>& notes, const std::string& text) {
  for (const auto& n : notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a red warning queues one EBM naming the villages with loudspeakers; the others go to the duty officer") {
  BroadcastFixture f;
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
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_gap'") == 1);
}

TEST_CASE("the broadcast rule answers only its levels") {
  BroadcastFixture f;
  Warning w = f.warning({"330702"});
  w.level = Level::orange;
  f.ingest(w);
  CHECK(f.engine->claim_broadcasts(10).empty());
  CHECK(f.broadcast_state() == "none");
}

TEST_CASE("a playback report that covers every village closes the broadcast; the warning closes when all answered") {
  BroadcastFixture f;
  auto out = f.ingest(f.warning({"330702102"}));  // 安地镇 and its 岩头村: all loudspeakers
  f.send_all();
  f.send_broadcasts();
  CHECK(f.duty_officer_notes().empty());
  // Everyone answers; the warning still waits for the loudspeakers.
  Stmt s = f.db->prepare("SELECT id FROM callouts WHERE kind = 'primary'");
  std::vector<int64_t> ids;
  while (s.step()) ids.push_back(s.int64(0));
  for (int64_t id : ids) f.engine->ack(id, "link", "test");
  CHECK(f.count("SELECT state = 'active' FROM warnings WHERE id = " + std::to_string(out.warning_id)) == 1);

  CHECK(f.engine->broadcast_report(f.report(ebd::kPlaying), "test"));
  CHECK(f.broadcast_state() == "sent");  // progress only
  CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed, {"330702102201"}), "test"));
  CHECK(f.broadcast_state() == "played");
  CHECK(f.count("SELECT state = 'closed' FROM warnings WHERE id = " + std::to_string(out.warning_id)) == 1);
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_report' AND detail LIKE '%covered 1 of 1%'") == 1);
}

TEST_CASE("a partial or failed playback is told to the duty officer, naming where it did not play") {
  BroadcastFixture f(R"(broadcast: { tier: township })");  // both townships have... none: endpoints are on a village
  f.ingest(f.warning({"330702"}));
  // No township has loudspeakers: nothing can be sent, and the duty officer is told so.
  CHECK(f.engine->claim_broadcasts(10).empty());
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_failed'") == 1);
  CHECK(contains(f.duty_officer_notes(), "应急广播无法播发：预警范围内 2 处没有广播终端"));
}

TEST_CASE("reports: partial coverage, failure, an unknown EBMID") {
  BroadcastFixture f;
  f.ingest(f.warning({"330702102"}));
  f.send_broadcasts();
  SUBCASE("partial") {
    CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed, {"330702100201"}), "test"));  // not ours
    CHECK(f.broadcast_state() == "partial");
    CHECK(contains(f.duty_officer_notes(), "应急广播只播出了一部分：1 处没有播出（岩头村）"));
  }
  SUBCASE("a report naming the township covers its villages") {
    CHECK(f.engine->broadcast_report(f.report(ebd::kPlayed, {"330702102"}), "test"));
    CHECK(f.broadcast_state() == "played");
  }
  SUBCASE("failed") {
    PlaybackReport r = f.report(ebd::kPlayFailed);
    r.desc = "终端离线";
    CHECK(f.engine->broadcast_report(r, "test"));
    CHECK(f.broadcast_state() == "failed");
    CHECK(contains(f.duty_officer_notes(), "广播平台报告应急广播播发失败（终端离线）"));
  }
  SUBCASE("an EBMID we never sent is refused and recorded") {
    PlaybackReport r = f.report(ebd::kPlayed);
    r.ebm_id = "999";
    CHECK_FALSE(f.engine->broadcast_report(r, "test"));
    CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_report'") == 0);
    CHECK(f.count("SELECT COUNT(*) FROM events WHERE detail LIKE '%EBM 999 we never sent%'") == 1);
  }
}

TEST_CASE("no playback report by the deadline: unconfirmed, and the duty officer is told") {
  BroadcastFixture f;
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
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_report' AND detail LIKE '%after the report was due%'") == 1);
}

TEST_CASE("a lost answer is sent again with the same EBMID; a refusal goes to the duty officer") {
  BroadcastFixture f;
  f.ingest(f.warning({"330702102"}));
  auto first = f.send_broadcasts(SendOutcome::retry, "HTTP 503");
  REQUIRE(first.size() == 1);
  CHECK(f.broadcast_state() == "queued");
  CHECK(f.engine->claim_broadcasts(10).empty());  // backing off
  f.clock.advance(Millis(10'000));
  SUBCASE("sent on the next attempt") {
    auto second = f.send_broadcasts();
    REQUIRE(second.size() == 1);
    CHECK(second[0].order.ebm_id == first[0].order.ebm_id);
    CHECK(second[0].order.attempt == 2);
    CHECK(f.broadcast_state() == "sent");
  }
  SUBCASE("refused") {
    f.send_broadcasts(SendOutcome::failed, "ResultCode 4: 签名验证失败");
    CHECK(f.broadcast_state() == "failed");
    CHECK(contains(f.duty_officer_notes(), "应急广播发送失败（ResultCode 4: 签名验证失败）"));
  }
}

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
  BroadcastFixture f;
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
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_unconfirmed'") == 0);
}

TEST_CASE("an EBM whose answer arrives after its warning was cancelled is not chased either") {
  BroadcastFixture f;
  f.ingest(f.warning({"330702102"}, "w-1"));
  auto jobs = f.engine->claim_broadcasts(10);  // being sent…
  REQUIRE(jobs.size() == 1);
  f.ingest(f.cancel_of("w-1", "w-2"));  // …when the cancel comes: a cancel EBM is queued behind it
  f.engine->complete_broadcast(jobs[0].broadcast_id, {SendOutcome::sent, "", ""});
  f.send_broadcasts();
  f.clock.advance(11 * kMinute);
  f.engine->tick();
  CHECK(f.broadcast_state(1) == "cancelled");
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'broadcast_unconfirmed'") == 0);
}

TEST_CASE("a warning cancelled before its broadcast went out sends nothing") {
  BroadcastFixture f;
  f.ingest(f.warning({"330702102"}, "w-1"));
  f.ingest(f.cancel_of("w-1", "w-2"));
  CHECK(f.engine->claim_broadcasts(10).empty());
  CHECK(f.broadcast_state() == "cancelled");
}

TEST_CASE("an Update keeps the first broadcast on file with the warning that carries on, and plays the new text") {
  BroadcastFixture f;
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
  CHECK(f.count("SELECT COUNT(*) FROM broadcasts WHERE warning_id = " + std::to_string(out.warning_id)) == 2);
  CHECK(f.count("SELECT COUNT(*) FROM broadcasts WHERE warning_id = " + std::to_string(first.warning_id)) == 0);
}

TEST_CASE("an Update down to a level the rule does not cover plays nothing new") {
  BroadcastFixture f;
  f.ingest(f.warning({"330702102"}, "w-1"));
  f.send_broadcasts();
  Warning update = f.warning({"330702102"}, "w-2");
  update.msg_type = MsgType::update;
  update.references = {{update.sender, "w-1", update.sent}};
  update.level = Level::orange;
  f.ingest(update);
  CHECK(f.engine->claim_broadcasts(10).empty());
  CHECK(f.count("SELECT COUNT(*) FROM broadcasts") == 1);
}
