// Outbound HTTP without a thread per request: many requests in flight on one thread, each
// answered through a callback. CurlMultiClient is the real one — libcurl's multi interface
// driven by an Asio io_context (curl's sockets are watched through one epoll set that the
// io_context waits on), connections kept alive and reused per host. Every call, and every
// callback, happens on the thread running that io_context (the daemon's network thread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "channels/http_client.h"

namespace jiaoying {

class AsyncHttpClient {
 public:
  virtual ~AsyncHttpClient() = default;
  using Done = std::function<void(HttpResponse)>;
  // Starts `request`; `done` runs later with the answer or the transport failure (status 0),
  // never from inside perform().
  virtual void perform(HttpRequest request, Done done) = 0;
};

class CurlMultiClient final : public AsyncHttpClient {
 public:
  struct Options {
    long max_host_connections = 0;  // 0 = unlimited: the dispatcher's windows bound what is in flight
    long connection_cache = 512;    // idle connections kept for reuse
  };
  explicit CurlMultiClient(boost::asio::io_context& io) : CurlMultiClient(io, Options()) {}
  CurlMultiClient(boost::asio::io_context& io, Options options);
  // Abandons what is still in flight without calling its `done` (the daemon drains first).
  ~CurlMultiClient() override;
  CurlMultiClient(const CurlMultiClient&) = delete;
  CurlMultiClient& operator=(const CurlMultiClient&) = delete;

  void perform(HttpRequest request, Done done) override;
  size_t in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jiaoying
