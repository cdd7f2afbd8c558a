#include "channels/ivr/aliyun_vms.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace jiaoying::vms {

namespace json = boost::json;

std::string percent_encode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string string_to_sign(std::string_view method, const FormParams& params) {
  FormParams sorted;
  for (const auto& p : params)
    if (p.first != "Signature") sorted.push_back(p);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical;
  for (const auto& [k, v] : sorted) {
    if (!canonical.empty()) canonical += '&';
    canonical += percent_encode(k) + "=" + percent_encode(v);
  }
  return std::string(method) + "&%2F&" + percent_encode(canonical);
}

std::string sign(std::string_view access_key_secret, std::string_view text) {
  const std::string key = std::string(access_key_secret) + "&";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &mac_len);
  std::string b64(4 * ((mac_len + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(mac_len));
  b64.resize(static_cast<size_t>(n));
  return b64;
}

HttpRequest make_signed_request(std::string_view base_url, FormParams params, const AccessKey& key,
                                std::string_view timestamp, std::string_view nonce) {
  params.insert(params.end(), {{"AccessKeyId", key.id},
                               {"Format", "JSON"},
                               {"SignatureMethod", "HMAC-SHA1"},
                               {"SignatureNonce", std::string(nonce)},
                               {"SignatureVersion", "1.0"},
                               {"Timestamp", std::string(timestamp)},
                               {"Version", std::string(kApiVersion)}});
  params.push_back({"Signature", sign(key.secret, string_to_sign("POST", params))});
  HttpRequest req;
  req.method = "POST";
  req.url = std::string(base_url) + "/";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = form_encode(params);
  return req;
}

bool signature_valid(const FormParams& params, std::string_view access_key_secret) {
  std::string given;
  for (const auto& [k, v] : params)
    if (k == "Signature") given = v;
  if (given.empty()) return false;
  const std::string expected = sign(access_key_secret, string_to_sign("POST", params));
  if (expected.size() != given.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(expected[i] ^ given[i]);
  return diff == 0;
}

namespace {

std::string string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

}  // namespace

std::optional<Answer> parse_answer(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("Code")) return std::nullopt;
  const json::object& o = v.as_object();
  return Answer{string_at(o, "Code"), string_at(o, "Message"), string_at(o, "RequestId"), string_at(o, "CallId")};
}

std::string answer_json(const Answer& a) {
  json::object o{{"Code", a.code}, {"Message", a.message}, {"RequestId", a.request_id}};
  if (!a.call_id.empty()) o["CallId"] = a.call_id;
  return json::serialize(o);
}

bool is_temporary(std::string_view code) {
  return code == kBusinessLimit || code == kThrottled || code == "ServiceUnavailable" || code == "InternalError";
}

std::optional<std::vector<CallReport>> parse_voice_report(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<CallReport> out;
  for (const json::value& item : v.as_array()) {
    if (!item.is_object()) return std::nullopt;
    const json::object& o = item.as_object();
    CallReport r{string_at(o, "call_id"),    string_at(o, "out_id"), string_at(o, "status_code"),
                 string_at(o, "status_msg"), string_at(o, "dtmf"),   string_at(o, "duration"),
                 string_at(o, "callee")};
    if (r.call_id.empty() || r.status_code.empty()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

std::string voice_report_json(const std::vector<CallReport>& reports) {
  json::array a;
  for (const CallReport& r : reports)
    a.push_back(json::object{{"call_id", r.call_id},
                             {"out_id", r.out_id},
                             {"status_code", r.status_code},
                             {"status_msg", r.status_msg},
                             {"dtmf", r.dtmf},
                             {"duration", r.duration},
                             {"callee", r.callee},
                             {"voice_type", "voice"}});
  return json::serialize(a);
}

std::string voice_report_ack() { return R"({"code":0,"msg":"接收成功"})"; }

std::string call_status_text(std::string_view code) {
  static const std::pair<std::string_view, std::string_view> kCodes[] = {
      {"200000", "heard to the end"},     {"200001", "hung up early"},
      {"200002", "busy"},                 {"200003", "no answer"},
      {"200004", "invalid number"},       {"200005", "unreachable or rejected"},
      {"200007", "out of service area"},  {"200008", "no key pressed in time"},
      {"200010", "phone switched off"},   {"200011", "line suspended"},
      {"200121", "too many concurrent calls"}, {"300000", "key pressed"},
  };
  for (const auto& [c, text] : kCodes)
    if (c == code) return std::string(text);
  return "status " + std::string(code);
}

std::string out_id_of(int64_t message_id) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  uint64_t n = static_cast<uint64_t>(message_id);
  std::string digits;
  do {
    digits += kDigits[n % 36];
    n /= 36;
  } while (n > 0);
  std::reverse(digits.begin(), digits.end());
  return "m" + digits;
}

std::optional<int64_t> message_id_of(std::string_view out_id) {
  if (out_id.size() < 2 || out_id.size() > 15 || out_id[0] != 'm') return std::nullopt;
  uint64_t n = 0;
  for (char c : out_id.substr(1)) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
    if (d < 0 || n > (UINT64_MAX - static_cast<uint64_t>(d)) / 36) return std::nullopt;
    n = n * 36 + static_cast<uint64_t>(d);
  }
  if (n > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(n);
}

}  // namespace jiaoying::vms
