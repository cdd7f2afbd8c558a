#include "daemon/dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <climits>

#include "daemon/journal.h"
#include "daemon/sqlite.h"

namespace jiaoying {

namespace {

// The most messages one claim takes: a claim is one transaction on the io thread, which also
// answers the duty officer and the people tapping 收到, so it stays short; a provider with room
// for more is pumped again right after.
constexpr size_t kClaimMax = 512;
// How long a provider that said "slow down" is left alone.
constexpr std::chrono::milliseconds kDeferPause{1'000};
// Results are recorded in one transaction once this many are in, or this long after the first
// came: a fan-out's answers arrive a few at a time, and a commit (an fsync) each would cost more
// than everything else the io thread does.
constexpr size_t kFlushAt = 256;
constexpr std::chrono::milliseconds kFlushAfter{3};

// How long results that could not be recorded wait before the next try.
constexpr std::chrono::milliseconds kRecordRetry{1'000};

int priority_floor(const std::optional<Level>& min_level) { return min_level ? static_cast<int>(*min_level) * 10 : 0; }

// A storage fault is said once, loudly, by the StorageWatch; each failed try of it is a debug line.
void log_store_failure(const std::exception& e, const std::string& what) {
  const auto* sqlite = dynamic_cast<const SqliteError*>(&e);
  if (sqlite && sqlite->storage()) spdlog::debug("{} failed (storage fault): {}", what, e.what());
  else spdlog::error("{} failed: {}", what, e.what());
}

}  // namespace

struct Dispatcher::Lane {
  ProviderSlot slot;
  TokenBucket bucket;
  Breaker breaker;
  size_t batch = 1;
  int min_priority = 0;  // the least urgent message it carries (priority = level * 10 + first)
  size_t in_flight = 0;
  Instant paused_until = Instant::min();
  int64_t sent = 0, failed = 0;
  std::string last_fault;
  std::string shown_state = "up";  // as last published, with when it became so
  TimePoint since{};

  explicit Lane(ProviderSlot s)
      : slot(std::move(s)),
        bucket(slot.limits.rate, slot.limits.burst > 0 ? slot.limits.burst : std::max(1.0, slot.limits.rate / 10)),
        breaker(slot.limits.breaker),
        min_priority(priority_floor(slot.limits.min_level)) {
    const size_t wire = slot.provider ? slot.provider->max_batch() : 1;
    batch = std::max<size_t>(1, std::min(wire, slot.limits.batch ? slot.limits.batch : wire));
  }
  std::string label() const { return slot.name == slot.medium ? slot.name : slot.medium + ":" + slot.name; }
};

Dispatcher::Dispatcher(boost::asio::io_context& io, Engine& engine, const Clock& plan_clock, Transport& transport,
                       std::vector<ProviderSlot> providers, CallLimitSettings call_limits, RealClock real_clock,
                       ProviderBoard* board)
    : io_(io),
      engine_(engine),
      plan_clock_(plan_clock),
      transport_(transport),
      now_(std::move(real_clock)),
      calls_(call_limits),
      board_(board),
      wake_(io),
      flush_timer_(io) {
  for (ProviderSlot& slot : providers) {
    lanes_.push_back(std::make_unique<Lane>(std::move(slot)));
    Lane* lane = lanes_.back().get();
    lane->since = plan_clock_.now();
    auto it = std::find_if(media_.begin(), media_.end(), [&](const MediumLanes& m) { return m.medium == lane->slot.medium; });
    if (it == media_.end()) {
      media_.push_back({lane->slot.medium, find_medium(lane->slot.medium), {}, false});
      it = media_.end() - 1;
    }
    it->lanes.push_back(lane);
  }
  // The carriers' caps count calls already placed (a restart must not ring anyone again too soon).
  const TimePoint now = plan_clock_.now();
  for (const PlacedCall& call : engine_.recent_calls(now - std::chrono::hours(24))) {
    calls_.placed(call.message_id, call.number, call.area_code, call.at);
    if (call.ended) calls_.ended(call.message_id);
  }
}

Dispatcher::~Dispatcher() = default;

size_t Dispatcher::in_flight() const {
  size_t n = 0;
  for (const auto& lane : lanes_) n += lane->in_flight;
  return n;
}

void Dispatcher::pump() {
  if (draining_) return;
  const Instant now = now_();
  std::vector<Claimed> claimed;
  try {
    Engine::Batch batch(engine_);
    claim_all(now, claimed);
    batch.commit();
  } catch (const std::exception& e) {
    // The outbox could not be read or written: nothing was claimed, the next pump tries again.
    log_store_failure(e, "claiming messages");
    return;
  }
  launch(std::move(claimed), now);
  publish();
}

void Dispatcher::claim_all(Instant now, std::vector<Claimed>& out) {
  again_ = false;
  for (MediumLanes& m : media_) {
    if (m.traits && m.traits->per_area) {
      for (Lane* lane : m.lanes) claim_broadcasts(*lane, now, out);
    } else {
      claim_medium(m, now, out);
    }
  }
}

void Dispatcher::launch(std::vector<Claimed> claimed, Instant now) {
  for (Claimed& c : claimed) {
    Lane& lane = *c.lane;
    if (!c.jobs.empty()) start(lane, std::move(c.jobs), now);
    for (Engine::BroadcastJob& job : c.broadcasts) {
      ++lane.in_flight;
      lane.bucket.take(1, now);
      lane.breaker.started(now);
      const int64_t id = job.broadcast_id;
      transport_.send(*lane.slot.broadcast, std::move(job.order),
                      [this, &lane, id, now](Delivery d) { finished(lane, {id}, std::move(d), true, now); });
    }
  }
  if (!results_.empty()) schedule_flush();  // refused at once, without a request
  if (again_) boost::asio::post(io_, [this] { pump(); });
}

void Dispatcher::claim_medium(MediumLanes& m, Instant now, std::vector<Claimed>& out) {
  int ceiling = INT_MAX;  // the most urgent priority no provider that is up has taken on yet
  bool any_up = false;
  for (Lane* lane_ptr : m.lanes) {
    Lane& lane = *lane_ptr;
    if (ceiling < lane.min_priority) break;  // everything it carries has a provider that is up
    const Breaker::State state = lane.breaker.state(now);
    if (state == Breaker::State::open) {
      wake_at(lane.breaker.retry_at());
      continue;  // down: the next provider takes its traffic
    }
    any_up = any_up || state == Breaker::State::closed;
    const int top = ceiling;
    // A provider on probation gets one probe; the next provider keeps the traffic meanwhile.
    if (state == Breaker::State::closed) ceiling = lane.min_priority - 1;
    if (now < lane.paused_until) {
      wake_at(lane.paused_until);
      continue;
    }
    const size_t window = lane.slot.limits.concurrency - std::min(lane.in_flight, lane.slot.limits.concurrency);
    const size_t requests = std::min({lane.bucket.available(now), window, lane.breaker.allowance(now)});
    if (requests == 0) {
      if (lane.bucket.available(now) == 0) wake_at(lane.bucket.when_available(1, now));
      continue;
    }
    const size_t want = std::min(kClaimMax, requests * lane.batch);
    ClaimRequest request;
    request.channel = m.medium;
    request.provider = lane.slot.name;
    request.limit = want;
    request.min_priority = lane.min_priority;
    request.max_priority = top;
    if (m.traits && m.traits->rings) {
      request.hold_back = [this](const SendJob& job) -> std::optional<TimePoint> {
        const std::string& number = job.message.mobile.empty() ? job.message.landline : job.message.mobile;
        const TimePoint t = plan_clock_.now();
        if (auto later = calls_.next_allowed(number, job.message.area_code, t)) return later;
        calls_.placed(job.message_id, number, job.message.area_code, t);
        return std::nullopt;
      };
    }
    std::vector<SendJob> jobs = engine_.claim_messages(request);
    if (jobs.size() == want && want == kClaimMax) again_ = true;  // more is waiting and there is room
    if (!jobs.empty()) out.push_back({&lane, std::move(jobs), {}});
  }
  if (!any_up && !m.all_down) {
    m.all_down = true;
    const std::string detail =
        fmt::format("no provider of {} is up: its messages wait, and the ladders they held go on (the next step "
                    "rings on time)", m.medium);
    LogFields fields;
    fields.channel = m.medium;
    LogScope scope(fields);
    spdlog::error("{}", detail);
    engine_.release_holds(m.medium, "channel_down", detail);
  } else if (any_up && m.all_down) {
    m.all_down = false;
  }
}

void Dispatcher::claim_broadcasts(Lane& lane, Instant now, std::vector<Claimed>& out) {
  if (now < lane.paused_until) return wake_at(lane.paused_until);
  const size_t window = lane.slot.limits.concurrency - std::min(lane.in_flight, lane.slot.limits.concurrency);
  const size_t room = std::min({lane.bucket.available(now), window, lane.breaker.allowance(now)});
  if (lane.breaker.state(now) == Breaker::State::open) wake_at(lane.breaker.retry_at());
  if (room == 0) return;
  auto jobs = engine_.claim_broadcasts(room);
  if (!jobs.empty()) out.push_back({&lane, {}, std::move(jobs)});
}

void Dispatcher::start(Lane& lane, std::vector<SendJob> jobs, Instant now) {
  std::vector<OutboundMessage> batch;
  std::vector<int64_t> ids;
  auto send = [&] {
    if (batch.empty()) return;
    ++lane.in_flight;
    lane.bucket.take(1, now);
    lane.breaker.started(now);
    transport_.send(*lane.slot.provider, std::move(batch),
                    [this, &lane, ids = std::move(ids), now](Delivery d) mutable {
                      finished(lane, std::move(ids), std::move(d), false, now);
                    });
    batch.clear();
    ids.clear();
  };
  for (SendJob& job : jobs) {
    // What the provider cannot take at all (no contact, too long) fails now, without a request.
    if (auto refused = lane.slot.provider->refuse(job.message)) {
      if (metrics_) metrics_->message_result(lane.slot.medium, lane.slot.name, outcome_name(refused->outcome));
      results_.push_back({job.message_id, *refused});
      continue;
    }
    ids.push_back(job.message_id);
    batch.push_back(std::move(job.message));
    if (batch.size() == lane.batch) send();
  }
  send();
}

void Dispatcher::health(Lane& lane, const Delivery& d, Instant now) {
  const std::string& medium = lane.slot.medium;
  LogFields fields;
  fields.channel = medium;
  fields.provider = lane.slot.name;
  LogScope scope(fields);  // journalctl PROVIDER=… (daemon/journal.h)
  const Medium* traits = find_medium(medium);
  const std::string who = fmt::format("{} ({}{})", lane.slot.name, traits ? traits->zh : medium,
                                      lane.slot.name == medium ? "" : "，" + medium);
  if (d.fault) {
    ++lane.failed;
    lane.last_fault = d.fault_detail;
    if (lane.breaker.failed(now) == Breaker::Change::opened) {
      const std::string detail = fmt::format("provider {} is down after {} failed requests in a row (last: {}); "
                                             "nothing goes to it for {}, messages wait or go to the next provider",
                                             who, lane.slot.limits.breaker.failures, d.fault_detail,
                                             format_duration(lane.slot.limits.breaker.cool_down));
      spdlog::error("{}", detail);
      engine_.channel_event(medium, "provider_down", lane.label(), detail);
    }
    return;
  }
  ++lane.sent;
  if (lane.breaker.succeeded(now) == Breaker::Change::closed) {
    const std::string detail = fmt::format("provider {} answers again; sending resumes", who);
    spdlog::warn("{}", detail);
    engine_.channel_event(medium, "provider_up", lane.label(), detail);
  }
  for (const SendResult& r : d.results)
    if (r.outcome == SendOutcome::deferred) {
      lane.paused_until = std::max(lane.paused_until, now + kDeferPause);
      break;
    }
}

void Dispatcher::finished(Lane& lane, std::vector<int64_t> ids, Delivery d, bool broadcast, Instant started) {
  --lane.in_flight;
  const Instant now = now_();
  if (metrics_) {
    metrics_->provider_request(lane.slot.name, std::chrono::duration<double>(now - started).count());
    // Tallied per request (a batch is up to 100 messages), then counted once per result.
    std::map<std::string_view, uint64_t> tally;
    for (size_t i = 0; i < ids.size(); ++i)
      ++tally[d.fault ? std::string_view("provider_fault")
              : i < d.results.size() ? outcome_name(d.results[i].outcome)
                                     : std::string_view("no_result")];
    for (const auto& [result, n] : tally) metrics_->message_result(lane.slot.medium, lane.slot.name, result, n);
  }
  try {
    health(lane, d, now);
    if (broadcast) {
      engine_.complete_broadcast(ids.front(), d.results.empty() ? SendResult{} : d.results.front());
    } else {
      for (size_t i = 0; i < ids.size(); ++i)
        results_.push_back({ids[i], i < d.results.size() ? d.results[i]
                                                         : SendResult{SendOutcome::retry, "", "no result for it"}});
    }
  } catch (const std::exception& e) {
    spdlog::error("recording what {} answered failed: {}", lane.label(), e.what());
  }
  schedule_flush();
}

// Results that arrive together are recorded together, with the claims their freed room allows,
// in one transaction: a few milliseconds of answers cost one fsync, not one each.
void Dispatcher::schedule_flush() {
  if (flush_posted_) return;
  if (!draining_ && now_() < record_retry_at_) {  // the last try failed: wait for the next one
    if (flush_armed_) return;
    flush_armed_ = true;
    flush_timer_.expires_at(record_retry_at_);
    flush_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || !flush_armed_) return;
      flush();
    });
    return;
  }
  if (results_.size() >= kFlushAt || draining_) {
    flush_posted_ = true;
    flush_armed_ = false;
    flush_timer_.cancel();
    boost::asio::post(io_, [this] { flush(); });
    return;
  }
  if (flush_armed_) return;
  flush_armed_ = true;
  flush_timer_.expires_after(kFlushAfter);
  flush_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !flush_armed_) return;  // cancelled: a flush was posted instead
    flush();
  });
}

void Dispatcher::flush() {
  flush_posted_ = false;
  flush_armed_ = false;
  flush_timer_.cancel();
  std::vector<Engine::Completion> done;
  done.swap(results_);
  std::vector<Claimed> claimed;
  const Instant now = now_();
  try {
    Engine::Batch batch(engine_);
    engine_.complete_messages(done);
    if (!draining_) claim_all(now, claimed);
    batch.commit();
  } catch (const std::exception& e) {
    // Nothing of it was recorded (the transaction rolled back). The results are kept and tried
    // again in a second, until the store takes them: what a provider answered is not lost while
    // the disk is full. Stopping, they stay `sending` and recover() settles them at the next start.
    log_store_failure(e, fmt::format("recording the results of {} message(s)", done.size()));
    claimed.clear();
    if (!draining_) {
      results_.insert(results_.begin(), std::make_move_iterator(done.begin()), std::make_move_iterator(done.end()));
      record_retry_at_ = now + kRecordRetry;
      schedule_flush();
      return;
    }
  }
  if (draining_) return check_drained();
  launch(std::move(claimed), now);
  publish();
}

void Dispatcher::wake_at(Instant when) {
  if (when >= wake_at_ && wake_at_ > now_()) return;  // an earlier wake is already set
  wake_at_ = when;
  wake_.expires_at(when);
  wake_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    wake_at_ = Instant::max();
    pump();
  });
}

// One message through `lane`, outside the queue and the record: refused at once, or sent alone
// and its first result (or the transport's fault) told to `done`.
void Dispatcher::send_unrecorded_one(Lane& lane, OutboundMessage message, std::shared_ptr<Unrecorded> done) {
  if (auto refused = lane.slot.provider->refuse(message)) return (*done)(message, *refused);
  ++lane.in_flight;
  std::vector<OutboundMessage> one{message};
  transport_.send(*lane.slot.provider, std::move(one),
                  [this, &lane, done = std::move(done), message = std::move(message)](Delivery d) {
                    --lane.in_flight;
                    (*done)(message, d.results.empty() ? SendResult{SendOutcome::retry, "", d.fault_detail}
                                                       : d.results.front());
                    check_drained();
                  });
}

bool Dispatcher::send_unrecorded(const std::string& medium, std::vector<OutboundMessage> messages, Unrecorded done) {
  const Instant now = now_();
  auto m = std::find_if(media_.begin(), media_.end(), [&](const MediumLanes& x) { return x.medium == medium; });
  if (m == media_.end()) return false;
  auto lane = std::find_if(m->lanes.begin(), m->lanes.end(), [&](Lane* l) {
    return l->slot.provider && l->breaker.state(now) != Breaker::State::open;
  });
  if (lane == m->lanes.end()) return false;
  auto shared = std::make_shared<Unrecorded>(std::move(done));
  for (OutboundMessage& message : messages) send_unrecorded_one(**lane, std::move(message), shared);
  return true;
}

void Dispatcher::probe(const std::string& provider, OutboundMessage message, Unrecorded done) {
  auto lane = std::find_if(lanes_.begin(), lanes_.end(),
                           [&](const auto& l) { return l->slot.name == provider && l->slot.provider; });
  if (lane == lanes_.end()) return done(message, {SendOutcome::failed, "", "no such provider"});
  if ((*lane)->breaker.state(now_()) == Breaker::State::open)
    return done(message, {SendOutcome::retry, "", "thought down: its breaker is open after " + (*lane)->last_fault});
  send_unrecorded_one(**lane, std::move(message), std::make_shared<Unrecorded>(std::move(done)));
}

std::vector<std::string> Dispatcher::people_media() const {
  std::vector<std::string> out;
  for (const MediumLanes& m : media_)
    if (!(m.traits && m.traits->per_area)) out.push_back(m.medium);
  return out;
}

void Dispatcher::check_drained() {
  if (draining_ && in_flight() == 0 && !flush_posted_ && !flush_armed_ && drained_)
    std::exchange(drained_, nullptr)();
}

void Dispatcher::drain(std::function<void()> done) {
  draining_ = true;
  wake_.cancel();
  drained_ = std::move(done);
  check_drained();
}

std::vector<ProviderStatus> Dispatcher::status() {
  std::vector<ProviderStatus> out;
  const Instant now = now_();
  for (const auto& lane : lanes_) {
    const std::string state(breaker_state_name(lane->breaker.state(now)));
    if (state != lane->shown_state) {
      lane->shown_state = state;
      lane->since = plan_clock_.now();
    }
    ProviderStatus p;
    p.name = lane->slot.name;
    p.medium = lane->slot.medium;
    p.state = state;
    p.since = lane->since;
    p.in_flight = lane->in_flight;
    p.rate = lane->slot.limits.rate;
    p.requests = lane->sent + lane->failed;
    p.faults = lane->failed;
    p.last_fault = lane->last_fault;
    out.push_back(std::move(p));
  }
  return out;
}

void Dispatcher::publish() {
  if (board_) board_->publish(status());
}

}  // namespace jiaoying
