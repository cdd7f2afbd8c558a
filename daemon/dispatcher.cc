#include "daemon/dispatcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace jiaoying {

Dispatcher::Dispatcher(boost::asio::io_context& io, Engine& engine,
                       std::map<std::string, Channel*> channels, int senders, BroadcastChannel* broadcast)
    : io_(io),
      engine_(engine),
      channels_(std::move(channels)),
      broadcast_(broadcast),
      senders_(static_cast<size_t>(senders)),
      pool_(static_cast<size_t>(senders)) {}

Dispatcher::~Dispatcher() { pool_.join(); }

void Dispatcher::pump() {
  if (draining_ || in_flight_ >= senders_) return;
  pump_broadcasts();
  if (in_flight_ >= senders_) return;
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
      });
    });
  }
}

// Broadcasts go first: one per warning, and every village's loudspeakers wait on it. Their
// results are recorded one by one (there are few).
void Dispatcher::pump_broadcasts() {
  std::vector<Engine::BroadcastJob> jobs;
  try {
    jobs = engine_.claim_broadcasts(senders_ - in_flight_);
  } catch (const std::exception& e) {
    spdlog::error("claiming broadcasts failed: {}", e.what());
    return;
  }
  for (Engine::BroadcastJob& job : jobs) {
    if (!broadcast_) {
      engine_.complete_broadcast(job.broadcast_id, {SendOutcome::failed, "", "the broadcast channel is not configured"});
      continue;
    }
    ++in_flight_;
    boost::asio::post(pool_, [this, job = std::move(job)] {
      SendResult result;
      try {
        result = broadcast_->send(job.order);
      } catch (const std::exception& e) {
        result = {SendOutcome::retry, "", std::string("sender error: ") + e.what()};
      }
      boost::asio::post(io_, [this, id = job.broadcast_id, result = std::move(result)] {
        --in_flight_;
        try {
          engine_.complete_broadcast(id, result);
        } catch (const std::exception& e) {
          spdlog::error("recording the result of broadcast {} failed: {}", id, e.what());
        }
        if (draining_) {
          if (in_flight_ == 0 && !flush_posted_ && drained_) std::exchange(drained_, nullptr)();
        } else {
          pump();
        }
      });
    });
  }
}

// Results that arrive together are recorded together: flush() runs after every handler already
// queued on the io thread, so a burst of answers costs one transaction.
void Dispatcher::finished(int64_t message_id, SendResult result) {
  results_.push_back({message_id, std::move(result)});
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(io_, [this] { flush(); });
}

void Dispatcher::flush() {
  flush_posted_ = false;
  std::vector<Engine::Completion> batch;
  batch.swap(results_);
  try {
    engine_.complete_messages(batch);
  } catch (const std::exception& e) {
    // The messages stay `sending`; recover() resends them with the same key at the next start.
    spdlog::error("recording the results of {} message(s) failed: {}", batch.size(), e.what());
  }
  if (draining_) {
    if (in_flight_ == 0 && drained_) std::exchange(drained_, nullptr)();
  } else {
    pump();
  }
}

void Dispatcher::drain(std::function<void()> done) {
  draining_ = true;
  if (in_flight_ == 0 && !flush_posted_) {
    done();
    return;
  }
  drained_ = std::move(done);
}

}  // namespace jiaoying
