// Moves claimed messages from the engine to the providers. Runs on the io thread; each
// provider request runs on a sender thread (it blocks on HTTP), and its result is posted back
// to the io thread, so the engine and its database are only ever touched from one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <string>

#include "channels/channel.h"
#include "daemon/engine.h"

namespace jiaoying {

class Dispatcher {
 public:
  // `broadcast` may be null (no broadcast channel configured).
  Dispatcher(boost::asio::io_context& io, Engine& engine, std::map<std::string, Channel*> channels,
             int senders, BroadcastChannel* broadcast = nullptr);
  ~Dispatcher();

  // Claims as many messages as there are free senders and starts them. Cheap when idle.
  void pump();
  // Stops claiming; calls `done` on the io thread once nothing is in flight.
  void drain(std::function<void()> done);
  size_t in_flight() const { return in_flight_; }

 private:
  void finished(int64_t message_id, SendResult result);
  void pump_broadcasts();
  void flush();

  boost::asio::io_context& io_;
  Engine& engine_;
  std::map<std::string, Channel*> channels_;
  BroadcastChannel* broadcast_;
  size_t senders_;
  boost::asio::thread_pool pool_;
  size_t in_flight_ = 0;
  bool draining_ = false;
  std::function<void()> drained_;
  std::vector<Engine::Completion> results_;  // recorded together by flush()
  bool flush_posted_ = false;
};

}  // namespace jiaoying
