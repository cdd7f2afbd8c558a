// A county system taking jiaoying's signed JSON deliveries (the webhook channel), as
// jiaoying-sim plays it: checks the signature and its timestamp, de-duplicates on each delivery's
// id (a resend is answered "duplicate"), logs every delivery, and — as the scenario's people do —
// opens the 收到 link of the person it names (by Zhezhengding account) after their delay.
// Called on the io thread only.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <unordered_set>

#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"

namespace jiaoying::sim {

class WebhookReceiver {
 public:
  WebhookReceiver(Scenario scenario, EventLog& log, TapScheduler& taps, std::ostream& diagnostics);

  bool serves(const ServerRequest& request) const;
  ServerResponse handle(const ServerRequest& request);
  void set_hooks(PlatformHooks hooks) { hooks_ = hooks; }

 private:
  const Scenario scenario_;
  EventLog& log_;
  TapScheduler& taps_;
  std::ostream& diagnostics_;
  PlatformHooks hooks_;
  std::unordered_set<std::string> seen_;                 // delivery ids taken
  std::set<std::pair<std::string, std::string>> tapped_;  // (account, ack_url)
};

}  // namespace jiaoying::sim
