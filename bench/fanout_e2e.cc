// The fan-out as a duty room runs it: jiaoyingd and jiaoying-sim as processes on loopback (as the
// demo starts them), a generated directory of all 金华, one red rainstorm warning for the whole
// city (330700), step 1 on zzd (the sms and cmpp scenarios: step 1 a text, through the cloud SMS
// platform's SendBatchSms or a carrier's CMPP gateway). For each size and each scenario it prints what the issue "The send
// path at city scale" asks for — the POST answered, the last first-step message taken by the
// simulator, messages a second, jiaoyingd's peak RSS and CPU per thread, the SQLite floor measured
// in the same run (the same rows inserted in one transaction, synchronous=FULL) and the ratio —
// and per scenario its own figures: provider latency, a provider limit held (and no step 2 before
// its own step 1 plus `after`), everyone answering during the fan-out, the admin socket's
// latency, a SIGKILL and restart mid-fan-out. Prints figures; never passes or fails on time.
//
//   fanout_e2e [--people 10000,100000] [--scenarios base,latency,limit,answers,restart,sms,cmpp] [--keep]
#include <fmt/format.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/loopback.h"

using namespace jiaoying;
namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// One scenario's setting of the providers and the people.
struct Scenario {
  std::string name;
  std::string provider_limits = "concurrency: 256";  // added to channels.zzd
  std::string faults;                                // the sim scenario's faults: section body
  std::string default_answer = "never";              // how fast people tap 收到
  std::string engine = "{ tick: 100ms }";            // the config's engine section
  double time_scale = 1;
  bool poll_admin = false;
  bool kill_midway = false;
  bool wait_for_step2 = false;
  // Step 1's channel, the provider the simulator counts it under, and what that needs besides zzd.
  std::string step1 = "zzd";
  std::string counted = "zzd";
  std::string channels;      // more of the config's channels: section
  std::string sim_sections;  // more of the simulator's scenario
  bool cmpp = false;         // the simulator's CMPP gateway on a port of its own
};

struct ThreadCpu {
  std::string name;
  double seconds = 0;
};

// CPU time per thread of a running process, from /proc.
std::vector<ThreadCpu> thread_cpu(pid_t pid) {
  std::vector<ThreadCpu> out;
  const long ticks = sysconf(_SC_CLK_TCK);
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto open = text.find('('), close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    std::vector<std::string> fields;
    while (rest >> field) fields.push_back(field);
    if (fields.size() < 13) continue;
    const double cpu = static_cast<double>(std::stoll(fields[11]) + std::stoll(fields[12])) / static_cast<double>(ticks);
    if (cpu >= 0.05) out.push_back({text.substr(open + 1, close - open - 1), cpu});
  }
  std::sort(out.begin(), out.end(), [](const ThreadCpu& a, const ThreadCpu& b) { return a.seconds > b.seconds; });
  return out;
}

int64_t peak_rss_mb(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  return 0;
}

std::string cpu_text(const std::vector<ThreadCpu>& threads) {
  std::string out;
  for (const auto& t : threads) out += fmt::format("{}{} {:.1f}s", out.empty() ? "" : ", ", t.name, t.seconds);
  return out;
}

// The floor: the same number of rows into tables of the same shape, one transaction, as durable
// as jiaoyingd's (WAL, synchronous=FULL).
double sqlite_floor(const fs::path& file, int64_t callouts, int64_t messages, int64_t events) {
  fs::remove(file);
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  auto exec = [&](const char* sql) { sqlite3_exec(db, sql, nullptr, nullptr, nullptr); };
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE callouts(id INTEGER PRIMARY KEY, warning INT, person TEXT, area TEXT, role TEXT, state TEXT, next_due INT)");
  exec("CREATE TABLE messages(id INTEGER PRIMARY KEY, callout INT, channel TEXT, key TEXT UNIQUE, state TEXT, body TEXT)");
  exec("CREATE TABLE events(id INTEGER PRIMARY KEY, at INT, warning INT, callout INT, kind TEXT, detail TEXT)");
  const std::string body(200, 'x');
  const auto t0 = Clock::now();
  exec("BEGIN");
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO callouts VALUES(NULL,1,?,'330702102201','flood_chief','calling',0)", -1, &s, nullptr);
  for (int64_t i = 0; i < callouts; ++i) {
    const std::string person = fmt::format("p{}", i);
    sqlite3_bind_text(s, 1, person.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(s);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  sqlite3_prepare_v2(db, "INSERT INTO messages VALUES(NULL,?,'zzd',?,'sent',?)", -1, &s, nullptr);
  for (int64_t i = 0; i < messages; ++i) {
    const std::string key = fmt::format("w1-c{}-s0-zzd", i);
    sqlite3_bind_int64(s, 1, i);
    sqlite3_bind_text(s, 2, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, body.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(s);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  sqlite3_prepare_v2(db, "INSERT INTO events VALUES(NULL,0,1,?,'sent','ok')", -1, &s, nullptr);
  for (int64_t i = 0; i < events; ++i) {
    sqlite3_bind_int64(s, 1, i);
    sqlite3_step(s);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  exec("COMMIT");
  const double took = seconds(Clock::now() - t0);
  sqlite3_close(db);
  fs::remove(file);
  fs::remove(file.string() + "-wal");
  fs::remove(file.string() + "-shm");
  return took;
}

int64_t count_rows(const fs::path& db_file, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* s = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

// The admin socket's latency for `jiaoying warnings`, sampled while the fan-out runs.
class AdminProbe {
 public:
  explicit AdminProbe(std::string socket) : socket_(std::move(socket)), thread_([this] { loop(); }) {}
  ~AdminProbe() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string summary() const {
    if (samples_.empty()) return "no samples";
    std::vector<double> s = samples_;
    std::sort(s.begin(), s.end());
    return fmt::format("{} asks: median {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms, {} unanswered", s.size(), s[s.size() / 2],
                       s[std::min(s.size() - 1, s.size() * 99 / 100)], s.back(), failed_);
  }

 private:
  void loop() {
    AdminClient admin(socket_);
    while (!stop_) {
      std::string error;
      const auto t0 = Clock::now();
      if (admin.get("/api/v1/warnings", error)) samples_.push_back(seconds(Clock::now() - t0) * 1000);
      else ++failed_;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a duty officer's watch, twice a second
    }
  }
  std::string socket_;
  std::vector<double> samples_;
  int failed_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string plan(const std::string& step1) {
  return fmt::format(R"(plan: city
title: 全市暴雨红色叫应（基准测试）
match: {{ hazards: [rainstorm], levels: [red] }}
recipients:
  - {{ tier: county,   roles: [leader_on_duty, emergency_bureau_head, water_bureau_head] }}
  - {{ tier: township, roles: [party_secretary, township_head] }}
  - {{ tier: village,  roles: [village_head, flood_chief, grid_worker, geohazard_monitor, forest_ranger] }}
ladder:
  - {{ after: 0m, channels: [{}] }}
  - {{ after: 3m, channels: [zzd] }}
deadline: 60m
)",
                     step1);
}

int64_t field(const json::object& stats, const char* provider, const char* name) {
  const json::value* p = stats.if_contains(provider);
  const json::value* v = p && p->is_object() ? p->as_object().if_contains(name) : nullptr;
  return v && v->is_int64() ? v->as_int64() : 0;
}

void run_scenario(int villages, const Scenario& sc, bool keep) {
  testing::LoopbackSpec spec;
  spec.villages = villages;
  spec.plan = plan(sc.step1);
  spec.scenario = fmt::format(
      "zzd: {{ api_key: bench-api-key, secret_key: bench-secret-key, tenant_id: \"196729\" }}\ndefault: {}\n{}{}",
      sc.default_answer, sc.sim_sections, sc.faults.empty() ? "" : "faults:\n" + sc.faults);
  spec.channels = fmt::format(
      "  zzd: {{ base_url: \"{{sim}}\", api_key: bench-api-key, secret_key: bench-secret-key, tenant_id: \"196729\", {} }}\n{}",
      sc.provider_limits, sc.channels);
  spec.cmpp = sc.cmpp;
  spec.time_scale = sc.time_scale;
  spec.engine = sc.engine;
  spec.keep = keep;
  testing::Loopback run(spec);
  std::unique_ptr<AdminProbe> probe;
  if (sc.poll_admin) probe = std::make_unique<AdminProbe>(run.socket());
  double post_s = 0;
  const auto t0 = Clock::now();
  HttpResponse posted = run.post_warning(fmt::format("bench-{}", ::getpid()), R"(["330700"])", &post_s);
  if (posted.status != 201) throw std::runtime_error("POST answered " + std::to_string(posted.status) + ": " + posted.body);
  const json::value posted_json = json::parse(posted.body);
  const int64_t people = posted_json.at("callouts").as_int64();
  const int64_t warning_id = posted_json.at("id").as_int64();
  int64_t taken = 0;
  double restart_s = -1, ready_s = -1;
  bool killed = false;
  testing::Loopback::wait_until(
      [&] {
        taken = run.stat(sc.counted.c_str(), "taken");
        if (sc.kill_midway && !killed && taken >= people / 2) {
          run.kill_daemon();
          killed = true;
          const int64_t before = run.stat("zzd", "taken");
          const auto restarted = Clock::now();
          run.start_daemon();
          ready_s = seconds(Clock::now() - restarted);
          testing::Loopback::wait_until([&] { return run.stat("zzd", "taken") > before; }, std::chrono::seconds(30));
          restart_s = seconds(Clock::now() - restarted);
        }
        return taken >= people;
      },
      std::chrono::seconds(900));
  const double all_s = seconds(Clock::now() - t0);
  if (probe) probe->stop();
  const int64_t rss = peak_rss_mb(run.daemon_pid());
  const auto daemon_cpu = thread_cpu(run.daemon_pid());
  const auto sim_cpu = thread_cpu(run.sim_pid());

  fmt::print("  {:<8} {:>7} people  POST {:6.2f} s  all first {} {:6.2f} s  {:>6.0f}/s  RSS {:>4} MB\n", sc.name, people,
             post_s, sc.step1 == "zzd" ? "cards" : "texts", all_s, static_cast<double>(taken) / all_s, rss);
  fmt::print("           CPU: jiaoyingd {}; jiaoying-sim {}\n", cpu_text(daemon_cpu), cpu_text(sim_cpu));

  json::object s = run.stats();
  if (sc.name == "answers") {
    testing::Loopback::wait_until([&] {
      s = run.stats();
      return s.at("taps").at("done").as_int64() + s.at("taps").at("failed").as_int64() >= people;
    }, std::chrono::seconds(300));
    const double answer_s = seconds(Clock::now() - t0);
    const json::object& taps = s.at("taps").as_object();
    const int64_t answered = count_rows(run.db(), "SELECT COUNT(*) FROM callouts WHERE state = 'answered'");
    fmt::print("           answers: {} taps in {:.1f} s after the POST ({:.0f}/s), {} failed; recorded p50 {:.1f} ms, "
               "p99 {:.1f} ms, max {:.1f} ms; {} callouts answered in the store\n",
               taps.at("done").as_int64(), answer_s, static_cast<double>(taps.at("done").as_int64()) / answer_s,
               taps.at("failed").as_int64(), taps.at("p50_ms").to_number<double>(), taps.at("p99_ms").to_number<double>(),
               taps.at("max_ms").to_number<double>(), answered);
  }
  if (sc.wait_for_step2) {
    // Everyone's second card, then: was any step 2 earlier than its own step 1 plus 3 minutes?
    testing::Loopback::wait_until([&] { return run.stat("zzd", "taken") >= 2 * people; }, std::chrono::seconds(900));
    std::ifstream log(run.work() / "sim.jsonl");
    std::map<std::string, std::pair<std::string, std::string>> cards;  // account → (step 1 time, step 2 time)
    for (std::string line; std::getline(log, line);) {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec || !v.is_object() || !v.as_object().contains("biz_msg_id")) continue;
      const std::string key(v.at("biz_msg_id").as_string());
      const std::string who(v.at("receivers").as_array().front().as_string());
      if (key.find("-s0-") != std::string::npos) cards[who].first = std::string(v.at("time").as_string());
      if (key.find("-s1-") != std::string::npos) cards[who].second = std::string(v.at("time").as_string());
    }
    auto ms_of = [](const std::string& t) {  // 2026-06-15T02:05:00.123+08:00 → ms of the day
      return ((std::stoll(t.substr(11, 2)) * 60 + std::stoll(t.substr(14, 2))) * 60 + std::stoll(t.substr(17, 2))) * 1000 +
             std::stoll(t.substr(20, 3));
    };
    const double after_ms = 180'000 / sc.time_scale;
    int64_t early = 0, pairs = 0;
    double min_gap = 1e18;
    for (const auto& [who, times] : cards) {
      if (times.first.empty() || times.second.empty()) continue;
      ++pairs;
      double gap = static_cast<double>(ms_of(times.second) - ms_of(times.first));
      if (gap < 0) gap += 86'400'000;
      min_gap = std::min(min_gap, gap);
      if (gap + 5 < after_ms) ++early;  // 5 ms: the log's clock and rounding
    }
    fmt::print("           step 2 vs own step 1: {} pairs, shortest gap {:.1f} s (plan: {:.1f} s at time scale {}), "
               "{} early\n",
               pairs, min_gap / 1000, after_ms / 1000, sc.time_scale, early);
  }
  if (sc.name == "limit" || sc.name == "latency") {
    const json::array& per_second = s.at("zzd").at("per_second").as_array();
    std::vector<int64_t> busy;
    for (const auto& n : per_second)
      if (n.as_int64() > 0) busy.push_back(n.as_int64());
    if (busy.size() > 4) {
      // The steady seconds: not the first and last (partial) ones.
      std::vector<int64_t> steady(busy.begin() + 1, busy.end() - 1);
      const auto [lo, hi] = std::minmax_element(steady.begin(), steady.end());
      double mean = 0;
      for (int64_t n : steady) mean += static_cast<double>(n);
      mean /= static_cast<double>(steady.size());
      fmt::print("           per second (steady {} s): mean {:.0f}, min {}, max {}\n", steady.size(), mean, *lo, *hi);
    }
  }
  if (probe) fmt::print("           admin socket during the fan-out: {}\n", probe->summary());
  if (restart_s >= 0) fmt::print("           SIGKILL at half, restart: answering {:.2f} s after the start (the directory "
                                 "read), sending again at {:.2f} s; duplicates answered by the platform (same bizMsgId) {}\n",
                                 ready_s, restart_s, field(s, "zzd", "duplicates"));
  {  // The duty officer's views of this warning, as the CLI asks for them (issue "The duty desk": ≤ 1 s).
    AdminClient admin(run.socket());
    const std::string base = fmt::format("/api/v1/warnings/{}", warning_id);
    std::string line, error;
    for (const auto& [label, path] : std::vector<std::pair<std::string, std::string>>{
             {"show", base}, {"show --state calling", base + "?state=calling"}, {"report", base + "/report"},
             {"show -o csv (every row)", base + "?all=1"}}) {
      const auto t = Clock::now();
      auto v = admin.get(path, error);
      const double took = seconds(Clock::now() - t);
      line += fmt::format("{}{} {:.2f} s{}", line.empty() ? "" : ", ", label, took, v ? "" : " (" + error + ")");
    }
    fmt::print("           views of the warning ({} callouts): {}\n", people, line);
  }
  const int64_t callouts = count_rows(run.db(), "SELECT COUNT(*) FROM callouts");
  const int64_t messages = count_rows(run.db(), "SELECT COUNT(*) FROM messages");
  const int64_t events = count_rows(run.db(), "SELECT COUNT(*) FROM events");
  const double floor = sqlite_floor(run.work() / "floor.db", callouts, messages, events);
  fmt::print("           SQLite floor ({} callouts, {} messages, {} events in one transaction): {:.2f} s; ratio {:.1f}\n",
             callouts, messages, events, floor, all_s / floor);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) out.push_back(part);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a line at a time, also into a file
  std::vector<std::string> sizes{"10000", "100000"};
  std::vector<std::string> names{"base", "latency", "limit", "answers", "restart"};
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--people" && i + 1 < argc) sizes = split(argv[++i]);
    else if (a == "--scenarios" && i + 1 < argc) names = split(argv[++i]);
    else if (a == "--keep") keep = true;
    else {
      fmt::print(stderr, "usage: fanout_e2e [--people 10000,100000] [--scenarios base,latency,limit,answers,restart,sms,cmpp] "
                         "[--keep]\n");
      return 2;
    }
  }
  std::map<std::string, Scenario> scenarios;
  auto add = [&](const std::string& name, auto&& set) {
    Scenario sc;
    sc.name = name;
    set(sc);
    scenarios[name] = sc;
  };
  add("base", [](Scenario& s) { s.poll_admin = true; });
  add("latency", [](Scenario& s) {
    s.provider_limits = "concurrency: 512";
    s.faults = "  zzd: { latency: 50ms }\n";
  });
  add("limit", [](Scenario& s) {
    s.provider_limits = "rate: 1000, concurrency: 256";
    // 20× plan time keeps the run short; the hold limit is plan time too (15 minutes would be 45 s
    // here, shorter than 100,000 cards at 1,000/s), so it is set as long as the real run is.
    s.time_scale = 20;
    s.engine = "{ tick: 100ms, hold_limit: 90m }";
    s.wait_for_step2 = true;
  });
  add("answers", [](Scenario& s) { s.default_answer = "0s"; });
  add("restart", [](Scenario& s) { s.kill_midway = true; });
  // Step 1 a text: through the cloud platform (SendBatchSms, 100 numbers a request) …
  add("sms", [](Scenario& s) {
    s.step1 = "sms";
    s.counted = "sms";
    s.sim_sections = "voice: { access_key_id: bench-cloud-id, access_key_secret: bench-cloud-secret }\n"
                     "sms: { sign_name: 金华防汛, template_code: SMS_BENCH }\n";
    s.channels = fmt::format("  sms: {{ base_url: \"{{sim}}\", access_key_id: bench-cloud-id, access_key_secret: "
                             "bench-cloud-secret, sign_name: 金华防汛, template_code: SMS_BENCH, callback_token: {}, "
                             "concurrency: 64 }}\n",
                             testing::Loopback::kSmsToken);
  });
  // … or over the county's own line to a carrier's gateway (CMPP 3.0: one SUBMIT a text, a
  // window of 16 unanswered, each text's status report back on the link).
  add("cmpp", [](Scenario& s) {
    s.step1 = "sms";
    s.counted = "cmpp";
    s.cmpp = true;
    s.sim_sections = "cmpp: { sp_id: \"901234\", shared_secret: bench-cmpp-secret, src_id: \"1069000\", version: \"3.0\" }\n";
    s.channels = fmt::format("  sms:\n    callback_token: {}\n    providers:\n      - {{ name: carrier, protocol: cmpp, "
                             "address: \"{{cmpp}}\", sp_id: \"901234\", shared_secret: bench-cmpp-secret, service_id: JYWARN, "
                             "src_id: \"1069000\", sign_name: 金华防汛, window: 16, batch: 100, concurrency: 64 }}\n",
                             testing::Loopback::kSmsToken);
  });
  fmt::print("jiaoyingd + jiaoying-sim on loopback, all of 金华, one red warning for 330700, step 1 on zzd ({} cores)\n",
             std::thread::hardware_concurrency());
  for (const std::string& size : sizes) {
    // 146 townships: 5 posts a village, 2 a township, 3 a county.
    const int people = std::stoi(size);
    const int villages = std::max(1, static_cast<int>(std::lround((people - 319) / 730.0)));
    fmt::print("\n{} people asked for: {} villages a township\n", people, villages);
    for (const std::string& name : names) {
      auto it = scenarios.find(name);
      if (it == scenarios.end()) {
        fmt::print(stderr, "no scenario '{}'\n", name);
        return 2;
      }
      try {
        run_scenario(villages, it->second, keep);
      } catch (const std::exception& e) {
        fmt::print("  {:<8} failed: {}\n", name, e.what());
      }
    }
  }
  return 0;
}
