// The Zhezhengding (浙政钉) provider of the zzd medium: each message becomes one signed
// workNotification carrying an action card whose 收到 button opens the callout's ack URL.
// bizMsgId is the message's idempotency key, so a resend after a crash is recognised by the
// platform as a duplicate. encode/decode are safe from any thread (the nonce RNG is locked).
#pragma once

#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/zzd/open_platform.h"

namespace jiaoying {

struct ZzdSettings {
  std::string base_url;  // https://openplatform-pro.ding.zj.gov.cn, or the simulator
  zzd::Credentials credentials;
  std::string tenant_id;
  std::chrono::milliseconds timeout{10'000};
};

class ZzdProvider final : public HttpProvider {
 public:
  // `wall_clock` gives the real time for signature timestamps (the platform checks them against
  // its own clock, so this is never the engine's scaled clock).
  ZzdProvider(ZzdSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock);

  const Medium& medium() const override { return *find_medium("zzd"); }
  std::optional<SendResult> refuse(const OutboundMessage& message) const override;
  HttpRequest encode(std::span<const OutboundMessage> batch) const override;
  std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const override;

  // The form parameters of the workNotification for a message (exposed for tests).
  FormParams work_notification_params(const OutboundMessage& message) const;

 private:
  std::string make_nonce(std::chrono::system_clock::time_point now) const;

  const ZzdSettings settings_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  mutable std::mutex rng_mutex_;
  mutable std::mt19937 rng_;  // protected by rng_mutex_
};

}  // namespace jiaoying
