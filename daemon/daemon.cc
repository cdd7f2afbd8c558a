#include "daemon/daemon.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <pthread.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "channels/http_client.h"
#include "channels/http_server.h"
#include "daemon/rule_files.h"
#include "daemon/store_sqlite.h"
#include "daemon/store_sqlite_backup.h"
#include "daemon/store_sqlite_views.h"
#include "channels/ivr/ivr_provider.h"
#include "channels/sms/sms_provider.h"
#include "channels/webhook/webhook_provider.h"
#include "channels/zzd/ding_provider.h"
#include "channels/zzd/zzd_provider.h"
#include "daemon/config.h"
#include "daemon/dispatcher.h"
#include "daemon/duty_room_alarm.h"
#include "daemon/group_commit.h"
#include "daemon/heartbeat.h"
#include "daemon/transport.h"
#include "daemon/engine.h"
#include "daemon/metrics.h"
#include "daemon/http_api.h"
#include "daemon/journal.h"
#include "daemon/schema.h"
#include "daemon/poll_feed.h"
#include "daemon/spool_feed.h"
#include "daemon/storage_watch.h"
#include "daemon/watchdog.h"
#include "rules/names.h"
#include "rules/plan_check.h"

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

namespace {

// The providers a config names, built once: people's media as Provider adapters, the
// loudspeakers as the broadcast channel; and the slots the dispatcher drives them through.
struct Providers {
  std::vector<std::unique_ptr<Provider>> owned;
  std::unique_ptr<BroadcastChannel> broadcast;
  std::vector<ProviderSlot> slots;
};

Providers make_providers(const Config& config) {
  Providers out;
  auto wall = [] { return std::chrono::system_clock::now(); };
  for (const Config::Provider& p : config.providers) {
    ProviderSlot slot{p.name, p.medium, nullptr, nullptr, p.limits};
    if (const auto* s = std::get_if<ZzdSettings>(&p.settings)) out.owned.push_back(std::make_unique<ZzdProvider>(*s, wall));
    if (const auto* s = std::get_if<DingSettings>(&p.settings)) out.owned.push_back(std::make_unique<DingProvider>(*s, wall));
    if (const auto* s = std::get_if<SmsSettings>(&p.settings)) out.owned.push_back(std::make_unique<SmsProvider>(*s, wall));
    if (const auto* s = std::get_if<CmppSettings>(&p.settings)) out.owned.push_back(std::make_unique<CmppProvider>(*s, wall));
    if (const auto* s = std::get_if<AmiSettings>(&p.settings)) out.owned.push_back(std::make_unique<AmiProvider>(*s));
    if (const auto* s = std::get_if<IvrSettings>(&p.settings)) out.owned.push_back(std::make_unique<IvrProvider>(*s, wall));
    if (const auto* s = std::get_if<WebhookSettings>(&p.settings))
      out.owned.push_back(std::make_unique<WebhookProvider>(*s, wall));
    if (const auto* s = std::get_if<BroadcastSettings>(&p.settings)) {
      std::string error;
      auto key = ebd::Sm2Key::from_pem(config.broadcast_key_pem, error);
      auto platform_key = ebd::Sm2Key::from_pem(config.broadcast_platform_key_pem, error);
      if (!key || !platform_key) throw std::runtime_error("broadcast keys: " + error);  // checked at load
      out.broadcast = std::make_unique<BroadcastChannel>(*s, std::move(*key), std::move(*platform_key), wall);
      slot.broadcast = out.broadcast.get();
    } else {
      slot.provider = out.owned.back().get();
    }
    out.slots.push_back(std::move(slot));
  }
  return out;
}

// The engine's loop on the io thread: a tick is one bounded batch of due callouts; while more is
// due, the next batch is queued behind whatever else waits (answers, the duty officer's views),
// and the dispatcher sends what each batch queued while the next is being made.
class EngineLoop {
 public:
  EngineLoop(asio::io_context& io, Engine& engine, Dispatcher& dispatcher)
      : io_(io), engine_(engine), dispatcher_(dispatcher) {}
  // Something may be due (the timer, a new warning, an answer): run soon, once.
  void kick() {
    if (posted_) return;
    posted_ = true;
    asio::post(io_, [this] { run(); });
  }

 private:
  void run() {
    posted_ = false;
    bool more = false;
    try {
      engine_.tick_step(more);
    } catch (const std::exception& e) {
      // Rolled back; the next tick does it again. A storage fault is said once by the StorageWatch.
      const auto* sqlite = dynamic_cast<const SqliteError*>(&e);
      if (sqlite && sqlite->storage()) spdlog::debug("tick failed (storage fault; will retry): {}", e.what());
      else spdlog::error("tick failed (will retry): {}", e.what());
      more = false;
    }
    dispatcher_.pump();
    if (more) kick();
  }

  asio::io_context& io_;
  Engine& engine_;
  Dispatcher& dispatcher_;
  bool posted_ = false;
};

// File descriptors. The soft limit is raised to the hard one (systemd starts a service at 1,024 of
// 524,288), and the two servers' connection caps are cut from what is left after the store, the
// feeds, the logs and every provider's transfers in flight: a flood of inbound connections then
// takes the place of the longest-idle one (channels/http_server.h) and never the descriptor a
// phone call or a card needs.
struct DescriptorBudget {
  rlim_t limit = 0;
  size_t public_connections = 0, admin_connections = 0;
};

DescriptorBudget budget_descriptors(size_t outbound) {
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < nofile.rlim_max) {
    rlimit raised = nofile;
    raised.rlim_cur = nofile.rlim_max == RLIM_INFINITY ? 1 << 20 : nofile.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) nofile = raised;
  }
  constexpr size_t kOwn = 128;  // the database and its journal, the admin store, feeds, logs, timers
  const size_t limit = static_cast<size_t>(std::min<rlim_t>(nofile.rlim_cur, 1 << 20));
  const size_t spare = limit > kOwn + outbound ? limit - kOwn - outbound : 0;
  DescriptorBudget out;
  out.limit = limit;
  out.public_connections = std::clamp<size_t>(spare * 3 / 4, 16, 1024);
  out.admin_connections = std::clamp<size_t>(spare / 4, 8, 256);
  if (spare < 64)
    spdlog::warn("only {} open files allowed (ulimit -n): {} go to providers' transfers, {} are left for "
                 "connections; raise LimitNOFILE",
                 limit, outbound, spare);
  return out;
}

}  // namespace

int restore_daemon(const DaemonOptions& options, const std::string& file) {
  LoadErrors errors;
  auto config = load_config(options.config_path, errors);
  if (!report(errors)) return 2;
  std::string holder;
  std::optional<DatabaseLock> lock = DatabaseLock::take(config->database, holder);
  if (!lock) {
    std::cerr << "jiaoyingd: database " << config->database << " is in use by " << holder
              << ": stop jiaoyingd first (systemctl stop jiaoyingd), then restore\n";
    return 1;
  }
  try {
    std::string kept;
    const DatabaseSummary s = restore_database(file, config->database, kept);
    if (!kept.empty()) std::cout << "kept the database it replaces as " << kept << '\n';
    std::cout << fmt::format("restored {} into {}: schema v{}, {} warning(s), {} open, {} callout(s) to resume, "
                             "{} message(s) to send again\n"
                             "start jiaoyingd (systemctl start jiaoyingd): each open callout goes on from the step "
                             "the backup recorded\n",
                             file, config->database, s.schema, s.warnings, s.open_warnings, s.open_callouts,
                             s.in_flight);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "jiaoyingd: restore refused, nothing changed: " << e.what() << '\n';
    return 1;
  }
}

int run_daemon(const DaemonOptions& options) {
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e%z %^%l%$ %v");  // local time with its zone (+08:00)
  log_to_journal_if_there();  // under systemd: entries with WARNING_ID=, PROVIDER=, … (daemon/journal.h)
  LoadErrors errors;
  auto config = load_config(options.config_path, errors);
  if (!report(errors)) return 2;
  if (!config->placeholders.empty()) {
    for (const std::string& p : config->placeholders) std::cerr << p << '\n';
    std::cerr << "jiaoyingd: " << config->file << " is not configured yet (" << config->placeholders.size()
              << " placeholder(s) above); nothing started\n";
    return 2;
  }

  const std::set<std::string> channel_names = config->media();
  auto directory = load_directory_file(config->directory, errors);
  auto plans = load_plans_folder(config->plans, channel_names, errors);
  auto templates = TemplateRenderer::load(config->templates, errors);
  auto spot_checks = load_spot_checks(config->templates, errors);
  if (!report(errors)) return 2;
  spdlog::info("directory {}: {} areas, {} people, {} posts; {} plan(s) from {}", config->directory,
               directory->area_count(), directory->person_count(), directory->post_count(), plans->size(),
               config->plans);
  // The checks of `plan check` and `directory check`. At the start they are said loudly but do
  // not stop the daemon: a jiaoyingd that will not start calls nobody at all, while these skip
  // the posts they name. A reload with an error is refused (below): there the running set stays.
  // They run beside the start (a city's directory takes a few tenths of a second), so a restart
  // sends again without waiting for them.
  auto shared_directory = std::make_shared<const Directory>(std::move(*directory));
  std::thread start_check([shared_directory, plans = *plans, names = templates->names(), file = config->directory] {
    pthread_setname_np(pthread_self(), "jy-check");
    try {
      const auto findings = check_rules(plans, *shared_directory, file, names);
      if (error_count(findings))
        spdlog::critical("the plans and the directory have faults that skip people until mended: {}",
                         findings_text(findings));
      else if (!findings.empty())
        spdlog::warn("plans and directory: {}", findings_text(findings));
    } catch (const std::exception& e) {
      spdlog::error("checking the plans against the directory failed: {}", e.what());
    }
  });
  struct JoinCheck {
    std::thread& thread;
    ~JoinCheck() {
      if (thread.joinable()) thread.join();
    }
  } join_check{start_check};

  try {
    std::filesystem::create_directories(std::filesystem::absolute(config->database).parent_path());
    std::filesystem::create_directories(std::filesystem::absolute(config->admin_socket).parent_path());
    // One jiaoyingd to a database: a second would call everyone again.
    std::string holder;
    std::optional<DatabaseLock> lock = DatabaseLock::take(config->database, holder);
    if (!lock) {
      spdlog::critical("database {} is in use by {}: another jiaoyingd is running on it (two would call everyone "
                       "twice); stop it first, or give this one a database of its own",
                       config->database, holder);
      return 1;
    }
    Db db(config->database);
    int version = migrate(db);
    SystemClock clock(options.time_scale);
    EngineSettings settings;
    settings.public_url = config->public_url;
    settings.callback_secret = config->callback_secret;
    settings.collapse_after = config->collapse_after;
    settings.retry_backoff = config->retry_backoff;
    settings.max_attempts = config->max_attempts;
    settings.hold_limit = config->hold_limit;
    if (const auto* b = config->first<BroadcastSettings>("broadcast")) settings.broadcast_ebrid = b->ebrid;
    SqliteStore store(db);
    for (const SqliteStore::OffIndex& off : store.reads_off_their_index())
      spdlog::critical("database {}: the read of {} does not use index {} — a large warning will crawl. Was the "
                       "schema changed by hand? (`sqlite3 {} .indexes` lists what is there; daemon/schema.cc makes each)",
                       config->database, off.read, off.index, config->database);
    SqliteViews views(db);
    Engine engine(store, clock, settings, shared_directory, std::move(*plans), std::make_shared<const TemplateRenderer>(std::move(*templates)),
                  channel_names);
    engine.set_spot_checks(std::move(*spot_checks));
    if (int n = engine.recover()) spdlog::warn("{} message(s) were in flight at the last stop; resending", n);

    Providers providers = make_providers(*config);
    for (const ProviderSlot& slot : providers.slots)
      spdlog::info("provider {} for {}: rate {}, concurrency {}, breaker after {} failures", slot.name, slot.medium,
                   slot.limits.rate > 0 ? fmt::format("{}/s", slot.limits.rate) : std::string("unlimited"),
                   slot.limits.concurrency, slot.limits.breaker.failures);
    CurlHttpClient http;  // the poll feeds' blocking fetches
    asio::io_context io;
    NetworkTransport transport(io);
    ProviderBoard board;  // the providers' state, for the duty officer's views
    Dispatcher dispatcher(io, engine, clock, transport, providers.slots, config->call_limits,
                          [] { return std::chrono::steady_clock::now(); }, &board);
    dispatcher.publish();
    Metrics metrics;  // GET /metrics (daemon/metrics.h): counted on this thread, read on the admin one
    engine.set_metrics(&metrics);
    dispatcher.set_metrics(&metrics);
    EngineLoop loop(io, engine, dispatcher);
    // The disk under the database (daemon/storage_watch.h). A fault is said once; the highest
    // duty rooms are told on every medium that has a provider up, outside the store (which
    // cannot take a message now); the first commit after it ends the spell, they are told so,
    // and the spell goes on file.
    // An alarm about jiaoying itself (daemon/duty_room_alarm.h) to the highest duty rooms, on
    // every medium that has a provider up but `skip` (the one the alarm is about).
    auto tell_duty_rooms = [&](const char* what, const std::vector<OutboundMessage>& messages,
                               const std::string& skip) {
      if (messages.empty())
        return spdlog::critical("{}: the directory has no duty_officer post: nobody can be told but this log", what);
      for (const std::string& medium : dispatcher.people_media()) {
        if (medium == skip) continue;
        std::vector<OutboundMessage> batch = messages;
        for (OutboundMessage& m : batch) {
          m.idem_key += "-" + medium;
          m.ack_url = settings.public_url + "/healthz";  // the card's button: the daemon's own word on it
        }
        const bool going = dispatcher.send_unrecorded(medium, std::move(batch), [what, medium](const OutboundMessage& m,
                                                                                                 const SendResult& r) {
          spdlog::warn("{} to {} ({}) by {}: {}{}", what, m.person_name, mask_mobile(m.mobile), medium,
                       outcome_name(r.outcome), r.detail.empty() ? "" : " (" + r.detail + ")");
        });
        if (!going) spdlog::error("{}: no provider of {} is up to carry it", what, medium);
      }
    };
    auto alarm = [&](const StorageFault& fault, std::optional<std::chrono::system_clock::time_point> until) {
      tell_duty_rooms("storage alarm", storage_alarm(engine.current_directory(), fault, until), "");
    };
    StorageWatch storage(
        io, config->database,
        {[&](const StorageFault& fault) { alarm(fault, std::nullopt); },
         [&](const StorageFault& fault, std::chrono::system_clock::time_point until) {
           alarm(fault, until);
           try {
             engine.record_event(
                 "storage_fault", "jiaoyingd",
                 fmt::format("the database could not be written for {} s: {} ({}); {} warning(s) refused with 503; "
                             "the duty rooms were told outside the store",
                             std::chrono::duration_cast<std::chrono::seconds>(until - fault.since).count(), fault.reason,
                             fault.sqlite, fault.refused));
           } catch (const std::exception& e) {
             spdlog::error("storage: filing the spell failed: {}", e.what());
           }
           loop.kick();
         },
         [&] { engine.probe_store(); }});
    db.observe(&storage);
    struct Unobserve {  // the watch goes before the connection it watches
      Db& db;
      ~Unobserve() { db.observe(nullptr); }
    } unobserve{db};
    auto reload_unguarded = [&]() -> std::pair<bool, std::string> {
      LoadErrors errors;
      auto directory = load_directory_file(config->directory, errors);
      auto plans = load_plans_folder(config->plans, channel_names, errors);
      auto templates = TemplateRenderer::load(config->templates, errors);
      auto spot_checks = load_spot_checks(config->templates, errors);
      if (!errors.empty()) {
        std::string text = "reload refused; the running directory, plans and templates stay:";
        for (const auto& e : errors) text += "\n" + e.text();
        spdlog::error("{}", text);
        return {false, text};
      }
      // What `plan check` and `directory check` would refuse, reload refuses: a role nobody
      // holds, an empty post, a holder with no contact for a channel the plan uses.
      const std::vector<Finding> findings =
          check_rules(*plans, *directory, config->directory, templates->names());
      if (error_count(findings)) {
        std::string text = "reload refused (someone would be skipped); the running directory, plans and templates "
                           "stay: " + findings_text(findings);
        spdlog::error("{}", text);
        return {false, text};
      }
      std::string text = fmt::format("reloaded: {} people, {} posts, {} plan(s)", directory->person_count(),
                                     directory->post_count(), plans->size());
      if (!findings.empty()) text += "; " + findings_text(findings);
      engine.replace_rules(std::make_shared<const Directory>(std::move(*directory)), std::move(*plans),
                           std::make_shared<const TemplateRenderer>(std::move(*templates)));
      engine.set_spot_checks(std::move(*spot_checks));
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
    HttpApi api(engine, views, clock, [&loop] { loop.kick(); }, reload);
    api.set_broadcast(providers.broadcast.get());
    api.set_sms_callback_token(config->sms_callback_token);
    api.set_call_ended([&dispatcher](int64_t id) { dispatcher.call_ended(id); });
    api.set_storage_watch(&storage);
    size_t outbound = 0;
    for (const ProviderSlot& slot : providers.slots) outbound += slot.limits.concurrency;
    const DescriptorBudget descriptors = budget_descriptors(outbound);
    spdlog::info("open files up to {}: {} for providers' transfers, connections up to {} public and {} admin",
                 descriptors.limit, outbound, descriptors.public_connections, descriptors.admin_connections);
    ServerLimits limits;
    limits.body_limit = config->body_limit;
    limits.max_connections = descriptors.public_connections;
    ServerLimits admin_limits = limits;
    admin_limits.max_connections = descriptors.admin_connections;
    // Answers and callbacks are committed a burst at a time (daemon/group_commit.h); a warning's
    // ingest is its own transaction (a city's callouts), answered when they are durable.
    GroupCommit answers(io, engine, [&api](const ServerRequest& r) { return api.handle_public(r); });
    HttpServer public_server(io, AsyncRequestHandler([&](ServerRequest r, Respond respond) {
                               if (r.path == "/api/v1/warnings" || r.path == "/healthz")
                                 return respond(api.handle_public(r));
                               answers.add(std::move(r), std::move(respond));
                             }),
                             limits);
    // The admin socket has its own thread and its own (reading) connection to the store: the duty
    // officer's views answer while a city-wide fan-out keeps the engine busy. What changes
    // something (a warning posted by hand, a reload) is handed to the engine's thread.
    asio::io_context admin_io;
    Db admin_db(config->database);
    SqliteViews admin_views(admin_db);
    TrailMirror trail_mirror(admin_io, admin_views);  // the audit trail's events of note, into the log
    HttpServer admin_server(admin_io, AsyncRequestHandler([&](ServerRequest r, Respond respond) {
                              if (auto view = HttpApi::read_admin(admin_views, clock, r, &board, &storage, &metrics)) return respond(std::move(*view));
                              asio::post(io, [&api, r = std::move(r), respond = std::move(respond)] {
                                respond(api.handle_admin(r));
                              });
                            }),
                            admin_limits);
    // The scraper's own port, on the admin thread with the views: a scrape reads the store
    // there and never waits behind a fan-out on the engine's thread.
    HttpServer metrics_server(admin_io, RequestHandler([&](const ServerRequest& r) {
                                if (r.path != "/metrics")
                                  return ServerResponse{404, "text/plain; charset=utf-8", "only /metrics is here\n"};
                                if (r.method != "GET")
                                  return ServerResponse{405, "text/plain; charset=utf-8", "GET /metrics\n"};
                                return ServerResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                                                      metrics.render(admin_views.gauges(clock.now()), board.read())};
                              }),
                              admin_limits);
    unsigned short port = public_server.listen_tcp(config->listen);
    admin_server.listen_unix(config->admin_socket);
    if (!config->metrics_listen.empty()) {
      const unsigned short metrics_port = metrics_server.listen_tcp(config->metrics_listen);
      spdlog::info("metrics: GET /metrics on {} (port {})", config->metrics_listen, metrics_port);
    }
    auto admin_work = asio::make_work_guard(admin_io);
    std::thread admin_thread([&admin_io] {
      pthread_setname_np(pthread_self(), "jy-admin");
      for (;;) {
        try {
          admin_io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("admin thread: {}", e.what());
        }
      }
    });
    struct StopAdmin {  // however run_daemon leaves: the admin thread stops before what it uses goes
      asio::io_context& io;
      std::thread& thread;
      ~StopAdmin() {
        io.stop();
        if (thread.joinable()) thread.join();
      }
    } stop_admin{admin_io, admin_thread};
    asio::post(admin_io, [&trail_mirror] { trail_mirror.start(); });

    std::map<std::string, std::string> push_tokens;
    std::vector<std::unique_ptr<PollFeed>> polls;
    std::vector<std::unique_ptr<SpoolFeed>> spools;
    std::vector<std::unique_ptr<asio::steady_timer>> spool_timers;
    std::map<std::string, std::vector<TrustedSigner>> push_signers;
    for (const FeedConfig& feed : config->feeds) {
      if (!feed.signed_by.empty()) {
        std::vector<std::string> names;
        for (const TrustedSigner& signer : feed.signed_by) names.push_back(signer.name);
        spdlog::info("feed {} takes only CAP signed by one of: {}", feed.name, fmt::join(names, ", "));
      }
      if (feed.type == FeedConfig::Type::push) {
        push_tokens[feed.name] = feed.token;
        if (!feed.signed_by.empty()) push_signers[feed.name] = feed.signed_by;
        continue;
      }
      if (feed.type == FeedConfig::Type::poll) {
        polls.push_back(std::make_unique<PollFeed>(io, feed.name, feed.url, feed.interval, engine, store, http,
                                                   [&loop] { loop.kick(); }));
        polls.back()->require_signatures(feed.signed_by);
        polls.back()->start();
        spdlog::info("poll feed {} reading {} every {}", feed.name, feed.url, format_duration(feed.interval));
        continue;
      }
      spools.push_back(std::make_unique<SpoolFeed>(feed.name, feed.dir, config->body_limit, engine,
                                                   [&loop] { loop.kick(); }));
      spools.back()->require_signatures(feed.signed_by);
      spool_timers.push_back(std::make_unique<asio::steady_timer>(io));
      every(*spool_timers.back(), feed.interval, [spool = spools.back().get()] { spool->scan(); });
      spdlog::info("spool feed {} watching {}/inbox every {}", feed.name, feed.dir, format_duration(feed.interval));
    }
    api.set_push_tokens(push_tokens);
    api.set_feed_signers(std::move(push_signers));
    api.set_voice_report_token(config->ivr_report_token);
    if (push_tokens.empty()) spdlog::warn("no push feed configured: POST /api/v1/warnings over TCP is refused");

    // Each provider's heartbeat (daemon/heartbeat.h); a failure tells the duty rooms on the other media.
    std::vector<HeartbeatTarget> heartbeat_targets;
    for (const Config::Provider& p : config->providers)
      if (p.heartbeat_every.count() > 0)
        heartbeat_targets.push_back({p.name, p.medium, p.heartbeat_to, p.heartbeat_every, settings.public_url + "/healthz"});
    Heartbeats heartbeats(io, dispatcher, board, clock, std::move(heartbeat_targets),
                          [&](const HeartbeatTarget& target, bool failed, const std::string& detail) {
      const TimePoint now = clock.now();
      const std::string text =
          failed ? fmt::format("叫应系统通道 {}（{}）自{}起心跳测试失败（{}）：该通道的消息可能发不出去，"
                               "其他通道照常。请立即通知运维检查该服务商。",
                               target.provider, target.medium, format_china_clock(now), detail)
                 : fmt::format("叫应系统通道 {}（{}）已于{}恢复，心跳测试正常。", target.provider, target.medium,
                               format_china_clock(now));
      try {
        engine.record_event(failed ? "heartbeat_failed" : "heartbeat_ok", "jiaoyingd",
                            fmt::format("provider {} ({}): {}", target.provider, target.medium, detail));
      } catch (const std::exception& e) {
        spdlog::error("heartbeat: filing it failed: {}", e.what());
      }
      tell_duty_rooms("heartbeat alarm",
                      duty_room_alarm(engine.current_directory(),
                                      fmt::format("heartbeat-{}-{}-{}", target.provider, failed ? "failed" : "ok",
                                                  to_epoch_ms(now)),
                                      failed ? "【系统告警】叫应系统通道故障" : "【系统恢复】叫应系统通道恢复", text),
                      target.medium);
    });
    heartbeats.start();
    api.set_unrecorded_sms_receipt([&heartbeats](const std::string& phone, bool delivered, const std::string& code) {
      heartbeats.sms_receipt(phone, delivered, code);
    });
    // The link providers (a carrier's CMPP gateway, the county PBX): their links open now, and
    // what arrives on them is filed as the cloud platforms' pushes are (HttpApi::sms_push,
    // HttpApi::voice_report).
    for (const ProviderSlot& slot : providers.slots) {
      const LinkProvider* link = slot.provider ? slot.provider->link() : nullptr;
      if (!link) continue;
      const std::string actor = slot.medium + "@" + slot.name;
      // Filed a burst per transaction, as the HTTP callbacks are (daemon/group_commit.h): a city's
      // receipts arriving on a link cost an fsync a burst, not one each.
      NetworkTransport::LinkHandlers handlers;
      handlers.receipt = [&engine, &heartbeats, &answers, actor](int64_t id, const std::string& phone,
                                                                 const std::string& ref, bool delivered,
                                                                 const std::string& code, NetworkTransport::Filed filed) {
        if (id == 0) {  // sent outside the record: the heartbeat's
          heartbeats.sms_receipt(phone, delivered, code);
          return filed(true);
        }
        answers.add([&engine, id, phone, ref, delivered, code, actor] {
          engine.sms_delivery(id, phone, ref, delivered, code, actor);
          return true;
        }, std::move(filed));
      };
      handlers.reply = [&engine, &loop, &answers, actor](const std::string& phone, const std::string& text,
                                                         NetworkTransport::Filed filed) {
        answers.add([&engine, phone, text, actor] {
          engine.sms_reply(phone, text, actor);
          return true;
        }, [&loop, filed = std::move(filed)](bool ok) {
          loop.kick();
          filed(ok);
        });
      };
      handlers.call_ended = [&engine, &dispatcher, &loop, &answers, actor](const CallEnd& call,
                                                                           NetworkTransport::Filed filed) {
        dispatcher.call_ended(call.message_id);  // its township's line is free
        answers.add([&engine, call, actor] {
          engine.call_result({call.message_id, call.call_id, call.status_code, call.dtmf, call.duration}, actor);
          return true;
        }, [&loop, filed = std::move(filed)](bool ok) {
          loop.kick();
          filed(ok);
        });
      };
      transport.start_link(*link, std::move(handlers));
      spdlog::info("provider {}: opening its link", slot.name);
    }

    asio::steady_timer ticker(io);
    every(ticker, config->tick, [&] { loop.kick(); });
    // How late the engine's loop runs: a timer asked for every second, measured against when it
    // fires. A loop busy with a city's fan-out shows here before anyone's phone is late.
    asio::steady_timer lag_timer(io);
    std::function<void()> measure_lag = [&] {
      const auto asked = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      lag_timer.expires_at(asked);
      lag_timer.async_wait([&, asked](boost::system::error_code ec) {
        if (ec) return;
        metrics.loop_lag(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
        measure_lag();
      });
    };
    measure_lag();
    // systemd's watchdog (WatchdogSec=), pinged from this, the engine's, loop: a hung engine stops
    // the pings and is restarted (daemon/watchdog.h).
    Watchdog watchdog(io, Watchdog::from_systemd());
    if (watchdog.enabled())
      spdlog::info("watchdog: WATCHDOG=1 every {} ms from the engine's loop",
                   std::chrono::duration_cast<std::chrono::milliseconds>(Watchdog::from_systemd()).count());
    loop.kick();  // whatever came due while jiaoyingd was down goes out now
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
      asio::post(admin_io, [&admin_server, &metrics_server, &trail_mirror] {
        admin_server.stop();
        metrics_server.stop();
        try {
          trail_mirror.drain();  // what the last moments filed, then no more
        } catch (const std::exception& e) {
          spdlog::debug("trail mirror at stop: {}", e.what());
        }
        trail_mirror.stop();
      });
      ticker.cancel();
      lag_timer.cancel();
      heartbeats.stop();
      hangup.cancel();
      for (auto& t : spool_timers) t->cancel();
      for (auto& p : polls) p->stop();
      dispatcher.drain([&io] { io.stop(); });
    });

    spdlog::info("jiaoyingd ready: schema v{}, listening on port {}, admin socket {}, time scale {}", version,
                 port, config->admin_socket, options.time_scale);
    sd_notify(0, "READY=1");
    watchdog.start();
    // A handler that throws loses its own work (what it wrote rolled back), never the daemon.
    for (;;) {
      try {
        io.run();
        break;
      } catch (const std::exception& e) {
        spdlog::critical("a handler on the engine's thread failed, carrying on: {}", e.what());
      }
    }
    spdlog::info("jiaoyingd stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("jiaoyingd cannot run: {}", e.what());
    return 1;
  }
}

}  // namespace jiaoying
