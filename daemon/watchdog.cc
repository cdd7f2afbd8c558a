#include "daemon/watchdog.h"

#include <systemd/sd-daemon.h>

namespace jiaoying {

Watchdog::Watchdog(boost::asio::io_context& io, std::chrono::microseconds every, Notify notify)
    : timer_(io), every_(every), notify_(std::move(notify)) {
  if (!notify_) notify_ = [](const char* state) { sd_notify(0, state); };
}

std::chrono::microseconds Watchdog::from_systemd() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(usec / 2);
}

void Watchdog::start() {
  if (!enabled()) return;
  notify_("WATCHDOG=1");
  arm();
}

void Watchdog::arm() {
  timer_.expires_after(every_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    notify_("WATCHDOG=1");
    arm();
  });
}

}  // namespace jiaoying
