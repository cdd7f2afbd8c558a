#include "channels/zzd/zzd_channel.h"

#include <fmt/format.h>

namespace jiaoying {

std::string_view outcome_name(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::sent: return "sent";
    case SendOutcome::duplicate: return "duplicate";
    case SendOutcome::retry: return "retry";
    case SendOutcome::failed: return "failed";
    case SendOutcome::unknown: return "unknown";
  }
  return "unknown";
}

ZzdChannel::ZzdChannel(ZzdSettings settings, HttpClient& http,
                       std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)),
      http_(http),
      wall_clock_(std::move(wall_clock)),
      rng_(std::random_device{}()) {}

std::string ZzdChannel::make_nonce(std::chrono::system_clock::time_point now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::lock_guard lock(rng_mutex_);
  return fmt::format("{}{:04}", ms, rng_() % 10000);
}

FormParams ZzdChannel::work_notification_params(const OutboundMessage& message) const {
  std::vector<zzd::CardButton> buttons{{"收到", message.ack_url}};
  if (!message.report_url.empty()) buttons.push_back({"回报", message.report_url});
  return {
      {"receiverIds", message.zzd_account},
      {"tenantId", settings_.tenant_id},
      {"bizMsgId", message.idem_key},
      {"msg", zzd::action_card_msg(message.title, message.text, buttons)},
  };
}

SendResult ZzdChannel::send(const OutboundMessage& message) {
  if (!can_reach(message)) return {SendOutcome::failed, "", "person has no Zhezhengding account"};
  auto now = wall_clock_();
  HttpRequest request = zzd::make_signed_post(
      settings_.base_url, zzd::kWorkNotificationPath, work_notification_params(message),
      settings_.credentials, zzd::format_timestamp(now), make_nonce(now));
  request.timeout = settings_.timeout;
  HttpResponse response = http_.perform(request);
  if (response.transport_failed()) return {SendOutcome::retry, "", "transport: " + response.error};
  if (response.status >= 500) return {SendOutcome::retry, "", fmt::format("HTTP {}", response.status)};
  auto envelope = zzd::parse_envelope(response.body);
  if (!envelope)
    return {SendOutcome::retry, "", fmt::format("HTTP {}: the answer is not an envelope", response.status)};
  if (envelope->success) return {SendOutcome::sent, envelope->data, ""};
  std::string detail = fmt::format("HTTP {} {}: {}", response.status, envelope->code, envelope->message);
  if (envelope->code == zzd::kErrorDuplicateBizMsgId) return {SendOutcome::duplicate, "", detail};
  if (envelope->code == zzd::kErrorRateLimited || envelope->code == "143104")
    return {SendOutcome::retry, "", detail};
  return {SendOutcome::failed, "", detail};
}

}  // namespace jiaoying
