// People tapping the 收到 (received) button of an action card: the simulator requests the
// button's URL as the person's messenger would, some time after the notification arrived. The
// platforms' pushes (call reports, receipts, replies, playback reports) go the same way.
// TapScheduler is the seam the platforms call (a fake in tests); TimerTapScheduler is the real
// one: asio timers on the io thread, the requests on an event-driven HTTP client (many in flight
// at once, as a city of people tapping at once would be), each logged with what the daemon said.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "channels/async_http.h"
#include "sim/event_log.h"
#include "sim/stats.h"

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
  // Scenario delays are divided by `time_scale` (> 0). Requests go through `http`, which runs on
  // `http_io` (its own thread in jiaoying-sim; the same io_context in tests); at most
  // `max_in_flight` at once, the rest wait their turn. `http`, `log`, `diagnostics` and `stats`
  // must outlive the scheduler.
  TimerTapScheduler(boost::asio::io_context& io, AsyncHttpClient& http, boost::asio::io_context& http_io, EventLog& log,
                    std::ostream& diagnostics, double time_scale, Stats* stats = nullptr, size_t max_in_flight = 64);
  ~TimerTapScheduler() override;

  void schedule(Tap tap) override;

  // Shutdown, on the io thread: taps still waiting are dropped.
  void abandon();

 private:
  void start_next();                 // on http_io
  void finished(const Tap& tap, const HttpResponse& response, std::chrono::steady_clock::time_point began);

  // Constant after construction.
  boost::asio::io_context& io_;
  AsyncHttpClient& http_;
  boost::asio::io_context& http_io_;
  EventLog& log_;
  std::ostream& diagnostics_;
  const double time_scale_;
  Stats* stats_;
  const size_t max_in_flight_;

  // Used on the io thread only.
  std::map<uint64_t, std::unique_ptr<boost::asio::steady_timer>> waiting_;
  uint64_t next_id_ = 0;
  bool abandoned_ = false;

  // Used on http_io only.
  std::deque<Tap> due_;
  size_t in_flight_ = 0;
  bool stopped_ = false;
};

}  // namespace jiaoying::sim
