// Engine internals shared by its .cc files (engine.cc: answers and the warning's close;
// engine_ladder.cc: the tick, steps and escalations; engine_outbox.cc: claims, results, holds,
// recovery; engine_ingest.cc: ingest and the lifecycle; engine_reports/broadcast/sms/desk.cc).
// Not for use outside the Engine. What is kept is the store's (daemon/store.h): no SQL here.
#pragma once

#include <fmt/format.h>

#include "daemon/engine.h"

namespace jiaoying {

struct Engine::WarningRow {
  Warning warning;
  std::string areas_zh;
  bool drill = false;  // status exercise: every message says 【演练】
  bool owes_reports = false;  // some area owes a report-back (cards then look up their area's)
};

}  // namespace jiaoying
