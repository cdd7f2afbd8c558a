// The send path end to end, with the simulator's bad days: jiaoyingd and jiaoying-sim as real
// processes (tests/e2e/loopback.h), a generated directory of 婺城区. A provider down (failover to a
// second gateway, nothing lost, the duty officer told), rate limited (deferred, not failed), slow
// (no step overtakes its own step 1), answering garbage (classified, never a crash), a SIGKILL in
// the middle of a batched fan-out (nobody given one step twice), and the webhook channel. Waits
// are bounded; nothing asserts on speed.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "cli/views.h"
#include "daemon/sqlite.h"
#include "e2e/loopback.h"

using namespace jiaoying;
using namespace jiaoying::testing;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kScenario = R"(zzd: { api_key: e2e-api-key, secret_key: e2e-secret-key, tenant_id: "196729" }
voice: { access_key_id: e2e-cloud-id, access_key_secret: e2e-cloud-secret }
sms: { sign_name: 婺城防汛, template_code: SMS_E2E }
sms_backup: { path: /backup, access_key_id: e2e-backup-id, access_key_secret: e2e-backup-secret,
              sign_name: 婺城防汛, template_code: SMS_BACKUP }
webhook: { path: /webhook, secret: e2e-webhook-secret-0123 }
default: never
)";

constexpr const char* kZzd =
    "  zzd: { base_url: \"{sim}\", api_key: e2e-api-key, secret_key: e2e-secret-key, tenant_id: \"196729\"";

std::string plan(const std::string& step1, const std::string& step2 = "[zzd]") {
  return fmt::format(R"(plan: county
match: {{ hazards: [rainstorm], levels: [yellow, orange, red] }}
recipients:
  - {{ tier: county,   roles: [leader_on_duty, emergency_bureau_head] }}
  - {{ tier: township, roles: [township_head] }}
  - {{ tier: village,  roles: [village_head, flood_chief] }}
ladder:
  - {{ after: 0m, channels: {} }}
  - {{ after: 3m, channels: {} }}
deadline: 60m
)",
                     step1, step2);
}

LoopbackSpec county_spec(std::string step1, std::string channels, std::string faults = "", double time_scale = 1) {
  LoopbackSpec spec;
  spec.county = "330702";
  spec.villages = 1;
  spec.plan = plan(step1);
  spec.scenario = std::string(kScenario) + (faults.empty() ? "" : "faults:\n" + faults);
  spec.channels = std::move(channels);
  spec.time_scale = time_scale;
  spec.engine = "{ tick: 50ms, retry_backoff: 1s }";
  return spec;
}

// The scenario with everyone tapping 收到 at once (default: never, in kScenario).
std::string replaced_default(std::string scenario) {
  scenario.replace(scenario.find("default: never"), 14, "default: 0s");
  return scenario;
}

int64_t posted_callouts(const HttpResponse& r) {
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return json::parse(r.body).at("callouts").as_int64();
}

// A count from the store on disk beside us (a second connection; WAL lets it read while the
// daemon writes).
int64_t count(Loopback& sys, const std::string& sql) {
  Db db(sys.db().string());
  Stmt s = db.prepare(sql);
  return s.step() ? s.int64(0) : -1;
}

// First-step notices per receiver the simulator took (duplicates of a bizMsgId not counted).
std::map<std::string, int> first_cards(Loopback& sys) {
  std::map<std::string, int> out;
  for (const json::object& line : sys.log()) {
    const json::value* key = line.if_contains("biz_msg_id");
    if (!key || line.at("duplicate").as_bool()) continue;
    if (std::string(key->as_string()).find("-s0-") == std::string::npos) continue;
    for (const auto& r : line.at("receivers").as_array()) ++out[std::string(r.as_string())];
  }
  return out;
}

}  // namespace

TEST_CASE("the SMS gateway is down: its breaker opens, the second gateway takes the urgent texts, nothing is lost") {
  // The first gateway's address answers nothing (connection refused): a provider that is down.
  const std::string channels = std::string(kZzd) + " }\n" +
      "  sms:\n    callback_token: " + Loopback::kSmsToken + "\n    providers:\n"
      "      - { name: aliyun, base_url: \"http://127.0.0.1:9\", access_key_id: e2e-cloud-id, access_key_secret: "
      "e2e-cloud-secret, sign_name: 婺城防汛, template_code: SMS_E2E, breaker: { failures: 2, cool_down: 10m } }\n"
      "      - { name: backup, base_url: \"{sim}/backup\", access_key_id: e2e-backup-id, access_key_secret: "
      "e2e-backup-secret, sign_name: 婺城防汛, template_code: SMS_BACKUP, min_level: orange }\n";
  Loopback sys(county_spec("[zzd, sms]", channels));
  const int64_t people = posted_callouts(sys.post_warning("e2e-sms-failover", R"(["330702"])"));
  REQUIRE(people > 50);
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return sys.stat("sms_backup", "taken") >= people; }, std::chrono::seconds(60)),
                  "the backup took " << sys.stat("sms_backup", "taken") << " of " << people);
  CHECK(sys.stat("sms", "taken") == 0);
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state = 'sent' AND provider = 'backup'") ==
           people;
  }));
  CHECK(count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state IN ('failed','unknown')") == 0);
  // The duty officer's record says the gateway went down.
  const json::value events = sys.admin("/api/v1/warnings/e2e-sms-failover/events");
  bool told = false;
  for (const auto& e : events.at("events").as_array())
    told = told || (e.at("kind") == "provider_down" && std::string(e.at("detail").as_string()).find("aliyun") != std::string::npos);
  CHECK(told);
  // …and `jiaoying warnings` shows it down, the backup up.
  std::map<std::string, std::string> states;
  const json::value list = sys.admin("/api/v1/warnings");  // kept: a range-for over a temporary's member dangles
  for (const auto& p : list.at("providers").as_array())
    states[std::string(p.at("name").as_string())] = std::string(p.at("state").as_string());
  CHECK(states["aliyun"] == "down");
  CHECK(states["backup"] == "up");
  CHECK(states["zzd"] == "up");
  // Each phone texted once for step 1.
  std::map<std::string, int> texts;
  for (const json::object& line : sys.log())
    if (line.at("provider") == "sms_backup") ++texts[std::string(line.at("phone").as_string())];
  CHECK(static_cast<int64_t>(texts.size()) == people);
  for (const auto& [phone, n] : texts) CHECK_MESSAGE(n == 1, phone << " texted " << n << " times");
}

TEST_CASE("the cloud SMS platform is cut off: the carrier's CMPP gateway carries the texts, receipts and a reply code") {
  // The drill of task 16: the county's line to the cloud is cut (its address answers nothing:
  // connection refused) for the whole warning; its own line to the carrier's gateway (CMPP 3.0)
  // is up.
  const std::string channels = std::string(kZzd) + " }\n" +
      "  sms:\n    callback_token: " + Loopback::kSmsToken + "\n    providers:\n"
      "      - { name: aliyun, base_url: \"http://127.0.0.1:9\", access_key_id: e2e-cloud-id, access_key_secret: "
      "e2e-cloud-secret, sign_name: 婺城防汛, template_code: SMS_E2E, breaker: { failures: 2, cool_down: 10m } }\n"
      "      - { name: carrier, protocol: cmpp, address: \"{cmpp}\", version: \"3.0\", sp_id: \"901234\", "
      "shared_secret: e2e-cmpp-secret, service_id: JYWARN, src_id: \"1069000\", sign_name: 婺城防汛, window: 16 }\n";
  LoopbackSpec spec = county_spec("[sms]", channels);
  spec.cmpp = true;
  spec.scenario += "cmpp: { sp_id: \"901234\", shared_secret: e2e-cmpp-secret, src_id: \"1069000\", version: \"3.0\" }\n"
                   "people:\n  - { account: \"3000001\", mobile: \"19900000001\", answer: never, text: { reply_after: 5s } }\n";
  Loopback sys(spec);
  const int64_t people = posted_callouts(sys.post_warning("e2e-cmpp-failover", R"(["330702"])"));
  REQUIRE(people > 50);
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return sys.stat("cmpp", "taken") >= people; }, std::chrono::seconds(60)),
                  "the CMPP gateway took " << sys.stat("cmpp", "taken") << " of " << people);
  CHECK(sys.stat("sms", "taken") == 0);
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state = 'sent' AND provider = 'carrier'") ==
           people;
  }));
  CHECK(count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state IN ('failed','unknown')") == 0);
  // Every text's status report is on file, and the one person who texts the code back answered.
  CHECK(Loopback::wait_until([&] { return count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'sms_delivered'") == people; }));
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM callouts WHERE mobile = '19900000001' AND answered_via = 'sms'") == 1;
  }));
  // Each phone texted once, the signature first, with its reply code.
  std::map<std::string, int> texts;
  for (const json::object& line : sys.log())
    if (line.at("provider") == "cmpp" && line.at("endpoint") == "SUBMIT") {
      ++texts[std::string(line.at("phone").as_string())];
      const std::string text(line.at("text").as_string());
      CHECK(text.starts_with("【婺城防汛】"));
      CHECK(text.find("确认收到") != std::string::npos);
    }
  CHECK(static_cast<int64_t>(texts.size()) == people);
  for (const auto& [phone, n] : texts) CHECK_MESSAGE(n == 1, phone << " texted " << n << " times");
}

TEST_CASE("the cloud voice platform is cut off: the county PBX (Asterisk) rings everyone once, and key 1 answers") {
  const std::string channels = std::string(kZzd) + " }\n" +
      "  ivr:\n    report_token: " + Loopback::kVoiceToken + "\n    providers:\n"
      "      - { name: aliyun-voice, base_url: \"http://127.0.0.1:9\", access_key_id: e2e-cloud-id, access_key_secret: "
      "e2e-cloud-secret, show_number: \"057100000000\", start_code: TTS_E2E, confirm_code: TTS_E2E_OK, "
      "breaker: { failures: 2, cool_down: 10m } }\n"
      "      - { name: pbx, protocol: ami, address: \"{ami}\", username: jiaoying, secret: e2e-ami-secret, "
      "channel: \"PJSIP/{number}@county-trunk\", caller_id: \"057982000000\", max_calls: 20 }\n";
  // Scenario time runs 20 times faster: a phone that rings out does so in 1.5 s.
  LoopbackSpec spec = county_spec("[ivr]", channels, "", 20);
  spec.ami = true;
  spec.scenario += "asterisk: { username: jiaoying, secret: e2e-ami-secret, channels: 24 }\n"
                   "people:\n  - { account: \"3000001\", mobile: \"19900000001\", answer: never, "
                   "call: { answer_after: 10s, press: \"1\" } }\n";
  Loopback sys(spec);
  const int64_t people = posted_callouts(sys.post_warning("e2e-ami-failover", R"(["330702"])"));
  REQUIRE(people > 50);
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return sys.stat("asterisk", "taken") >= people; }, std::chrono::seconds(90)),
                  "the PBX placed " << sys.stat("asterisk", "taken") << " of " << people);
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'ivr' AND state = 'sent' AND provider = 'pbx'") ==
           people;
  }));
  CHECK(count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'ivr' AND state IN ('failed','unknown')") == 0);
  // Every call's end is on file, the one who pressed 1 answered by phone.
  CHECK(Loopback::wait_until([&] { return count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'call_result'") == people; },
                             std::chrono::seconds(90)));
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM callouts WHERE mobile = '19900000001' AND answered_via = 'ivr'") == 1;
  }));
  // Each phone rung once, never more calls at once than the trunk carries (no congestion).
  std::map<std::string, int> calls;
  for (const json::object& line : sys.log()) {
    if (line.at("provider") != "asterisk") continue;
    CHECK(line.at("endpoint") != "congestion");
    if (line.at("endpoint") == "Originate") ++calls[std::string(line.at("callee").as_string())];
  }
  CHECK(static_cast<int64_t>(calls.size()) == people);
  for (const auto& [phone, n] : calls) CHECK_MESSAGE(n == 1, phone << " rung " << n << " times");
}

TEST_CASE("a red warning DINGs: every person's app rung once with their 收到 link, and a tap on it answers") {
  const std::string channels = std::string(kZzd) + " }\n" +
      "  zzd-ding: { base_url: \"{sim}\", api_key: e2e-api-key, secret_key: e2e-secret-key, tenant_id: \"196729\", "
      "creator: \"3000999\" }\n";
  LoopbackSpec spec = county_spec("[zzd, zzd-ding]", channels);
  // DING only for the urgent levels: the plan answers orange and red.
  spec.plan.replace(spec.plan.find("levels: [yellow, orange, red]"), 29, "levels: [orange, red]");
  Loopback sys(spec);
  const int64_t people = posted_callouts(sys.post_warning("e2e-ding", R"(["330702"])"));
  REQUIRE(people > 50);
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return sys.stat("zzd-ding", "taken") >= people; }, std::chrono::seconds(60)),
                  "the platform took " << sys.stat("zzd-ding", "taken") << " DINGs of " << people);
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'zzd-ding' AND state = 'sent'") == people;
  }));
  std::map<std::string, int> dings;
  std::string link;
  for (const json::object& line : sys.log()) {
    if (line.at("provider") != "zzd-ding") continue;
    for (const auto& r : line.at("receivers").as_array()) ++dings[std::string(r.as_string())];
    const std::string text(line.at("text").as_string());
    CHECK(text.starts_with("【DING】"));
    CHECK(line.at("creator") == "3000999");
    const auto at = text.find("确认收到：");
    REQUIRE(at != std::string::npos);
    if (link.empty()) link = text.substr(at + std::string_view("确认收到：").size());
  }
  CHECK(static_cast<int64_t>(dings.size()) == people);
  for (const auto& [account, n] : dings) CHECK_MESSAGE(n == 1, account << " DINGed " << n << " times");
  // The link the DING carries is the person's own 收到: opening it answers.
  REQUIRE(!link.empty());
  CHECK(sys.request("GET", link).status == 200);
  CHECK(Loopback::wait_until([&] { return count(sys, "SELECT COUNT(*) FROM callouts WHERE state = 'answered'") == 1; }));
}

TEST_CASE("the 六问 spot check: the answered flood chiefs are phoned the questions; every answer kept, the township told of each failure") {
  // The county's directory, generated here first: the scenario names its flood chiefs' phones.
  const fs::path dir = fs::temp_directory_path() / fmt::format("jiaoying-spotcheck-{}", ::getpid());
  fs::create_directories(dir);
  GeneratorOptions g;
  g.divisions_csv = (Loopback::source() / "packaging/data/jinhua-divisions.csv").string();
  g.villages_per_township = 1;
  g.county = "330702";
  g.csv = true;
  {
    std::ofstream out(dir / "directory.csv");
    std::string error;
    REQUIRE_MESSAGE(generate_directory(g, out, error) > 0, error);
  }
  std::vector<std::string> chiefs;  // the A seats' mobiles
  {
    std::ifstream in(dir / "directory.csv");
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> f;
      std::stringstream cells(line);
      for (std::string cell; std::getline(cells, cell, ',');) f.push_back(cell);
      if (f.size() >= 10 && f[4] == "flood_chief" && f[5] == "A") chiefs.push_back(f[9]);
    }
  }
  REQUIRE(chiefs.size() >= 5);
  // One passes, one says no to question 3, one never picks up, one hangs up after two questions;
  // the others' phones answer (every question yes).
  std::string people = "people:\n";
  people += fmt::format("  - {{ account: p1, mobile: \"{}\", answer_after: 0s, spot_check: \"111111\" }}\n", chiefs[0]);
  people += fmt::format("  - {{ account: p2, mobile: \"{}\", answer_after: 0s, spot_check: \"112111\" }}\n", chiefs[1]);
  people += fmt::format("  - {{ account: p4, mobile: \"{}\", answer_after: 0s, spot_check: \"11\" }}\n", chiefs[3]);
  for (size_t i = 4; i < chiefs.size(); ++i)
    people += fmt::format("  - {{ account: p{}, mobile: \"{}\", answer_after: 0s, call: {{ answer_after: 5s }} }}\n",
                          i + 1, chiefs[i]);
  const std::string channels = std::string(kZzd) + " }\n" +
      "  ivr: { base_url: \"{sim}\", access_key_id: e2e-cloud-id, access_key_secret: e2e-cloud-secret, show_number: "
      "\"057100000000\", start_code: TTS_E2E, confirm_code: TTS_E2E_OK, spot_check_code: TTS_LIUWEN, report_token: " +
      Loopback::kVoiceToken + " }\n";
  LoopbackSpec spec = county_spec("[zzd]", channels, "", 10);
  spec.directory_file = (dir / "directory.csv").string();
  spec.scenario = replaced_default(spec.scenario) + people;
  Loopback sys(spec);
  posted_callouts(sys.post_warning("e2e-spotcheck", R"(["330702"])"));
  REQUIRE(Loopback::wait_until([&] { return sys.admin("/api/v1/warnings/e2e-spotcheck").at("warning").at("state") == "closed"; },
                               std::chrono::seconds(60)));
  AdminClient admin(sys.socket());
  std::string error;
  auto asked = admin.post("/api/v1/warnings/e2e-spotcheck/spotcheck", R"({"percent": 100, "roles": ["flood_chief"]})", error);
  REQUIRE_MESSAGE(asked, error);
  CHECK(std::string(asked->at("message").as_string()).find("phoned at random") != std::string::npos);
  const int64_t checked = asked->at("affected").as_int64();
  CHECK(checked >= static_cast<int64_t>(chiefs.size()));  // every answered flood chief (A and B seats)
  REQUIRE(Loopback::wait_until([&] { return count(sys, "SELECT COUNT(*) FROM spot_checks WHERE state = 'calling'") == 0; },
                               std::chrono::seconds(60)));
  auto state_of = [&](const std::string& mobile) {
    Db db(sys.db().string());
    Stmt q = db.prepare("SELECT k.state, k.keys, k.first_no FROM spot_checks k JOIN callouts c ON c.id = k.callout_id "
                        "WHERE c.mobile = ?");
    q.bind(1, mobile);
    return q.step() ? fmt::format("{} {} {}", q.text(0), q.text(1), q.int64(2)) : std::string("none");
  };
  CHECK(state_of(chiefs[0]) == "passed 111111 0");
  CHECK(state_of(chiefs[1]) == "failed 112111 3");
  CHECK(state_of(chiefs[2]) == "unreached  0");
  CHECK(state_of(chiefs[3]) == "silent 11 0");
  CHECK(state_of(chiefs[4]) == "passed 111111 0");
  // Each failure told its township at once, in words the posts there read.
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(DISTINCT m.callout_id) FROM messages m JOIN message_texts t ON t.message_id = m.id "
                      "WHERE t.body LIKE '%六问抽查未通过%'") >= 3;
  }));
  // The questionnaire went out once a post: six questions each.
  int questionnaires = 0;
  for (const json::object& line : sys.log())
    if (line.at("provider") == "voice" && line.at("questions").as_int64() == 6) ++questionnaires;
  CHECK(questionnaires == checked);
  // In `show` and the report, per village; asking again phones nobody twice.
  const std::string shown = render_warning_detail(sys.admin("/api/v1/warnings/e2e-spotcheck"), false);
  CHECK(shown.find(fmt::format("六问 spot check: {} checked", checked)) != std::string::npos);
  CHECK(shown.find("第3问答否") != std::string::npos);
  const std::string printed = render_report(sys.admin("/api/v1/warnings/e2e-spotcheck/report"));
  CHECK(printed.find("六问 spot check") != std::string::npos);
  auto again = admin.post("/api/v1/warnings/e2e-spotcheck/spotcheck", R"({"percent": 100, "roles": ["flood_chief"]})", error);
  CHECK_FALSE(again);
  CHECK(error.find("checked before") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a provider's rate limit defers messages, it fails none; a provider answering garbage is retried, never a crash") {
  SUBCASE("rate limited") {
    Loopback sys(county_spec("[zzd]", std::string(kZzd) + " }\n", "  zzd: { rate_limit: 40 }\n"));
    const int64_t people = posted_callouts(sys.post_warning("e2e-throttled", R"(["330702"])"));
    REQUIRE(Loopback::wait_until([&] { return sys.stat("zzd", "taken") >= people; }, std::chrono::seconds(60)));
    CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'message_deferred'") > 0);
    CHECK(count(sys, "SELECT COUNT(*) FROM messages WHERE state = 'failed'") == 0);
    CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'provider_down'") == 0);  // slow is not down
  }
  SUBCASE("malformed answers") {
    Loopback sys(county_spec("[zzd]", std::string(kZzd) + ", breaker: { failures: 1000 } }\n", "  zzd: { malformed: 0.3 }\n"));
    const int64_t people = posted_callouts(sys.post_warning("e2e-garbage", R"(["330702"])"));
    REQUIRE(Loopback::wait_until([&] { return sys.stat("zzd", "taken") >= people; }, std::chrono::seconds(90)));
    CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'message_retry' AND detail LIKE '%not an envelope%'") > 0);
    CHECK(sys.admin("/api/v1/health").at("ok").as_bool());  // still standing
    // Every card went once (a retry of what the provider took would be answered as a duplicate).
    for (const auto& [account, n] : first_cards(sys)) CHECK_MESSAGE(n == 1, account << " got " << n);
  }
}

TEST_CASE("a slow provider: nobody's step 2 comes before their own step 1 plus its 3 minutes") {
  // 10 cards a second for some 120 people: the last first card leaves 12 s in — 12 minutes of plan
  // time at 60×, long after the plan's 3 minutes.
  Loopback sys(county_spec("[zzd]", std::string(kZzd) + ", rate: 10, burst: 1 }\n", "", 60));
  const int64_t people = posted_callouts(sys.post_warning("e2e-slow", R"(["330702"])"));
  REQUIRE(Loopback::wait_until([&] { return sys.stat("zzd", "taken") >= 2 * people; }, std::chrono::seconds(90)));
  std::map<std::string, std::pair<double, double>> at;  // account → (step 1, step 2) seconds of the day
  auto seconds_of = [](const std::string& t) {
    return std::stod(t.substr(11, 2)) * 3600 + std::stod(t.substr(14, 2)) * 60 + std::stod(t.substr(17, 6));
  };
  for (const json::object& line : sys.log()) {
    const json::value* key = line.if_contains("biz_msg_id");
    if (!key || line.at("duplicate").as_bool()) continue;
    const std::string k(key->as_string());
    const std::string who(line.at("receivers").as_array().front().as_string());
    const double t = seconds_of(std::string(line.at("time").as_string()));
    if (k.find("-s0-") != std::string::npos) at[who].first = t;
    if (k.find("-s1-") != std::string::npos) at[who].second = t;
  }
  int pairs = 0;
  for (const auto& [who, t] : at) {
    if (t.second == 0) continue;
    ++pairs;
    CHECK_MESSAGE(t.second - t.first >= 3.0 - 0.05, who << ": step 2 came " << t.second - t.first << " s after step 1");
  }
  CHECK(pairs == people);
  CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'message_sent' AND detail LIKE '%counts from now%'") > 0);
}

TEST_CASE("SIGKILL in the middle of a batched fan-out: restarted, nobody is given one step twice, everyone reached") {
  const std::string channels = std::string(kZzd) + ", rate: 200, burst: 10, concurrency: 16 }\n" +
      "  sms: { base_url: \"{sim}\", access_key_id: e2e-cloud-id, access_key_secret: e2e-cloud-secret, sign_name: 婺城防汛, "
      "template_code: SMS_E2E, callback_token: " + Loopback::kSmsToken + ", batch: 20, rate: 5, burst: 1, concurrency: 2 }\n";
  LoopbackSpec spec = county_spec("[zzd, sms]", channels);
  spec.county = "";
  spec.villages = 4;  // all of 金华: some 1,300 people
  Loopback sys(spec);
  const int64_t people = posted_callouts(sys.post_warning("e2e-kill", R"(["330700"])"));
  REQUIRE(people > 1000);
  REQUIRE(Loopback::wait_until([&] { return sys.stat("zzd", "taken") >= people / 3; }, std::chrono::seconds(60)));
  sys.kill_daemon();
  sys.start_daemon();
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return static_cast<int64_t>(first_cards(sys).size()) >= people; },
                                       std::chrono::seconds(120)),
                  "cards reached " << first_cards(sys).size() << " of " << people);
  for (const auto& [account, n] : first_cards(sys)) CHECK_MESSAGE(n == 1, account << " got step 1 " << n << " times");
  // Texts go at most once: each phone once, and a text whose fate the crash hid is on file as unknown.
  REQUIRE(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state IN ('queued','sending')") == 0;
  }, std::chrono::seconds(120)));
  std::map<std::string, int> texts;
  for (const json::object& line : sys.log())
    if (line.at("provider") == "sms" && line.contains("phone")) ++texts[std::string(line.at("phone").as_string())];
  for (const auto& [phone, n] : texts) CHECK_MESSAGE(n == 1, phone << " texted " << n << " times");
  const int64_t unknown = count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state = 'unknown'");
  CHECK(static_cast<int64_t>(texts.size()) + unknown >= people);
  CHECK(count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state = 'unknown' AND id NOT IN "
                   "(SELECT message_id FROM events WHERE kind = 'message_unknown')") == 0);
}

TEST_CASE("the webhook channel: signed deliveries in batches, taken once each, and the 收到 link in them answers") {
  LoopbackSpec spec = county_spec("[webhook]", std::string("  webhook: { url: \"{sim}/webhook\", secret: e2e-webhook-secret-0123, batch: 25 }\n"));
  spec.plan = plan("[webhook]", "[webhook]");
  spec.scenario = std::string(kScenario) + "people:\n  - { account: \"3000001\", answer_after: 0s }\n";
  Loopback sys(spec);
  const int64_t people = posted_callouts(sys.post_warning("e2e-webhook", R"(["330702"])"));
  REQUIRE(Loopback::wait_until([&] { return sys.stat("webhook", "taken") >= people; }, std::chrono::seconds(30)));
  CHECK(sys.stat("webhook", "requests") < people);  // batched
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM callouts WHERE state = 'answered' AND answered_via = 'zzd'") == 1;
  }));
  // The simulator counts a delivery as taken before its answer reaches the daemon, and the tap of the
  // 收到 link may overtake that answer: wait for the record rather than read it at once.
  CHECK_MESSAGE(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'webhook' AND state = 'sent'") == people;
  }, std::chrono::seconds(30)), count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'webhook' AND state = 'sent'")
                                   << " of " << people << " webhook deliveries on file as sent");
}

// `jiaoying status` on the system's admin socket: its exit status and what it printed.
std::pair<int, std::string> cli_status(Loopback& sys) {
  static int n = 0;
  const std::string log = (sys.work() / fmt::format("status-{}.log", ++n)).string();
  ChildProcess cli({(Loopback::bin() / "jiaoying").string(), "--socket", sys.socket(), "status"}, log);
  REQUIRE(Loopback::wait_until([&] { return !cli.running(); }, std::chrono::seconds(20)));
  const int status = cli.stop();
  return {status, Loopback::file_text(log)};
}

// The text exposition checked by Prometheus's own parser, when this machine has it
// (packaging/install-deps.sh puts promtool in /usr/local/bin; CI has it).
std::string promtool_says(const std::filesystem::path& work, const std::string& body) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) return "(skipped: promtool is not installed)";
  const std::filesystem::path file = work / "metrics.txt", out = work / "promtool.out";
  std::ofstream(file) << body;
  const int rc = std::system(fmt::format("promtool check metrics < '{}' > '{}' 2>&1", file.string(), out.string()).c_str());
  return rc == 0 ? "" : "promtool check metrics failed:\n" + Loopback::file_text(out);
}

TEST_CASE("GET /metrics on its own port: results, answers, the outbox and the providers, in Prometheus's format") {
  LoopbackSpec spec = county_spec("[zzd]", std::string(kZzd) + " }\n");
  spec.scenario = std::string(kScenario) + "people:\n  - { account: \"3000001\", answer_after: 0s }\n";
  spec.metrics = true;
  Loopback sys(spec);
  // Before any warning: every family is there, and the format parses.
  HttpResponse idle = sys.request("GET", sys.metrics_url());
  REQUIRE_MESSAGE(idle.status == 200, idle.status << " " << idle.error);
  CHECK(idle.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  for (const char* family : {"jiaoying_messages_total", "jiaoying_provider_request_seconds", "jiaoying_time_to_answer_seconds",
                             "jiaoying_engine_loop_lag_seconds", "jiaoying_warnings", "jiaoying_open_callouts",
                             "jiaoying_outbox_messages", "jiaoying_outbox_oldest_seconds", "jiaoying_database_bytes",
                             "jiaoying_provider_state", "jiaoying_provider_in_flight"})
    CHECK_MESSAGE(idle.body.find(std::string("# TYPE ") + family + " ") != std::string::npos, family << " missing");
  CHECK(idle.body.find("jiaoying_provider_state{provider=\"zzd\",medium=\"zzd\",state=\"up\"} 1") != std::string::npos);
  {
    const std::string promtool = promtool_says(sys.work(), idle.body);
    const bool parsed_or_skipped = promtool.empty() || promtool.rfind("(skipped", 0) == 0;
    CHECK_MESSAGE(parsed_or_skipped, promtool);
    if (!promtool.empty()) MESSAGE(promtool);
  }

  const int64_t people = posted_callouts(sys.post_warning("e2e-metrics", R"(["330702"])"));
  REQUIRE(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM messages WHERE channel = 'zzd' AND state = 'sent'") >= people &&
           count(sys, "SELECT COUNT(*) FROM callouts WHERE state = 'answered'") == 1;
  }));
  HttpResponse busy = sys.request("GET", sys.metrics_url());
  REQUIRE(busy.status == 200);
  // Each card the provider took is counted once, with its channel and provider.
  const std::string sent_line = "jiaoying_messages_total{channel=\"zzd\",provider=\"zzd\",result=\"sent\"} ";
  const size_t at = busy.body.find(sent_line);
  REQUIRE_MESSAGE(at != std::string::npos, busy.body);
  CHECK(std::stoll(busy.body.substr(at + sent_line.size())) >= people);
  CHECK(busy.body.find("jiaoying_provider_request_seconds_count{provider=\"zzd\"} ") != std::string::npos);
  // The one who answered, in their tier's histogram; the rest still open, by tier.
  int answered_tiers = 0;
  for (const char* tier : {"county", "township", "village"})
    answered_tiers += busy.body.find(fmt::format("jiaoying_time_to_answer_seconds_count{{tier=\"{}\"}} 1\n", tier)) !=
                      std::string::npos;
  CHECK_MESSAGE(answered_tiers == 1, busy.body);
  CHECK(busy.body.find("jiaoying_warnings{state=\"active\"} 1") != std::string::npos);
  CHECK(busy.body.find("jiaoying_open_callouts{state=\"answered\",tier=") != std::string::npos);
  CHECK(busy.body.find("jiaoying_open_callouts{state=\"calling\",tier=\"village\"} ") != std::string::npos);
  {
    const std::string promtool = promtool_says(sys.work(), busy.body);
    const bool parsed_or_skipped = promtool.empty() || promtool.rfind("(skipped", 0) == 0;
    CHECK_MESSAGE(parsed_or_skipped, promtool);
  }
  // Only GET /metrics is served there; the public API is not.
  CHECK(sys.request("GET", sys.metrics_url("/api/v1/warnings")).status == 404);
  CHECK(sys.request("POST", sys.metrics_url()).status == 405);

  // `jiaoying status`: all well (exit 0) while the provider answers; red, naming it, and exit 1
  // once it stops answering and its breaker opens; the breaker in /metrics too.
  auto [well, well_text] = cli_status(sys);
  CHECK_MESSAGE(well == 0, well_text);
  CHECK_MESSAGE(well_text.find("✓ all well") != std::string::npos, well_text);
  CHECK_MESSAGE(well_text.find("database ") != std::string::npos, well_text);
  REQUIRE(sys.set_faults(R"({"zzd": {"error_rate": 1}})"));
  posted_callouts(sys.post_warning("e2e-metrics-2", R"(["330702"])"));
  REQUIRE(Loopback::wait_until([&] {
    return sys.request("GET", sys.metrics_url()).body.find(
               "jiaoying_provider_state{provider=\"zzd\",medium=\"zzd\",state=\"down\"} 1") != std::string::npos;
  }, std::chrono::seconds(30)));
  auto [red, red_text] = cli_status(sys);
  CHECK_MESSAGE(red == 1, red_text);
  CHECK_MESSAGE(red_text.find("✗ provider zzd (zzd) is down since") != std::string::npos, red_text);
}

TEST_CASE("heartbeats: a provider tested at its interval; one that stops answering is red and the duty rooms are texted") {
  const std::string channels =
      std::string(kZzd) + ", heartbeat: { to: \"3000001\", every: 1s } }\n" +
      "  sms: { base_url: \"{sim}\", access_key_id: e2e-cloud-id, access_key_secret: e2e-cloud-secret, sign_name: 婺城防汛, "
      "template_code: SMS_E2E, callback_token: " + Loopback::kSmsToken + ", heartbeat: { to: \"19900000999\", every: 5s } }\n";
  Loopback sys(county_spec("[zzd]", channels));
  auto heartbeat_cards = [&] {
    int n = 0;
    for (const json::object& line : sys.log())
      if (const json::value* t = line.if_contains("title");
          t && t->is_string() && std::string(t->as_string()).find("【系统心跳】") != std::string::npos)
        ++n;
    return n;
  };
  auto problems = [&] { return json::serialize(sys.admin("/api/v1/status").at("problems")); };
  REQUIRE(Loopback::wait_until([&] { return heartbeat_cards() >= 2; }, std::chrono::seconds(20)));
  CHECK(problems() == "[]");
  auto [well, well_text] = cli_status(sys);
  CHECK_MESSAGE(well == 0, well_text);
  CHECK_MESSAGE(well_text.find("ok ") != std::string::npos, well_text);  // the HEARTBEAT column

  // Zhezhengding stops answering: the next heartbeat fails, status is red naming it, the failure
  // is on file once, and the duty rooms are told on the other medium (SMS).
  REQUIRE(sys.set_faults(R"({"zzd": {"error_rate": 1}})"));
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return problems().find("failed its heartbeat") != std::string::npos; },
                                       std::chrono::seconds(20)),
                  problems());
  auto [red, red_text] = cli_status(sys);
  CHECK_MESSAGE(red == 1, red_text);
  CHECK_MESSAGE(red_text.find("✗ provider zzd (zzd) failed its heartbeat at") != std::string::npos, red_text);
  CHECK_MESSAGE(red_text.find("FAILED ") != std::string::npos, red_text);
  REQUIRE(Loopback::wait_until([&] {
    for (const json::object& line : sys.log())
      if (line.at("provider") == "sms" && line.contains("text") &&
          std::string(line.at("text").as_string()).find("心跳测试失败") != std::string::npos)
        return true;
    return false;
  }, std::chrono::seconds(20)));
  CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'heartbeat_failed' AND detail LIKE 'provider zzd %'") == 1);

  // It answers again: green, and that is on file too.
  REQUIRE(sys.set_faults(R"({"zzd": {"error_rate": 0}})"));
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return problems() == "[]"; }, std::chrono::seconds(20)), problems());
  CHECK(Loopback::wait_until([&] {
    return count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'heartbeat_ok' AND detail LIKE 'provider zzd %'") == 1;
  }));
  CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'heartbeat_failed' AND detail LIKE 'provider zzd %'") == 1);

  // The SMS heartbeat is good by its delivery receipt; with the receipts lost it fails, saying so.
  auto sms_heartbeat = [&] {
    const json::value status = sys.admin("/api/v1/status");
    for (const json::value& p : status.at("providers").as_array())
      if (p.at("name") == "sms" && p.as_object().contains("heartbeat"))
        return std::string(p.at("heartbeat").at("detail").as_string());
    return std::string();
  };
  REQUIRE_MESSAGE(Loopback::wait_until([&] { return sms_heartbeat() == "delivered to the test phone"; },
                                       std::chrono::seconds(20)),
                  sms_heartbeat());
  {
    Db db(sys.db().string());
    Stmt q = db.prepare("SELECT group_concat(kind || ': ' || detail, ' | ') FROM events WHERE kind LIKE 'heartbeat%' "
                        "AND detail LIKE 'provider sms %'");
    const std::string sms_events = q.step() && !q.is_null(0) ? q.text(0) : "";
    CHECK_MESSAGE(sms_events.empty(), sms_events);  // no false alarm while its receipts come
  }
  REQUIRE(sys.set_faults(R"({"sms": {"lost_receipts": 1}})"));
  REQUIRE_MESSAGE(Loopback::wait_until([&] {
    return problems().find("provider sms (sms) failed its heartbeat") != std::string::npos &&
           problems().find("no delivery receipt within 5 s") != std::string::npos;
  }, std::chrono::seconds(20)), problems());
  // Receipts of texts outside the record (heartbeats, the alarm) are not refused callbacks.
  CHECK(count(sys, "SELECT COUNT(*) FROM events WHERE kind = 'callback_refused'") == 0);
}
