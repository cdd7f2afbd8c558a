// jiaoyingd's log in the journal, with fields an IT officer can filter on:
//   journalctl -u jiaoyingd WARNING_ID=42        everything of note about warning 42
//   journalctl -u jiaoyingd PROVIDER=aliyun-sms  one provider's faults
//   journalctl -u jiaoyingd -p warning           what needs someone's attention
//
// Under systemd, stderr is the journal (JOURNAL_STREAM names it); jiaoyingd's log then goes by
// sd_journal_send, one entry per line: MESSAGE (phone numbers masked), PRIORITY from the level,
// SYSLOG_IDENTIFIER, and WARNING_ID, CALLOUT_ID, CHANNEL, PROVIDER and JIAOYING_EVENT when the
// line is about one (a LogScope on the thread that writes it). Anywhere else the log stays lines
// on stderr, as before.
//
// What the engine does is filed in the audit trail (the events table), not logged line by line;
// the TrailMirror copies the trail's events of note into the log once they are committed — each
// warning's lifecycle, escalations, exhaustions, faults, what was done by hand — on the admin
// thread's connection, so the engine never waits on the journal. The per-person and per-message
// rows stay in the record (`jiaoying report`): a city's 100,000 cards would drown the journal and
// trip its rate limit.
#pragma once

#include <spdlog/common.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jiaoying {

class Views;

// What a log line is about (0 or empty: not about one).
struct LogFields {
  int64_t warning_id = 0, callout_id = 0;
  std::string_view channel, provider, event;
};

// The fields of the lines this thread logs while it lives; scopes nest (the inner one wins).
class LogScope {
 public:
  explicit LogScope(const LogFields& fields);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  const LogFields* previous_;
};
const LogFields* current_log_fields();

// One journal entry as KEY=value strings (what sd_journal_sendv takes).
std::vector<std::string> journal_entry(spdlog::level::level_enum level, std::string_view message,
                                       const LogFields* fields);

// Whether stderr is connected to the journal (systemd's JOURNAL_STREAM: its device and inode).
bool stderr_is_journal();

// Replaces the default logger's sinks by the journal's when stderr is the journal; says which.
void log_to_journal_if_there();

// Copies the audit trail's events of note into the log, a round every `period`, from the events
// committed after start() (history is in the record, not replayed). Runs on `io` (the admin thread).
class TrailMirror {
 public:
  TrailMirror(boost::asio::io_context& io, Views& views,
              std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  void start();
  void stop();
  // One round: logs what was committed since the last; returns how many lines. Tests call it.
  int drain();

 private:
  void arm();

  boost::asio::steady_timer timer_;
  Views& views_;
  std::chrono::milliseconds period_;
  int64_t after_ = 0;
  bool stopped_ = false;
};

}  // namespace jiaoying
