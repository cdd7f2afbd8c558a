// jiaoyingd and jiaoying-sim as real processes on free loopback ports, in a work folder of
// their own, for the send-path end-to-end tests and bench/fanout_e2e: a directory (a generated 金华
// or a file), one plan, a simulator scenario, and the config's channels section with {sim} for
// the simulator's address. Posts warnings, reads the simulator's stats and log, kills and
// restarts the daemon. Used from one thread; every wait is bounded.
#pragma once

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "channels/http_client.h"
#include "cli/admin_client.h"
#include "cli/directory_generator.h"
#include "cli/process.h"

namespace jiaoying::testing {

struct LoopbackSpec {
  int villages = 3;                 // a generated directory of all 金华, this many villages a township…
  std::string county = "";          // …of this county only (330702), or all of 金华
  std::string directory_file = "";  // …or this file
  std::string plan;                 // one plan's YAML
  std::string scenario;             // the simulator's scenario YAML
  std::string channels;             // the config's `channels:` section body; {sim} = http://127.0.0.1:port
  std::string engine = "{ tick: 100ms }";
  double time_scale = 1;
  bool metrics = false;             // serve GET /metrics on a port of its own (metrics_url())
  bool cmpp = false;                // the simulator's CMPP gateway on a port of its own; {cmpp} = 127.0.0.1:port
  bool ami = false;                 // the simulator's Asterisk manager on a port of its own; {ami} = 127.0.0.1:port
  bool keep = false;                // leave the work folder (and say where)
};

class Loopback {
 public:
  static constexpr const char* kPushToken = "loopback-push-token-0123456789";
  static constexpr const char* kSmsToken = "loopback-sms-callback-token-0123";
  static constexpr const char* kVoiceToken = "loopback-voice-report-token-0123";

  explicit Loopback(LoopbackSpec spec) : spec_(std::move(spec)) {
    char tmpl[] = "/tmp/jiaoying-loopback-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    work_ = tmpl;
    std::filesystem::path directory = spec_.directory_file;
    if (directory.empty()) {
      GeneratorOptions g;
      g.divisions_csv = (source() / "packaging/data/jinhua-divisions.csv").string();
      g.villages_per_township = spec_.villages;
      g.county = spec_.county;
      g.csv = true;
      directory = work_ / "directory.csv";
      std::ofstream out(directory);
      std::string error;
      if (generate_directory(g, out, error) < 0) throw std::runtime_error(error);
    }
    std::filesystem::create_directories(work_ / "plans");
    std::ofstream(work_ / "plans/plan.yaml") << spec_.plan;
    std::ofstream(work_ / "scenario.yaml") << spec_.scenario;
    port_ = free_loopback_port();
    do sim_port_ = free_loopback_port(); while (sim_port_ == port_);
    if (spec_.metrics)
      do metrics_port_ = free_loopback_port(); while (metrics_port_ == port_ || metrics_port_ == sim_port_);
    if (spec_.cmpp)
      do cmpp_port_ = free_loopback_port(); while (cmpp_port_ == port_ || cmpp_port_ == sim_port_ || cmpp_port_ == metrics_port_);
    if (spec_.ami)
      do ami_port_ = free_loopback_port();
      while (ami_port_ == port_ || ami_port_ == sim_port_ || ami_port_ == metrics_port_ || ami_port_ == cmpp_port_);
    std::string channels = spec_.channels;
    for (size_t at; (at = channels.find("{cmpp}")) != std::string::npos;)
      channels.replace(at, 6, fmt::format("127.0.0.1:{}", cmpp_port_));
    for (size_t at; (at = channels.find("{ami}")) != std::string::npos;)
      channels.replace(at, 5, fmt::format("127.0.0.1:{}", ami_port_));
    for (size_t at; (at = channels.find("{sim}")) != std::string::npos;)
      channels.replace(at, 5, fmt::format("http://127.0.0.1:{}", sim_port_));
    std::ofstream(work_ / "jiaoyingd.yaml") << fmt::format(
        "listen: 127.0.0.1:{}\nadmin_socket: {}\ndatabase: {}\nplans: {}\ndirectory: {}\ntemplates: {}\n"
        "callback_secret: loopback-callback-secret-0123456789\nengine: {}\n"
        "feeds:\n  - {{ name: met, type: push, token: {} }}\nchannels:\n{}{}",
        port_, socket(), db().string(), (work_ / "plans").string(), directory.string(), (source() / "templates").string(),
        spec_.engine, kPushToken, channels,
        spec_.metrics ? fmt::format("metrics: {{ listen: \"127.0.0.1:{}\" }}\n", metrics_port_) : "");
    std::vector<std::string> sim_args = {
        (bin() / "jiaoying-sim").string(), "--listen", fmt::format("127.0.0.1:{}", sim_port_), "--scenario",
        (work_ / "scenario.yaml").string(), "--log", (work_ / "sim.jsonl").string(), "--time-scale",
        fmt::format("{}", spec_.time_scale), "--voice-report-url",
        fmt::format("http://127.0.0.1:{}/api/v1/callbacks/voice/{}", port_, kVoiceToken), "--sms-callback-url",
        fmt::format("http://127.0.0.1:{}/api/v1/callbacks/sms/{}", port_, kSmsToken)};
    if (spec_.cmpp) {
      sim_args.push_back("--cmpp-listen");
      sim_args.push_back(fmt::format("127.0.0.1:{}", cmpp_port_));
    }
    if (spec_.ami) {
      sim_args.push_back("--ami-listen");
      sim_args.push_back(fmt::format("127.0.0.1:{}", ami_port_));
    }
    sim_ = ChildProcess(sim_args, (work_ / "sim.out").string());
    if (!wait_until([&] { return get(sim_url("/sim/health")).status == 200; }, std::chrono::seconds(20)))
      throw std::runtime_error("jiaoying-sim did not start: " + file_text(work_ / "sim.out"));
    start_daemon();
  }

  ~Loopback() {
    daemon_.stop();
    sim_.stop();
    if (spec_.keep) fmt::print("  (kept {})\n", work_.string());
    else std::filesystem::remove_all(work_);
  }

  static std::filesystem::path source() { return JIAOYING_SOURCE_DIR; }
  static std::filesystem::path bin() { return JIAOYING_BIN_DIR; }
  const std::filesystem::path& work() const { return work_; }
  std::filesystem::path db() const { return work_ / "jiaoying.db"; }
  std::string socket() const { return (work_ / "sock").string(); }
  std::string metrics_url(const std::string& path = "/metrics") const {
    return fmt::format("http://127.0.0.1:{}{}", metrics_port_, path);
  }
  // A plain request (the metrics port, the simulator's pages).
  HttpResponse request(const std::string& method, const std::string& url) {
    return http_.perform({method, url, {}, "", std::chrono::seconds(5), ""});
  }
  std::string sim_url(const std::string& path) const { return fmt::format("http://127.0.0.1:{}{}", sim_port_, path); }
  pid_t daemon_pid() const { return daemon_.pid(); }
  pid_t sim_pid() const { return sim_.pid(); }

  void start_daemon() {
    daemon_ = ChildProcess({(bin() / "jiaoyingd").string(), "--config", (work_ / "jiaoyingd.yaml").string(),
                            "--time-scale", fmt::format("{}", spec_.time_scale)},
                           (work_ / "jiaoyingd.out").string());
    AdminClient admin(socket());
    std::string error;
    if (!wait_until([&] { return admin.get("/api/v1/health", error).has_value() || !daemon_.running(); },
                    std::chrono::seconds(30)) ||
        !daemon_.running())
      throw std::runtime_error("jiaoyingd did not start: " + error + "\n" + file_text(work_ / "jiaoyingd.out"));
  }

  // SIGKILL: no drain, no goodbye — as a power cut would.
  void kill_daemon() {
    ::kill(daemon_.pid(), SIGKILL);
    daemon_.stop();
  }

  // POSTs a JSON warning for `areas` (a JSON array); returns the answer. `took` is the time to it.
  HttpResponse post_warning(const std::string& identifier, const std::string& areas, double* took = nullptr,
                            const std::string& level = "red") {
    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = http_.perform(
        {"POST", fmt::format("http://127.0.0.1:{}/api/v1/warnings", port_),
         {{"Content-Type", "application/json"}, {"Authorization", std::string("Bearer ") + kPushToken}},
         fmt::format(R"({{"identifier":"{}","sender":"jinhua-met@zj","sent":"{}","source":"meteorology",)"
                     R"("hazard":"rainstorm","level":"{}","areas":{},"headline":"金华市气象台发布暴雨红色预警",)"
                     R"("description":"未来3小时雨量将达100毫米以上"}})",
                     identifier, now_text(), level, areas),
         std::chrono::seconds(600), ""});
    if (took) *took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

  boost::json::object stats() {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(get(sim_url("/sim/stats")).body, ec);
    return !ec && v.is_object() ? v.as_object() : boost::json::object{};
  }
  // A counter of one provider in the simulator's stats ("taken", "requests", "duplicates").
  int64_t stat(const char* provider, const char* name) {
    boost::json::object s = stats();
    const boost::json::value* p = s.if_contains(provider);
    const boost::json::value* v = p && p->is_object() ? p->as_object().if_contains(name) : nullptr;
    return v && v->is_int64() ? v->as_int64() : 0;
  }
  // Changes the simulator's faults while it runs: {"zzd": {"error_rate": 1}}.
  bool set_faults(const std::string& json) {
    return http_.perform({"POST", sim_url("/sim/faults"), {{"Content-Type", "application/json"}}, json,
                          std::chrono::seconds(5), ""})
               .status == 200;
  }

  // Every line of the simulator's log.
  std::vector<boost::json::object> log() {
    std::vector<boost::json::object> out;
    std::ifstream in(work_ / "sim.jsonl");
    for (std::string line; std::getline(in, line);) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(line, ec);
      if (!ec && v.is_object()) out.push_back(v.as_object());
    }
    return out;
  }

  // A view of the admin API.
  boost::json::value admin(const std::string& path) {
    AdminClient client(socket());
    std::string error;
    auto v = client.get(path, error);
    if (!v) throw std::runtime_error(path + ": " + error);
    return *v;
  }

  template <class Pred>
  static bool wait_until(Pred pred, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  HttpResponse get(const std::string& url) { return http_.perform({"GET", url, {}, "", std::chrono::seconds(5), ""}); }

  static std::string now_text() {
    std::time_t t = std::time(nullptr) + 8 * 3600;
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
  }

  LoopbackSpec spec_;
  std::filesystem::path work_;
  unsigned short port_ = 0, sim_port_ = 0, metrics_port_ = 0, cmpp_port_ = 0, ami_port_ = 0;
  ChildProcess sim_, daemon_;
  CurlHttpClient http_;
};

}  // namespace jiaoying::testing
