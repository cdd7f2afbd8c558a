// The Zhezhengding (浙政钉) channel: each message becomes one signed workNotification carrying
// an action card whose 收到 button opens the callout's ack URL. bizMsgId is the message's
// idempotency key, so a resend after a crash is recognised by the platform as a duplicate.
// Safe to call from several sender threads (no shared mutable state besides the RNG lock).
#pragma once

#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/http_client.h"
#include "channels/zzd/open_platform.h"

namespace jiaoying {

struct ZzdSettings {
  std::string base_url;  // https://openplatform-pro.ding.zj.gov.cn, or the simulator
  zzd::Credentials credentials;
  std::string tenant_id;
  std::chrono::milliseconds timeout{10'000};
};

class ZzdChannel final : public Channel {
 public:
  // `wall_clock` gives the real time for signature timestamps (the platform checks them against
  // its own clock, so this is never the engine's scaled clock).
  ZzdChannel(ZzdSettings settings, HttpClient& http,
             std::function<std::chrono::system_clock::time_point()> wall_clock);

  std::string_view name() const override { return "zzd"; }
  bool can_reach(const OutboundMessage& message) const override { return !message.zzd_account.empty(); }
  SendResult send(const OutboundMessage& message) override;

  // The form parameters of the workNotification for a message (exposed for tests).
  FormParams work_notification_params(const OutboundMessage& message) const;

 private:
  std::string make_nonce(std::chrono::system_clock::time_point now);

  ZzdSettings settings_;
  HttpClient& http_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  std::mutex rng_mutex_;
  std::mt19937 rng_;
};

}  // namespace jiaoying
