// The watchdog pings from the engine's own loop: while a handler on that loop is stuck, no ping
// goes out (so systemd restarts a hung engine), and the pings resume once it returns. Nothing is
// asserted on how fast: only that no ping falls inside the stall, whatever the machine's speed.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/watchdog.h"

using namespace jiaoying;
using Clock = std::chrono::steady_clock;

TEST_CASE("a stalled engine loop stops the watchdog's pings; they resume when it runs again") {
  boost::asio::io_context io;
  std::mutex mutex;
  std::vector<Clock::time_point> pings;
  Watchdog watchdog(io, std::chrono::milliseconds(5), [&](const char* state) {
    CHECK(std::string(state) == "WATCHDOG=1");
    std::lock_guard lock(mutex);
    pings.push_back(Clock::now());
  });
  auto count = [&] {
    std::lock_guard lock(mutex);
    return pings.size();
  };
  auto work = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  boost::asio::post(io, [&] { watchdog.start(); });
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 1000 && count() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return count() >= n;
  };
  REQUIRE(wait_for(3));
  // A handler that hangs, as a stuck SQLite call would.
  Clock::time_point stalled_from, stalled_to;
  std::atomic<bool> stalled{false};
  boost::asio::post(io, [&] {
    stalled_from = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stalled_to = Clock::now();
    stalled = true;
  });
  for (int i = 0; i < 1000 && !stalled; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(stalled);
  const size_t after_stall = count();
  REQUIRE(wait_for(after_stall + 3));  // the loop runs again: so do the pings
  {
    std::lock_guard lock(mutex);
    for (const auto& t : pings) CHECK_FALSE((t > stalled_from && t < stalled_to));
  }
  boost::asio::post(io, [&] { watchdog.stop(); });
  work.reset();
  loop.join();
}

TEST_CASE("without WatchdogSec the watchdog stays off") {
  ::unsetenv("WATCHDOG_USEC");
  CHECK(Watchdog::from_systemd().count() == 0);
  boost::asio::io_context io;
  int pings = 0;
  Watchdog off(io, Watchdog::from_systemd(), [&](const char*) { ++pings; });
  off.start();
  io.poll();
  CHECK_FALSE(off.enabled());
  CHECK(pings == 0);
}
