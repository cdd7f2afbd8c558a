#include "cli/admin_client.h"

#include <boost/json.hpp>

#include "channels/http_client.h"

namespace jiaoying {

namespace json = boost::json;

std::optional<json::value> AdminClient::get(const std::string& path, std::string& error) {
  return call("GET", path, "", error);
}

std::optional<json::value> AdminClient::post(const std::string& path, const std::string& body, std::string& error,
                                             const std::string& content_type) {
  return call("POST", path, body, error, content_type);
}

std::optional<json::value> AdminClient::call(const std::string& method, const std::string& path,
                                             const std::string& body, std::string& error,
                                             const std::string& content_type) {
  CurlHttpClient http;
  HttpRequest req;
  req.method = method;
  req.url = "http://localhost" + path;
  req.unix_socket = socket_;
  req.body = body;
  req.timeout = std::chrono::seconds(10);
  if (!body.empty()) req.headers.push_back({"Content-Type", content_type});
  HttpResponse resp = http.perform(req);
  if (resp.transport_failed()) {
    error = "cannot reach jiaoyingd at " + socket_ + ": " + resp.error +
            " (is it running? set --socket or JIAOYING_SOCKET)";
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(resp.body, ec);
  if (ec) {
    error = "jiaoyingd answered HTTP " + std::to_string(resp.status) + " with a body that is not JSON";
    return std::nullopt;
  }
  if (resp.status < 200 || resp.status >= 300) {
    const json::value* msg = v.is_object() ? v.as_object().if_contains("error") : nullptr;
    error = msg && msg->is_string() ? std::string(msg->as_string()) : "HTTP " + std::to_string(resp.status);
    return std::nullopt;
  }
  return v;
}

}  // namespace jiaoying
