// The SMS platform (Alibaba Cloud SMS, SendSms) as jiaoying-sim plays it: checks the signed RPC
// request as the real platform does (the voice access key: one cloud account), the approved
// signature and template, the number and the length; answers with a BizId; then pushes the
// delivery receipt, and — as the person's phone does in the scenario — their reply (the code the
// text asks for, or their own words) to jiaoyingd's callbacks. Called on the io thread only.
#pragma once

#include <ostream>
#include <string>

#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"

namespace jiaoying::sim {

class SmsPlatform {
 public:
  // `callback_url`: jiaoyingd's /api/v1/callbacks/sms/<token>; receipts go to …/report, replies to
  // …/reply. Empty = texts are taken and logged, and nobody hears back.
  SmsPlatform(Scenario scenario, std::string callback_url, EventLog& log, TapScheduler& taps, std::ostream& diagnostics);

  // True for requests this platform serves (POST / with Action=SendSms).
  static bool serves(const ServerRequest& request);
  ServerResponse handle(const ServerRequest& request);

 private:
  ServerResponse refuse(int status, std::string_view code, const std::string& message, const ServerRequest& request);

  const Scenario scenario_;
  const std::string callback_url_;
  EventLog& log_;
  TapScheduler& taps_;
  std::ostream& diagnostics_;
  uint64_t sent_ = 0;
};

}  // namespace jiaoying::sim
