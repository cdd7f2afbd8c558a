// A small HTTP/1.1 server on Boost.Beast for jiaoyingd (ingest, callbacks, admin API) and
// jiaoying-sim. Beast stays inside http_server.cc so including this header costs nothing.
// All handlers run on the io_context's thread(s) the server was built on; jiaoyingd runs one
// thread, so handlers never race each other. Every read and every write has a deadline and
// every body a limit. A handler answers at once (RequestHandler) or later (AsyncRequestHandler:
// a batch of answers committed together, a simulated provider's latency).
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace jiaoying {

struct ServerRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query, as sent
  std::string path;    // target without the query
  std::string query;   // after '?', not decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer;    // "127.0.0.1:53211", or "unix:alice" (the Unix user, from SO_PEERCRED)

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

struct ServerResponse {
  ServerResponse(int status_ = 200, std::string content_type_ = "application/json; charset=utf-8",
                 std::string body_ = {})
      : status(status_), content_type(std::move(content_type_)), body(std::move(body_)) {}
  int status;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (ETag, …)
  // Close the connection without answering (a simulated connection reset).
  bool drop_connection = false;
};

using RequestHandler = std::function<ServerResponse(const ServerRequest&)>;
// Answers exactly once, on the server's io thread or from any thread (it is posted there).
using Respond = std::function<void(ServerResponse)>;
using AsyncRequestHandler = std::function<void(ServerRequest, Respond)>;

struct ServerLimits {
  size_t body_limit = 1 << 20;                     // larger bodies get 413
  size_t header_limit = 16 << 10;                  // a request line and headers over it get 431
  size_t header_count = 100;                       // and so do more header fields than this
  std::chrono::milliseconds read_timeout{15'000};  // a slow client is dropped (reading, and writing the answer)
  // Connections open at once. At the cap, or when the process runs out of file descriptors, a
  // new connection takes the place of the one that has waited longest for its request (a slow
  // or half-sent one, or a keep-alive left idle); when every connection is being answered, the
  // new one gets 503. So a flood of idle connections never shuts out a good request.
  size_t max_connections = 1024;
};

// Listens until stop(). Construct, then listen_tcp/listen_unix; handlers start at once.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, RequestHandler handler, ServerLimits limits = {});
  HttpServer(boost::asio::io_context& io, AsyncRequestHandler handler, ServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "127.0.0.1:8080" (port 0 picks a free one). Returns the bound port; throws on failure.
  unsigned short listen_tcp(const std::string& host_port);
  // Removes a stale socket file first; mode 0660.
  void listen_unix(const std::string& path);
  // Closes the listeners; sessions in flight finish their current exchange.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port"; false when the port is missing or not a number.
bool split_host_port(const std::string& host_port, std::string& host, unsigned short& port);

}  // namespace jiaoying
