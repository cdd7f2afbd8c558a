// A warning agency's feed server, for poll-feed tests: files of a folder served under /feed/
// with a strong ETag, answering If-None-Match with 304 as real feed servers do. Every request
// is logged. Runs on the sim's io thread.
#pragma once

#include <optional>
#include <string>

#include "channels/http_server.h"
#include "sim/event_log.h"

namespace jiaoying::sim {

class FeedFiles {
 public:
  FeedFiles(std::string dir, EventLog& log) : dir_(std::move(dir)), log_(log) {}

  // nullopt when the path is not under /feed/ (someone else's request).
  std::optional<ServerResponse> handle(const ServerRequest& request);

 private:
  std::string dir_;
  EventLog& log_;
};

}  // namespace jiaoying::sim
