#include "cli/demo.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "channels/broadcast/ebd.h"
#include "channels/http_client.h"
#include "cli/admin_client.h"
#include "cli/process.h"
#include "cli/views.h"
#include "rules/time.h"

#ifndef JIAOYING_SOURCE_DIR
#define JIAOYING_SOURCE_DIR ""
#endif

namespace jiaoying {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string first_existing(const std::vector<fs::path>& candidates) {
  for (const auto& c : candidates)
    if (fs::exists(c)) return fs::absolute(c).lexically_normal().string();
  return {};
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits until `ready()` or the deadline; false on timeout or when the process died.
template <class Ready>
bool wait_until(Ready ready, ChildProcess& process, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    if (!process.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void show_log_tail(const fs::path& log) {
  std::cout << "---- last lines of " << log.string() << " ----\n";
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  for (size_t i = lines.size() > 15 ? lines.size() - 15 : 0; i < lines.size(); ++i) std::cout << lines[i] << '\n';
}

// What the simulator accepted, read back from its request log: work notifications per account,
// phone calls placed, and EBMs the broadcast platform took (with the areas they named).
struct SimCounts {
  std::map<std::string, int> cards;  // by Zhezhengding account
  int calls = 0;
  int dings = 0;
  int texts = 0, replies = 0;
  int broadcasts = 0;
  size_t broadcast_areas = 0;
};

SimCounts notifications_by_account(const fs::path& log) {
  SimCounts out;
  auto& counts = out.cards;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    const json::value* endpoint = o.if_contains("endpoint");
    const json::value* dup = o.if_contains("duplicate");
    if (endpoint && *endpoint == "IvrCall") ++out.calls;
    if (endpoint && *endpoint == "/gov/ding/isv/send.json") ++out.dings;
    if (endpoint && (*endpoint == "SendSms" || *endpoint == "SendBatchSms")) ++out.texts;
    if (endpoint && *endpoint == "sms_reply") ++out.replies;
    if (endpoint && *endpoint == "EBM") {
      ++out.broadcasts;
      if (const json::value* a = o.if_contains("areas"); a && a->is_array()) out.broadcast_areas += a->as_array().size();
    }
    if (!endpoint || *endpoint != "/message/workNotification" || (dup && dup->is_bool() && dup->as_bool())) continue;
    if (const json::value* r = o.if_contains("receivers"); r && r->is_array())
      for (const auto& id : r->as_array())
        if (id.is_string()) ++counts[std::string(id.as_string())];
  }
  return out;
}

}  // namespace

// The demo's voice-report path token (loopback only; a real one is random and secret).
constexpr const char* kVoiceReportToken = "demo-voice-report-token-0123456789";
constexpr const char* kSmsCallbackToken = "demo-sms-callback-token-0123456789";
// jiaoyingd's resource id on the demo's broadcast platform (made up, 23 digits).
constexpr const char* kDemoEbrid = "10433070200000001030101";

int run_demo(const DemoOptions& options) {
  const bool colour = ::isatty(STDOUT_FILENO);
  const fs::path exe = executable_dir();
  const fs::path source = JIAOYING_SOURCE_DIR;
  std::string data = options.data_dir.empty()
                         ? first_existing({source / "packaging/demo", exe / "../share/jiaoying/demo",
                                           "/usr/share/jiaoying/demo"})
                         : options.data_dir;
  std::string templates = options.templates_dir.empty()
                              ? first_existing({source / "templates", exe / "../share/jiaoying/templates",
                                                "/usr/share/jiaoying/templates"})
                              : options.templates_dir;
  std::string daemon_bin = first_existing({exe / "jiaoyingd", exe / "../sbin/jiaoyingd"});
  std::string sim_bin = first_existing({exe / "jiaoying-sim"});
  if (data.empty() || templates.empty() || daemon_bin.empty() || sim_bin.empty()) {
    std::cerr << "jiaoying demo: cannot find " << (data.empty() ? "the demo data (--data)" : templates.empty() ? "the templates (--templates)" : daemon_bin.empty() ? "jiaoyingd beside jiaoying" : "jiaoying-sim beside jiaoying") << '\n';
    return 1;
  }

  char tmpl[] = "/tmp/jiaoying-demo-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::cerr << "jiaoying demo: cannot create a temporary folder\n";
    return 1;
  }
  const fs::path work = tmpl;
  const unsigned short daemon_port = free_loopback_port();
  unsigned short sim_port = free_loopback_port();
  while (sim_port == daemon_port) sim_port = free_loopback_port();
  const fs::path socket = work / "jiaoying.sock";
  const fs::path sim_log = work / "sim-requests.jsonl";

  YAML::Node scenario = YAML::LoadFile((fs::path(data) / "scenario.yaml").string());
  // The broadcast platform and jiaoyingd sign with SM2 keys made fresh for this run.
  const fs::path keys = work / "keys";
  fs::create_directories(keys);
  for (const char* who : {"jiaoying", "platform"}) {
    ebd::Sm2Key key = ebd::Sm2Key::generate();
    std::ofstream(keys / fmt::format("{}.pem", who)) << key.private_pem();
    std::ofstream(keys / fmt::format("{}.pub.pem", who)) << key.public_pem();
  }
  std::ofstream(work / "jiaoyingd.yaml") << fmt::format(
      "# written by jiaoying demo\n"
      "listen: 127.0.0.1:{}\n"
      "admin_socket: {}\n"
      "database: {}\n"
      "plans: {}/plans\n"
      "directory: {}/directory.yaml\n"
      "templates: {}\n"
      "callback_secret: demo-only-callback-secret-0123456789\n"
      "engine: {{ tick: 100ms, retry_backoff: 2s }}\n"
      "feeds:\n  - {{ name: wucheng-met, type: push, token: demo-push-token-0123456789 }}\n"
      "channels:\n"
      "  zzd: {{ base_url: \"http://127.0.0.1:{}\", api_key: \"{}\", secret_key: \"{}\", tenant_id: \"{}\" }}\n"
      "  zzd-ding: {{ base_url: \"http://127.0.0.1:{}\", api_key: \"{}\", secret_key: \"{}\", tenant_id: \"{}\",\n"
      "              creator: \"3300000\" }}\n"
      "  ivr: {{ base_url: \"http://127.0.0.1:{}\", access_key_id: \"{}\", access_key_secret: \"{}\",\n"
      "         show_number: \"057100000000\", start_code: TTS_DEMO_WARNING, confirm_code: TTS_DEMO_THANKS,\n"
      "         spot_check_code: TTS_DEMO_LIUWEN,\n"
      "         report_token: {} }}\n"
      "  sms: {{ base_url: \"http://127.0.0.1:{}\", access_key_id: \"{}\", access_key_secret: \"{}\",\n"
      "         sign_name: \"{}\", template_code: \"{}\", callback_token: {} }}\n"
      "  broadcast: {{ url: \"http://127.0.0.1:{}/ebd\", ebrid: \"{}\", platform_ebrid: \"{}\",\n"
      "               sender_name: 婺城区防汛防台抗旱指挥部, cert_sn: DEMO-0001,\n"
      "               key: {}, platform_key: {} }}\n",
      daemon_port, socket.string(), (work / "jiaoying.db").string(), data, data, templates, sim_port,
      scenario["zzd"]["api_key"].as<std::string>(), scenario["zzd"]["secret_key"].as<std::string>(),
      scenario["zzd"]["tenant_id"].as<std::string>(), sim_port, scenario["zzd"]["api_key"].as<std::string>(),
      scenario["zzd"]["secret_key"].as<std::string>(), scenario["zzd"]["tenant_id"].as<std::string>(), sim_port,
      scenario["voice"]["access_key_id"].as<std::string>(), scenario["voice"]["access_key_secret"].as<std::string>(),
      kVoiceReportToken, sim_port, scenario["voice"]["access_key_id"].as<std::string>(),
      scenario["voice"]["access_key_secret"].as<std::string>(), scenario["sms"]["sign_name"].as<std::string>(),
      scenario["sms"]["template_code"].as<std::string>(), kSmsCallbackToken, sim_port, kDemoEbrid, scenario["broadcast"]["ebrid"].as<std::string>(),
      (keys / "jiaoying.pem").string(), (keys / "platform.pub.pem").string());

  const std::string scale = fmt::format("{}", options.time_scale);
  std::cout << "jiaoying demo — a red rainstorm warning for 安地镇 and 箬阳乡 (婺城区, 金华市)\n"
            << fmt::format("plan time runs {}x faster: one minute of the plan takes {:.1f} s\n",
                           options.time_scale, 60.0 / options.time_scale)
            << "working folder: " << work.string() << "\n\n";
  std::cout.flush();

  ChildProcess sim({sim_bin, "--listen", fmt::format("127.0.0.1:{}", sim_port), "--scenario",
                    (fs::path(data) / "scenario.yaml").string(), "--log", sim_log.string(), "--time-scale", scale,
                    "--voice-report-url",
                    fmt::format("http://127.0.0.1:{}/api/v1/callbacks/voice/{}", daemon_port, kVoiceReportToken),
                    "--sms-callback-url",
                    fmt::format("http://127.0.0.1:{}/api/v1/callbacks/sms/{}", daemon_port, kSmsCallbackToken),
                    "--broadcast-key", (keys / "platform.pem").string(), "--broadcast-sender-key",
                    (keys / "jiaoying.pub.pem").string(), "--broadcast-report-url",
                    fmt::format("http://127.0.0.1:{}/api/v1/callbacks/broadcast", daemon_port)},
                   (work / "sim.log").string());
  ChildProcess daemon({daemon_bin, "--config", (work / "jiaoyingd.yaml").string(), "--time-scale", scale},
                      (work / "jiaoyingd.log").string());
  CurlHttpClient http;
  AdminClient admin(socket.string());
  std::string error;
  bool sim_up = wait_until(
      [&] {
        return http.perform({"GET", fmt::format("http://127.0.0.1:{}/sim/health", sim_port), {}, "",
                             std::chrono::milliseconds(500), ""}).status == 200;
      },
      sim, std::chrono::seconds(20));
  bool daemon_up = sim_up && wait_until([&] { return admin.get("/api/v1/health", error).has_value(); }, daemon,
                                        std::chrono::seconds(20));
  if (!sim_up || !daemon_up) {
    std::cout << (sim_up ? "jiaoyingd" : "jiaoying-sim") << " did not start\n";
    show_log_tail(work / (sim_up ? "jiaoyingd.log" : "sim.log"));
    return 1;
  }
  std::cout << fmt::format("started jiaoyingd (pid {}, port {}) and jiaoying-sim (pid {}, port {})\n\n",
                           daemon.pid(), daemon_port, sim.pid(), sim_port);

  json::value warning = json::parse(read_file(fs::path(data) / "warning-red-rainstorm.json"));
  warning.as_object()["sent"] = format_china_time(std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()));
  HttpResponse posted = http.perform({"POST", fmt::format("http://127.0.0.1:{}/api/v1/warnings", daemon_port),
                                      {{"Content-Type", "application/json"},
                                       {"Authorization", "Bearer demo-push-token-0123456789"}},
                                      json::serialize(warning),
                                      std::chrono::seconds(10), ""});
  if (posted.status != 201) {
    std::cout << "posting the warning failed: HTTP " << posted.status << " " << posted.body << posted.error << '\n';
    return 1;
  }
  json::value accepted = json::parse(posted.body);
  const int64_t id = accepted.at("id").as_int64();
  std::cout << fmt::format("POST /api/v1/warnings → 201: warning {}, {} people to call\n\n", id,
                           accepted.at("callouts").as_int64());

  int64_t last_event = 0;
  std::string last_counts;
  bool closed = false;
  std::map<std::string, int> quiet;  // event kinds summarised, not printed one by one
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  while (std::chrono::steady_clock::now() < until && !closed) {
    if (auto events = admin.get(fmt::format("/api/v1/warnings/{}/events?after={}", id, last_event), error)) {
      for (const auto& e : events->at("events").as_array()) {
        last_event = e.at("id").as_int64();
        std::string kind(e.at("kind").as_string());
        if (kind == "message_sent" || kind == "notified" || kind == "sms_delivered" || kind == "message_sending" ||
            kind == "message_cancelled" || kind == "broadcast_sending") {
          ++quiet[kind];
          continue;
        }
        std::cout << render_event(e) << '\n';
      }
    }
    if (auto detail = admin.get(fmt::format("/api/v1/warnings/{}", id), error)) {
      std::string counts = render_counts(detail->at("counts"));
      if (counts != last_counts) {
        std::cout << fmt::format("  ── {} · notices sent {}\n", counts, quiet["message_sent"]);
        last_counts = counts;
      }
      closed = detail->at("warning").at("state") == "closed";
    }
    std::cout.flush();
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }

  std::cout << "\n";
  if (auto detail = admin.get(fmt::format("/api/v1/warnings/{}", id), error))
    std::cout << render_warning_detail(*detail, colour);
  // What the duty office files afterwards (jiaoying report).
  if (auto report = admin.get(fmt::format("/api/v1/warnings/{}/report", id), error))
    std::cout << "\n──── jiaoying report " << id << " ────\n" << render_report(*report);
  // The 六问 spot check (task 13): the village flood chiefs who answered are phoned the six
  // questions; a "no" or silence is told to their township at once.
  if (closed) {
    std::cout << "\n──── jiaoying spotcheck " << id << " --sample 100% --tier village --roles flood_chief ────\n";
    auto asked = admin.post(fmt::format("/api/v1/warnings/{}/spotcheck", id),
                            R"({"percent": 100, "tier": "village", "roles": ["flood_chief"]})", error);
    if (!asked) {
      std::cout << "the spot check was refused: " << error << '\n';
    } else {
      std::cout << std::string(asked->at("message").as_string()) << '\n';
      const auto spot_until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      std::optional<json::value> detail;
      for (bool calling = true; calling && std::chrono::steady_clock::now() < spot_until;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        detail = admin.get(fmt::format("/api/v1/warnings/{}", id), error);
        calling = false;
        if (detail)
          for (const auto& k : detail->at("spot_checks").as_array()) calling = calling || k.at("state") == "calling";
      }
      if (detail) std::cout << render_spot_checks(*detail, colour);
    }
  }
  SimCounts sim_counts = notifications_by_account(sim_log);
  int renotified = 0, total = 0;
  for (const auto& [account, n] : sim_counts.cards) {
    total += n;
    renotified += n > 1;
  }
  std::cout << fmt::format("\nthe simulated Zhezhengding platform accepted {} work notifications for {} people; "
                           "{} of them were notified more than once, and {} DING(s) rang; the SMS platform sent {} text(s) and {} "
                           "came back; the voice platform placed {} phone call(s); the broadcast platform took "
                           "{} EBM(s) for {} village loudspeaker area(s)\n",
                           total, sim_counts.cards.size(), renotified, sim_counts.dings, sim_counts.texts, sim_counts.replies,
                           sim_counts.calls, sim_counts.broadcasts, sim_counts.broadcast_areas);
  int daemon_status = daemon.stop();
  sim.stop();
  std::cout << fmt::format("stopped jiaoyingd (exit {}) and jiaoying-sim\n", daemon_status);
  if (options.keep || !closed)
    std::cout << "logs and database kept in " << work.string() << '\n';
  else
    fs::remove_all(work);
  if (!closed) {
    std::cout << "the warning did not close within " << options.timeout_seconds << " s\n";
    return 1;
  }
  return 0;
}

}  // namespace jiaoying
