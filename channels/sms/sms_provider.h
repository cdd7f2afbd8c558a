// The Alibaba Cloud SMS provider of the sms medium: a batch of texts goes out as one SendBatchSms
// (up to 100 numbers, a template parameter each, so every phone keeps its own text and reply
// code), a single text as SendSms; the rendered text fills the approved template's one variable.
// The platform keeps no idempotency key, so SMS is at-most-once like a call: an outcome that is
// unknown (timeout, 5xx) is never sent again — resending on doubt doubles texts (LESSONS.md).
// encode/decode are safe from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/ivr/aliyun_vms.h"

namespace jiaoying {

struct SmsSettings {
  std::string base_url;       // https://dysmsapi.aliyuncs.com, or the simulator
  vms::AccessKey key;
  std::string sign_name;      // the approved signature, shown as 【sign】
  std::string template_code;  // the approved template, one variable ${content}
  size_t batch = 100;         // numbers per request: 1 = SendSms each, up to 100 = SendBatchSms
  std::chrono::milliseconds timeout{10'000};
};

class SmsProvider final : public HttpProvider {
 public:
  SmsProvider(SmsSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock);

  const Medium& medium() const override { return *find_medium("sms"); }
  size_t max_batch() const override { return settings_.batch; }
  std::optional<SendResult> refuse(const OutboundMessage& message) const override;
  HttpRequest encode(std::span<const OutboundMessage> batch) const override;
  std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const override;

  // The SendSms (one message) or SendBatchSms parameters (exposed for tests).
  FormParams send_params(std::span<const OutboundMessage> batch) const;

 private:
  std::string make_nonce() const;

  const SmsSettings settings_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  mutable std::mutex rng_mutex_;
  mutable std::mt19937_64 rng_;  // protected by rng_mutex_
};

}  // namespace jiaoying
