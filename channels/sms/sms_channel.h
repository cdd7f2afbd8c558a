// The SMS channel: each message goes to the person's mobile through the SMS platform's SendSms,
// the rendered text in the approved template's one variable. The text carries the person's reply
// code ("回复1确认收到"): their answer comes back as an SmsUpReport push. The platform keeps no
// idempotency key, so SMS is at-most-once like a call: an outcome that is unknown (timeout, 5xx)
// is never sent again — resending on doubt doubles texts (LESSONS.md). Safe from several threads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/http_client.h"
#include "channels/ivr/aliyun_vms.h"

namespace jiaoying {

struct SmsSettings {
  std::string base_url;       // https://dysmsapi.aliyuncs.com, or the simulator
  vms::AccessKey key;
  std::string sign_name;      // the approved signature, shown as 【sign】
  std::string template_code;  // the approved template, one variable ${content}
  std::chrono::milliseconds timeout{10'000};
};

class SmsChannel final : public Channel {
 public:
  SmsChannel(SmsSettings settings, HttpClient& http, std::function<std::chrono::system_clock::time_point()> wall_clock);

  std::string_view name() const override { return "sms"; }
  bool can_reach(const OutboundMessage& message) const override { return !message.mobile.empty(); }
  SendResult send(const OutboundMessage& message) override;

  // The SendSms parameters for a message (exposed for tests).
  FormParams send_sms_params(const OutboundMessage& message) const;

 private:
  std::string make_nonce();

  const SmsSettings settings_;
  HttpClient& http_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace jiaoying
