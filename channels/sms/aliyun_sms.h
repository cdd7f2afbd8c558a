// The SMS platform's wire format (Alibaba Cloud SMS, dysmsapi 2017-05-25): SendSms over the same
// signed RPC as the voice platform (vms::make_signed_request), its JSON answer with a BizId, and
// the two pushes the platform makes — SmsReport (delivery receipts) and SmsUpReport (what people
// text back). Pure functions; any thread. docs/protocols/sms.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/form.h"

namespace jiaoying::sms {

inline constexpr std::string_view kActionSendSms = "SendSms";
// Up to 100 numbers in one request, each with its own template parameter (PhoneNumberJson,
// SignNameJson, TemplateParamJson: JSON arrays of the same length).
inline constexpr std::string_view kActionSendBatchSms = "SendBatchSms";
inline constexpr size_t kMaxBatch = 100;
inline constexpr std::string_view kThrottled = "Throttling.User";  // the account's QPS limit

// A mainland mobile number as the platform takes it: 11 digits starting with 1.
bool is_mainland_mobile(std::string_view number);

// How many SMS a text costs: the signature (【sign】) counts; up to 70 characters is one, longer
// texts go in 67-character parts. Characters are Unicode code points.
int segments(std::string_view sign_name, std::string_view text);
size_t characters(std::string_view utf8);
// The platform refuses longer texts (signature included).
inline constexpr size_t kMaxCharacters = 500;

// {"Code":"OK","Message":"OK","BizId":"…","RequestId":"…"}.
struct Answer {
  std::string code;
  std::string message;
  std::string biz_id;
  std::string request_id;
};
std::optional<Answer> parse_answer(std::string_view body);
std::string answer_json(const Answer& answer);
bool is_temporary(std::string_view code);  // per-number limits, a system error: try later
bool is_throttled(std::string_view code);  // the account's rate limit: slow down

// One delivery receipt (SmsReport is a JSON array of these).
struct DeliveryReport {
  std::string phone_number;
  bool success = false;
  std::string err_code;  // "DELIVERED" when delivered; the carrier's code otherwise
  std::string err_msg;
  std::string biz_id;
  std::string out_id;
  std::string report_time;
};
std::optional<std::vector<DeliveryReport>> parse_delivery_reports(std::string_view body);
std::string delivery_reports_json(const std::vector<DeliveryReport>& reports);

// One text sent back by a person (SmsUpReport is a JSON array of these).
struct Reply {
  std::string phone_number;
  std::string content;
  std::string send_time;
  std::string dest_code;
  std::string sequence_id;
};
std::optional<std::vector<Reply>> parse_replies(std::string_view body);
std::string replies_json(const std::vector<Reply>& replies);

// What both pushes expect back once taken: {"code":0,"msg":"接收成功"}.
std::string push_ack();

// The reply code a text starts with ("1", " 2 收到" → 2); nullopt when it starts otherwise.
std::optional<int> reply_code_of(std::string_view content);
// Whether a text says "received" without a code (收到, 收, 已收到, ok, 好).
bool is_bare_receipt(std::string_view content);

}  // namespace jiaoying::sms
