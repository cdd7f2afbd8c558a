// systemd's watchdog (WatchdogSec= in packaging/jiaoyingd.service): WATCHDOG=1 is sent from a
// timer on the engine's own io_context, at half the interval systemd asked for (WATCHDOG_USEC).
// Everything the engine does runs on that thread, so a tick stuck in SQLite, a deadlock or a
// handler that never returns stops the pings, and systemd kills the daemon and starts it again
// (Restart=always) — a hung engine never sits "active" while nobody is called. The admin and
// network threads do not ping: that they are alive says nothing of the engine. A storage fault
// does not stop the pings either: a restart mends no disk (daemon/storage_watch.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace jiaoying {

class Watchdog {
 public:
  using Notify = std::function<void(const char* state)>;
  // Pings every `every` through `notify` (sd_notify by default) once started; zero: never.
  Watchdog(boost::asio::io_context& io, std::chrono::microseconds every, Notify notify = {});
  // Half the interval systemd set for this process (sd_watchdog_enabled), or zero when it set none.
  static std::chrono::microseconds from_systemd();

  void start();
  void stop() { timer_.cancel(); }
  bool enabled() const { return every_.count() > 0; }

 private:
  void arm();

  boost::asio::steady_timer timer_;
  std::chrono::microseconds every_;
  Notify notify_;
};

}  // namespace jiaoying
