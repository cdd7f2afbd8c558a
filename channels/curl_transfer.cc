#include "channels/curl_transfer.h"

#include <cctype>
#include <mutex>

namespace jiaoying::curl {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One header line at a time ("ETag: \"abc\"\r\n"); the status line and the blank line have no ':'.
size_t append_header(char* data, size_t size, size_t count, void* out) {
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    static_cast<std::vector<Header>*>(out)->emplace_back(std::move(name), std::string(value));
  }
  return size * count;
}

}  // namespace

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Headers prepare(CURL* h, const HttpRequest& request, HttpResponse& response) {
  Headers headers;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  // Expect: 100-continue only adds a round trip on loopback and small bodies.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  // Every option a transfer depends on is set here, so an easy handle can be reused as it is.
  if (request.method != "GET" || !request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, request.unix_socket.empty() ? nullptr : request.unix_socket.c_str());
  return headers;
}

void finish(CURL* h, CURLcode rc, HttpResponse& response) {
  if (rc != CURLE_OK) {
    response.error = curl_easy_strerror(rc);
    response.body.clear();
    response.status = 0;
    response.not_delivered = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                             rc == CURLE_COULDNT_RESOLVE_PROXY;
    return;
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
}

}  // namespace jiaoying::curl
