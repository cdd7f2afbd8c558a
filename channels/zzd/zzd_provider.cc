#include "channels/zzd/zzd_provider.h"

#include <fmt/format.h>

namespace jiaoying {

ZzdProvider::ZzdProvider(ZzdSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)), wall_clock_(std::move(wall_clock)), rng_(std::random_device{}()) {}

std::string ZzdProvider::make_nonce(std::chrono::system_clock::time_point now) const {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::lock_guard lock(rng_mutex_);
  return fmt::format("{}{:04}", ms, rng_() % 10000);
}

FormParams ZzdProvider::work_notification_params(const OutboundMessage& message) const {
  std::vector<zzd::CardButton> buttons{{"收到", message.ack_url}};
  if (!message.report_url.empty()) buttons.push_back({"回报", message.report_url});
  return {
      {"receiverIds", message.zzd_account},
      {"tenantId", settings_.tenant_id},
      {"bizMsgId", message.idem_key},
      {"msg", zzd::action_card_msg(message.title, message.text, buttons)},
  };
}

std::optional<SendResult> ZzdProvider::refuse(const OutboundMessage& message) const {
  if (message.zzd_account.empty()) return SendResult{SendOutcome::failed, "", "person has no Zhezhengding account"};
  return std::nullopt;
}

HttpRequest ZzdProvider::encode(std::span<const OutboundMessage> batch) const {
  auto now = wall_clock_();
  HttpRequest request = zzd::make_signed_post(settings_.base_url, zzd::kWorkNotificationPath,
                                              work_notification_params(batch.front()), settings_.credentials,
                                              zzd::format_timestamp(now), make_nonce(now));
  request.timeout = settings_.timeout;
  return request;
}

std::vector<SendResult> ZzdProvider::decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const {
  auto all = [&](SendResult r) { return same_for_all(batch.size(), std::move(r)); };
  // bizMsgId de-duplicates: whatever became of the request, sending it again is safe.
  if (response.transport_failed()) return all({SendOutcome::retry, "", "transport: " + response.error});
  if (response.status == 429) return all({SendOutcome::deferred, "", "HTTP 429: rate limited"});
  if (response.status >= 500) return all({SendOutcome::retry, "", fmt::format("HTTP {}", response.status)});
  auto envelope = zzd::parse_envelope(response.body);
  if (!envelope)
    return all({SendOutcome::retry, "", fmt::format("HTTP {}: the answer is not an envelope", response.status)});
  if (envelope->success) return all({SendOutcome::sent, envelope->data, ""});
  std::string detail = fmt::format("HTTP {} {}: {}", response.status, envelope->code, envelope->message);
  if (envelope->code == zzd::kErrorDuplicateBizMsgId) return all({SendOutcome::duplicate, "", detail});
  if (zzd::is_rate_limit(envelope->code)) return all({SendOutcome::deferred, "", detail});
  return all({SendOutcome::failed, "", detail});
}

}  // namespace jiaoying
