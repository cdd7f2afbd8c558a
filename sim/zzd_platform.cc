#include "sim/zzd_platform.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <random>

#include "channels/form.h"
#include "channels/zzd/open_platform.h"
#include "channels/zzd/signature.h"

namespace jiaoying::sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kHealthPath = "/sim/health";

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

ServerResponse json_response(int status, std::string body) {
  return ServerResponse{status, "application/json; charset=utf-8", std::move(body)};
}

// Newlines shown as \n so a string to sign fits on one diagnostic line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

// What the platform needs to know about a validated `msg`.
struct Message {
  std::string type;
  std::string title;
  std::string button_url;  // action_card only: the button people tap
  std::string report_url;  // action_card only: the 回报 button, when the card has one
};

// Checks `msg` as the platform does; on failure returns false and says why in `why`.
bool parse_message(const std::string& text, Message& out, std::string& why) {
  if (text.size() > kMaxMsgBytes) {
    why = fmt::format("msg is {} bytes, over the {}-byte limit", text.size(), kMaxMsgBytes);
    return false;
  }
  boost::system::error_code ec;
  json::value msg = json::parse(text, ec);
  if (ec || !msg.is_object()) {
    why = "msg is not a JSON object";
    return false;
  }
  const json::value* type = msg.as_object().if_contains("msgtype");
  if (!type || !type->is_string()) {
    why = "msg has no msgtype";
    return false;
  }
  out.type = std::string(type->as_string());
  static constexpr std::string_view kTypes[] = {"text", "link", "markdown", "oa", "action_card"};
  if (std::find(std::begin(kTypes), std::end(kTypes), out.type) == std::end(kTypes)) {
    why = "msg.msgtype '" + out.type + "' is not one of text, link, markdown, oa, action_card";
    return false;
  }
  const json::value* body = msg.as_object().if_contains(out.type);
  if (!body || !body->is_object()) {
    why = "msg has no '" + out.type + "' object for its msgtype";
    return false;
  }
  if (const json::value* title = body->as_object().if_contains("title");
      title && title->is_string())
    out.title = std::string(title->as_string());
  if (out.type != "action_card") return true;

  const json::object& card = body->as_object();
  if (out.title.empty()) {
    why = "msg.action_card has no title";
    return false;
  }
  if (const json::value* buttons = card.if_contains("btn_json_list")) {
    if (!buttons->is_array() || buttons->as_array().empty()) {
      why = "msg.action_card.btn_json_list must be a non-empty list";
      return false;
    }
    for (const json::value& button : buttons->as_array()) {
      const json::value* title =
          button.is_object() ? button.as_object().if_contains("title") : nullptr;
      const json::value* url =
          button.is_object() ? button.as_object().if_contains("action_url") : nullptr;
      if (!title || !title->is_string() || !url || !url->is_string() || url->as_string().empty()) {
        why = "each msg.action_card.btn_json_list button needs a title and an action_url";
        return false;
      }
      if (title->as_string() == kReportButtonTitle) {
        out.report_url = std::string(url->as_string());
        continue;
      }
      if (out.button_url.empty() || title->as_string() == kReceivedButtonTitle)
        out.button_url = std::string(url->as_string());
    }
    return true;
  }
  // The single-button form: the whole card is the link.
  if (const json::value* url = card.if_contains("single_url");
      url && url->is_string() && !url->as_string().empty()) {
    out.button_url = std::string(url->as_string());
    return true;
  }
  why = "msg.action_card needs btn_json_list or single_url";
  return false;
}

// Account ids from "1001,1002"; false when empty, too many, or an id is blank.
bool parse_receivers(const std::string& text, std::vector<std::string>& out, std::string& why) {
  out.clear();
  if (text.empty()) {
    why = "receiverIds is missing or empty";
    return false;
  }
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string id =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (id.empty()) {
      why = "receiverIds has an empty id";
      return false;
    }
    out.push_back(std::move(id));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > kMaxReceivers) {
    why = fmt::format("receiverIds has {} ids, over the limit of {}", out.size(), kMaxReceivers);
    return false;
  }
  return true;
}

}  // namespace

ZzdPlatform::ZzdPlatform(Scenario scenario, EventLog& log, TapScheduler& taps,
                         std::ostream& diagnostics)
    : scenario_(std::move(scenario)), log_(log), taps_(taps), diagnostics_(diagnostics) {}

std::string ZzdPlatform::next_id(const char* prefix, uint64_t& counter) {
  return fmt::format("{}{:06}", prefix, ++counter);
}

ServerResponse ZzdPlatform::handle(const ServerRequest& request) {
  std::string request_id = next_id("req-", requests_);
  if (request.method == "POST" && request.path == zzd::kWorkNotificationPath)
    return work_notification(request, request_id);
  if (request.method == "GET" && request.path == zzd::kGetTokenPath)
    return get_token(request, request_id);
  if (request.method == "POST" && request.path == zzd::kDingPath) return ding(request, request_id);
  if (request.method == "GET" && request.path == kHealthPath)
    return json_response(200, R"({"ok":true})");
  return refuse(404, request_id, "NotFound", "no such endpoint", request);
}

ServerResponse ZzdPlatform::refuse(int status, const std::string& request_id, std::string_view code,
                                   const std::string& message, const ServerRequest& request) {
  diagnostics_ << fmt::format("jiaoying-sim: refused {} {} from {}: {} ({})\n", request.method,
                              request.path, request.peer.empty() ? "?" : request.peer, message,
                              code)
               << std::flush;
  return json_response(status, zzd::error_envelope(request_id, code, message));
}

std::optional<ServerResponse> ZzdPlatform::refuse_unsigned(const ServerRequest& request,
                                                           const FormParams& params,
                                                           const std::string& request_id) {
  std::string api_key = request.header(lower(zzd::kHeaderApiKey));
  if (api_key.empty())
    return refuse(401, request_id, zzd::kErrorBadSignature, "missing header apiKey", request);
  if (!zzd::equal_constant_time(api_key, scenario_.credentials.api_key))
    return refuse(401, request_id, zzd::kErrorUnknownApiKey, "unknown apiKey", request);
  for (std::string_view name :
       {zzd::kHeaderTimestamp, zzd::kHeaderNonce, zzd::kHeaderSignature, zzd::kHeaderVersion}) {
    if (request.header(lower(name)).empty())
      return refuse(401, request_id, zzd::kErrorBadSignature, "missing header " + std::string(name),
                    request);
  }
  std::string text =
      zzd::string_to_sign(request.method, request.header(lower(zzd::kHeaderTimestamp)),
                          request.header(lower(zzd::kHeaderNonce)), request.path, params);
  std::string expected = zzd::hmac_sha256_base64(scenario_.credentials.secret_key, text);
  if (!zzd::equal_constant_time(expected, request.header(lower(zzd::kHeaderSignature)))) {
    // The string to sign (no secret in it) is what one compares when a client disagrees.
    diagnostics_ << "jiaoying-sim: the string to sign was: " << one_line(text) << "\n";
    return refuse(401, request_id, zzd::kErrorBadSignature, "signature mismatch", request);
  }
  return std::nullopt;
}

ServerResponse ZzdPlatform::work_notification(const ServerRequest& request,
                                              const std::string& request_id) {
  // The signature covers the form body and any query-string parameters alike.
  FormParams params, query;
  if (!form_decode(request.body, params) || !form_decode(request.query, query))
    return refuse(400, request_id, zzd::kErrorBadParameter,
                  "the body is not application/x-www-form-urlencoded", request);
  params.insert(params.end(), query.begin(), query.end());
  if (auto refusal = refuse_unsigned(request, params, request_id)) return *refusal;

  auto bad = [&](const std::string& why) {
    return refuse(200, request_id, zzd::kErrorBadParameter, why, request);
  };
  std::string tenant = form_get(params, "tenantId");
  if (tenant != scenario_.tenant_id)
    return bad("tenantId '" + tenant + "' is not this tenant (" + scenario_.tenant_id + ")");
  std::vector<std::string> receivers;
  std::string why;
  if (!parse_receivers(form_get(params, "receiverIds"), receivers, why)) return bad(why);
  std::string biz_msg_id = form_get(params, "bizMsgId");
  if (biz_msg_id.empty()) return bad("bizMsgId is missing");
  Message message;
  if (!parse_message(form_get(params, "msg"), message, why)) return bad(why);

  bool duplicate = biz_msg_id_seen(biz_msg_id);
  std::string msg_id = duplicate ? std::string() : next_id("msg-", messages_);
  json::array receiver_list;
  for (const auto& r : receivers) receiver_list.emplace_back(json::string(r));
  json::object entry{{"provider", "zzd"},
                     {"endpoint", zzd::kWorkNotificationPath},
                     {"receivers", std::move(receiver_list)},
                     {"biz_msg_id", biz_msg_id},
                     {"msg_type", message.type},
                     {"title", message.title},
                     {"msg_id", msg_id},
                     {"duplicate", duplicate}};
  if (!message.button_url.empty()) entry["action_url"] = message.button_url;
  if (!message.report_url.empty()) entry["report_url"] = message.report_url;
  log_.write(entry);
  if (duplicate) {
    hooks_.duplicate("zzd");
    diagnostics_ << "jiaoying-sim: duplicate bizMsgId " << biz_msg_id << "\n" << std::flush;
    return json_response(200, zzd::error_envelope(request_id, zzd::kErrorDuplicateBizMsgId,
                                                  "bizMsgId already used"));
  }

  hooks_.taken("zzd", static_cast<int64_t>(receivers.size()));
  // A re-notification of the same callout carries the same URL: the person still answers
  // counting from the first one, so only the first schedules a tap.
  if (!message.button_url.empty()) {
    for (const auto& account : receivers) {
      AnswerDelay delay = scenario_.answer_delay(account);
      if (!delay) continue;
      if (!buttons_seen_.emplace(account, message.button_url).second) continue;
      taps_.schedule(Tap{account, message.button_url, *delay, "", ""});
    }
  }
  // The 回报 report is filed once per area link, counting from the first card that asked.
  if (!message.report_url.empty()) {
    for (const auto& account : receivers) {
      auto it = scenario_.reports.find(account);
      if (it == scenario_.reports.end()) continue;
      if (!buttons_seen_.emplace(account, message.report_url).second) continue;
      const ReportBehaviour& r = it->second;
      FormParams form{{"commander", r.commander},
                      {"villages", std::to_string(r.villages)},
                      {"moved", std::to_string(r.moved)}};
      taps_.schedule(Tap{account, message.report_url, r.after, form_encode(form), ""});
    }
  }
  return json_response(200, zzd::success_envelope(request_id, msg_id));
}

// DING: the signed form of the government gateway's /gov/ding/isv/send.json, checked field by
// field as the zwdd SDK sends it; each DING is logged (the phone rings; the person still answers
// on the card, or by the 收到 link the DING's text carries).
ServerResponse ZzdPlatform::ding(const ServerRequest& request, const std::string& request_id) {
  FormParams params;
  if (!form_decode(request.body, params))
    return refuse(400, request_id, zzd::kErrorBadParameter, "the body is not application/x-www-form-urlencoded", request);
  if (auto refusal = refuse_unsigned(request, params, request_id)) return *refusal;
  auto bad = [&](const std::string& why) { return refuse(200, request_id, zzd::kErrorBadParameter, why, request); };
  if (form_get(params, "tenantId") != scenario_.tenant_id) return bad("tenantId is not this tenant");
  auto object_of = [](const std::string& text) -> std::optional<json::value> {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return std::nullopt;
    return v;
  };
  auto account_of = [](const json::value& v) -> std::string {
    const json::value* id = v.is_object() ? v.as_object().if_contains("accountId") : nullptr;
    if (!id) return "";
    if (id->is_string()) return std::string(id->as_string());
    if (id->is_int64()) return std::to_string(id->as_int64());
    return "";
  };
  auto creator = object_of(form_get(params, "creator"));
  if (!creator || account_of(*creator).empty()) return bad("creator must be a JSON object with accountId");
  auto receivers_json = object_of(form_get(params, "receivers"));
  if (!receivers_json || !receivers_json->is_array() || receivers_json->as_array().empty())
    return bad("receivers must be a JSON array of {accountId}");
  if (receivers_json->as_array().size() > kMaxReceivers) return bad("receivers holds more than 1000 accounts");
  json::array receivers;
  for (const json::value& r : receivers_json->as_array()) {
    const std::string id = account_of(r);
    if (id.empty()) return bad("each receiver needs an accountId");
    receivers.emplace_back(json::string(id));
  }
  const std::string notify = form_get(params, "notifyType");
  if (notify != "app" && notify != "sms") return bad("notifyType must be app or sms");
  if (form_get(params, "textType") != "plaintext" || form_get(params, "bodyType") != "text")
    return bad("only plaintext text DINGs are taken (textType plaintext, bodyType text)");
  auto body = object_of(form_get(params, "body"));
  const json::value* text = body && body->is_object() ? body->as_object().if_contains("text") : nullptr;
  if (!text || !text->is_string() || text->as_string().empty()) return bad("body must be {\"text\": \"…\"}");
  const std::string ding_id = next_id("ding-", dings_);
  const auto count = static_cast<int64_t>(receivers.size());
  log_.write(json::object{{"provider", "zzd-ding"},
                          {"endpoint", zzd::kDingPath},
                          {"receivers", std::move(receivers)},
                          {"creator", account_of(*creator)},
                          {"notify_type", notify},
                          {"ding_id", ding_id},
                          {"text", *text}});
  hooks_.taken("zzd-ding", count);
  return json_response(200, zzd::success_envelope(request_id, ding_id));
}

bool ZzdPlatform::biz_msg_id_seen(const std::string& biz_msg_id) {
  return !biz_msg_ids_.insert(biz_msg_id).second;
}

ServerResponse ZzdPlatform::get_token(const ServerRequest& request, const std::string& request_id) {
  FormParams query;
  if (!form_decode(request.query, query))
    return refuse(400, request_id, zzd::kErrorBadParameter, "the query string is malformed",
                  request);
  std::string key = form_get(query, "appkey");
  std::string secret = form_get(query, "appsecret");
  bool key_ok = zzd::equal_constant_time(key, scenario_.credentials.api_key);
  bool secret_ok = zzd::equal_constant_time(secret, scenario_.credentials.secret_key);
  if (!key_ok || !secret_ok)
    return refuse(401, request_id, zzd::kErrorUnknownApiKey, "unknown appkey or wrong appsecret",
                  request);

  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", random());
  json::object data{{"accessToken", token}, {"expiresIn", 7200}};
  json::object content{{"success", true},
                       {"data", std::move(data)},
                       {"responseCode", "0"},
                       {"responseMessage", "OK"}};
  json::object envelope{
      {"success", true}, {"_RequestId", request_id}, {"content", std::move(content)}};
  log_.write(json::object{{"provider", "zzd"}, {"endpoint", zzd::kGetTokenPath}});
  return json_response(200, json::serialize(envelope));
}

}  // namespace jiaoying::sim
