// The voice platform (Alibaba Cloud VMS, IvrCall) as jiaoying-sim plays it: checks each RPC
// request's HMAC-SHA1 signature and parameters as the real platform does, answers with a CallId,
// logs the call, and — as the person's phone does in the scenario — pushes the VoiceReport
// (status, keys pressed) to jiaoyingd's callback when the call ends. Plain request in,
// response out. Called on the io thread only (not thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"

namespace jiaoying::sim {

class VoicePlatform {
 public:
  // `report_url`: where call reports go (jiaoyingd's /api/v1/callbacks/voice/<token>); empty =
  // calls are placed and logged, but nobody hears how they ended.
  // `scenario_clock` gives scenario time (real time × the time scale); the per-number caps —
  // one call a minute, five an hour, twenty a day — are counted in it.
  using Clock = std::function<std::chrono::milliseconds()>;
  VoicePlatform(Scenario scenario, std::string report_url, EventLog& log, TapScheduler& taps,
                std::ostream& diagnostics, Clock scenario_clock);

  // True for requests this platform serves (POST / with an Action).
  static bool serves(const ServerRequest& request);
  void set_hooks(PlatformHooks hooks) { hooks_ = hooks; }
  ServerResponse handle(const ServerRequest& request);

 private:
  ServerResponse refuse(int status, std::string_view code, const std::string& message, const ServerRequest& request);

  const Scenario scenario_;
  const std::string report_url_;
  EventLog& log_;
  TapScheduler& taps_;
  std::ostream& diagnostics_;
  Clock clock_;
  uint64_t calls_ = 0;
  std::map<std::string, std::deque<std::chrono::milliseconds>> placed_;  // per number, last day
  PlatformHooks hooks_;
};

}  // namespace jiaoying::sim
