// The Zhezhengding (浙政钉) open platform as jiaoying-sim plays it: checks each request's HMAC
// signature and parameters the way the real platform does, records what it accepted in the
// event log, and hands the people's 收到 taps to a TapScheduler. Plain request in, response
// out, so tests drive it without sockets. Called on the io thread only (not thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <unordered_set>
#include <string>
#include <utility>

#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"

namespace jiaoying::sim {

// The platform's limits on a work notification.
inline constexpr size_t kMaxReceivers = 1000;
inline constexpr size_t kMaxMsgBytes = 2048;

// The button a person taps on an action card: the one titled this, else the first.
inline constexpr std::string_view kReceivedButtonTitle = "收到";
inline constexpr std::string_view kReportButtonTitle = "回报";

class ZzdPlatform {
 public:
  // Everything passed in must outlive the platform. `diagnostics` gets one line per refused
  // request saying why (the log only holds what was accepted).
  ZzdPlatform(Scenario scenario, EventLog& log, TapScheduler& taps, std::ostream& diagnostics);

  ServerResponse handle(const ServerRequest& request);
  void set_hooks(PlatformHooks hooks) { hooks_ = hooks; }

 private:
  ServerResponse work_notification(const ServerRequest& request, const std::string& request_id);
  ServerResponse get_token(const ServerRequest& request, const std::string& request_id);
  ServerResponse ding(const ServerRequest& request, const std::string& request_id);
  // Empty when the request is signed with the scenario's key; otherwise the refusal.
  std::optional<ServerResponse> refuse_unsigned(const ServerRequest& request,
                                                const FormParams& params,
                                                const std::string& request_id);
  ServerResponse refuse(int status, const std::string& request_id, std::string_view code,
                        const std::string& message, const ServerRequest& request);
  // True when `biz_msg_id` was accepted before; remembers it otherwise.
  bool biz_msg_id_seen(const std::string& biz_msg_id);
  std::string next_id(const char* prefix, uint64_t& counter);

  // Constant after construction.
  const Scenario scenario_;
  EventLog& log_;
  TapScheduler& taps_;
  std::ostream& diagnostics_;

  uint64_t requests_ = 0;
  uint64_t messages_ = 0;
  uint64_t dings_ = 0;
  PlatformHooks hooks_;
  std::unordered_set<std::string> biz_msg_ids_;                 // every bizMsgId accepted so far
  std::set<std::pair<std::string, std::string>> buttons_seen_;  // (account, action_url)
};

}  // namespace jiaoying::sim
