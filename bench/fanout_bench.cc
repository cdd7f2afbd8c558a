// The engine alone, in process: a county-wide red warning over a generated directory of N people
// (default 20,000) on a real SQLite file, and an instant fake provider — so this measures the
// engine's own cost per phase (ingest, the first tick, claims and results, the 3-minute repeat,
// the 15-minute chase of missing report-backs, answers committed in bursts as the daemon commits
// them), not a fan-out: for that, bench/fanout_e2e runs the processes. Prints; never fails on time.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <algorithm>
#include <filesystem>

#include "daemon/engine.h"
#include "daemon/schema.h"

using namespace jiaoying;

namespace {

// A provider that takes everything at once, in process: the engine's own cost, nothing else.
struct InstantChannel {
  SendResult send(const OutboundMessage& m) { return {SendOutcome::sent, m.idem_key, ""}; }
};

// One county, townships of 20 villages, two people per village and per township.
Directory generate(int people) {
  std::vector<Area> areas{{"330702", "婺城区", Tier::county, "", false, std::nullopt}};
  std::vector<Person> persons;
  std::vector<Post> posts;
  int township = 0, village = 0;
  auto add_person = [&](const std::string& area, const std::string& role) {
    std::string id = fmt::format("p{:06}", persons.size() + 1);
    persons.push_back({id, fmt::format("测试{}", persons.size() + 1), fmt::format("{}", 200000 + persons.size()),
                       fmt::format("1990{:07}", persons.size() + 1)});
    posts.push_back({area, role, Seat::A, id, 0});
  };
  while (static_cast<int>(persons.size()) < people) {
    std::string t = fmt::format("330702{:03}", ++township);
    areas.push_back({t, fmt::format("乡镇{}", township), Tier::township, "330702", true, std::nullopt});
    add_person(t, "township_head");
    add_person(t, "party_secretary");
    for (int v = 0; v < 20 && static_cast<int>(persons.size()) < people; ++v) {
      std::string code = fmt::format("{}{:03}", t, 200 + v);
      areas.push_back({code, fmt::format("村{}", ++village), Tier::village, t, true, std::nullopt});
      add_person(code, "village_head");
      add_person(code, "flood_chief");
    }
  }
  return Directory::assemble(std::move(areas), std::move(persons), std::move(posts));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int people = argc > 1 ? std::atoi(argv[1]) : 20'000;
  auto path = std::filesystem::temp_directory_path() / "jiaoying-fanout-bench.db";
  std::filesystem::remove(path);
  Db db(path.string());
  migrate(db);
  LoadErrors errors;
  auto plan = load_plan(R"(plan: bench
match: {}
recipients:
  - { tier: township, roles: [township_head, party_secretary] }
  - { tier: village, roles: [village_head, flood_chief] }
ladder: [{ after: 0m, channels: [zzd] }, { after: 3m, channels: [zzd] }]
report_back: { tier: township, within: 15m }
)",
                        "bench.yaml", {"zzd"}, errors);
  auto templates = TemplateRenderer::from_strings({{"zzd.title", "{{headline}}"}, {"zzd.body", "{{description}}"}}, errors);
  if (!plan || !templates) return 1;
  ManualClock clock(from_epoch_ms(1'781'460'000'000));
  Engine engine(db, clock, {"http://127.0.0.1:1", "bench-secret-0123456789"},
                std::make_shared<const Directory>(generate(people)), {*plan},
                std::make_shared<const TemplateRenderer>(*templates), {"zzd"});
  Warning w;
  w.identifier = "bench-1";
  w.sender = "bench@test";
  w.sent = clock.now();
  w.source = "meteorology";
  w.hazard = "rainstorm";
  w.level = Level::red;
  w.areas = {"330702"};
  w.headline = "暴雨红色预警";

  auto t0 = std::chrono::steady_clock::now();
  auto out = engine.ingest(w, "{}", "bench");
  double ingest_s = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  engine.tick();
  double first_tick_s = seconds_since(t0);

  InstantChannel channel;
  t0 = std::chrono::steady_clock::now();
  size_t sent = 0;
  for (;;) {
    auto jobs = engine.claim_messages(500);
    if (jobs.empty()) break;
    std::vector<Engine::Completion> results;
    for (auto& job : jobs) results.push_back({job.message_id, channel.send(job.message)});
    engine.complete_messages(results);
    sent += jobs.size();
  }
  double send_s = seconds_since(t0);

  clock.advance(Millis(180'000));
  t0 = std::chrono::steady_clock::now();
  int moved = engine.tick();
  double tick_s = seconds_since(t0);

  // Every township's report-back comes due unfiled: chase each township's posts, tell the duty room.
  clock.advance(Millis(12 * 60'000));
  t0 = std::chrono::steady_clock::now();
  int chased = engine.tick();
  double chase_s = seconds_since(t0);

  // Everyone answers (the 收到 link), in bursts of 256 a transaction, as daemon/group_commit does.
  std::vector<int64_t> callouts;
  {
    Stmt q = db.prepare("SELECT id FROM callouts WHERE kind = 'primary' ORDER BY id");
    while (q.step()) callouts.push_back(q.int64(0));
  }
  t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < callouts.size(); i += 256) {
    Engine::Batch batch(engine);
    for (size_t j = i; j < std::min(callouts.size(), i + 256); ++j) engine.ack(callouts[j], "zzd", "bench");
    batch.commit();
  }
  double ack_s = seconds_since(t0);

  fmt::print("fan-out of one county-wide red warning to {} people (SQLite file, synchronous=FULL)\n", out.callouts);
  fmt::print("  ingest: warning and callouts durable          {:8.3f} s  ({:.0f} callouts/s)\n", ingest_s,
             out.callouts / ingest_s);
  fmt::print("  first tick: step 1 queued for everyone       {:8.3f} s\n", first_tick_s);
  fmt::print("  claim + record {} sends (instant provider) {:8.3f} s  ({:.0f} messages/s)\n", sent, send_s,
             sent / send_s);
  fmt::print("  tick for the 3-minute re-notification       {:8.3f} s  ({} callouts moved)\n", tick_s, moved);
  fmt::print("  tick at 15 minutes: report-backs overdue     {:8.3f} s  ({} townships chased)\n", chase_s, chased);
  fmt::print("  answers: {} acks, 256 a transaction        {:8.3f} s  ({:.0f} answers/s)\n", callouts.size(), ack_s,
             callouts.size() / ack_s);
  std::filesystem::remove(path);
  return 0;
}
