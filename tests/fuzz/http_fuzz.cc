// libFuzzer target for the HTTP endpoints' request handling (daemon/http_api.cc) on a whole
// engine over an in-memory database, with one warning called out so that links, callouts and
// the duty desk have something to act on. The first byte picks the endpoint (and, above it, a
// variant); the rest is what a client controls there — a body, a query, a path's tail:
//   0 push a warning as JSON     1 as CAP          2 a 收到 link's query      3 a 收到 link with a valid
//   4 the 回报 form, GET (valid link)  5 its POST body   6 a voice report   7 an SMS receipt or reply
//   8 a duty desk POST body (ack, call, resend, cancel, note, escalate, unmask, drills, warnings)
//   9 an admin view's path and query
// No request may crash the daemon or make it answer 5xx (a 500 is an exception a hostile body
// reached: a bug). Every 1,000 inputs the engine starts afresh, so its database stays small.
// Built only by tests/fuzz/run.sh (clang, -DJIAOYING_FUZZ=ON).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/clock.h"
#include "daemon/engine.h"
#include "daemon/http_api.h"
#include "daemon/schema.h"
#include "daemon/sqlite.h"
#include "daemon/store_sqlite_views.h"
#include "rules/test_directory.h"

using namespace jiaoying;

namespace {

constexpr const char* kPlan = R"(plan: heavy-rain
match: { hazards: [rainstorm], levels: [orange, red] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head, flood_chief] }
report_back: { tier: township, within: 15m, notify: duty_officer }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd, sms], seat: both }
  - { after: 5m, notify: superior }
  - { after: 10m, notify: duty_officer }
deadline: 30m
)";
constexpr const char* kPushToken = "fuzz-push-token-0123456789";
constexpr const char* kVoiceToken = "fuzz-voice-token-0123456789";
constexpr const char* kSmsToken = "fuzz-sms-token-0123456789";

struct World {
  ManualClock clock{from_epoch_ms(1'781'460'000'000)};
  Db db{":memory:"};
  std::unique_ptr<SqliteViews> views;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<HttpApi> api;
  std::string ack_query, report_query;  // of the first callout

  World() {
    migrate(db);
    LoadErrors errors;
    auto directory = std::make_shared<const Directory>(*Directory::load_string(kTestDirectory, "dir.yaml", errors));
    auto plan = load_plan(kPlan, "plan.yaml", {"zzd", "sms"}, errors);
    auto templates = TemplateRenderer::load((std::filesystem::path(JIAOYING_SOURCE_DIR) / "templates").string(), errors);
    if (!errors.empty() || !plan || !templates) {
      for (const auto& e : errors) fprintf(stderr, "%s\n", e.text().c_str());
      std::abort();
    }
    std::vector<Plan> plans{std::move(*plan)};
    EngineSettings settings;
    settings.public_url = "http://127.0.0.1:8640";
    settings.callback_secret = "fuzz-callback-secret-0123456789";
    engine = std::make_unique<Engine>(db, clock, settings, directory, plans,
                                      std::make_shared<const TemplateRenderer>(std::move(*templates)),
                                      std::set<std::string>{"zzd", "sms"});
    views = std::make_unique<SqliteViews>(db);
    api = std::make_unique<HttpApi>(*engine, *views, clock, [this] { engine->tick(); });
    api->set_push_tokens({{"wucheng-met", kPushToken}});
    api->set_voice_report_token(kVoiceToken);
    api->set_sms_callback_token(kSmsToken);
    ServerResponse r = api->handle_public(request(
        "POST", "/api/v1/warnings",
        R"({"identifier":"w-1","sender":"wucheng-met@jinhua.zj","sent":"2026-06-15T02:00:00+08:00",)"
        R"("source":"meteorology","hazard":"rainstorm","level":"red","areas":["330702102"],"headline":"暴雨红色预警"})",
        "application/json"));
    if (r.status != 201) std::abort();
    engine->tick();
    auto query = [](const std::string& url) { return url.substr(url.find('?') + 1); };
    ack_query = query(engine->ack_url(1));
    report_query = query(engine->report_url(1));
  }

  static ServerRequest request(std::string method, std::string target, std::string body = "",
                               std::string type = "") {
    ServerRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    const size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    if (!type.empty()) r.headers["content-type"] = std::move(type);
    r.headers["authorization"] = std::string("Bearer ") + kPushToken;
    r.body = std::move(body);
    r.peer = "unix:fuzz";
    return r;
  }
};

std::unique_ptr<World> world;
size_t runs = 0;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (!world || ++runs % 1000 == 0) {
    world.reset();
    world = std::make_unique<World>();
  }
  World& w = *world;
  const unsigned endpoint = data[0] % 10, variant = data[0] / 10;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  ServerResponse r;
  switch (endpoint) {
    case 0:
      r = w.api->handle_public(World::request("POST", "/api/v1/warnings", rest, "application/json"));
      break;
    case 1:
      r = w.api->handle_public(World::request("POST", "/api/v1/warnings", rest, "application/cap+xml"));
      break;
    case 2:
      r = w.api->handle_public(World::request("GET", "/api/v1/ack?" + rest));
      break;
    case 3:
      r = w.api->handle_public(World::request("GET", "/api/v1/ack?" + w.ack_query + rest));
      break;
    case 4:
      r = w.api->handle_public(World::request("GET", "/api/v1/report?" + w.report_query + rest));
      break;
    case 5:
      r = w.api->handle_public(World::request("POST", "/api/v1/report?" + w.report_query, rest,
                                              "application/x-www-form-urlencoded"));
      break;
    case 6:
      r = w.api->handle_public(World::request("POST", std::string("/api/v1/callbacks/voice/") + kVoiceToken, rest,
                                              "application/json"));
      break;
    case 7:
      r = w.api->handle_public(World::request(
          "POST", std::string("/api/v1/callbacks/sms/") + kSmsToken + (variant % 2 ? "/reply" : "/report"), rest,
          "application/json"));
      break;
    case 8: {
      static const char* const kPaths[] = {"/api/v1/warnings/1/ack",    "/api/v1/warnings/1/call",
                                           "/api/v1/warnings/1/resend", "/api/v1/warnings/1/cancel",
                                           "/api/v1/warnings/1/note",   "/api/v1/warnings/1/escalate",
                                           "/api/v1/warnings/1/unmask", "/api/v1/drills",
                                           "/api/v1/warnings"};
      r = w.api->handle_admin(World::request("POST", kPaths[variant % 9], rest, "application/json"));
      break;
    }
    default:
      r = w.api->handle_admin(World::request("GET", "/api/v1/" + rest));
      break;
  }
  if (r.status >= 500 || r.status < 200) std::abort();
  return 0;
}
