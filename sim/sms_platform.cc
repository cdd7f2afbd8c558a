#include "sim/sms_platform.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/form.h"
#include "channels/ivr/aliyun_vms.h"
#include "channels/sms/aliyun_sms.h"

namespace jiaoying::sim {

namespace json = boost::json;

SmsPlatform::SmsPlatform(Scenario scenario, std::string callback_url, EventLog& log, TapScheduler& taps,
                         std::ostream& diagnostics, std::string provider)
    : scenario_(std::move(scenario)),
      callback_url_(std::move(callback_url)),
      log_(log),
      taps_(taps),
      diagnostics_(diagnostics),
      provider_(std::move(provider)) {
  if (provider_ == "sms_backup") {
    if (scenario_.sms_backup) {
      service_ = &*scenario_.sms_backup;
      key_ = scenario_.sms_backup->key;
    }
  } else {
    if (scenario_.sms) service_ = &*scenario_.sms;
    key_ = scenario_.voice_key;
  }
}

bool SmsPlatform::serves(const ServerRequest& request) const {
  const std::string path = service_ ? service_->path + "/" : "/";
  if (request.method != "POST" || request.path != path) return false;
  FormParams params;
  if (!form_decode(request.body, params)) return false;
  const std::string action = form_get(params, "Action");
  return action == sms::kActionSendSms || action == sms::kActionSendBatchSms;
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
  if (!key_ || !service_) return refuse(404, "InvalidAccessKeyId.NotFound", "no SMS service in this scenario", request);
  if (get("AccessKeyId") != key_->api_key)
    return refuse(404, vms::kInvalidAccessKey, "Specified access key is not found.", request);
  if (!vms::signature_valid(params, key_->secret_key))
    return refuse(400, vms::kSignatureMismatch, "Specified signature is not matched with our calculation.", request);
  // SendSms: one number, one text; SendBatchSms: JSON arrays of numbers, signatures and
  // template parameters of the same length (up to 100), one text each.
  const bool batch = get("Action") == sms::kActionSendBatchSms;
  std::vector<std::string> phones, signs, texts;
  auto strings = [](const std::string& text, std::vector<std::string>& out) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_array()) return false;
    for (const json::value& e : v.as_array()) {
      if (!e.is_string()) return false;
      out.emplace_back(e.as_string());
    }
    return true;
  };
  auto content = [](const json::value& p) -> std::optional<std::string> {
    const json::value* c = p.is_object() ? p.as_object().if_contains("content") : nullptr;
    if (!c || !c->is_string()) return std::nullopt;
    return std::string(c->as_string());
  };
  if (batch) {
    if (!strings(get("PhoneNumberJson"), phones) || phones.empty())
      return refuse(200, "isv.INVALID_JSON_PARAM", "PhoneNumberJson must be a JSON array of numbers", request);
    if (phones.size() > sms::kMaxBatch)
      return refuse(200, "isv.INVALID_JSON_PARAM", "PhoneNumberJson holds more than 100 numbers", request);
    if (!strings(get("SignNameJson"), signs) || signs.size() != phones.size())
      return refuse(200, "isv.INVALID_JSON_PARAM", "SignNameJson must name a signature for every number", request);
    boost::system::error_code ec;
    json::value params_json = json::parse(get("TemplateParamJson"), ec);
    if (ec || !params_json.is_array() || params_json.as_array().size() != phones.size())
      return refuse(200, "isv.INVALID_JSON_PARAM", "TemplateParamJson must hold a parameter for every number", request);
    for (const json::value& p : params_json.as_array()) {
      auto c = content(p);
      if (!c) return refuse(200, "isv.INVALID_JSON_PARAM", "each TemplateParamJson entry needs content", request);
      texts.push_back(*c);
    }
  } else {
    phones.push_back(get("PhoneNumbers"));
    signs.push_back(get("SignName"));
    boost::system::error_code ec;
    json::value p = json::parse(get("TemplateParam"), ec);
    auto c = ec ? std::nullopt : content(p);
    if (!c) return refuse(200, "isv.INVALID_JSON_PARAM", "TemplateParam must be a JSON object with content", request);
    texts.push_back(*c);
  }
  for (size_t i = 0; i < phones.size(); ++i) {
    if (!sms::is_mainland_mobile(phones[i]))
      return refuse(200, vms::kBadNumber, "PhoneNumbers must be mainland mobile numbers", request);
    if (signs[i] != service_->sign_name) return refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法", request);
    if (sms::characters(service_->sign_name) + 2 + sms::characters(texts[i]) > sms::kMaxCharacters)
      return refuse(200, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制", request);
  }
  if (get("TemplateCode") != service_->template_code)
    return refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法", request);
  const std::string out_id = get("OutId");
  ++sent_;
  const std::string biz_id = fmt::format("{:06}^{}", sent_, 1000000000 + sent_);
  for (size_t i = 0; i < phones.size(); ++i) {
    const std::string& phone = phones[i];
    const std::string& text = texts[i];
    log_.write(json::object{{"provider", provider_},
                            {"endpoint", batch ? "SendBatchSms" : "SendSms"},
                            {"phone", phone},
                            {"out_id", out_id},
                            {"biz_id", biz_id},
                            {"segments", sms::segments(service_->sign_name, text)},
                            {"text", text}});
    hooks_.taken(provider_);
    if (callback_url_.empty()) continue;
    if (!hooks_.lose_receipt(provider_))
      taps_.schedule(Tap{"sms-report:" + biz_id + ":" + phone, callback_url_ + "/report", std::chrono::seconds(3), "",
                         sms::delivery_reports_json({{phone, true, "DELIVERED", "用户接收成功", biz_id, out_id, ""}})});
    if (auto it = scenario_.texters.find(phone); it != scenario_.texters.end()) {
      std::string reply = it->second.reply;
      if (reply.empty()) {  // the code the text asks for: "回复2确认收到"
        auto at = text.rfind("回复");
        if (at != std::string::npos) reply = std::to_string(sms::reply_code_of(text.substr(at + 6)).value_or(0));
      }
      taps_.schedule(Tap{"sms-reply:" + biz_id + ":" + phone, callback_url_ + "/reply", it->second.after, "",
                         sms::replies_json({{phone, reply, "", "1069000", biz_id}})});
    }
  }
  return {200, "application/json;charset=utf-8",
          sms::answer_json({"OK", "OK", biz_id, fmt::format("sim-sms-{}", sent_)})};
}

}  // namespace jiaoying::sim
