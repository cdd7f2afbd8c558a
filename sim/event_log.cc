#include "sim/event_log.h"

#include <boost/json/serialize.hpp>
#include <chrono>

#include "channels/zzd/open_platform.h"

namespace jiaoying::sim {

void EventLog::write(const boost::json::object& fields) {
  boost::json::object line;
  line.reserve(fields.size() + 1);
  line["time"] = zzd::format_timestamp(std::chrono::system_clock::now());
  for (const auto& field : fields) line[field.key()] = field.value();
  std::string text = boost::json::serialize(line);
  text += '\n';
  std::lock_guard lock(mutex_);
  out_ << text;
  out_.flush();
}

}  // namespace jiaoying::sim
