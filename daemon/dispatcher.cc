#include "daemon/dispatcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace jiaoying {

Dispatcher::Dispatcher(boost::asio::io_context& io, Engine& engine,
                       std::map<std::string, Channel*> channels, int senders)
    : io_(io),
      engine_(engine),
      channels_(std::move(channels)),
      senders_(static_cast<size_t>(senders)),
      pool_(static_cast<size_t>(senders)) {}

Dispatcher::~Dispatcher() { pool_.join(); }

void Dispatcher::pump() {
  if (draining_ || in_flight_ >= senders_) return;
  std::vector<SendJob> jobs;
  try {
    jobs = engine_.claim_messages(senders_ - in_flight_);
  } catch (const std::exception& e) {
    spdlog::error("claiming messages failed: {}", e.what());
    return;
  }
  for (SendJob& job : jobs) {
    auto it = channels_.find(job.channel);
    if (it == channels_.end()) {
      finished(job.message_id, {SendOutcome::failed, "", "channel " + job.channel + " is not configured"});
      continue;
    }
    ++in_flight_;
    Channel* channel = it->second;
    boost::asio::post(pool_, [this, channel, job = std::move(job)] {
      SendResult result;
      try {
        result = channel->send(job.message);
      } catch (const std::exception& e) {
        result = {SendOutcome::retry, "", std::string("sender error: ") + e.what()};
      }
      boost::asio::post(io_, [this, id = job.message_id, result = std::move(result)] {
        --in_flight_;
        finished(id, result);
        if (draining_) {
          if (in_flight_ == 0 && drained_) std::exchange(drained_, nullptr)();
        } else {
          pump();
        }
      });
    });
  }
}

void Dispatcher::finished(int64_t message_id, SendResult result) {
  try {
    engine_.complete_message(message_id, result);
  } catch (const std::exception& e) {
    // The message stays `sending`; recover() resends it with the same key at the next start.
    spdlog::error("recording the result of message {} failed: {}", message_id, e.what());
  }
}

void Dispatcher::drain(std::function<void()> done) {
  draining_ = true;
  if (in_flight_ == 0) {
    done();
    return;
  }
  drained_ = std::move(done);
}

}  // namespace jiaoying
