// An HttpClient for channel tests: records every request and answers each with `next`.
#pragma once

#include <vector>

#include "channels/http_client.h"

namespace jiaoying::testing {

class ScriptedHttp final : public HttpClient {
 public:
  explicit ScriptedHttp(HttpResponse first) : next(std::move(first)) {}
  HttpResponse perform(const HttpRequest& request) override {
    requests.push_back(request);
    return next;
  }
  std::vector<HttpRequest> requests;
  HttpResponse next;
};

}  // namespace jiaoying::testing
