#include "sim/voice_platform.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "channels/form.h"
#include "channels/ivr/aliyun_vms.h"

namespace jiaoying::sim {

namespace json = boost::json;

VoicePlatform::VoicePlatform(Scenario scenario, std::string report_url, EventLog& log, TapScheduler& taps,
                             std::ostream& diagnostics, Clock scenario_clock)
    : scenario_(std::move(scenario)),
      report_url_(std::move(report_url)),
      log_(log),
      taps_(taps),
      diagnostics_(diagnostics),
      clock_(std::move(scenario_clock)) {}

bool VoicePlatform::serves(const ServerRequest& request) {
  return request.method == "POST" && request.path == "/";
}

ServerResponse VoicePlatform::refuse(int status, std::string_view code, const std::string& message,
                                     const ServerRequest& request) {
  diagnostics_ << fmt::format("jiaoying-sim: voice refused {} {} from {}: {} ({})\n", request.method, request.path,
                              request.peer.empty() ? "?" : request.peer, message, code)
               << std::flush;
  return {status, "application/json;charset=utf-8",
          vms::answer_json({std::string(code), message, fmt::format("sim-voice-{}", calls_), ""})};
}

ServerResponse VoicePlatform::handle(const ServerRequest& request) {
  FormParams params;
  if (!form_decode(request.body, params)) return refuse(400, "MissingParameter", "the body is not a form", request);
  if (!scenario_.voice_key) return refuse(404, "InvalidAccessKeyId.NotFound", "no voice service in this scenario", request);
  auto get = [&](std::string_view key) { return form_get(params, key); };
  if (get("AccessKeyId") != scenario_.voice_key->api_key)
    return refuse(404, vms::kInvalidAccessKey, "Specified access key is not found.", request);
  if (get("SignatureMethod") != "HMAC-SHA1" || get("SignatureVersion") != "1.0" || get("SignatureNonce").empty() ||
      get("Timestamp").size() != 20 || get("Version") != vms::kApiVersion)
    return refuse(400, "MissingParameter", "common parameters missing or wrong (SignatureMethod, "
                                           "SignatureVersion, SignatureNonce, Timestamp, Version)", request);
  if (!vms::signature_valid(params, scenario_.voice_key->secret_key))
    return refuse(400, vms::kSignatureMismatch, "Specified signature is not matched with our calculation.", request);
  if (get("Action") != vms::kActionIvrCall)
    return refuse(400, "InvalidAction.NotFound", "Specified api is not found: " + get("Action"), request);
  const std::string callee = get("CalledNumber"), out_id = get("OutId");
  // A mainland mobile (11 digits, 1…) or a fixed line with its area code (10–12 digits, 0…).
  const bool digits = !callee.empty() && callee.find_first_not_of("0123456789") == std::string::npos;
  const bool mobile = digits && callee.size() == 11 && callee[0] == '1';
  const bool fixed = digits && callee.size() >= 10 && callee.size() <= 12 && callee[0] == '0';
  if (!mobile && !fixed)
    return refuse(200, vms::kBadNumber, "CalledNumber must be a mainland mobile or fixed-line number", request);
  if (get("CalledShowNumber").empty() || get("StartCode").empty() || get("MenuKeyMap.1.Key").empty())
    return refuse(200, vms::kInvalidParameters, "CalledShowNumber, StartCode and MenuKeyMap are required", request);
  if (out_id.size() > 15) return refuse(200, vms::kInvalidParameters, "OutId is longer than 15 bytes", request);
  // The carrier's caps per called number: 1 a minute, 5 an hour, 20 a day (scenario time).
  {
    using std::chrono::hours;
    using std::chrono::minutes;
    const std::chrono::milliseconds now = clock_();
    auto& placed = placed_[callee];
    while (!placed.empty() && now - placed.front() >= hours(24)) placed.pop_front();
    auto within = [&](std::chrono::milliseconds span) {
      return std::count_if(placed.begin(), placed.end(), [&](auto t) { return now - t < span; });
    };
    if (within(minutes(1)) >= 1 || within(hours(1)) >= 5 || placed.size() >= 20)
      return refuse(200, vms::kBusinessLimit, "触发号码天级流控Permits:1", request);
    placed.push_back(now);
  }
  std::string text;
  size_t questions = 0;  // a 六问 questionnaire: its template's q1…qN, a key read after each
  {
    boost::system::error_code ec;
    json::value tts = json::parse(get("StartTtsParams"), ec);
    if (ec || !tts.is_object())
      return refuse(200, vms::kInvalidParameters, "StartTtsParams must be a JSON object", request);
    if (const json::value* t = tts.as_object().if_contains("text"); t && t->is_string()) text = t->as_string();
    while (tts.as_object().contains(fmt::format("q{}", questions + 1))) ++questions;
    if (questions > 0)
      if (const json::value* t = tts.as_object().if_contains("intro"); t && t->is_string()) text = t->as_string();
  }

  ++calls_;
  const std::string call_id = fmt::format("{:012}^{}", calls_, 100000000 + calls_);
  log_.write(json::object{{"provider", "voice"},
                          {"endpoint", "IvrCall"},
                          {"callee", callee},
                          {"out_id", out_id},
                          {"call_id", call_id},
                          {"questions", questions},
                          {"text", text}});

  // The phone, as the scenario has it: picks up (and maybe presses keys), rings out, or is busy.
  CallBehaviour phone;
  if (auto it = scenario_.phones.find(callee); it != scenario_.phones.end()) phone = it->second;
  vms::CallReport report{call_id, out_id, "200003", "无人接听", "", "0", callee};
  if (phone.kind == CallBehaviour::Kind::busy) {
    report.status_code = "200002";
    report.status_msg = "用户忙";
  } else if (phone.kind == CallBehaviour::Kind::answers) {
    report.status_code = phone.press.empty() ? "200000" : "300000";
    report.status_msg = phone.press.empty() ? "执行完成" : "按键";
    report.dtmf = phone.press;
    report.duration = "25";
  }
  if (questions > 0) {  // the 六问: the person presses their keys, or never picks up
    report = {call_id, out_id, "200003", "无人接听", "", "0", callee};
    Millis after{30'000};
    if (auto keys = scenario_.spot_check_keys(callee, questions)) {
      report.status_code = keys->first.empty() ? "200000" : "300000";
      report.status_msg = keys->first.empty() ? "执行完成" : "按键";
      report.dtmf = keys->first.substr(0, questions);
      report.duration = std::to_string(10 + 8 * questions);
      after = keys->second;
    }
    phone.after = after;
  }
  hooks_.taken("voice");
  if (!report_url_.empty() && !hooks_.lose_receipt("voice"))
    taps_.schedule(Tap{callee, report_url_, phone.after, "", vms::voice_report_json({report})});
  return {200, "application/json;charset=utf-8",
          vms::answer_json({std::string(vms::kOk), "OK", fmt::format("sim-voice-{}", calls_), call_id})};
}

}  // namespace jiaoying::sim
