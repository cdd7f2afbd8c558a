#include "channels/webhook/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "channels/zzd/signature.h"

namespace jiaoying::webhook {

namespace json = boost::json;

std::string signature(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string text;
  text.reserve(timestamp.size() + 1 + body.size());
  text.append(timestamp).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xF];
  }
  return out;
}

bool signature_valid(std::string_view secret, std::string_view timestamp, std::string_view body,
                     std::string_view header) {
  return !timestamp.empty() && zzd::equal_constant_time(signature(secret, timestamp, body), header);
}

namespace {

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string deliveries_json(std::span<const Delivery> deliveries) {
  json::array a;
  for (const Delivery& d : deliveries) {
    json::object o{{"id", d.id},         {"warning_id", d.warning_id}, {"level", d.level},
                   {"person", json::object{{"id", d.person_id}, {"name", d.person_name},
                                           {"zzd_account", d.zzd_account}, {"mobile", d.mobile}}},
                   {"title", d.title},   {"text", d.text},             {"ack_url", d.ack_url}};
    if (!d.report_url.empty()) o["report_url"] = d.report_url;
    a.push_back(std::move(o));
  }
  return json::serialize(json::object{{"deliveries", std::move(a)}});
}

std::optional<std::vector<Delivery>> parse_deliveries(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* list = !ec && v.is_object() ? v.as_object().if_contains("deliveries") : nullptr;
  if (!list || !list->is_array()) return std::nullopt;
  std::vector<Delivery> out;
  for (const json::value& e : list->as_array()) {
    if (!e.is_object()) return std::nullopt;
    const json::object& o = e.as_object();
    Delivery d;
    d.id = str(o, "id");
    if (d.id.empty()) return std::nullopt;
    if (const json::value* w = o.if_contains("warning_id"); w && w->is_int64()) d.warning_id = w->as_int64();
    d.level = str(o, "level");
    if (const json::value* p = o.if_contains("person"); p && p->is_object()) {
      d.person_id = str(p->as_object(), "id");
      d.person_name = str(p->as_object(), "name");
      d.zzd_account = str(p->as_object(), "zzd_account");
      d.mobile = str(p->as_object(), "mobile");
    }
    d.title = str(o, "title");
    d.text = str(o, "text");
    d.ack_url = str(o, "ack_url");
    d.report_url = str(o, "report_url");
    out.push_back(std::move(d));
  }
  return out;
}

std::string results_json(std::span<const Result> results) {
  json::array a;
  for (const Result& r : results) {
    json::object o{{"id", r.id}, {"status", r.status}};
    if (!r.error.empty()) o["error"] = r.error;
    a.push_back(std::move(o));
  }
  return json::serialize(json::object{{"results", std::move(a)}});
}

std::optional<std::vector<Result>> parse_results(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* list = !ec && v.is_object() ? v.as_object().if_contains("results") : nullptr;
  if (!list || !list->is_array()) return std::nullopt;
  std::vector<Result> out;
  for (const json::value& e : list->as_array()) {
    if (!e.is_object()) return std::nullopt;
    out.push_back({str(e.as_object(), "id"), str(e.as_object(), "status"), str(e.as_object(), "error")});
  }
  return out;
}

}  // namespace jiaoying::webhook
