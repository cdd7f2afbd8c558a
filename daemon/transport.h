// How a provider's requests travel. The dispatcher hands a batch to the transport and gets one
// result per message back on its own (the engine's) thread. NetworkTransport is the real one: a
// network thread running libcurl's multi interface on its own event loop (many requests in
// flight, connections kept alive per provider), where requests are also encoded (signed) and
// answers decoded, off the engine's thread. Tests use a fake that answers when told.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "channels/async_http.h"
#include "channels/broadcast/broadcast_channel.h"
#include "channels/channel.h"

namespace jiaoying {

// What came of one request.
struct Delivery {
  std::vector<SendResult> results;  // one per message, in order
  // The provider itself failed (no answer, 5xx, an answer that could not be read): what its
  // circuit breaker counts. A refusal of one message or a rate limit is not a fault.
  bool fault = false;
  std::string fault_detail;
};

// Whether a provider's answer shows the provider failing rather than answering.
Delivery delivery_of(const HttpResponse& response, std::vector<SendResult> results);

class Transport {
 public:
  virtual ~Transport() = default;
  using Done = std::function<void(Delivery)>;
  // Sends `batch` (which `provider` does not refuse) as one request; `done` runs on the
  // dispatcher's thread. Both the provider and the channel must outlive the request.
  virtual void send(const Provider& provider, std::vector<OutboundMessage> batch, Done done) = 0;
  virtual void send(const BroadcastChannel& channel, BroadcastOrder order, Done done) = 0;
};

class NetworkTransport final : public Transport {
 public:
  // Results are posted to `home` (the engine's io_context).
  explicit NetworkTransport(boost::asio::io_context& home);
  // Stops the network thread; requests still in flight are abandoned (drain the dispatcher first).
  ~NetworkTransport() override;
  NetworkTransport(const NetworkTransport&) = delete;
  NetworkTransport& operator=(const NetworkTransport&) = delete;

  void send(const Provider& provider, std::vector<OutboundMessage> batch, Done done) override;
  void send(const BroadcastChannel& channel, BroadcastOrder order, Done done) override;

 private:
  boost::asio::io_context& home_;
  boost::asio::io_context net_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<CurlMultiClient> client_;  // used on the network thread only
  std::thread thread_;
};

}  // namespace jiaoying
