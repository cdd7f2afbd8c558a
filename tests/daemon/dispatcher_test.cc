// The dispatcher against a fake transport, with both clocks in the test's hands: a provider's
// budget held, red before yellow and first notices before repeats, the breaker opening and
// failover to the next provider (which carries only what its min_level says), rate limits
// deferring rather than failing, and the ladder waiting for a held notice — never step 2 first.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <deque>

#include "daemon/dispatcher.h"
#include "daemon/engine_fixture.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

// A provider of zzd that only names itself: the fake transport answers for it.
class NamedProvider final : public HttpProvider {
 public:
  explicit NamedProvider(std::string name) : name_(std::move(name)) {}
  const Medium& medium() const override { return *find_medium("zzd"); }
  std::optional<SendResult> refuse(const OutboundMessage& m) const override {
    if (m.zzd_account.empty()) return SendResult{SendOutcome::failed, "", "no account"};
    return std::nullopt;
  }
  HttpRequest encode(std::span<const OutboundMessage>) const override { return {"POST", "http://" + name_, {}, "", {}, ""}; }
  std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse&) const override {
    return same_for_all(batch.size(), {SendOutcome::sent, "", ""});
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// Keeps every request until the test answers it.
class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(boost::asio::io_context& io) : io_(io) {}
  struct Pending {
    const NamedProvider* provider;
    std::vector<OutboundMessage> batch;
    Done done;
  };
  void send(const Provider& provider, std::vector<OutboundMessage> batch, Done done) override {
    pending.push_back({static_cast<const NamedProvider*>(&provider), std::move(batch), std::move(done)});
  }
  void send(const BroadcastChannel&, BroadcastOrder, Done done) override {
    boost::asio::post(io_, [done] { done({}); });
  }
  // Answers the oldest request: taken, or as the provider failing.
  void answer(bool fault = false, SendOutcome outcome = SendOutcome::sent) {
    REQUIRE(!pending.empty());
    Pending p = std::move(pending.front());
    pending.pop_front();
    Delivery d;
    d.fault = fault;
    d.fault_detail = fault ? "HTTP 503" : "";
    for (const auto& m : p.batch)
      d.results.push_back({fault ? SendOutcome::retry : outcome, fault ? "" : "ref-" + m.idem_key, fault ? "HTTP 503" : ""});
    boost::asio::post(io_, [done = std::move(p.done), d = std::move(d)]() mutable { done(std::move(d)); });
  }
  void answer_all(bool fault = false) {
    while (!pending.empty()) answer(fault);
  }
  std::deque<Pending> pending;
  std::vector<std::string> sent_to;  // provider names, in order of requests answered

 private:
  boost::asio::io_context& io_;
};

const char* kTwoLevels = R"(plan: rain
match: { hazards: [rainstorm], levels: [yellow, orange, red] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
deadline: 30m
)";

struct DispatchFixture : EngineFixture {
  DispatchFixture() : EngineFixture(":memory:", kTwoLevels) {}
  // The dispatcher, on the engine as it is now (after use_memory_store, if the test runs there):
  // the given providers, or the primary alone.
  void dispatch_through(std::vector<ProviderSlot> slots_in = {}) {
    if (slots_in.empty()) slots_in.push_back(slot(primary));
    dispatcher = std::make_unique<Dispatcher>(io, *engine, clock, transport, slots_in, CallLimitSettings{},
                                              [this] { return real_now; });
  }
  ProviderSlot slot(const NamedProvider& p, ProviderLimits limits = {}) {
    return {p.name(), "zzd", &p, nullptr, limits};
  }
  // Lets the dispatcher record what came back and claim again, as the io thread would.
  // (Results are recorded a few real milliseconds after they come: the flush window.)
  void settle() {
    for (int i = 0; i < 3; ++i) {
      io.run_for(std::chrono::milliseconds(8));
      io.restart();
    }
  }
  // Messages in `state` (through `provider`, when given).
  int64_t messages_in(MessageState state, const std::string& provider = "") {
    int64_t n = 0;
    for (const auto& [c, m] : messages_anywhere()) n += m.state == state && (provider.empty() || m.provider == provider);
    return n;
  }
  int64_t sent_messages() { return messages_in(MessageState::sent); }
  int64_t events_of_kind(const std::string& kind) { return static_cast<int64_t>(events_anywhere(kind).size()); }

  boost::asio::io_context io;
  FakeTransport transport{io};
  NamedProvider primary{"primary"}, backup{"backup"};
  // The dispatcher's timers are real steady-clock timers set to these fake instants: kept in the
  // real past (the tests move them on by seconds), they fire at once whatever the machine's uptime.
  Instant real_now = std::chrono::steady_clock::now() - std::chrono::hours(1);
  std::unique_ptr<Dispatcher> dispatcher;
};

Warning with_level(Warning w, Level level, std::string id) {
  w.level = level;
  w.identifier = std::move(id);
  return w;
}

}  // namespace

TEST_CASE("a provider at its rate gets its budget and no more; red goes before yellow") {
  ProviderLimits limits;
  limits.rate = 2;
  limits.burst = 2;
  NamedProvider p{"limited"};
  on_both_stores_of<DispatchFixture>([&](DispatchFixture& f) {
    f.dispatch_through({f.slot(p, limits)});
    f.ingest(with_level(f.warning(), Level::yellow, "w-yellow"));
    f.ingest(with_level(f.warning(), Level::red, "w-red"));  // 3 people each: 6 first notices
    f.dispatcher->pump();
    REQUIRE(f.transport.pending.size() == 2);  // the burst
    for (const auto& p : f.transport.pending) CHECK(p.batch.front().level == "red");
    f.transport.answer_all();
    f.settle();
    CHECK(f.transport.pending.empty());  // no budget left this instant
    f.real_now += std::chrono::milliseconds(500);
    f.dispatcher->pump();
    REQUIRE(f.transport.pending.size() == 1);  // half a second at 2/s: one more
    CHECK(f.transport.pending.front().batch.front().level == "red");
    f.transport.answer_all();
    f.real_now += std::chrono::milliseconds(500);
    f.settle();
    REQUIRE(f.transport.pending.size() == 1);
    CHECK(f.transport.pending.front().batch.front().level == "yellow");  // every red notice went first
  });
}

TEST_CASE("first notices go before repeats, and a step's next rung counts from when its notice left") {
  ProviderLimits limits;
  limits.rate = 1;
  limits.burst = 1;
  NamedProvider p{"slow"};
  on_both_stores_of<DispatchFixture>([&](DispatchFixture& f) {
    f.dispatch_through({f.slot(p, limits)});
    f.ingest(f.warning());  // red, 3 people
    f.dispatcher->pump();
    f.transport.answer_all();
    f.settle();
    CHECK(f.sent_messages() == 1);
    // The provider is slow: the second person's card goes a minute of plan time later, the third
    // four minutes later — after the plan's 3 minutes.
    f.clock.advance(kMinute);
    f.real_now += std::chrono::seconds(1);
    f.settle();
    f.transport.answer_all();
    f.settle();
    CHECK(f.sent_messages() == 2);
    f.clock.advance(3 * kMinute);
    f.engine->tick();  // the first person's step 2 is due (3 minutes after their card)
    f.real_now += std::chrono::seconds(1);
    f.dispatcher->pump();
    REQUIRE(f.transport.pending.size() == 1);
    CHECK(f.transport.pending.front().batch.front().idem_key.find("-s0-") != std::string::npos);  // a first notice still
    f.transport.answer_all();
    f.settle();
    // Nobody's step 2 was queued before their own step 1 plus 3 minutes.
    std::map<int64_t, std::pair<std::optional<int64_t>, std::optional<int64_t>>> steps;  // step 1 sent, step 2 queued
    for (const auto& [c, m] : f.messages_anywhere()) {
      auto& [first_sent, second_queued] = steps[c.id];
      if (m.step == 0 && m.sent_at && (!first_sent || *m.sent_at < *first_sent)) first_sent = m.sent_at;
      if (m.step == 1 && (!second_queued || m.queued_at < *second_queued)) second_queued = m.queued_at;
    }
    int checked = 0;
    for (const auto& [callout, times] : steps) {
      if (!times.second) continue;
      REQUIRE(times.first);
      CHECK(*times.second - *times.first >= 3 * kMinute.count());
      ++checked;
    }
    CHECK(checked == 2);  // the first two: the third's clock started 4 minutes late
  });
}

TEST_CASE("a provider down opens its breaker; the next provider takes what it carries, and nothing is lost") {
  ProviderLimits backup_limits;
  backup_limits.min_level = Level::orange;  // its budget is for the urgent ones
  ProviderLimits primary_limits;
  primary_limits.breaker = {2, std::chrono::milliseconds(30'000), std::chrono::milliseconds(60'000)};
  on_both_stores_of<DispatchFixture>([&](DispatchFixture& f) {
    f.dispatch_through({f.slot(f.primary, primary_limits), f.slot(f.backup, backup_limits)});
    f.ingest(with_level(f.warning(), Level::yellow, "w-yellow"));
    f.ingest(with_level(f.warning(), Level::red, "w-red"));
    f.dispatcher->pump();
    REQUIRE(f.transport.pending.size() == 6);
    for (const auto& p : f.transport.pending) CHECK(p.provider == &f.primary);
    f.transport.answer_all(/*fault=*/true);  // the primary is down
    f.settle();
    CHECK(f.events_of_kind("provider_down") >= 1);
    // The failed sends come back after their back-off; meanwhile the backup takes red, not yellow.
    f.clock.advance(std::chrono::seconds(11));
    f.dispatcher->pump();
    REQUIRE(!f.transport.pending.empty());
    for (const auto& p : f.transport.pending) {
      CHECK(p.provider == &f.backup);
      CHECK(p.batch.front().level == "red");
    }
    f.transport.answer_all();
    f.settle();
    CHECK(f.messages_in(MessageState::sent, "backup") == 3);
    int yellow_waiting = 0;  // waiting, not dropped
    for (const auto& [c, m] : f.messages_anywhere())
      yellow_waiting += m.state == MessageState::queued && f.kept().warning(c.warning_id)->warning.level == Level::yellow;
    CHECK(yellow_waiting == 3);
    // Thirty seconds on, the primary is probed; it answers, and takes the yellow ones too.
    f.real_now += std::chrono::seconds(31);
    f.dispatcher->pump();
    REQUIRE(f.transport.pending.size() == 1);
    CHECK(f.transport.pending.front().provider == &f.primary);
    f.transport.answer_all();
    f.settle();
    f.transport.answer_all();
    f.settle();
    CHECK(f.events_of_kind("provider_up") >= 1);
    CHECK(f.sent_messages() == 6);
    CHECK(f.messages_anywhere().size() == 6);  // and nothing else
  });
}

TEST_CASE("with every provider of a medium down, the ladders its notices held go on without them") {
  ProviderLimits limits;
  limits.breaker = {1, std::chrono::milliseconds(600'000), std::chrono::milliseconds(600'000)};
  limits.concurrency = 1;
  on_both_stores_of<DispatchFixture>([&](DispatchFixture& f) {
    f.dispatch_through({f.slot(f.primary, limits)});
    // A throttled-looking provider: the first person's card goes, the others wait in the queue.
    f.ingest(f.warning());
    CHECK(f.held_callouts() == 3);
    f.dispatcher->pump();
    f.transport.answer(/*fault=*/true);  // the provider fails: its breaker opens
    f.settle();
    CHECK(f.events_of_kind("channel_down") >= 1);
    CHECK(f.held_callouts() == 0);  // nobody waits on it
    // The next step runs on the plan's time: 3 minutes from the start.
    f.clock.advance(3 * kMinute);
    f.engine->tick();
    int second_steps = 0;
    for (const auto& [c, m] : f.messages_anywhere()) second_steps += m.step == 1;
    CHECK(second_steps == 3);
  });
}

TEST_CASE("a provider's rate limit answer defers the message: not an attempt, not a failure") {
  on_both_stores_of<DispatchFixture>([&](DispatchFixture& f) {
    f.dispatch_through();
    f.ingest(f.warning());
    f.dispatcher->pump();
    REQUIRE(!f.transport.pending.empty());
    f.transport.answer(false, SendOutcome::deferred);
    f.settle();
    CHECK(f.events_of_kind("message_deferred") == 1);
    CHECK(f.messages_in(MessageState::failed) == 0);
    for (const auto& [c, m] : f.messages_anywhere())
      if (m.state == MessageState::queued) CHECK(m.attempts == 0);
    CHECK(f.held_callouts() == 3);  // still holding: slow, not down
  });
}
