// The phone channel (ivr): each message rings the person's mobile through the voice platform's
// IvrCall — the rendered text is read out (StartCode with {"text": …}) and key 1 confirms. The
// call's outcome arrives later as a VoiceReport on jiaoyingd's callback; key 1 there is an
// answer. Phones are at-most-once: a request whose outcome is unknown (timeout, 5xx) is never
// repeated. Safe to call from several sender threads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <random>

#include "channels/channel.h"
#include "channels/http_client.h"
#include "channels/ivr/aliyun_vms.h"

namespace jiaoying {

struct IvrSettings {
  std::string base_url;      // https://dyvmsapi.aliyuncs.com, or the simulator
  vms::AccessKey key;
  std::string show_number;   // CalledShowNumber: the purchased number people see
  std::string start_code;    // the TTS template read out, with one variable ${text}
  std::string confirm_code;  // played after key 1 ("已确认，谢谢")
  int play_times = 3;        // 1–3
  std::chrono::milliseconds key_timeout{8'000};
  std::chrono::milliseconds timeout{10'000};
};

class IvrChannel final : public Channel {
 public:
  // `wall_clock` gives the real time for the request Timestamp (never the scaled plan clock).
  IvrChannel(IvrSettings settings, HttpClient& http,
             std::function<std::chrono::system_clock::time_point()> wall_clock);

  std::string_view name() const override { return "ivr"; }
  // The mobile, else the fixed line.
  bool can_reach(const OutboundMessage& message) const override {
    return !message.mobile.empty() || !message.landline.empty();
  }
  SendResult send(const OutboundMessage& message) override;

  // The IvrCall parameters for a message (exposed for tests).
  FormParams ivr_call_params(const OutboundMessage& message) const;

 private:
  std::string make_nonce();

  const IvrSettings settings_;
  HttpClient& http_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

// "2026-06-15T02:05:00Z": the RPC Timestamp, UTC.
std::string vms_timestamp(std::chrono::system_clock::time_point t);

}  // namespace jiaoying
