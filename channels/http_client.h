// Outbound HTTP, behind an interface so tests can swap in a fake (STYLE.md habit 6).
// CurlHttpClient is the real one: one libcurl easy handle per call, so perform() may be
// called from any thread at once. It blocks; callers run it off the engine's thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jiaoying {

using Header = std::pair<std::string, std::string>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host:port/path?query ; with unix_socket, the host is ignored
  std::vector<Header> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
  std::string unix_socket;  // when set, connect to this Unix socket instead of TCP
};

struct HttpResponse {
  int status = 0;        // 0 when no response arrived
  std::string body;
  std::string error;     // transport failure (refused, timeout, …); empty when status != 0
  std::vector<Header> headers = {};  // names lower-cased, in the order received
  // No connection was made (refused, no such host): the request never reached the peer, so even
  // a provider that keeps no idempotency key can be asked again safely.
  bool not_delivered = false;

  bool transport_failed() const { return status == 0; }
  std::string header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
      if (name == lower_name) return value;
    return {};
  }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResponse perform(const HttpRequest& request) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  HttpResponse perform(const HttpRequest& request) override;
};

}  // namespace jiaoying
