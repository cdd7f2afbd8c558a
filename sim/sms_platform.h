// The SMS platform (Alibaba Cloud SMS: SendSms, SendBatchSms) as jiaoying-sim plays it: checks
// the signed RPC request as the real platform does (the voice access key: one cloud account), the
// approved signature and template, the numbers and the length; answers with a BizId; then pushes
// each delivery receipt, and — as the person's phone does in the scenario — their reply (the code
// the text asks for, or their own words) to jiaoyingd's callbacks. A second gateway (the
// scenario's sms_backup) is another instance under its own path with its own key. Called on the
// io thread only.
#pragma once

#include <ostream>
#include <string>

#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"

namespace jiaoying::sim {

class SmsPlatform {
 public:
  // `callback_url`: jiaoyingd's /api/v1/callbacks/sms/<token>; receipts go to …/report, replies to
  // …/reply. Empty = texts are taken and logged, and nobody hears back.
  // `provider` "sms" plays scenario.sms on /, "sms_backup" scenario.sms_backup on its path.
  SmsPlatform(Scenario scenario, std::string callback_url, EventLog& log, TapScheduler& taps, std::ostream& diagnostics,
              std::string provider = "sms");

  // True for requests this platform serves (POST <path>/ with Action=SendSms or SendBatchSms).
  bool serves(const ServerRequest& request) const;
  SmsPlatform(const SmsPlatform&) = delete;  // it points into its own scenario
  SmsPlatform& operator=(const SmsPlatform&) = delete;
  ServerResponse handle(const ServerRequest& request);
  void set_hooks(PlatformHooks hooks) { hooks_ = hooks; }

 private:
  ServerResponse refuse(int status, std::string_view code, const std::string& message, const ServerRequest& request);

  const Scenario scenario_;
  const std::string callback_url_;
  EventLog& log_;
  TapScheduler& taps_;
  std::ostream& diagnostics_;
  const std::string provider_;
  const SmsService* service_ = nullptr;   // in scenario_: the approved signature and template
  std::optional<zzd::Credentials> key_;  // the access key it takes
  uint64_t sent_ = 0;
  PlatformHooks hooks_;
};

}  // namespace jiaoying::sim
