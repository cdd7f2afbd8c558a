#include "daemon/transport.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <algorithm>
#include <future>
#include <boost/asio/post.hpp>

namespace jiaoying {

namespace asio = boost::asio;

Delivery delivery_of(const HttpResponse& response, std::vector<SendResult> results) {
  Delivery d;
  if (response.transport_failed()) {
    d.fault = true;
    d.fault_detail = "transport: " + response.error;
  } else if (response.status >= 500) {
    d.fault = true;
    d.fault_detail = fmt::format("HTTP {}", response.status);
  } else if (all_doubtful(results)) {
    // Answered, but not with anything the provider's wire means: unwell all the same.
    d.fault = true;
    d.fault_detail = results.front().detail;
  }
  d.results = std::move(results);
  return d;
}

NetworkTransport::NetworkTransport(asio::io_context& home)
    : home_(home), work_(asio::make_work_guard(net_)), client_(std::make_unique<CurlMultiClient>(net_)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "jy-network");  // as top, perf and the benchmark name it
    for (;;) {
      try {
        net_.run();
        return;
      } catch (const std::exception& e) {
        // An adapter threw while encoding or decoding: logged, and the loop goes on.
        spdlog::error("network thread: {}", e.what());
      }
    }
  });
}

NetworkTransport::~NetworkTransport() {
  if (!links_.empty()) {  // closed on their own thread, before the loop they run on stops
    std::promise<void> closed;
    asio::post(net_, [this, &closed] {
      for (const LinkProvider* link : links_) link->stop();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  work_.reset();
  net_.stop();
  thread_.join();
  client_.reset();
}

void NetworkTransport::start_link(const LinkProvider& link, LinkHandlers handlers) {
  // Each event hops to the home thread to be filed, and the verdict hops back to the link.
  auto handled = std::make_shared<LinkHandlers>(std::move(handlers));
  auto back = [this](LinkEvents::Filed filed) {
    return [this, filed = std::move(filed)](bool ok) { asio::post(net_, [filed, ok] { filed(ok); }); };
  };
  // A handler that throws files nothing: the far end is told so and sends it again.
  auto guarded = [](const char* what, const Filed& filed, const std::function<void()>& run) {
    try {
      run();
    } catch (const std::exception& e) {
      spdlog::warn("{} that arrived on a link was not filed (it will come again): {}", what, e.what());
      filed(false);
    }
  };
  LinkEvents events;
  events.receipt = [this, handled, back, guarded](int64_t id, const std::string& phone, const std::string& ref,
                                                  bool delivered, const std::string& code, LinkEvents::Filed filed) {
    asio::post(home_, [=] {
      const Filed told = back(filed);
      if (!handled->receipt) return told(false);
      guarded("a receipt", told, [&] { handled->receipt(id, phone, ref, delivered, code, told); });
    });
  };
  events.reply = [this, handled, back, guarded](const std::string& phone, const std::string& text,
                                                LinkEvents::Filed filed) {
    asio::post(home_, [=] {
      const Filed told = back(filed);
      if (!handled->reply) return told(false);
      guarded("a text", told, [&] { handled->reply(phone, text, told); });
    });
  };
  events.call_ended = [this, handled, back, guarded](const CallEnd& call, LinkEvents::Filed filed) {
    asio::post(home_, [=] {
      const Filed told = back(filed);
      if (!handled->call_ended) return told(false);
      guarded("a call's result", told, [&] { handled->call_ended(call, told); });
    });
  };
  links_.push_back(&link);
  asio::post(net_, [this, &link, events = std::move(events)]() mutable { link.start(net_, std::move(events)); });
}

void NetworkTransport::send(const Provider& provider, std::vector<OutboundMessage> batch, Done done) {
  if (const LinkProvider* link = provider.link()) {
    asio::post(net_, [this, link, batch = std::move(batch), done = std::move(done)]() mutable {
      link->submit(std::move(batch), [this, done = std::move(done)](Delivery d) mutable {
        asio::post(home_, [done = std::move(done), d = std::move(d)]() mutable { done(std::move(d)); });
      });
    });
    return;
  }
  const HttpProvider& http = *provider.http();
  asio::post(net_, [this, &provider = http, batch = std::move(batch), done = std::move(done)]() mutable {
    HttpRequest request;
    try {
      request = provider.encode(batch);
    } catch (const std::exception& e) {
      Delivery d;
      d.results = same_for_all(batch.size(), {SendOutcome::failed, "", std::string("cannot encode: ") + e.what()});
      asio::post(home_, [done = std::move(done), d = std::move(d)]() mutable { done(std::move(d)); });
      return;
    }
    client_->perform(std::move(request), [this, &provider, batch = std::move(batch),
                                          done = std::move(done)](HttpResponse response) mutable {
      Delivery d = delivery_of(response, provider.decode(batch, response));
      asio::post(home_, [done = std::move(done), d = std::move(d)]() mutable { done(std::move(d)); });
    });
  });
}

void NetworkTransport::send(const BroadcastChannel& channel, BroadcastOrder order, Done done) {
  asio::post(net_, [this, &channel, order = std::move(order), done = std::move(done)]() mutable {
    HttpRequest request;
    try {
      request = channel.encode(order);
    } catch (const std::exception& e) {
      Delivery d;
      d.results = {{SendOutcome::failed, "", std::string("cannot encode: ") + e.what()}};
      asio::post(home_, [done = std::move(done), d = std::move(d)]() mutable { done(std::move(d)); });
      return;
    }
    client_->perform(std::move(request), [this, &channel, order = std::move(order),
                                          done = std::move(done)](HttpResponse response) mutable {
      Delivery d = delivery_of(response, {channel.decode(order, response)});
      asio::post(home_, [done = std::move(done), d = std::move(d)]() mutable { done(std::move(d)); });
    });
  });
}

}  // namespace jiaoying
