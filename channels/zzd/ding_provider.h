// DING (钉一下) on Zhezhengding as the provider of the zzd-ding medium: one signed POST of
// /gov/ding/isv/send.json per message, a text DING that rings the person's app (notifyType app)
// or reaches them by SMS through the platform (sms), sent in the name of the duty room's own
// account (the creator). The text ends with the callout's 收到 link, as the card's button opens
// it. The DING API takes no idempotency key, so a DING is at most once: a request whose outcome
// is unknown (timeout, 5xx) is never repeated. A plan uses it only for red and orange warnings
// (rules/plan.h). encode/decode are safe from any thread. docs/protocols/zzd.md.
#pragma once

#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/zzd/open_platform.h"

namespace jiaoying {

struct DingSettings {
  std::string base_url;  // https://openplatform-pro.ding.zj.gov.cn, or the simulator
  zzd::Credentials credentials;
  std::string tenant_id;
  std::string creator;              // the account id the DING is sent in the name of (the duty room's)
  std::string notify_type = "app";  // app: rings the app; sms: the platform texts it
  std::chrono::milliseconds timeout{10'000};
};

class DingProvider final : public HttpProvider {
 public:
  DingProvider(DingSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock);

  const Medium& medium() const override { return *find_medium("zzd-ding"); }
  std::optional<SendResult> refuse(const OutboundMessage& message) const override;
  HttpRequest encode(std::span<const OutboundMessage> batch) const override;
  std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const override;

  // The form parameters of the DING for a message (exposed for tests).
  FormParams ding_params(const OutboundMessage& message) const;

 private:
  const DingSettings settings_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  mutable std::mutex rng_mutex_;
  mutable std::mt19937 rng_;  // protected by rng_mutex_
};

}  // namespace jiaoying
