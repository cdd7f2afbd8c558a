#include "channels/zzd/open_platform.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <ctime>

#include "channels/zzd/signature.h"

namespace jiaoying::zzd {

namespace json = boost::json;

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000) + 8 * 3600;  // China has no DST
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+08:00", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

HttpRequest make_signed_post(std::string_view base_url, std::string_view path,
                             const FormParams& params, const Credentials& credentials,
                             std::string_view timestamp, std::string_view nonce) {
  HttpRequest req;
  req.method = "POST";
  req.url = std::string(base_url) + std::string(path);
  req.body = form_encode(params);
  std::string signature =
      hmac_sha256_base64(credentials.secret_key, string_to_sign("POST", timestamp, nonce, path, params));
  req.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
      {std::string(kHeaderApiKey), credentials.api_key},
      {std::string(kHeaderTimestamp), std::string(timestamp)},
      {std::string(kHeaderNonce), std::string(nonce)},
      {std::string(kHeaderSignature), signature},
      {std::string(kHeaderVersion), "1.0"},
      {std::string(kHeaderIp), "127.0.0.1"},
      {std::string(kHeaderMac), "00:00:00:00:00:00"},
  };
  return req;
}

std::optional<Envelope> parse_envelope(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  Envelope env;
  auto text = [](const json::value* p) -> std::string {
    if (!p) return {};
    if (p->is_string()) return std::string(p->as_string());
    if (p->is_null()) return {};
    return json::serialize(*p);
  };
  const json::value* success = o.if_contains("success");
  env.success = success && success->is_bool() && success->as_bool();
  env.request_id = text(o.if_contains("_RequestId"));
  env.code = text(o.if_contains("Code"));
  if (env.code.empty()) env.code = text(o.if_contains("bizErrorCode"));
  env.message = text(o.if_contains("Message"));
  if (const json::value* content = o.if_contains("content")) {
    if (content->is_object()) {
      const auto& c = content->as_object();
      const json::value* inner = c.if_contains("success");
      if (inner && inner->is_bool() && !inner->as_bool()) {
        env.success = false;
        if (env.code.empty()) env.code = text(c.if_contains("responseCode"));
        if (env.message.empty()) env.message = text(c.if_contains("responseMessage"));
      }
      env.data = text(c.if_contains("data"));
    } else {
      env.data = text(content);
    }
  }
  return env;
}

std::string success_envelope(std::string_view request_id, std::string_view data) {
  json::object content{{"success", true},
                       {"data", json::string(data)},
                       {"responseCode", "0"},
                       {"responseMessage", "OK"}};
  json::object o{{"success", true}, {"_RequestId", json::string(request_id)}, {"content", content}};
  return json::serialize(o);
}

std::string error_envelope(std::string_view request_id, std::string_view code,
                           std::string_view message) {
  json::object o{{"success", false},
                 {"_RequestId", json::string(request_id)},
                 {"Code", json::string(code)},
                 {"Message", json::string(message)},
                 {"bizErrorCode", json::string(code)}};
  return json::serialize(o);
}

std::string action_card_msg(std::string_view title, std::string_view markdown,
                            std::string_view button_title, std::string_view button_url) {
  return action_card_msg(title, markdown, {{std::string(button_title), std::string(button_url)}});
}

std::string action_card_msg(std::string_view title, std::string_view markdown,
                            const std::vector<CardButton>& buttons) {
  json::array list;
  for (const CardButton& b : buttons)
    list.push_back(json::object{{"title", json::string(b.title)}, {"action_url", json::string(b.url)}});
  json::object card{{"title", json::string(title)},
                    {"markdown", json::string(markdown)},
                    {"btn_orientation", "1"},
                    {"btn_json_list", std::move(list)}};
  json::object msg{{"msgtype", "action_card"}, {"action_card", card}};
  return json::serialize(msg);
}

}  // namespace jiaoying::zzd
