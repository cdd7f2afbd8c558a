// Heartbeats: a provider that has stopped answering is found before a warning needs it. Each
// provider with `heartbeat: { to: <test account>, every: 15m }` is sent a test message at that
// interval, through itself alone (Dispatcher::probe), outside the queue and the record. Its
// result — taken, refused, no answer within the interval, or the provider thought down — goes
// on the provider board (`jiaoying status`, the warnings list: red when it failed) and, when it
// changes from good to bad or back, to the log, the audit trail (heartbeat_failed, heartbeat_ok)
// and the `changed` callback, which tells the duty rooms through the other media (daemon.cc).
//
// An SMS heartbeat is good when its delivery receipt (matched by the test phone) says the phone
// got it before the next beat — `every` must outlast the carrier's report; the others when
// the provider took it (Zhezhengding has no read status for work notifications, and a call's or
// a webhook's acceptance is the provider's last word).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/clock.h"
#include "daemon/dispatcher.h"
#include "daemon/provider_board.h"

namespace jiaoying {

struct HeartbeatTarget {
  std::string provider, medium;
  std::string to;  // the test account: a Zhezhengding id (zzd), a mobile (sms, ivr); none for a webhook
  std::chrono::milliseconds every{0};
  std::string link;  // what the card's button opens: the daemon's own /healthz
};

// The test message of one beat (its idempotency key names the provider and the beat's time).
OutboundMessage heartbeat_message(const HeartbeatTarget& target, TimePoint at);

class Heartbeats {
 public:
  // `failed`: true when the provider's heartbeats went from good to bad, false when back.
  using Changed = std::function<void(const HeartbeatTarget& target, bool failed, const std::string& detail)>;

  Heartbeats(boost::asio::io_context& io, Dispatcher& dispatcher, ProviderBoard& board, const Clock& clock,
             std::vector<HeartbeatTarget> targets, Changed changed);
  // The first beat of each `first` after the start (or `every`, if sooner), then one every `every`.
  void start(std::chrono::milliseconds first = std::chrono::seconds(5));
  void stop();
  // One beat of the i-th target now; the timers call it, and tests.
  void beat(size_t i);
  // An SMS delivery receipt of a text sent outside the record: an SMS heartbeat's is what makes
  // it good ("delivered"); one that does not come before the next beat is a failure.
  void sms_receipt(const std::string& phone, bool delivered, const std::string& code);

 private:
  struct Beat {
    HeartbeatTarget target;
    std::unique_ptr<boost::asio::steady_timer> timer;
    uint64_t sent = 0, answered = 0;  // beats sent and answered: one unanswered at the next is a failure
    bool failing = false;
    bool awaiting_receipt = false;    // an SMS heartbeat taken, its delivery receipt not yet in
  };
  void arm(size_t i, std::chrono::milliseconds after);
  void settle(size_t i, bool ok, const std::string& detail);

  Dispatcher& dispatcher_;
  ProviderBoard& board_;
  const Clock& clock_;
  Changed changed_;
  std::vector<Beat> beats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // results after stop() are dropped
};

}  // namespace jiaoying
