// jiaoying-sim: the providers jiaoying sends through (the Zhezhengding open platform, the SMS
// platform and a second SMS gateway, the voice platform, the county broadcast platform, a
// webhook receiver) and the people behind them, on loopback, for tests, the demo and the
// benchmarks. Wiring only: flags, scenario, log, router, faults, stats, signals. One io thread
// runs the server, the providers and the tap timers; the taps' requests (people tapping 收到, the
// platforms' pushes) go out on a second thread's event-driven HTTP client, many at once.
#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <pthread.h>
#include <thread>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>

#include "channels/async_http.h"
#include "channels/http_server.h"
#include "channels/zzd/open_platform.h"
#include "sim/event_log.h"
#include "sim/feed_files.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"
#include "sim/broadcast_platform.h"
#include "sim/ami_peer.h"
#include "sim/cmpp_gateway.h"
#include "sim/sms_platform.h"
#include "sim/faults.h"
#include "sim/stats.h"
#include "sim/voice_platform.h"
#include "sim/webhook_receiver.h"
#include "sim/zzd_platform.h"

int main(int argc, char** argv) {
  using namespace jiaoying;
  std::string listen, scenario_path, log_path, feed_dir, voice_report_url;
  std::string broadcast_key, broadcast_sender_key, broadcast_report_url, sms_callback_url, cmpp_listen, ami_listen;
  double time_scale = 1.0;
  CLI::App app{"jiaoying-sim: a simulated Zhezhengding open platform and the people using it"};
  app.add_option("--listen", listen, "host:port to serve on (port 0 picks one)")->required();
  app.add_option("--scenario", scenario_path, "scenario YAML: credentials and people")->required();
  app.add_option("--log", log_path, "JSON-lines record of accepted requests and taps")->required();
  app.add_option("--feed-dir", feed_dir, "also serve this folder's files under /feed/ (a warning feed)");
  app.add_option("--voice-report-url", voice_report_url,
                 "where the voice platform pushes call reports (jiaoyingd's /api/v1/callbacks/voice/<token>)");
  app.add_option("--sms-callback-url", sms_callback_url,
                 "where the SMS platform pushes receipts (/report) and replies (/reply): jiaoyingd's "
                 "/api/v1/callbacks/sms/<token>");
  app.add_option("--cmpp-listen", cmpp_listen,
                 "host:port where the scenario's carrier SMS gateway takes CMPP links (port 0 picks one)");
  app.add_option("--ami-listen", ami_listen,
                 "host:port where the scenario's county PBX (Asterisk) takes manager (AMI) sessions (port 0 picks one)");
  app.add_option("--broadcast-key", broadcast_key, "the broadcast platform's SM2 private key (PEM)");
  app.add_option("--broadcast-sender-key", broadcast_sender_key,
                 "the SM2 public key (PEM) EBMs must be signed with (jiaoyingd's)");
  app.add_option("--broadcast-report-url", broadcast_report_url,
                 "where playback reports go (jiaoyingd's /api/v1/callbacks/broadcast)");
  app.add_option("--time-scale", time_scale, "divide scenario delays by this (the daemon's scale)")
      ->check([](const std::string& v) {
        return std::strtod(v.c_str(), nullptr) > 0 ? "" : "must be a number above 0";
      });
  app.set_version_flag("--version", std::string("jiaoying-sim ") + JIAOYING_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; any misuse is 2, like a bad scenario
  }

  std::vector<sim::ScenarioError> errors;
  std::optional<sim::Scenario> scenario = sim::load_scenario_file(scenario_path, errors);
  if (!scenario) {
    for (const auto& e : errors) std::cerr << e.text() << "\n";
    return 2;
  }
  std::ofstream log_file(log_path, std::ios::trunc);
  if (!log_file) {
    std::cerr << log_path << ": cannot open for writing\n";
    return 2;
  }

  boost::asio::io_context io;
  // The taps' HTTP client runs on its own thread: a city answering at once must not stall the
  // providers on the io thread (which are the ones answering jiaoyingd).
  boost::asio::io_context tap_io;
  auto tap_work = boost::asio::make_work_guard(tap_io);
  CurlMultiClient tap_http(tap_io);
  std::thread tap_thread([&tap_io] {
    pthread_setname_np(pthread_self(), "sim-taps");
    tap_io.run();
  });
  // A return before the StopTaps guard below (a bad key, a port taken) stops the thread first:
  // a joinable std::thread destroyed is std::terminate.
  auto stop_tap_thread = [&] {
    tap_io.stop();
    if (tap_thread.joinable()) tap_thread.join();
  };
  sim::EventLog log(log_file);
  sim::Stats stats;
  sim::Faults faults;
  for (const auto& [provider, settings] : scenario->faults) faults.set(provider, settings);
  const sim::PlatformHooks hooks{&stats, &faults};
  sim::TimerTapScheduler taps(io, tap_http, tap_io, log, std::cerr, time_scale, &stats);
  const auto started = std::chrono::steady_clock::now();
  sim::VoicePlatform voice(*scenario, voice_report_url, log, taps, std::cerr, [started, time_scale] {
    auto real = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    return std::chrono::milliseconds(static_cast<int64_t>(real.count() * time_scale));
  });
  voice.set_hooks(hooks);
  // The broadcast platform, when the scenario has one and its keys are given.
  std::unique_ptr<sim::BroadcastPlatform> broadcast;
  if (scenario->broadcast) {
    auto read_key = [](const std::string& path, const char* flag) -> std::optional<ebd::Sm2Key> {
      std::ifstream in(path, std::ios::binary);
      std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::string error;
      auto key = ebd::Sm2Key::from_pem(pem, error);
      if (!key) std::cerr << "jiaoying-sim: " << flag << " " << path << ": " << (in ? error : "cannot read") << "\n";
      return key;
    };
    if (broadcast_key.empty() || broadcast_sender_key.empty()) {
      std::cerr << "jiaoying-sim: the scenario has a broadcast platform: give --broadcast-key and --broadcast-sender-key\n";
      stop_tap_thread();
      return 2;
    }
    auto key = read_key(broadcast_key, "--broadcast-key");
    auto sender = read_key(broadcast_sender_key, "--broadcast-sender-key");
    if (!key || !sender) {
      stop_tap_thread();
      return 2;
    }
    broadcast = std::make_unique<sim::BroadcastPlatform>(*scenario->broadcast, std::move(*key), std::move(*sender),
                                                         broadcast_report_url, log, taps, std::cerr);
    broadcast->set_hooks(hooks);
  }
  sim::SmsPlatform sms(*scenario, sms_callback_url, log, taps, std::cerr);
  sms.set_hooks(hooks);
  sim::SmsPlatform sms_backup(*scenario, sms_callback_url, log, taps, std::cerr, "sms_backup");
  sms_backup.set_hooks(hooks);
  // The carrier's CMPP gateway, on a port of its own (a TCP protocol, not HTTP).
  std::unique_ptr<sim::CmppGateway> cmpp;
  if (!cmpp_listen.empty()) {
    if (!scenario->cmpp) {
      std::cerr << "jiaoying-sim: --cmpp-listen needs a cmpp section in the scenario (sp_id, shared_secret, src_id, version)\n";
      stop_tap_thread();
      return 2;
    }
    cmpp = std::make_unique<sim::CmppGateway>(io, *scenario, log, std::cerr, time_scale, [&stats] { return stats.since_start(); },
                                              hooks);
  }
  // The county PBX's manager interface, on a port of its own.
  std::unique_ptr<sim::AmiPeer> ami;
  if (!ami_listen.empty()) {
    if (!scenario->asterisk) {
      std::cerr << "jiaoying-sim: --ami-listen needs an asterisk section in the scenario (username, secret)\n";
      stop_tap_thread();
      return 2;
    }
    ami = std::make_unique<sim::AmiPeer>(io, *scenario, log, std::cerr, time_scale, [&stats] { return stats.since_start(); },
                                         hooks);
  }
  sim::WebhookReceiver webhook(*scenario, log, taps, std::cerr);
  webhook.set_hooks(hooks);
  sim::ZzdPlatform platform(std::move(*scenario), log, taps, std::cerr);
  platform.set_hooks(hooks);
  sim::FeedFiles feeds(feed_dir, log);

  // Which provider a request is for, and the platform that serves it.
  auto route = [&](const ServerRequest& r) -> std::pair<std::string_view, std::function<ServerResponse()>> {
    if (sms.serves(r)) return {"sms", [&] { return sms.handle(r); }};
    if (sms_backup.serves(r)) return {"sms_backup", [&] { return sms_backup.handle(r); }};
    if (sim::VoicePlatform::serves(r)) return {"voice", [&] { return voice.handle(r); }};
    if (broadcast && sim::BroadcastPlatform::serves(r)) return {"broadcast", [&] { return broadcast->handle(r); }};
    if (webhook.serves(r)) return {"webhook", [&] { return webhook.handle(r); }};
    if (r.path == zzd::kDingPath) return {"zzd-ding", [&] { return platform.handle(r); }};
    return {"zzd", [&] { return platform.handle(r); }};
  };
  auto json_answer = [](int status, std::string body) {
    return ServerResponse{status, "application/json; charset=utf-8", std::move(body)};
  };
  HttpServer server(io, AsyncRequestHandler([&](ServerRequest r, Respond respond) {
    // The simulator's own controls: stats, and faults changed while it runs.
    if (r.path == "/sim/stats" && r.method == "GET") return respond(json_answer(200, stats.json()));
    if (r.path == "/sim/faults" && r.method == "POST") {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(r.body, ec);
      if (ec || !v.is_object()) return respond(json_answer(400, R"({"error":"the body is {\"zzd\": {…faults…}}"})"));
      for (const auto& [name, settings] : v.as_object()) {
        std::string error;
        auto parsed = sim::parse_fault_settings(boost::json::serialize(settings), error);
        if (std::find(std::begin(sim::kProviders), std::end(sim::kProviders), std::string_view(name)) == std::end(sim::kProviders))
          error = "unknown provider '" + std::string(name) + "'";
        if (!error.empty())
          return respond(json_answer(400, boost::json::serialize(boost::json::object{{"error", error}})));
        faults.set(std::string(name), *parsed);
      }
      std::cerr << "jiaoying-sim: faults now " << r.body << "\n";
      return respond(json_answer(200, R"({"ok":true})"));
    }
    if (!feed_dir.empty())
      if (auto answer = feeds.handle(r)) return respond(*answer);
    if (r.path == "/sim/health") return respond(platform.handle(r));
    auto [provider, serve] = route(r);
    stats.request(provider);
    const sim::FaultDecision d = faults.decide(provider, stats.since_start());
    ServerResponse out;
    switch (d.kind) {
      case sim::FaultDecision::Kind::none: out = serve(); break;
      case sim::FaultDecision::Kind::lost_answer:
        serve();  // taken — and the answer never arrives
        out.drop_connection = true;
        break;
      case sim::FaultDecision::Kind::reset: out.drop_connection = true; break;
      default: out = sim::fault_answer(provider, d.kind);
    }
    if (d.kind != sim::FaultDecision::Kind::none) stats.fault(provider, sim::fault_kind_name(d.kind));
    if (d.delay.count() <= 0) return respond(std::move(out));
    auto timer = std::make_shared<boost::asio::steady_timer>(io, d.delay);
    timer->async_wait([timer, respond, out = std::move(out)](boost::system::error_code) mutable { respond(std::move(out)); });
  }));
  unsigned short port = 0;
  try {
    port = server.listen_tcp(listen);
  } catch (const std::exception& e) {
    std::cerr << "jiaoying-sim: " << e.what() << "\n";  // it names the address and why
    stop_tap_thread();
    return 1;
  }

  // Pending taps are abandoned: a test that stops the sim is done with the people.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.stop();
    if (cmpp) cmpp->stop();
    if (ami) ami->stop();
    taps.abandon();
    io.stop();  // connections kept alive by clients would otherwise hold run() open
  });
  struct StopTaps {  // however main returns: the tap thread stops before what it uses goes
    boost::asio::io_context& io;
    std::thread& thread;
    ~StopTaps() {
      io.stop();
      if (thread.joinable()) thread.join();
    }
  } stop_taps{tap_io, tap_thread};

  std::string host = listen.substr(0, listen.rfind(':'));
  unsigned short cmpp_port = 0, ami_port = 0;
  try {
    if (cmpp) cmpp_port = cmpp->listen(cmpp_listen);
    if (ami) ami_port = ami->listen(ami_listen);
  } catch (const std::exception& e) {
    std::cerr << "jiaoying-sim: " << e.what() << "\n";
    return 1;
  }
  std::cout << "jiaoying-sim: listening on " << host << ":" << port << std::endl;
  if (cmpp)
    std::cout << "jiaoying-sim: CMPP gateway on " << cmpp_listen.substr(0, cmpp_listen.rfind(':')) << ":" << cmpp_port
              << std::endl;
  if (ami)
    std::cout << "jiaoying-sim: Asterisk manager on " << ami_listen.substr(0, ami_listen.rfind(':')) << ":" << ami_port
              << std::endl;
  io.run();
  return 0;
}
