// Requests that change the store (a 收到 link opened, a call report, an SMS reply, a report-back
// filed, a receipt or reply arriving on a link), answered together: gathered for a moment or until
// there are `max` of them, run in one transaction, each answered once that has committed — a city
// tapping 收到 costs an fsync a burst, not one each (and nobody is told "已确认" before it is on
// disk). Runs on the engine's io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <vector>

#include "channels/http_server.h"
#include "daemon/engine.h"

namespace jiaoying {

class GroupCommit {
 public:
  using Work = std::function<ServerResponse(const ServerRequest&)>;
  GroupCommit(boost::asio::io_context& io, Engine& engine, Work work, size_t max = 512,
              std::chrono::milliseconds window = std::chrono::milliseconds(2));

  // An HTTP request: `respond` gets what the work said once it committed, 503 when it did not.
  void add(ServerRequest request, Respond respond);
  // Any change: `change` runs inside the burst's transaction; `done` hears afterwards whether it
  // is on disk (true only when `change` returned true and the burst committed).
  void add(std::function<bool()> change, std::function<void(bool)> done);

 private:
  void push(std::function<bool()> change, std::function<void(bool)> done);
  void flush();

  Engine& engine_;
  Work work_;
  const size_t max_;
  const std::chrono::milliseconds window_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::vector<std::pair<std::function<bool()>, std::function<void(bool)>>> pending_;
};

}  // namespace jiaoying
