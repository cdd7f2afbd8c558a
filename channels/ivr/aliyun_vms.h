// The voice platform's wire format (Alibaba Cloud VMS, dyvmsapi 2017-05-25): RPC requests signed
// with HMAC-SHA1 (signature version 1.0), the IvrCall action that rings a phone, reads a text and
// waits for a key, its JSON answer, and the VoiceReport callback that says how each call ended.
// Pure functions; any thread. The rule and its known-answer vector are in docs/protocols/voice.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/form.h"
#include "channels/http_client.h"

namespace jiaoying::vms {

inline constexpr std::string_view kApiVersion = "2017-05-25";
inline constexpr std::string_view kActionIvrCall = "IvrCall";

struct AccessKey {
  std::string id;
  std::string secret;
};

// RFC 3986 percent-encoding, as the RPC signature needs it: A–Z a–z 0–9 - _ . ~ kept, space %20.
std::string percent_encode(std::string_view text);

// METHOD&%2F&percent_encode(k=v&… sorted by key, each percent-encoded); Signature excluded.
std::string string_to_sign(std::string_view method, const FormParams& params);

// Base64(HMAC-SHA1(secret + "&", text)).
std::string sign(std::string_view access_key_secret, std::string_view text);

// The common parameters (AccessKeyId, Format, SignatureMethod, SignatureNonce, SignatureVersion,
// Timestamp "2026-06-15T02:05:00Z", Version) added to `params`, signed, and POSTed as a form to
// `base_url` + "/".
HttpRequest make_signed_request(std::string_view base_url, FormParams params, const AccessKey& key,
                                std::string_view timestamp, std::string_view nonce);

// Whether a received request's Signature matches its other parameters under `secret`.
bool signature_valid(const FormParams& params, std::string_view access_key_secret);

// The platform's answer: {"Code":"OK","Message":"OK","RequestId":"…","CallId":"…"}.
struct Answer {
  std::string code;
  std::string message;
  std::string request_id;
  std::string call_id;
};
std::optional<Answer> parse_answer(std::string_view body);
std::string answer_json(const Answer& answer);

// Codes the platform answers with, and which of them mean "try again later".
inline constexpr std::string_view kOk = "OK";
inline constexpr std::string_view kSignatureMismatch = "SignatureDoesNotMatch";
inline constexpr std::string_view kInvalidAccessKey = "InvalidAccessKeyId.NotFound";
inline constexpr std::string_view kBusinessLimit = "isv.BUSINESS_LIMIT_CONTROL";  // per-number caps
inline constexpr std::string_view kThrottled = "Throttling.User";
inline constexpr std::string_view kInvalidParameters = "isv.INVALID_PARAMETERS";
inline constexpr std::string_view kBadNumber = "isv.MOBILE_NUMBER_ILLEGAL";
bool is_temporary(std::string_view code);

// One entry of a VoiceReport push (a JSON array of these).
struct CallReport {
  std::string call_id;
  std::string out_id;
  std::string status_code;  // "200000" heard to the end, "200003" no answer, … (call_status_text)
  std::string status_msg;
  std::string dtmf;         // the keys pressed, "" if none
  std::string duration;     // seconds, as a string
  std::string callee;
};
// nullopt when the body is not a JSON array of objects with call_id and status_code.
std::optional<std::vector<CallReport>> parse_voice_report(std::string_view body);
std::string voice_report_json(const std::vector<CallReport>& reports);
// What the platform expects back: {"code":0,"msg":"接收成功"}.
std::string voice_report_ack();

// "heard to the end", "no answer", … for a status code; "status <code>" when unknown.
std::string call_status_text(std::string_view status_code);

// OutId is 1–15 bytes: a message id as "m" + base 36 (a 64-bit id fits in 14 bytes).
std::string out_id_of(int64_t message_id);
std::optional<int64_t> message_id_of(std::string_view out_id);

}  // namespace jiaoying::vms
