#include "channels/sms/sms_channel.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/ivr/ivr_channel.h"
#include "channels/sms/aliyun_sms.h"

namespace jiaoying {

SmsChannel::SmsChannel(SmsSettings settings, HttpClient& http,
                       std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)), http_(http), wall_clock_(std::move(wall_clock)), rng_(std::random_device{}()) {}

std::string SmsChannel::make_nonce() {
  std::lock_guard lock(rng_mutex_);
  return fmt::format("{:016x}{:016x}", rng_(), rng_());
}

FormParams SmsChannel::send_sms_params(const OutboundMessage& message) const {
  return {
      {"Action", std::string(sms::kActionSendSms)},
      {"PhoneNumbers", message.mobile},
      {"SignName", settings_.sign_name},
      {"TemplateCode", settings_.template_code},
      {"TemplateParam", boost::json::serialize(boost::json::object{{"content", message.text}})},
      {"OutId", vms::out_id_of(message.message_id)},
  };
}

SendResult SmsChannel::send(const OutboundMessage& message) {
  if (!can_reach(message)) return {SendOutcome::failed, "", "person has no mobile"};
  if (sms::characters(settings_.sign_name) + 2 + sms::characters(message.text) > sms::kMaxCharacters)
    return {SendOutcome::failed, "", fmt::format("the text is longer than {} characters", sms::kMaxCharacters)};
  HttpRequest request = vms::make_signed_request(settings_.base_url, send_sms_params(message), settings_.key,
                                                 vms_timestamp(wall_clock_()), make_nonce());
  request.timeout = settings_.timeout;
  HttpResponse response = http_.perform(request);
  // The platform may have taken it before the answer was lost, and it keeps no key to dedup on.
  if (response.transport_failed())
    return {SendOutcome::unknown, "", "transport: " + response.error + " (the text may have been sent)"};
  if (response.status >= 500)
    return {SendOutcome::unknown, "", fmt::format("HTTP {} (the text may have been sent)", response.status)};
  auto answer = sms::parse_answer(response.body);
  if (!answer) return {SendOutcome::unknown, "", fmt::format("HTTP {}: the answer is not the platform's", response.status)};
  const int parts = sms::segments(settings_.sign_name, message.text);
  if (answer->code == "OK") return {SendOutcome::sent, answer->biz_id, fmt::format("{} SMS", parts)};
  std::string detail = fmt::format("HTTP {} {}: {}", response.status, answer->code, answer->message);
  return {sms::is_temporary(answer->code) ? SendOutcome::retry : SendOutcome::failed, "", detail};
}

}  // namespace jiaoying
