// The simulator's record of what the platform accepted and what people did, as JSON lines:
// one object per line, each stamped with "time" first and flushed at once so a test reading
// the file sees every line already answered. Thread-safe: the io thread and the tap workers
// both write.
#pragma once

#include <boost/json/object.hpp>
#include <mutex>
#include <ostream>

namespace jiaoying::sim {

class EventLog {
 public:
  // `out` must outlive the log.
  explicit EventLog(std::ostream& out) : out_(out) {}

  // Writes {"time": now (+08:00, ms), ...fields} as one line.
  void write(const boost::json::object& fields);

 private:
  std::mutex mutex_;
  std::ostream& out_;  // protected by mutex_
};

}  // namespace jiaoying::sim
