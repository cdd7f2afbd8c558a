// The engine on two stores: SQLite (daemon/store_sqlite) and the in-memory one written from the
// interface alone (memory_store). Each scenario runs on both and is read back only through the
// Store API and what the fake provider was sent — so a difference means the engine leans on
// something the seam does not promise, and the scenario's checks hold on either store. (The
// engine's own tests run on both too: on_both_stores in engine_fixture.h.)
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "daemon/engine_fixture.h"
#include "daemon/memory_store.h"
#include "daemon/store_sqlite.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

// The escalating ladder, and a report-back each township owes within 12 minutes.
const std::string kLadderPlan = std::string(kEscalatingPlan) + "report_back: { tier: township, within: 12m }\n";

// A fixture on either store.
struct On : EngineFixture {
  explicit On(bool memory) : EngineFixture(":memory:", kLadderPlan.c_str()) {
    if (memory) {
      store = &mem;
      restart();
    }
  }
  Store& kept() { return store ? *store : sqlite(); }
  Store& sqlite() {
    if (!sqlite_store) sqlite_store = std::make_unique<SqliteStore>(*db);
    return *sqlite_store;
  }
  // What the store says of every callout: person, kind, state; and the warning's tally.
  std::string picture(int64_t warning_id) {
    std::vector<std::string> lines;
    for (const char* person : {"county-leader", "anding-head", "anding-deputy", "yantou-head", "luodian-head",
                               "houxi-head", "duty-officer"})
      for (const CalloutRow& c : kept().callouts_named(warning_id, person, 0))
        lines.push_back(fmt::format("{} {} {}", c.person_id, c.kind, state_name(c.state)));
    std::sort(lines.begin(), lines.end());
    const CalloutTally t = kept().tally(warning_id);
    std::string out = fmt::format("open {} answered {} exhausted {} primaries {} raised {}\n", t.open, t.answered,
                                  t.exhausted, t.primaries, t.raised);
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  // Who was sent what, in order.
  std::string sends() {
    std::string out;
    for (const OutboundMessage& m : channel.sent) out += fmt::format("{} {} | {}\n", m.zzd_account, m.title, m.text);
    return out;
  }
  int64_t events(int64_t warning_id, const char* kind) { return kept().count_events(warning_id, kind); }

  MemoryStore mem;
  std::unique_ptr<SqliteStore> sqlite_store;
};

// A night: step 1 to all, one answer, the B seat, the posts above, the duty room, exhaustion,
// the overdue report-back chased, and the warning's close.
struct Night {
  std::string sends, picture, end;
  std::vector<int64_t> counts;
};

Night run_night(On& f) {
  Night n;
  const IngestOutcome in = f.ingest(f.warning({"330702"}));
  REQUIRE(in.kind == IngestOutcome::Kind::created);
  const int64_t w = in.warning_id;
  f.send_all();
  f.engine->ack(f.kept().callouts_named(w, "luodian-head", 0).front().id, "zzd", "test");
  for (int minute = 1; minute <= 16; ++minute) f.advance(kMinute);
  n.sends = f.sends();
  n.picture = f.picture(w);
  for (const char* kind : {"notified", "renotified", "message_sending", "message_sent", "message_cancelled",
                           "answered", "covered", "escalated", "exhausted", "duty_officer_told", "report_due",
                           "report_overdue", "warning_closed"})
    n.counts.push_back(f.events(w, kind));
  n.end = std::string(state_name(f.kept().warning(w)->state));
  return n;
}

}  // namespace

TEST_CASE("a night's ladder runs the same on SQLite and on the in-memory store") {
  On sqlite(false), memory(true);
  const Night a = run_night(sqlite), b = run_night(memory);
  CHECK(a.sends == b.sends);
  CHECK(a.picture == b.picture);
  CHECK(a.counts == b.counts);
  CHECK(a.end == b.end);
  // And what it is: every post reached, one answered, the rest exhausted, the duty room told.
  CHECK(a.counts[0] == 5);    // notified: the five primary posts
  CHECK(a.counts[5] == 1);    // answered
  CHECK(a.counts[8] >= 4);    // exhausted
  CHECK(a.counts[9] >= 1);    // duty_officer_told
  CHECK(a.counts[7] >= 2);    // escalated: the B seat, the posts above, the duty room
  CHECK(a.counts[11] == 2);   // report_overdue: both townships
  CHECK(a.picture.find("anding-deputy deputy") != std::string::npos);
  CHECK(a.picture.find("luodian-head primary answered") != std::string::npos);
  CHECK(std::count(a.sends.begin(), a.sends.end(), '\n') >= 15);
}

TEST_CASE("a cancel ends the same on both stores: 解除 to those reached, nothing left open") {
  for (bool memory : {false, true}) {
    CAPTURE(memory);
    On f(memory);
    const int64_t w = f.ingest(f.warning({"330702"}, "w-c")).warning_id;
    f.send_all();
    Warning cancel = f.warning({"330702"}, "w-c-cancel");
    cancel.msg_type = MsgType::cancel;
    cancel.references = {{cancel.sender, "w-c", cancel.sent}};
    REQUIRE(f.engine->ingest(cancel, "{}", "test").kind == IngestOutcome::Kind::created);
    f.send_all();
    CHECK(f.kept().warning(w)->state == WarningState::cancelled);
    CHECK(f.kept().tally(w).open == 0);
    CHECK(f.events(w, "told_of_end") == 5);
    CHECK(std::count_if(f.channel.sent.begin(), f.channel.sent.end(), [](const OutboundMessage& m) {
            return m.title.find("【解除】") == 0 || m.text.find("解除：") != std::string::npos;
          }) == 5);
  }
}

TEST_CASE("a crash while sending recovers the same on both stores: the card again, under its own key") {
  for (bool memory : {false, true}) {
    CAPTURE(memory);
    On f(memory);
    const int64_t w = f.engine->ingest(f.warning({"330702102201"}, "w-r"), "{}", "test").warning_id;
    f.engine->tick();
    auto jobs = f.engine->claim_messages(100);  // sending, and then the process dies
    REQUIRE(!jobs.empty());
    const int n = static_cast<int>(jobs.size());
    const std::string key = jobs.front().message.idem_key;
    f.restart();
    CHECK(f.engine->recover() == n);
    CHECK(f.events(w, "message_recovered") == n);
    auto again = f.engine->claim_messages(100);
    REQUIRE(static_cast<int>(again.size()) == n);
    CHECK(again.front().message.idem_key == key);
  }
}

TEST_CASE("a transaction rolled back leaves no trace on either store") {
  for (bool memory : {false, true}) {
    CAPTURE(memory);
    On f(memory);
    const int64_t w = f.ingest(f.warning({"330702102201"}, "w-t")).warning_id;
    const int64_t c = f.kept().callouts_named(w, "yantou-head", 0).front().id;
    const int64_t before = f.events(w, "exhausted");
    {
      Store::Tx tx(f.kept());
      CHECK(f.kept().end_callout(CalloutMove::exhaust, w, c, {"exhausted", "test", ""}, 1));
    }
    CHECK(f.kept().callout(c)->state == CalloutState::calling);
    CHECK(f.events(w, "exhausted") == before);
  }
}

namespace {

// The loudspeakers: one EBM for the warned villages with loudspeakers (岩头村), the one without
// (后溪村) told to the duty room; a retry, then the platform takes it; the playback report; a
// second warning whose report never comes; a cancel that calls its EBM back.
std::string run_loudspeakers(bool memory) {
  EngineFixture f;
  LoadErrors errors;
  f.directory = std::make_shared<const Directory>(*Directory::load_string(
      std::string(kTestDirectory).replace(std::string(kTestDirectory).find(R"(parent: "330702102", synthetic: true })"),
                                          std::string(R"(parent: "330702102", synthetic: true })").size(),
                                          R"(parent: "330702102", synthetic: true, broadcast: ["EB330702102201-01"] })"),
      "dir.yaml", errors));
  f.channel_names = {"zzd", "broadcast"};
  f.broadcast_ebrid = "10433070200000001030101";
  f.plans = {*load_plan(std::string(kPlanYaml) + "broadcast: { levels: [red], tier: village, repeat: 2, within: 10m }\n",
                        "plan.yaml", f.channel_names, errors)};
  REQUIRE(errors.empty());
  if (memory) f.use_memory_store(); else f.restart();
  std::string trace;
  auto note = [&](const std::string& what) { trace += what + "\n"; };
  auto ebms = [&](int64_t w) {
    std::string out;
    for (const BroadcastRow& b : f.kept().broadcasts_of(w, true))
      out += fmt::format("{} {} areas {} attempts {}; ", b.msg_type, state_name(b.state), fmt::join(b.areas, ","), b.attempts);
    return out;
  };
  const int64_t w = f.ingest(f.warning({"330702"}, "w-l")).warning_id;
  auto jobs = f.engine->claim_broadcasts(10);
  REQUIRE(jobs.size() == 1);
  f.engine->complete_broadcast(jobs.front().broadcast_id, {SendOutcome::retry, "", "503"});
  note("after a retry: " + ebms(w));
  CHECK(f.engine->claim_broadcasts(10).empty());  // its back-off is not over
  f.clock.advance(Millis(10'000));
  jobs = f.engine->claim_broadcasts(10);
  REQUIRE(jobs.size() == 1);
  f.engine->complete_broadcast(jobs.front().broadcast_id, {SendOutcome::sent, "", ""});
  note("sent: " + ebms(w));
  const std::string ebm = jobs.front().order.ebm_id;
  CHECK(f.engine->broadcast_report({"ebd-1", ebm, ebd::kPlayed, "", "", {}}, "platform"));
  CHECK_FALSE(f.engine->broadcast_report({"ebd-2", "no-such-ebm", ebd::kPlayed, "", "", {}}, "platform"));
  note("played: " + ebms(w));
  const int64_t v = f.ingest(f.warning({"330702102201"}, "w-m")).warning_id;
  for (auto& job : f.engine->claim_broadcasts(10)) f.engine->complete_broadcast(job.broadcast_id, {SendOutcome::sent, "", ""});
  f.advance(11 * kMinute);  // no playback report within 10 minutes
  note("no report: " + ebms(v));
  Warning cancel = f.warning({}, "w-m-cancel");
  cancel.msg_type = MsgType::cancel;
  cancel.has_info = false;
  cancel.hazard.clear();
  cancel.references = {{cancel.sender, "w-m", cancel.sent}};
  f.engine->ingest(cancel, "{}", "test");
  for (auto& job : f.engine->claim_broadcasts(10)) f.engine->complete_broadcast(job.broadcast_id, {SendOutcome::sent, "", ""});
  note("cancelled: " + ebms(v));
  for (const char* kind : {"broadcast_queued", "broadcast_gap", "broadcast_sending", "broadcast_retry", "broadcast_sent",
                           "broadcast_report", "broadcast_unconfirmed", "broadcast_cancel_queued",
                           "broadcast_cancel_sent", "duty_officer_told"})
    note(fmt::format("{} {} {}", kind, f.events(w, kind), f.events(v, kind)));
  return trace;
}

}  // namespace

TEST_CASE("the loudspeakers' EBMs go, are reported, chased and called back the same on both stores") {
  const std::string a = run_loudspeakers(false), b = run_loudspeakers(true);
  CHECK(a == b);
  CHECK(a.find("after a retry: 1 queued areas 330702102201 attempts 1") != std::string::npos);
  CHECK(a.find("played: 1 played") != std::string::npos);
  CHECK(a.find("no report: 1 unconfirmed") != std::string::npos);
  CHECK(a.find("broadcast_unconfirmed 0 1") != std::string::npos);
  CHECK(a.find("broadcast_cancel_sent 0 1") != std::string::npos);
}
