#include "channels/sms/sms_provider.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/ivr/ivr_provider.h"
#include "channels/sms/aliyun_sms.h"

namespace jiaoying {

namespace json = boost::json;

SmsProvider::SmsProvider(SmsSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)), wall_clock_(std::move(wall_clock)), rng_(std::random_device{}()) {}

std::string SmsProvider::make_nonce() const {
  std::lock_guard lock(rng_mutex_);
  return fmt::format("{:016x}{:016x}", rng_(), rng_());
}

FormParams SmsProvider::send_params(std::span<const OutboundMessage> batch) const {
  // OutId comes back on every receipt: the (first) message's id, compact enough for any field.
  const std::string out_id = vms::out_id_of(batch.front().message_id);
  if (batch.size() == 1)
    return {
        {"Action", std::string(sms::kActionSendSms)},
        {"PhoneNumbers", batch.front().mobile},
        {"SignName", settings_.sign_name},
        {"TemplateCode", settings_.template_code},
        {"TemplateParam", json::serialize(json::object{{"content", batch.front().text}})},
        {"OutId", out_id},
    };
  json::array phones, signs, params;
  for (const OutboundMessage& m : batch) {
    phones.emplace_back(m.mobile);
    signs.emplace_back(settings_.sign_name);
    params.emplace_back(json::object{{"content", m.text}});
  }
  return {
      {"Action", std::string(sms::kActionSendBatchSms)},
      {"PhoneNumberJson", json::serialize(phones)},
      {"SignNameJson", json::serialize(signs)},
      {"TemplateCode", settings_.template_code},
      {"TemplateParamJson", json::serialize(params)},
      {"OutId", out_id},
  };
}

std::optional<SendResult> SmsProvider::refuse(const OutboundMessage& message) const {
  if (message.mobile.empty()) return SendResult{SendOutcome::failed, "", "person has no mobile"};
  // One bad number refuses a whole SendBatchSms: such a number never joins a batch.
  if (!sms::is_mainland_mobile(message.mobile))
    return SendResult{SendOutcome::failed, "", "the mobile number is not 11 digits starting with 1"};
  if (sms::characters(settings_.sign_name) + 2 + sms::characters(message.text) > sms::kMaxCharacters)
    return SendResult{SendOutcome::failed, "", fmt::format("the text is longer than {} characters", sms::kMaxCharacters)};
  return std::nullopt;
}

HttpRequest SmsProvider::encode(std::span<const OutboundMessage> batch) const {
  HttpRequest request = vms::make_signed_request(settings_.base_url, send_params(batch), settings_.key,
                                                 vms_timestamp(wall_clock_()), make_nonce());
  request.timeout = settings_.timeout;
  return request;
}

std::vector<SendResult> SmsProvider::decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const {
  auto all = [&](SendResult r) { return same_for_all(batch.size(), std::move(r)); };
  if (response.not_delivered) return all({SendOutcome::retry, "", "transport: " + response.error + " (nothing was sent)"});
  // The platform may have taken it before the answer was lost, and it keeps no key to dedup on.
  if (response.transport_failed())
    return all({SendOutcome::unknown, "", "transport: " + response.error + " (the text may have been sent)"});
  if (response.status >= 500)
    return all({SendOutcome::unknown, "", fmt::format("HTTP {} (the text may have been sent)", response.status)});
  auto answer = sms::parse_answer(response.body);
  if (!answer)
    return all({SendOutcome::unknown, "", fmt::format("HTTP {}: the answer is not the platform's", response.status)});
  if (answer->code == "OK") {
    std::vector<SendResult> out;
    for (const OutboundMessage& m : batch)
      out.push_back({SendOutcome::sent, answer->biz_id, fmt::format("{} SMS", sms::segments(settings_.sign_name, m.text))});
    return out;
  }
  std::string detail = fmt::format("HTTP {} {}: {}", response.status, answer->code, answer->message);
  // Refused before sending: nothing went out, so asking again later is safe.
  if (sms::is_throttled(answer->code)) return all({SendOutcome::deferred, "", detail});
  return all({sms::is_temporary(answer->code) ? SendOutcome::retry : SendOutcome::failed, "", detail});
}

}  // namespace jiaoying
