// jiaoying-sim: the Zhezhengding open platform and the people behind it, on loopback, for
// tests and the demo. Wiring only: flags, scenario, log, server, signals. One io thread runs
// the server and the tap timers; the taps' HTTP requests run on a small worker pool.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>

#include "channels/http_client.h"
#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/feed_files.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"
#include "sim/broadcast_platform.h"
#include "sim/sms_platform.h"
#include "sim/voice_platform.h"
#include "sim/zzd_platform.h"

int main(int argc, char** argv) {
  using namespace jiaoying;
  std::string listen, scenario_path, log_path, feed_dir, voice_report_url;
  std::string broadcast_key, broadcast_sender_key, broadcast_report_url, sms_callback_url;
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
  app.add_option("--broadcast-key", broadcast_key, "the broadcast platform's SM2 private key (PEM)");
  app.add_option("--broadcast-sender-key", broadcast_sender_key,
                 "the SM2 public key (PEM) EBMs must be signed with (jiaoyingd's)");
  app.add_option("--broadcast-report-url", broadcast_report_url,
                 "where playback reports go (jiaoyingd's /api/v1/callbacks/broadcast)");
  app.add_option("--time-scale", time_scale, "divide scenario delays by this (the daemon's scale)")
      ->check([](const std::string& v) {
        return std::strtod(v.c_str(), nullptr) > 0 ? "" : "must be a number above 0";
      });
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
  CurlHttpClient http;
  sim::EventLog log(log_file);
  sim::TimerTapScheduler taps(io, http, log, std::cerr, time_scale);
  const auto started = std::chrono::steady_clock::now();
  sim::VoicePlatform voice(*scenario, voice_report_url, log, taps, std::cerr, [started, time_scale] {
    auto real = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    return std::chrono::milliseconds(static_cast<int64_t>(real.count() * time_scale));
  });
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
      return 2;
    }
    auto key = read_key(broadcast_key, "--broadcast-key");
    auto sender = read_key(broadcast_sender_key, "--broadcast-sender-key");
    if (!key || !sender) return 2;
    broadcast = std::make_unique<sim::BroadcastPlatform>(*scenario->broadcast, std::move(*key), std::move(*sender),
                                                         broadcast_report_url, log, taps, std::cerr);
  }
  sim::SmsPlatform sms(*scenario, sms_callback_url, log, taps, std::cerr);
  sim::ZzdPlatform platform(std::move(*scenario), log, taps, std::cerr);
  sim::FeedFiles feeds(feed_dir, log);
  HttpServer server(io, [&](const ServerRequest& r) {
    if (!feed_dir.empty())
      if (auto answer = feeds.handle(r)) return *answer;
    if (sim::SmsPlatform::serves(r)) return sms.handle(r);
    if (sim::VoicePlatform::serves(r)) return voice.handle(r);
    if (broadcast && sim::BroadcastPlatform::serves(r)) return broadcast->handle(r);
    return platform.handle(r);
  });
  unsigned short port = 0;
  try {
    port = server.listen_tcp(listen);
  } catch (const std::exception& e) {
    std::cerr << "jiaoying-sim: cannot listen on " << listen << ": " << e.what() << "\n";
    return 1;
  }

  // Pending taps are abandoned: a test that stops the sim is done with the people.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.stop();
    taps.abandon();
    io.stop();  // connections kept alive by clients would otherwise hold run() open
  });

  std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "jiaoying-sim: listening on " << host << ":" << port << std::endl;
  io.run();
  return 0;
}
