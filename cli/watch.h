// `jiaoying watch [WARNING]`: the duty room's live view of a warning (or of every open one),
// redrawn each second on a terminal until the warning ends or Ctrl-C; in a pipe (or with
// -o json) one plain line per change, so it can be logged. Reads the admin API only.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <iosfwd>
#include <string>

#include "cli/admin_client.h"

namespace jiaoying {

struct WatchOptions {
  std::string warning;  // number or identifier; empty = every open warning
  bool json = false;    // one JSON object per change
  bool redraw = false;  // a terminal: redraw the screen (else one line per change)
  bool colour = false;
  std::chrono::milliseconds interval{1000};
};

// Runs until the warning ends (with a warning) or forever (without); 0, or 1 when the daemon
// cannot be reached.
int run_watch(AdminClient& admin, const WatchOptions& options, std::ostream& out, std::ostream& err);

// One screen: the warning, progress overall and per tier, the townships most silent first,
// report-backs overdue, what each provider is doing, the last events. `detail` is
// GET /api/v1/warnings/<id>, `list` GET /api/v1/warnings, `events` …/events?latest=8.
std::string render_watch(const boost::json::value& detail, const boost::json::value& list,
                         const boost::json::value& events, bool colour);
// The plain line of one state of a warning, or its JSON object.
std::string watch_line(const boost::json::value& detail, bool json);

}  // namespace jiaoying
