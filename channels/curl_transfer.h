// One HTTP transfer on a libcurl easy handle, set up the same way for the blocking client
// (CurlHttpClient) and the event-driven one (CurlMultiClient). Internal to channels/.
#pragma once

#include <curl/curl.h>

#include <memory>

#include "channels/http_client.h"

namespace jiaoying::curl {

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Headers = std::unique_ptr<curl_slist, SlistDeleter>;

// Points `easy` at `request` (which must outlive the transfer) and collects the answer into
// `response`. Returns the header list the transfer uses (keep it alive until it ends).
Headers prepare(CURL* easy, const HttpRequest& request, HttpResponse& response);

// Completes `response` once the transfer ended with `rc`: the status, or the transport error.
void finish(CURL* easy, CURLcode rc, HttpResponse& response);

// curl_global_init, once, before any thread uses curl (it is not thread-safe itself).
void init_once();

}  // namespace jiaoying::curl
