// The Alibaba Cloud voice provider of the ivr medium: each message rings the person's mobile
// (else their fixed line) through IvrCall — the rendered text is read out (StartCode with
// {"text": …}) and key 1 confirms. The call's outcome arrives later as a VoiceReport on
// jiaoyingd's callback; key 1 there is an answer. Phones are at-most-once: a request whose
// outcome is unknown (timeout, 5xx) is never repeated. encode/decode are safe from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/ivr/aliyun_vms.h"

namespace jiaoying {

struct IvrSettings {
  std::string base_url;      // https://dyvmsapi.aliyuncs.com, or the simulator
  vms::AccessKey key;
  std::string show_number;   // CalledShowNumber: the purchased number people see
  std::string start_code;    // the TTS template read out, with one variable ${text}
  std::string confirm_code;  // played after key 1 ("已确认，谢谢")
  // The 六问 spot check's TTS template: variables ${intro} and ${q1}…${q9}, a key read after each
  // question (docs/protocols/voice.md). Empty: spot checks cannot go through this provider.
  std::string spot_check_code;
  int play_times = 3;        // 1–3
  std::chrono::milliseconds key_timeout{8'000};
  std::chrono::milliseconds timeout{10'000};
};

class IvrProvider final : public HttpProvider {
 public:
  // `wall_clock` gives the real time for the request Timestamp (never the scaled plan clock).
  IvrProvider(IvrSettings settings, std::function<std::chrono::system_clock::time_point()> wall_clock);

  const Medium& medium() const override { return *find_medium("ivr"); }
  std::optional<SendResult> refuse(const OutboundMessage& message) const override;
  HttpRequest encode(std::span<const OutboundMessage> batch) const override;
  std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const override;

  // The IvrCall parameters for a message (exposed for tests).
  FormParams ivr_call_params(const OutboundMessage& message) const;

 private:
  std::string make_nonce() const;

  const IvrSettings settings_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  mutable std::mutex rng_mutex_;
  mutable std::mt19937_64 rng_;  // protected by rng_mutex_
};

// "2026-06-15T02:05:00Z": the RPC Timestamp, UTC.
std::string vms_timestamp(std::chrono::system_clock::time_point t);

}  // namespace jiaoying
