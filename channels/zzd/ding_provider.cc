#include "channels/zzd/ding_provider.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace jiaoying {

namespace json = boost::json;

DingProvider::DingProvider(DingSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)), wall_clock_(std::move(wall_clock)), rng_(std::random_device{}()) {}

FormParams DingProvider::ding_params(const OutboundMessage& message) const {
  std::string text = message.text;
  if (!message.ack_url.empty()) text += "\n确认收到：" + message.ack_url;
  return {
      {"tenantId", settings_.tenant_id},
      {"creator", json::serialize(json::object{{"accountId", settings_.creator}})},
      {"receivers", json::serialize(json::array{json::object{{"accountId", message.zzd_account}}})},
      {"notifyType", settings_.notify_type},
      {"textType", "plaintext"},
      {"bodyType", "text"},
      {"body", json::serialize(json::object{{"text", text}})},
  };
}

std::optional<SendResult> DingProvider::refuse(const OutboundMessage& message) const {
  if (message.zzd_account.empty()) return SendResult{SendOutcome::failed, "", "person has no Zhezhengding account"};
  return std::nullopt;
}

HttpRequest DingProvider::encode(std::span<const OutboundMessage> batch) const {
  const auto now = wall_clock_();
  std::string nonce;
  {
    std::lock_guard lock(rng_mutex_);
    nonce = fmt::format("{}{:04}", std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count(),
                        rng_() % 10000);
  }
  HttpRequest request = zzd::make_signed_post(settings_.base_url, zzd::kDingPath, ding_params(batch.front()),
                                              settings_.credentials, zzd::format_timestamp(now), nonce);
  request.timeout = settings_.timeout;
  return request;
}

std::vector<SendResult> DingProvider::decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const {
  auto all = [&](SendResult r) { return same_for_all(batch.size(), std::move(r)); };
  if (response.not_delivered) return all({SendOutcome::retry, "", "transport: " + response.error + " (nothing was sent)"});
  // No key to dedup on: a DING that may have rung is not rung again.
  if (response.transport_failed())
    return all({SendOutcome::unknown, "", "transport: " + response.error + " (the DING may have rung)"});
  if (response.status == 429) return all({SendOutcome::deferred, "", "HTTP 429: rate limited"});
  if (response.status >= 500)
    return all({SendOutcome::unknown, "", fmt::format("HTTP {} (the DING may have rung)", response.status)});
  auto envelope = zzd::parse_envelope(response.body);
  if (!envelope)
    return all({SendOutcome::unknown, "", fmt::format("HTTP {}: the answer is not an envelope", response.status)});
  if (envelope->success) return all({SendOutcome::sent, envelope->data, "DING"});
  const std::string detail = fmt::format("HTTP {} {}: {}", response.status, envelope->code, envelope->message);
  if (zzd::is_rate_limit(envelope->code)) return all({SendOutcome::deferred, "", detail});
  return all({SendOutcome::failed, "", detail});
}

}  // namespace jiaoying
