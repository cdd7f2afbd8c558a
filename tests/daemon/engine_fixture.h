// A whole engine on an in-memory (or temporary file) database — or on the in-memory store
// (use_memory_store) — a manual clock and a fake provider that records what it was asked to
// send. For the engine and HTTP API tests, which read back only through the Store API (kept()
// and the helpers below), so that each runs on both stores (on_both_stores).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "daemon/engine.h"
#include "daemon/memory_store.h"
#include "daemon/store_sqlite.h"
#include "daemon/store_sqlite_views.h"
#include "daemon/schema.h"
#include "rules/test_directory.h"

namespace jiaoying::testing {

inline const char* kPlanYaml = R"(plan: heavy-rain
title: 强降雨叫应方案
match: { hazards: [rainstorm], levels: [orange, red] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
  - { after: 10m, channels: [zzd] }
deadline: 30m
)";

// Every kind of step: the B seat at 3 minutes, the posts above at 5, the duty room at 10.
inline const char* kEscalatingPlan = R"(plan: escalating
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

inline const Millis kMinute{60'000};

// The notices, duty rooms' lines and pages as shipped (templates/notice.*, duty.*, page.*): the
// engine's tests read what a person would be sent.
inline std::map<std::string, std::string> shipped_notices() {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(JIAOYING_SOURCE_DIR) / "templates")) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(".mustache") || !(file.starts_with("notice.") || file.starts_with("duty.") || file.starts_with("page."))) continue;
    std::ifstream in(entry.path());
    out[file.substr(0, file.size() - 9)] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

// A provider and its transport in one: records every send; answers with `next_outcome`. Like
// the real platform, a repeated idempotency key is answered `duplicate`.
class FakeChannel {
 public:
  SendResult send(const OutboundMessage& m) {
    sent.push_back(m);
    if (next_outcome != SendOutcome::sent) return {next_outcome, "", "fake says " + std::string(outcome_name(next_outcome))};
    if (!keys.insert(m.idem_key).second) return {SendOutcome::duplicate, "", "bizMsgId already used"};
    return {SendOutcome::sent, "msg-" + std::to_string(sent.size()), ""};
  }
  std::vector<std::string> accounts() const {
    std::vector<std::string> out;
    for (const auto& m : sent) out.push_back(m.zzd_account);
    return out;
  }
  std::vector<OutboundMessage> sent;
  std::set<std::string> keys;
  SendOutcome next_outcome = SendOutcome::sent;
};

struct EngineFixture {
  // `vfs`: the SQLite VFS the database is opened through ("faulty": tests/daemon/faulty_vfs.h).
  explicit EngineFixture(const std::string& db_path = ":memory:", const char* plan_yaml = kPlanYaml,
                         const std::string& vfs = "")
      : db(std::make_unique<Db>(db_path, vfs)) {
    migrate(*db);
    LoadErrors errors;
    directory = std::make_shared<const Directory>(*Directory::load_string(kTestDirectory, "dir.yaml", errors));
    plans.push_back(*load_plan(plan_yaml, "plan.yaml", {"zzd"}, errors));
    std::map<std::string, std::string> texts = shipped_notices();
    for (auto& [name, text] : std::map<std::string, std::string>{
             {"zzd.title", "{{#repeat}}【第{{attempt}}次提醒】{{/repeat}}{{headline}}"},
         {"zzd.body", "{{notice}}|{{details}}|{{description}} — {{area_name}} {{role}}"},
         {"sms.title", "{{headline}}"},
         {"sms.body", "{{headline}} {{person_name}}回复{{sms_code}}确认收到"},
         {"broadcast.title", "{{tag}}{{areas_zh}}{{hazard_zh}}{{level_zh}}预警"},
         {"broadcast.body", "{{#cancel}}预警解除。{{/cancel}}{{^cancel}}请注意：{{headline}}。{{/cancel}}"}})
      texts[name] = text;
    templates = std::make_shared<const TemplateRenderer>(*TemplateRenderer::from_strings(std::move(texts), errors));
    REQUIRE(errors.empty());
    restart();
  }

  // A new Engine on the same database, as after a crash and restart.
  void restart() {
    engine.reset();
    EngineSettings settings;
    settings.public_url = "http://127.0.0.1:8640";
    settings.callback_secret = "test-callback-secret-0123456789";
    settings.retry_backoff = Millis(10'000);
    settings.max_attempts = 3;
    settings.broadcast_ebrid = broadcast_ebrid;
    if (store)  // another store than the database's (tests/daemon/memory_store.h)
      engine = std::make_unique<Engine>(*store, clock, settings, directory, plans, templates, channel_names);
    else
      engine = std::make_unique<Engine>(*db, clock, settings, directory, plans, templates, channel_names);
    views = std::make_unique<SqliteViews>(*db);
    if (after_restart) after_restart();
  }

  Warning warning(std::vector<std::string> areas = {"330702102"}, std::string identifier = "w-1") {
    Warning w;
    w.identifier = std::move(identifier);
    w.sender = "wucheng-met@jinhua.zj";
    w.sent = clock.now();
    w.source = "meteorology";
    w.hazard = "rainstorm";
    w.level = Level::red;
    w.areas = std::move(areas);
    w.headline = "暴雨红色预警";
    w.description = "未来3小时雨量将达100毫米以上";
    return w;
  }

  // As the daemon does: the warning and its callouts are made durable, then the tick runs step 1.
  IngestOutcome ingest(const Warning& w) {
    IngestOutcome out = engine->ingest(w, "{}", "test");
    if (out.kind == IngestOutcome::Kind::created) made.push_back(last_warning = out.warning_id);
    engine->tick();
    return out;
  }

  // Everything queued goes out through the fake channel now.
  int send_all() {
    int n = 0;
    for (;;) {
      auto jobs = engine->claim_messages(100);
      if (jobs.empty()) return n;
      for (auto& job : jobs) engine->complete_message(job.message_id, channel.send(job.message)), ++n;
    }
  }

  // Moves plan time forward, runs due steps and sends what they queued.
  void advance(Millis d) {
    clock.advance(d);
    engine->tick();
    send_all();
  }

  // ---- read back through the Store API, so a test runs on either store (use_memory_store)

  // From now on the engine keeps everything in memory (tests/daemon/memory_store.h).
  void use_memory_store() {
    memory = std::make_unique<MemoryStore>();
    store = memory.get();
    restart();
  }
  Store& kept() {
    if (store) return *store;
    if (!sqlite_reader) sqlite_reader = std::make_unique<SqliteStore>(*db);
    return *sqlite_reader;
  }
  int64_t callout_in(int64_t warning_id, const std::string& person_id, const std::string& kind = "primary") {
    for (const CalloutRow& c : kept().callouts_named(warning_id, person_id, 0))
      if (c.kind == kind) return c.id;
    FAIL("no ", kind, " callout of ", person_id, " under warning ", warning_id);
    return 0;
  }
  CalloutState state_in(int64_t warning_id, const std::string& person_id, const std::string& kind = "primary") {
    return kept().callout(callout_in(warning_id, person_id, kind))->state;
  }
  int64_t events(int64_t warning_id, const std::string& kind) { return kept().count_events(warning_id, kind); }
  // Events of `kind` whose detail is `detail`.
  int64_t events(int64_t warning_id, const std::string& kind, const std::string& detail) {
    int64_t n = 0;
    for (const EventRow& e : kept().events_of(warning_id)) n += e.kind == kind && e.detail == detail;
    return n;
  }
  // Every event under a warning ingest() made and under none, whose kind is `kind` (any, when
  // empty) and whose detail holds `part`.
  std::vector<EventRow> events_anywhere(const std::string& kind, const std::string& part = "") {
    std::vector<EventRow> out;
    std::vector<std::optional<int64_t>> under(made.begin(), made.end());
    under.push_back(std::nullopt);
    for (const auto& w : under)
      for (EventRow& e : kept().events_of(w))
        if ((kind.empty() || e.kind == kind) && e.detail.find(part) != std::string::npos) out.push_back(std::move(e));
    return out;
  }
  // Callouts of `person_id` under any warning ingest() made.
  std::vector<CalloutRow> callouts_anywhere(const std::string& person_id) {
    std::vector<CalloutRow> out;
    for (int64_t w : made)
      for (CalloutRow& c : kept().callouts_of(w))
        if (c.person_id == person_id) out.push_back(std::move(c));
    return out;
  }
  // Every message under the warnings ingest() made, with its callout, oldest first.
  std::vector<std::pair<CalloutRow, MessageRow>> messages_anywhere() {
    std::vector<std::pair<CalloutRow, MessageRow>> out;
    for (int64_t w : made)
      for (const CalloutRow& c : kept().callouts_of(w))
        for (MessageRow& m : kept().messages_of(c.id)) out.emplace_back(c, std::move(m));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second.id < b.second.id; });
    return out;
  }
  // How many callouts of the warnings ingest() made hold their ladder for a notice to leave.
  int64_t held_callouts() {
    int64_t n = 0;
    for (int64_t w : made)
      for (const CalloutRow& c : kept().callouts_of(w)) n += c.held_due_at.has_value();
    return n;
  }
  // Every message to the warning's primary callouts, oldest first.
  std::vector<MessageRow> messages(int64_t warning_id) {
    std::vector<MessageRow> out;
    for (const CalloutRow& c : kept().primaries(warning_id))
      for (MessageRow& m : kept().messages_of(c.id)) out.push_back(std::move(m));
    std::sort(out.begin(), out.end(), [](const MessageRow& a, const MessageRow& b) { return a.id < b.id; });
    return out;
  }

  ManualClock clock{from_epoch_ms(1'781'460'000'000)};  // 2026-06-15 02:00 in China
  std::unique_ptr<Db> db;
  std::shared_ptr<const Directory> directory;
  std::vector<Plan> plans;
  std::shared_ptr<const TemplateRenderer> templates;
  FakeChannel channel;
  std::set<std::string> channel_names{"zzd"};
  std::string broadcast_ebrid;  // set (with "broadcast" in channel_names) for the broadcast rule
  int64_t last_warning = 0;  // what ingest() last created
  std::vector<int64_t> made;  // every warning ingest() created, oldest first
  Store* store = nullptr;  // when set (then restart()), the engine keeps everything there, not in `db`
  std::unique_ptr<MemoryStore> memory;
  std::unique_ptr<SqliteStore> sqlite_reader;  // kept() on the database, when `store` is not set
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SqliteViews> views;  // the admin API's read side, on the same database
  std::function<void()> after_restart;  // what a fixture builds on the engine (an HttpApi), made again
};

// Runs `body` on a fixture whose engine keeps everything in SQLite, then on one that keeps it in
// memory (tests/daemon/memory_store.h): a test that reads back only through the Store API
// (kept(), callout_in, state_in, events) and what was sent holds on either store.
// A fixture of its own, made from `args`.
template <class Fixture, class Body, class... Args>
void on_both_stores_of(Body body, const Args&... args) {
  for (bool memory : {false, true}) {
    CAPTURE(memory);
    Fixture f(args...);
    if (memory) f.use_memory_store();
    REQUIRE((f.store != nullptr) == memory);
    body(f);
  }
}
template <class Body>
void on_both_stores(const char* plan_yaml, Body body) {
  for (bool memory : {false, true}) {
    CAPTURE(memory);
    EngineFixture f(":memory:", plan_yaml);
    if (memory) f.use_memory_store();
    REQUIRE((f.store != nullptr) == memory);
    body(f);
  }
}
template <class Body>
void on_both_stores(Body body) {
  on_both_stores(kPlanYaml, body);
}

}  // namespace jiaoying::testing
