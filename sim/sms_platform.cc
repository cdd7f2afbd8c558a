#include "sim/sms_platform.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/form.h"
#include "channels/ivr/aliyun_vms.h"
#include "channels/sms/aliyun_sms.h"

namespace jiaoying::sim {

namespace json = boost::json;

SmsPlatform::SmsPlatform(Scenario scenario, std::string callback_url, EventLog& log, TapScheduler& taps,
                         std::ostream& diagnostics)
    : scenario_(std::move(scenario)),
      callback_url_(std::move(callback_url)),
      log_(log),
      taps_(taps),
      diagnostics_(diagnostics) {}

bool SmsPlatform::serves(const ServerRequest& request) {
  if (request.method != "POST" || request.path != "/") return false;
  FormParams params;
  return form_decode(request.body, params) && form_get(params, "Action") == sms::kActionSendSms;
}

ServerResponse SmsPlatform::refuse(int status, std::string_view code, const std::string& message,
                                   const ServerRequest& request) {
  diagnostics_ << fmt::format("jiaoying-sim: sms refused {} from {}: {} ({})\n", request.path,
                              request.peer.empty() ? "?" : request.peer, message, code)
               << std::flush;
  return {status, "application/json;charset=utf-8",
          sms::answer_json({std::string(code), message, "", fmt::format("sim-sms-{}", sent_)})};
}

ServerResponse SmsPlatform::handle(const ServerRequest& request) {
  FormParams params;
  form_decode(request.body, params);
  auto get = [&](std::string_view key) { return form_get(params, key); };
  if (!scenario_.voice_key || !scenario_.sms)
    return refuse(404, "InvalidAccessKeyId.NotFound", "no SMS service in this scenario", request);
  if (get("AccessKeyId") != scenario_.voice_key->api_key)
    return refuse(404, vms::kInvalidAccessKey, "Specified access key is not found.", request);
  if (!vms::signature_valid(params, scenario_.voice_key->secret_key))
    return refuse(400, vms::kSignatureMismatch, "Specified signature is not matched with our calculation.", request);
  const std::string phone = get("PhoneNumbers");
  if (phone.size() != 11 || phone[0] != '1' || phone.find_first_not_of("0123456789") != std::string::npos)
    return refuse(200, vms::kBadNumber, "PhoneNumbers must be one mainland mobile number", request);
  if (get("SignName") != scenario_.sms->sign_name) return refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法", request);
  if (get("TemplateCode") != scenario_.sms->template_code)
    return refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法", request);
  std::string text;
  {
    boost::system::error_code ec;
    json::value p = json::parse(get("TemplateParam"), ec);
    const json::value* content = !ec && p.is_object() ? p.as_object().if_contains("content") : nullptr;
    if (!content || !content->is_string())
      return refuse(200, "isv.INVALID_JSON_PARAM", "TemplateParam must be a JSON object with content", request);
    text = content->as_string();
  }
  if (sms::characters(scenario_.sms->sign_name) + 2 + sms::characters(text) > sms::kMaxCharacters)
    return refuse(200, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制", request);
  const std::string out_id = get("OutId");
  ++sent_;
  const std::string biz_id = fmt::format("{:06}^{}", sent_, 1000000000 + sent_);
  log_.write(json::object{{"provider", "sms"},
                          {"endpoint", "SendSms"},
                          {"phone", phone},
                          {"out_id", out_id},
                          {"biz_id", biz_id},
                          {"segments", sms::segments(scenario_.sms->sign_name, text)},
                          {"text", text}});
  if (!callback_url_.empty()) {
    taps_.schedule(Tap{"sms-report:" + biz_id, callback_url_ + "/report", std::chrono::seconds(3), "",
                       sms::delivery_reports_json({{phone, true, "DELIVERED", "用户接收成功", biz_id, out_id, ""}})});
    if (auto it = scenario_.texters.find(phone); it != scenario_.texters.end()) {
      std::string reply = it->second.reply;
      if (reply.empty()) {  // the code the text asks for: "回复2确认收到"
        auto at = text.rfind("回复");
        if (at != std::string::npos) reply = std::to_string(sms::reply_code_of(text.substr(at + 6)).value_or(0));
      }
      taps_.schedule(Tap{"sms-reply:" + biz_id, callback_url_ + "/reply", it->second.after, "",
                         sms::replies_json({{phone, reply, "", "1069000", biz_id}})});
    }
  }
  return {200, "application/json;charset=utf-8",
          sms::answer_json({"OK", "OK", biz_id, fmt::format("sim-sms-{}", sent_)})};
}

}  // namespace jiaoying::sim
