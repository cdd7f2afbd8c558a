#include "channels/http_client.h"

#include "channels/curl_transfer.h"

namespace jiaoying {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

}  // namespace

CurlHttpClient::CurlHttpClient() { curl::init_once(); }

HttpResponse CurlHttpClient::perform(const HttpRequest& request) {
  HttpResponse response;
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    response.error = "curl_easy_init failed";
    return response;
  }
  curl::Headers headers = curl::prepare(easy.get(), request, response);
  curl::finish(easy.get(), curl_easy_perform(easy.get()), response);
  return response;
}

}  // namespace jiaoying
