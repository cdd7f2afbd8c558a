#include "channels/ivr/ivr_provider.h"

#include "rules/spot_check.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/json.hpp>

namespace jiaoying {

std::string vms_timestamp(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(t));
}

IvrProvider::IvrProvider(IvrSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)), wall_clock_(std::move(wall_clock)), rng_(std::random_device{}()) {}

std::string IvrProvider::make_nonce() const {
  std::lock_guard lock(rng_mutex_);
  return fmt::format("{:016x}{:016x}", rng_(), rng_());
}

namespace {

// The mobile; else the landline as the platform takes it, digits only ("0579-00000001" → "057900000001").
std::string called_number(const OutboundMessage& message) {
  if (!message.mobile.empty()) return message.mobile;
  std::string digits;
  for (char c : message.landline)
    if (c >= '0' && c <= '9') digits += c;
  return digits;
}

}  // namespace

FormParams IvrProvider::ivr_call_params(const OutboundMessage& message) const {
  if (is_spot_check_key(message.idem_key)) {
    // The questionnaire: the 六问 template reads the intro and each question, a key after each;
    // the report's keys are the answers in order.
    const Questionnaire q = parse_questionnaire(message.text);
    boost::json::object tts{{"intro", q.intro}};
    for (size_t i = 0; i < q.questions.size(); ++i) tts[fmt::format("q{}", i + 1)] = q.questions[i];
    return {
        {"Action", std::string(vms::kActionIvrCall)},
        {"CalledNumber", called_number(message)},
        {"CalledShowNumber", settings_.show_number},
        {"StartCode", settings_.spot_check_code},
        {"StartTtsParams", boost::json::serialize(tts)},
        {"MenuKeyMap.1.Key", "1"},
        {"MenuKeyMap.1.Code", settings_.confirm_code},
        {"MenuKeyMap.2.Key", "2"},
        {"MenuKeyMap.2.Code", settings_.confirm_code},
        {"PlayTimes", "1"},
        {"Timeout", std::to_string(settings_.key_timeout.count())},
        {"OutId", vms::out_id_of(message.message_id)},
    };
  }
  return {
      {"Action", std::string(vms::kActionIvrCall)},
      {"CalledNumber", called_number(message)},
      {"CalledShowNumber", settings_.show_number},
      {"StartCode", settings_.start_code},
      {"StartTtsParams", boost::json::serialize(boost::json::object{{"text", message.text}})},
      {"MenuKeyMap.1.Key", "1"},
      {"MenuKeyMap.1.Code", settings_.confirm_code},
      {"PlayTimes", std::to_string(settings_.play_times)},
      {"Timeout", std::to_string(settings_.key_timeout.count())},
      {"OutId", vms::out_id_of(message.message_id)},
  };
}

std::optional<SendResult> IvrProvider::refuse(const OutboundMessage& message) const {
  if (called_number(message).empty())
    return SendResult{SendOutcome::failed, "", "person has no mobile or landline to ring"};
  if (is_spot_check_key(message.idem_key) && settings_.spot_check_code.empty())
    return SendResult{SendOutcome::failed, "",
                      "this voice provider has no spot_check_code (the platform's approved 六问 TTS template)"};
  return std::nullopt;
}

HttpRequest IvrProvider::encode(std::span<const OutboundMessage> batch) const {
  HttpRequest request = vms::make_signed_request(settings_.base_url, ivr_call_params(batch.front()), settings_.key,
                                                 vms_timestamp(wall_clock_()), make_nonce());
  request.timeout = settings_.timeout;
  return request;
}

std::vector<SendResult> IvrProvider::decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const {
  auto all = [&](SendResult r) { return same_for_all(batch.size(), std::move(r)); };
  if (response.not_delivered) return all({SendOutcome::retry, "", "transport: " + response.error + " (no call was placed)"});
  // The platform may have placed the call before the answer was lost: never ring twice.
  if (response.transport_failed())
    return all({SendOutcome::unknown, "", "transport: " + response.error + " (the call may have been placed)"});
  if (response.status >= 500)
    return all({SendOutcome::unknown, "", fmt::format("HTTP {} (the call may have been placed)", response.status)});
  auto answer = vms::parse_answer(response.body);
  if (!answer)
    return all({SendOutcome::unknown, "", fmt::format("HTTP {}: the answer is not the platform's", response.status)});
  if (answer->code == vms::kOk) return all({SendOutcome::sent, answer->call_id, ""});
  std::string detail = fmt::format("HTTP {} {}: {}", response.status, answer->code, answer->message);
  // Refused before ringing: the account's rate limit asks us to slow down; a per-number cap may
  // pass, so try again later; anything else is final.
  if (answer->code == vms::kThrottled) return all({SendOutcome::deferred, "", detail});
  return all({vms::is_temporary(answer->code) ? SendOutcome::retry : SendOutcome::failed, "", detail});
}

}  // namespace jiaoying
