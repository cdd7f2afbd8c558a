// People tapping the 收到 (received) button of an action card: the simulator requests the
// button's URL as the person's messenger would, some time after the notification arrived.
// TapScheduler is the seam ZzdPlatform calls (a fake in tests); TimerTapScheduler is the real
// one: asio timers on the io thread, blocking HTTP requests on a small worker pool.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "channels/http_client.h"
#include "sim/event_log.h"

namespace jiaoying::sim {

struct Tap {
  std::string account;                 // who taps
  std::string url;                     // the button's action_url
  std::chrono::milliseconds delay{0};  // scenario time after the notification
  std::string form;                    // non-empty: POSTed as a form (filing the 回报 report)
  std::string json;                    // non-empty: POSTed as JSON (the voice platform's report)
  std::string body = {};               // non-empty: POSTed as is, with content_type (the broadcast
  std::string content_type = {};       // platform's playback report)
};

class TapScheduler {
 public:
  virtual ~TapScheduler() = default;
  // Called on the io thread, once per (account, url): the caller has already de-duplicated.
  virtual void schedule(Tap tap) = 0;
};

class TimerTapScheduler final : public TapScheduler {
 public:
  // Scenario delays are divided by `time_scale` (> 0). `http`, `log` and `diagnostics` must
  // outlive the scheduler.
  TimerTapScheduler(boost::asio::io_context& io, HttpClient& http, EventLog& log,
                    std::ostream& diagnostics, double time_scale, int workers = 4);
  ~TimerTapScheduler() override;

  void schedule(Tap tap) override;

  // Shutdown, on the io thread: taps still waiting are dropped; a request already in flight
  // finishes (and is logged) before the destructor returns. Without it, the destructor waits
  // for every tap already due.
  void abandon();

 private:
  void perform(const Tap& tap);  // on a worker thread

  // Constant after construction.
  boost::asio::io_context& io_;
  HttpClient& http_;
  EventLog& log_;
  std::ostream& diagnostics_;
  double time_scale_;

  // Used on the io thread only.
  std::map<uint64_t, std::unique_ptr<boost::asio::steady_timer>> waiting_;
  uint64_t next_id_ = 0;
  bool abandoned_ = false;

  // Last, so it is joined before the members its jobs use are destroyed.
  boost::asio::thread_pool workers_;
};

}  // namespace jiaoying::sim
