// Moves messages from the outbox to the providers, as fast as each provider's configured limits
// allow and no faster. Runs on the io thread with the engine; requests travel on the transport
// (the network thread) and their results come back here, recorded in one transaction per burst.
//
// Per provider: a request budget (rate and burst), a window of requests in flight, a circuit
// breaker. Per medium: its providers in the order configured — the first that is up takes what it
// carries; one that is down passes its traffic to the next (failover), which may carry only the
// higher levels (yellow is shed first when capacity is short: it waits for the provider that
// carries it, visibly). Calls also pass the per-number caps and the per-township cap on calls
// ringing at once. When no provider of a medium is up, its queued notices stop holding their
// ladders (the next rung rings on time) and every warning waiting on it has an event on file.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "channels/breaker.h"
#include "channels/call_limits.h"
#include "channels/provider_limits.h"
#include "channels/throttle.h"
#include "daemon/provider_board.h"
#include "daemon/engine.h"
#include "daemon/metrics.h"
#include "daemon/transport.h"

namespace jiaoying {

// One configured provider, as the dispatcher drives it: people's messages (`provider`) or the
// loudspeakers (`broadcast`).
struct ProviderSlot {
  std::string name;    // as configured: "zzd", "aliyun-sms", "backup-sms"
  std::string medium;  // "sms"
  const Provider* provider = nullptr;
  const BroadcastChannel* broadcast = nullptr;
  ProviderLimits limits;
};

class Dispatcher {
 public:
  using RealClock = std::function<Instant()>;
  Dispatcher(boost::asio::io_context& io, Engine& engine, const Clock& plan_clock, Transport& transport,
             std::vector<ProviderSlot> providers, CallLimitSettings call_limits = {},
             RealClock real_clock = [] { return std::chrono::steady_clock::now(); }, ProviderBoard* board = nullptr);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Claims what every provider may take now and starts it. Cheap when there is nothing to do.
  void pump();
  // Stops claiming; calls `done` on the io thread once nothing is in flight and all is recorded.
  void drain(std::function<void()> done);
  size_t in_flight() const;
  // A call's report arrived: its township's line is free.
  void call_ended(int64_t message_id) { calls_.ended(message_id); }
  std::vector<ProviderStatus> status();
  void publish();  // to the board, when there is one
  // Where each result and each request's time is counted (daemon/metrics.h); null: nowhere.
  void set_metrics(Metrics* metrics) { metrics_ = metrics; }

  // Sends `messages` now by the first provider of `medium` that is not down, outside the outbox:
  // nothing of it is stored, claimed or retried. Only for what must go when the store cannot be
  // written (the storage fault alarm, daemon/storage_watch.h); everything else is queued.
  // `done` is told each message's result. False when no provider of the medium is up.
  using Unrecorded = std::function<void(const OutboundMessage&, const SendResult&)>;
  bool send_unrecorded(const std::string& medium, std::vector<OutboundMessage> messages, Unrecorded done);
  // One message through this very provider, outside the queue and the record (a heartbeat,
  // daemon/heartbeat.h): `done` hears its result, at once if the provider is unknown, refuses
  // it, or is thought down (its breaker open).
  void probe(const std::string& provider, OutboundMessage message, Unrecorded done);
  // The media providers carry people's messages on (zzd, sms, ivr, …), in the order configured.
  std::vector<std::string> people_media() const;

 private:
  struct Lane;
  struct MediumLanes {
    std::string medium;
    const Medium* traits = nullptr;
    std::vector<Lane*> lanes;  // in order of preference
    bool all_down = false;     // last seen: every provider of it down
  };

  // What a pump decided, in its transaction; launched once that has committed (durable first).
  struct Claimed {
    Lane* lane;
    std::vector<SendJob> jobs;
    std::vector<Engine::BroadcastJob> broadcasts;
  };
  void claim_all(Instant now, std::vector<Claimed>& out);
  void claim_medium(MediumLanes& m, Instant now, std::vector<Claimed>& out);
  void claim_broadcasts(Lane& lane, Instant now, std::vector<Claimed>& out);
  void launch(std::vector<Claimed> claimed, Instant now);
  void start(Lane& lane, std::vector<SendJob> jobs, Instant now);
  void finished(Lane& lane, std::vector<int64_t> ids, Delivery delivery, bool broadcast, Instant started);
  void health(Lane& lane, const Delivery& delivery, Instant now);
  void schedule_flush();
  void flush();
  void wake_at(Instant when);
  void check_drained();
  void send_unrecorded_one(Lane& lane, OutboundMessage message, std::shared_ptr<Unrecorded> done);

  boost::asio::io_context& io_;
  Engine& engine_;
  const Clock& plan_clock_;
  Transport& transport_;
  RealClock now_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<MediumLanes> media_;
  CallLimits calls_;
  ProviderBoard* board_;
  Metrics* metrics_ = nullptr;
  boost::asio::steady_timer wake_;
  Instant wake_at_{Instant::max()};
  bool draining_ = false;
  std::function<void()> drained_;
  std::vector<Engine::Completion> results_;  // recorded together by flush()
  bool flush_posted_ = false;  // a flush is posted to run next
  bool flush_armed_ = false;   // a flush waits on flush_timer_
  boost::asio::steady_timer flush_timer_;
  bool again_ = false;  // a provider had room for more than one claim took
  // Results that could not be recorded (the store failed) are kept and tried again from then.
  Instant record_retry_at_ = Instant::min();
};

}  // namespace jiaoying
