// Requests that change the store (a 收到 link opened, a call report, an SMS reply, a report-back
// filed), answered together: gathered for a moment or until there are `max` of them, run in one
// transaction, each answered once that has committed — a city tapping 收到 costs an fsync a burst,
// not one each (and nobody is told "已确认" before it is on disk). Runs on the engine's io thread.
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

  void add(ServerRequest request, Respond respond);

 private:
  void flush();

  Engine& engine_;
  Work work_;
  const size_t max_;
  const std::chrono::milliseconds window_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::vector<std::pair<ServerRequest, Respond>> pending_;
};

}  // namespace jiaoying
