// Wire format of the Zhezhengding open platform, shared by the ZZD channel (client side) and
// jiaoying-sim (server side) so both speak exactly the same thing. Pure; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/form.h"
#include "channels/http_client.h"

namespace jiaoying::zzd {

inline constexpr std::string_view kWorkNotificationPath = "/message/workNotification";
inline constexpr std::string_view kGetTokenPath = "/gettoken.json";
// DING (钉一下) on 浙政钉's government gateway: the zwdd SDK's OapiGovDingIsvSendJsonRequest
// (docs/protocols/zzd.md says what was confirmed and what assumed).
inline constexpr std::string_view kDingPath = "/gov/ding/isv/send.json";

// Header names of the signature scheme.
inline constexpr std::string_view kHeaderApiKey = "apiKey";
inline constexpr std::string_view kHeaderTimestamp = "X-Hmac-Auth-Timestamp";
inline constexpr std::string_view kHeaderNonce = "X-Hmac-Auth-Nonce";
inline constexpr std::string_view kHeaderSignature = "X-Hmac-Auth-Signature";
inline constexpr std::string_view kHeaderVersion = "X-Hmac-Auth-Version";
inline constexpr std::string_view kHeaderIp = "X-Hmac-Auth-IP";
inline constexpr std::string_view kHeaderMac = "X-Hmac-Auth-MAC";

// Error codes the envelope carries in Code / bizErrorCode.
inline constexpr std::string_view kErrorBadSignature = "InvalidSignature";
inline constexpr std::string_view kErrorUnknownApiKey = "InvalidApiKey";
inline constexpr std::string_view kErrorDuplicateBizMsgId = "DuplicateBizMsgId";
inline constexpr std::string_view kErrorBadParameter = "InvalidParameter";
inline constexpr std::string_view kErrorRateLimited = "143103";      // the app's per-minute limit
inline constexpr std::string_view kErrorRateLimitedApi = "143104";   // the API's per-minute limit
inline constexpr std::string_view kErrorUserDailyLimit = "143105";   // this person's daily cap: final today
// The platform asks us to slow down (try again shortly), as opposed to refusing the message.
inline bool is_rate_limit(std::string_view code) { return code == kErrorRateLimited || code == kErrorRateLimitedApi; }

struct Credentials {
  std::string api_key;
  std::string secret_key;
};

// Local time in China (+08:00) with milliseconds: 2026-06-15T02:05:00.000+08:00.
std::string format_timestamp(std::chrono::system_clock::time_point t);

// A signed POST of form parameters to base_url + path. timestamp and nonce are inputs so the
// signature can be tested against a known answer.
HttpRequest make_signed_post(std::string_view base_url, std::string_view path,
                             const FormParams& params, const Credentials& credentials,
                             std::string_view timestamp, std::string_view nonce);

// The parsed response envelope {success, _RequestId, Code, Message, bizErrorCode, content}.
struct Envelope {
  bool success = false;          // the outer flag and, when content is an object, its own flag
  std::string request_id;
  std::string code;              // Code, or bizErrorCode, or content.responseCode on failure
  std::string message;
  std::string data;              // content.data as text (a string value unquoted)
};
// nullopt when the body is not a JSON envelope at all.
std::optional<Envelope> parse_envelope(std::string_view body);

// Builds envelopes (the simulator answers with these).
std::string success_envelope(std::string_view request_id, std::string_view data);
std::string error_envelope(std::string_view request_id, std::string_view code,
                           std::string_view message);

// An action card (msgtype action_card) as the `msg` parameter: buttons stacked vertically
// (btn_orientation 1), each opening its URL in the messenger.
struct CardButton {
  std::string title;
  std::string url;
};
std::string action_card_msg(std::string_view title, std::string_view markdown,
                            const std::vector<CardButton>& buttons);
std::string action_card_msg(std::string_view title, std::string_view markdown,
                            std::string_view button_title, std::string_view button_url);

}  // namespace jiaoying::zzd
