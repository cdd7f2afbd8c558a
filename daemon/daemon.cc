#include "daemon/daemon.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <iostream>

#include "channels/http_client.h"
#include "channels/http_server.h"
#include "channels/ivr/ivr_channel.h"
#include "channels/zzd/zzd_channel.h"
#include "daemon/config.h"
#include "daemon/dispatcher.h"
#include "daemon/engine.h"
#include "daemon/http_api.h"
#include "daemon/schema.h"
#include "daemon/poll_feed.h"
#include "daemon/spool_feed.h"

namespace jiaoying {

namespace asio = boost::asio;

namespace {

bool report(const LoadErrors& errors) {
  for (const auto& e : errors) std::cerr << e.text() << '\n';
  return errors.empty();
}

// Runs `work` every `period` on the io thread until the timer is cancelled; an exception is
// logged and the next round goes ahead (a failed tick is retried, never fatal).
void every(asio::steady_timer& timer, Millis period, std::function<void()> work) {
  timer.expires_after(period);
  timer.async_wait([&timer, period, work = std::move(work)](boost::system::error_code ec) mutable {
    if (ec) return;
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::error("periodic work failed (will retry): {}", e.what());
    }
    every(timer, period, std::move(work));
  });
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  LoadErrors errors;
  auto config = load_config(options.config_path, errors);
  if (!report(errors)) return 2;

  std::set<std::string> channel_names;
  if (config->zzd) channel_names.insert("zzd");
  if (config->ivr) channel_names.insert("ivr");
  if (config->sms) channel_names.insert("sms");
  if (config->broadcast) channel_names.insert("broadcast");
  auto directory = Directory::load_file(config->directory, errors);
  auto plans = load_plans(config->plans, channel_names, errors);
  auto templates = TemplateRenderer::load(config->templates, errors);
  if (!report(errors)) return 2;
  spdlog::info("directory {}: {} areas, {} people, {} posts; {} plan(s) from {}", config->directory,
               directory->area_count(), directory->person_count(), directory->post_count(), plans->size(),
               config->plans);

  try {
    std::filesystem::create_directories(std::filesystem::absolute(config->database).parent_path());
    std::filesystem::create_directories(std::filesystem::absolute(config->admin_socket).parent_path());
    Db db(config->database);
    int version = migrate(db);
    SystemClock clock(options.time_scale);
    EngineSettings settings;
    settings.public_url = config->public_url;
    settings.callback_secret = config->callback_secret;
    settings.collapse_after = config->collapse_after;
    settings.retry_backoff = config->retry_backoff;
    settings.max_attempts = config->max_attempts;
    if (config->broadcast) settings.broadcast_ebrid = config->broadcast->ebrid;
    Engine engine(db, clock, settings, std::make_shared<const Directory>(std::move(*directory)),
                  std::move(*plans), std::make_shared<const TemplateRenderer>(std::move(*templates)),
                  channel_names);
    if (int n = engine.recover()) spdlog::warn("{} message(s) were in flight at the last stop; resending", n);

    CurlHttpClient http;
    std::unique_ptr<ZzdChannel> zzd;
    std::map<std::string, Channel*> channels;
    if (config->zzd) {
      zzd = std::make_unique<ZzdChannel>(*config->zzd, http, [] { return std::chrono::system_clock::now(); });
      channels["zzd"] = zzd.get();
    }
    std::unique_ptr<IvrChannel> ivr;
    if (config->ivr) {
      ivr = std::make_unique<IvrChannel>(*config->ivr, http, [] { return std::chrono::system_clock::now(); });
      channels["ivr"] = ivr.get();
    }

    std::unique_ptr<SmsChannel> sms;
    if (config->sms) {
      sms = std::make_unique<SmsChannel>(*config->sms, http, [] { return std::chrono::system_clock::now(); });
      channels["sms"] = sms.get();
    }
    std::unique_ptr<BroadcastChannel> broadcast;
    if (config->broadcast) {
      std::string error;
      auto key = ebd::Sm2Key::from_pem(config->broadcast_key_pem, error);
      auto platform_key = ebd::Sm2Key::from_pem(config->broadcast_platform_key_pem, error);
      if (!key || !platform_key) throw std::runtime_error("broadcast keys: " + error);  // checked at load
      broadcast = std::make_unique<BroadcastChannel>(*config->broadcast, std::move(*key), std::move(*platform_key), http,
                                                     [] { return std::chrono::system_clock::now(); });
    }

    asio::io_context io;
    Dispatcher dispatcher(io, engine, channels, config->senders, broadcast.get());
    auto reload_unguarded = [&]() -> std::pair<bool, std::string> {
      LoadErrors errors;
      auto directory = Directory::load_file(config->directory, errors);
      auto plans = load_plans(config->plans, channel_names, errors);
      auto templates = TemplateRenderer::load(config->templates, errors);
      if (!errors.empty()) {
        std::string text = "reload refused; the running directory, plans and templates stay:";
        for (const auto& e : errors) text += "\n" + e.text();
        spdlog::error("{}", text);
        return {false, text};
      }
      std::string text = fmt::format("reloaded: {} people, {} posts, {} plan(s)", directory->person_count(),
                                     directory->post_count(), plans->size());
      engine.replace_rules(std::make_shared<const Directory>(std::move(*directory)), std::move(*plans),
                           std::make_shared<const TemplateRenderer>(std::move(*templates)));
      spdlog::info("{}", text);
      return {true, text};
    };
    // SIGHUP runs this on the io thread: nothing it meets may take the daemon down.
    auto reload = [&]() -> std::pair<bool, std::string> {
      try {
        return reload_unguarded();
      } catch (const std::exception& e) {
        std::string text = std::string("reload failed; the running directory, plans and templates stay: ") + e.what();
        spdlog::error("{}", text);
        return {false, text};
      }
    };
    HttpApi api(engine, db, clock, [&dispatcher] { dispatcher.pump(); }, reload);
    api.set_broadcast(broadcast.get());
    api.set_sms_callback_token(config->sms_callback_token);
    ServerLimits limits;
    limits.body_limit = config->body_limit;
    HttpServer public_server(io, [&api](const ServerRequest& r) { return api.handle_public(r); }, limits);
    HttpServer admin_server(io, [&api](const ServerRequest& r) { return api.handle_admin(r); }, limits);
    unsigned short port = public_server.listen_tcp(config->listen);
    admin_server.listen_unix(config->admin_socket);

    std::map<std::string, std::string> push_tokens;
    std::vector<std::unique_ptr<PollFeed>> polls;
    std::vector<std::unique_ptr<SpoolFeed>> spools;
    std::vector<std::unique_ptr<asio::steady_timer>> spool_timers;
    for (const FeedConfig& feed : config->feeds) {
      if (feed.type == FeedConfig::Type::push) {
        push_tokens[feed.name] = feed.token;
        continue;
      }
      if (feed.type == FeedConfig::Type::poll) {
        polls.push_back(std::make_unique<PollFeed>(io, feed.name, feed.url, feed.interval, engine, db, http,
                                                   [&dispatcher] { dispatcher.pump(); }));
        polls.back()->start();
        spdlog::info("poll feed {} reading {} every {}", feed.name, feed.url, format_duration(feed.interval));
        continue;
      }
      spools.push_back(std::make_unique<SpoolFeed>(feed.name, feed.dir, config->body_limit, engine,
                                                   [&dispatcher] { dispatcher.pump(); }));
      spool_timers.push_back(std::make_unique<asio::steady_timer>(io));
      every(*spool_timers.back(), feed.interval, [spool = spools.back().get()] { spool->scan(); });
      spdlog::info("spool feed {} watching {}/inbox every {}", feed.name, feed.dir, format_duration(feed.interval));
    }
    api.set_push_tokens(push_tokens);
    api.set_voice_report_token(config->ivr_report_token);
    if (push_tokens.empty()) spdlog::warn("no push feed configured: POST /api/v1/warnings over TCP is refused");

    asio::steady_timer ticker(io);
    every(ticker, config->tick, [&] {
      engine.tick();
      dispatcher.pump();
    });
    asio::signal_set hangup(io, SIGHUP);
    std::function<void()> on_hangup = [&] {
      hangup.async_wait([&](boost::system::error_code ec, int) {
        if (ec) return;
        sd_notify(0, "RELOADING=1");
        reload();
        sd_notify(0, "READY=1");
        on_hangup();
      });
    };
    on_hangup();
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code ec, int signo) {
      if (ec) return;
      spdlog::info("signal {}: stopping; letting messages in flight finish", signo);
      sd_notify(0, "STOPPING=1");
      public_server.stop();
      admin_server.stop();
      ticker.cancel();
      hangup.cancel();
      for (auto& t : spool_timers) t->cancel();
      for (auto& p : polls) p->stop();
      dispatcher.drain([&io] { io.stop(); });
    });

    spdlog::info("jiaoyingd ready: schema v{}, listening on port {}, admin socket {}, time scale {}", version,
                 port, config->admin_socket, options.time_scale);
    sd_notify(0, "READY=1");
    io.run();
    spdlog::info("jiaoyingd stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("jiaoyingd cannot run: {}", e.what());
    return 1;
  }
}

}  // namespace jiaoying
