// How a provider's requests travel. The dispatcher hands a batch to the transport and gets one
// result per message back on its own (the engine's) thread. NetworkTransport is the real one: a
// network thread running libcurl's multi interface on its own event loop (many requests in
// flight, connections kept alive per provider), where requests are also encoded (signed) and
// answers decoded, off the engine's thread; the link providers (CMPP) keep their links on the
// same loop, and what arrives on them is posted to the engine's thread as it arrives. Tests use a
// fake that answers when told.
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

  // What the home thread does with a link's events. Each is told `filed` once it knows (true: on
  // disk, the link acknowledges it to the far end; false: the far end sends it again).
  using Filed = std::function<void(bool)>;
  struct LinkHandlers {
    std::function<void(int64_t message_id, const std::string& phone, const std::string& ref, bool delivered,
                       const std::string& code, Filed filed)>
        receipt;
    std::function<void(const std::string& phone, const std::string& text, Filed filed)> reply;
    std::function<void(const CallEnd& call, Filed filed)> call_ended;
  };
  // Opens `link`'s connection on the network thread; its events are handled on the home thread.
  // The link is stopped (closed) when the transport is destroyed, and must outlive it.
  void start_link(const LinkProvider& link, LinkHandlers handlers);

 private:
  boost::asio::io_context& home_;
  boost::asio::io_context net_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<CurlMultiClient> client_;  // used on the network thread only
  std::vector<const LinkProvider*> links_;   // started; changed on the home thread only
  std::thread thread_;
};

}  // namespace jiaoying
