// The webhook provider: deliveries as jiaoying's own signed JSON (channels/webhook/webhook.h),
// up to `batch` a request, to one configured URL. The receiver de-duplicates on each delivery's
// id (the idempotency key), so a resend after a crash or a lost answer is safe. encode/decode
// are safe from any thread.
#pragma once

#include <chrono>
#include <functional>

#include "channels/channel.h"

namespace jiaoying {

struct WebhookSettings {
  std::string url;     // http(s)://…: where the deliveries are POSTed
  std::string secret;  // HMAC key the receiver checks (≥ 16 characters)
  size_t batch = 100;  // deliveries per request (1–100)
  std::chrono::milliseconds timeout{10'000};
};

class WebhookProvider final : public HttpProvider {
 public:
  WebhookProvider(WebhookSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock);

  const Medium& medium() const override { return *find_medium("webhook"); }
  size_t max_batch() const override { return settings_.batch; }
  std::optional<SendResult> refuse(const OutboundMessage&) const override { return std::nullopt; }
  HttpRequest encode(std::span<const OutboundMessage> batch) const override;
  std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const override;

 private:
  const WebhookSettings settings_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
};

}  // namespace jiaoying
