#include "channels/ivr/ami_provider.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>

#include "channels/ivr/ami.h"
#include "channels/link_batch.h"
#include "channels/tcp_link.h"
#include "rules/names.h"
#include "rules/spot_check.h"

namespace jiaoying {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

struct Pending {
  std::shared_ptr<LinkBatch> job;
  size_t index = 0;
  const OutboundMessage& message() const { return job->message(index); }
};

// A call on the trunk: placed, not yet heard to end.
struct Live {
  int64_t message_id = 0;
  std::string action_id;
  Clock::time_point since;
  bool answered = false;
};

}  // namespace

class AmiProvider::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, AmiSettings settings, LinkEvents events)
      : settings_(std::move(settings)),
        events_(std::move(events)),
        link_(io, "AMI " + settings_.name, settings_.host, settings_.port, settings_.reconnect_min,
              settings_.reconnect_max),
        tick_timer_(io) {}

  void start() {
    state_ = State::connecting;
    tick();
    TcpLink::Handlers h;
    h.connected = [this] { login(); };
    h.received = [this](std::string_view bytes) { on_bytes(bytes); };
    h.lost = [this](const std::string& why) { on_lost(why); };
    link_.open(std::move(h), shared_from_this());
  }

  void stop() {
    stopped_ = true;
    tick_timer_.cancel();
    link_.stop();
    state_ = State::down;
    answer_all("jiaoyingd is stopping");
  }

  void submit(std::vector<OutboundMessage> batch, Done done) {
    if (stopped_ || state_ == State::down)  // nothing was written: safe to place later
      return done(link_down(batch.size(), fmt::format("the AMI link to {} is down ({}): no call was placed",
                                                      link_.where(), link_.last_error())));
    auto job = LinkBatch::make(std::move(batch), std::move(done));
    for (size_t i = 0; i < job->size(); ++i) queue_.push_back(std::make_shared<Pending>(Pending{job, i}));
    pump();
  }

 private:
  enum class State { down, connecting, logging_in, up };

  std::string where() const { return fmt::format("AMI {} ({})", settings_.name, link_.where()); }
  bool stale(uint64_t connection) const { return stopped_ || connection != link_.connection(); }

  void send(ami::Message m) { link_.send(ami::encode(m)); }

  void login() {
    state_ = State::logging_in;
    login_deadline_ = Clock::now() + settings_.timeout;
    reader_ = ami::Reader();
    ami::Message m;
    m.add("Action", "Login");
    m.add("ActionID", "jy-login");
    m.add("Username", settings_.username);
    m.add("Secret", settings_.secret);
    m.add("Events", "call,user");  // OriginateResponse, and the dialplan's UserEvents
    send(std::move(m));
  }

  void on_bytes(std::string_view bytes) {
    const uint64_t c = link_.connection();
    reader_.feed(bytes);
    std::string error;
    while (auto m = reader_.next(error)) {
      on_message(*m);
      if (stale(c)) return;
    }
    if (!error.empty()) link_.close("the PBX sent " + error + ": not a manager interface");
  }

  void on_message(const ami::Message& m) {
    last_received_ = Clock::now();
    misses_ = 0;
    // An event first: OriginateResponse carries a Response field of its own.
    const std::string event = m.get("Event");
    if (event == "OriginateResponse") return on_originate_response(m);
    if (event == "UserEvent") return on_user_event(m);
    if (event.empty() && m.has("Response")) return on_response(m);
  }

  void on_response(const ami::Message& m) {
    const std::string id = m.get("ActionID"), response = m.get("Response");
    if (id == "jy-login") {
      if (state_ != State::logging_in) return;
      if (response != "Success") {
        link_.backoff_to_max();  // a wrong user or secret does not mend itself
        return link_.close("the PBX refused the login: " + m.get("Message") + " — check username and secret in manager.conf");
      }
      state_ = State::up;
      link_.logged_in();
      spdlog::info("{}: logged in ({}), up to {} calls at once", where(),
                   reader_.banner().empty() ? "no banner" : reader_.banner(), settings_.max_calls);
      return pump();
    }
    if (id.starts_with("jy-ping")) return;
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    std::shared_ptr<Pending> p = std::move(it->second.pending);
    waiting_.erase(it);
    if (response == "Success") {
      live_[id] = Live{p->message().message_id, id, Clock::now(), false};
      finish(*p, {SendOutcome::sent, id, "placed on the county PBX"});
    } else {
      finish(*p, {SendOutcome::failed, "", "the PBX refused the call: " + m.get("Message")});
    }
    pump();
  }

  void on_originate_response(const ami::Message& m) {
    auto it = live_.find(m.get("ActionID"));
    if (it == live_.end()) return;
    const int reason = std::atoi(m.get("Reason").c_str());
    if (m.get("Response") == "Success" && reason == ami::kReasonAnswered) {
      it->second.answered = true;  // the dialplan reads the warning now; its UserEvent tells the rest
      return;
    }
    end(it, ami::status_of_reason(reason), "");
  }

  void on_user_event(const ami::Message& m) {
    const std::string kind = m.get("UserEvent");
    if (kind != "JiaoyingResult" && kind != "JiaoyingHangup") return;
    const std::string message = m.get("Message");
    auto it = std::find_if(live_.begin(), live_.end(),
                           [&](const auto& l) { return std::to_string(l.second.message_id) == message; });
    if (it == live_.end()) return;
    if (kind == "JiaoyingHangup") return end(it, it->second.answered ? "200001" : "200003", "");  // hung up early
    const std::string digits = m.get("Digits");
    end(it, digits.empty() ? "200000" : "300000", digits);
  }

  void end(std::map<std::string, Live>::iterator it, const std::string& status, const std::string& dtmf) {
    CallEnd call;
    call.message_id = it->second.message_id;
    call.call_id = it->second.action_id;
    call.status_code = status;
    call.dtmf = dtmf;
    call.duration = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - it->second.since).count());
    live_.erase(it);
    if (events_.call_ended)
      events_.call_ended(call, [where = where(), id = call.message_id](bool ok) {
        if (!ok) spdlog::error("{}: the result of call {} could not be filed", where, id);
      });
    pump();
  }

  void pump() {
    while (state_ == State::up && !queue_.empty() && live_.size() + waiting_.size() < settings_.max_calls) {
      std::shared_ptr<Pending> p = std::move(queue_.front());
      queue_.pop_front();
      originate(std::move(p));
    }
  }

  void originate(std::shared_ptr<Pending> p) {
    const OutboundMessage& msg = p->message();
    const std::string id = fmt::format("jy-{}-{}", msg.message_id, ++actions_);
    ami::Message m;
    m.add("Action", "Originate");
    m.add("ActionID", id);
    m.add("Channel", ami::dial_string(settings_.channel, number_of(msg)));
    const bool questionnaire = is_spot_check_key(msg.idem_key);
    m.add("Context", questionnaire ? settings_.spot_check_context : settings_.context);
    m.add("Exten", settings_.exten);
    m.add("Priority", "1");
    if (!settings_.caller_id.empty()) m.add("CallerID", settings_.caller_id);
    m.add("Timeout", std::to_string(settings_.ring_timeout.count()));
    m.add("Async", "true");
    m.add("Variable", fmt::format("JY_MESSAGE={}", msg.message_id));
    if (questionnaire) {  // the 六问: the dialplan reads JY_Q1…JY_Q<n>, a key after each, into Digits
      const Questionnaire q = parse_questionnaire(msg.text);
      m.add("Variable", "JY_INTRO=" + ami::variable_value(q.intro));
      m.add("Variable", fmt::format("JY_QUESTIONS={}", q.questions.size()));
      for (size_t i = 0; i < q.questions.size(); ++i)
        m.add("Variable", fmt::format("JY_Q{}={}", i + 1, ami::variable_value(q.questions[i])));
    } else {
      m.add("Variable", "JY_TEXT=" + ami::variable_value(msg.text));
    }
    waiting_[id] = {std::move(p), Clock::now() + settings_.timeout};
    send(std::move(m));
  }

  void finish(Pending& p, SendResult result) { p.job->answer(p.index, std::move(result)); }


  // The link said why in the log; what was in flight is answered.
  void on_lost(const std::string& why) {
    state_ = State::down;
    answer_all(why);
  }

  // Calls already ringing stay counted (their events come on the next link, or call_time frees them).
  void answer_all(const std::string& why) {
    auto waiting = std::move(waiting_);
    waiting_.clear();
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& [id, w] : waiting)
      finish(*w.pending, {SendOutcome::unknown, "",
                          fmt::format("the AMI link was lost before the PBX answered ({}): the call may have been placed", why)});
    for (auto& p : queued)
      finish(*p, {SendOutcome::retry, "", fmt::format("the AMI link was lost ({}): no call was placed", why)});
  }

  void tick() {
    const auto now = Clock::now();
    if (state_ == State::logging_in && now > login_deadline_) link_.close("no answer to the Login within the timeout");
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      std::shared_ptr<Pending> p = std::move(it->second.pending);
      it = waiting_.erase(it);
      finish(*p, {SendOutcome::unknown, "", "no Response to the Originate in time: the call may have been placed"});
    }
    for (auto it = live_.begin(); it != live_.end();) {
      if (now - it->second.since < settings_.call_time) {
        ++it;
        continue;
      }
      spdlog::warn("{}: call {} (message {}) was never heard to end; its line is free again", where(), it->first,
                   it->second.message_id);
      it = live_.erase(it);
    }
    if (state_ == State::up && now - last_received_ >= settings_.keepalive && now - last_probe_ >= settings_.keepalive) {
      if (misses_ >= 3) {
        link_.close("no answer to 3 Pings");
      } else {
        ++misses_;
        last_probe_ = now;
        ami::Message ping;
        ping.add("Action", "Ping");
        ping.add("ActionID", fmt::format("jy-ping-{}", ++actions_));
        send(std::move(ping));
      }
    }
    pump();
    if (stopped_) return;
    tick_timer_.expires_after(std::chrono::seconds(1));
    tick_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !stopped_) tick();
    });
  }

  struct Waiting {
    std::shared_ptr<Pending> pending;
    Clock::time_point deadline;
  };

  const AmiSettings settings_;
  LinkEvents events_;
  TcpLink link_;
  asio::steady_timer tick_timer_;
  State state_ = State::down;
  bool stopped_ = false;
  Clock::time_point login_deadline_{}, last_received_{}, last_probe_{};
  int misses_ = 0;
  uint64_t actions_ = 0;
  ami::Reader reader_;
  std::deque<std::shared_ptr<Pending>> queue_;
  std::map<std::string, Waiting> waiting_;  // Originates written, by ActionID
  std::map<std::string, Live> live_;        // calls placed, not yet ended
};

AmiProvider::AmiProvider(AmiSettings settings) : settings_(std::move(settings)) {}
AmiProvider::~AmiProvider() = default;

std::string AmiProvider::number_of(const OutboundMessage& m) {
  const std::string& raw = m.mobile.empty() ? m.landline : m.mobile;
  std::string digits;
  for (char c : raw)
    if (c >= '0' && c <= '9') digits.push_back(c);
    else if (c != '-' && c != ' ') return "";
  return digits;
}

std::optional<SendResult> AmiProvider::refuse(const OutboundMessage& message) const {
  const std::string number = number_of(message);
  if (number.empty()) return SendResult{SendOutcome::failed, "", "person has no phone number to dial"};
  if (number.size() < 7 || number.size() > 15) return SendResult{SendOutcome::failed, "", "the number is not one a trunk dials"};
  return std::nullopt;
}

void AmiProvider::start(asio::io_context& io, LinkEvents events) const {
  session_ = std::make_shared<Session>(io, settings_, std::move(events));
  session_->start();
}

void AmiProvider::stop() const {
  if (!session_) return;
  session_->stop();
  session_.reset();
}

void AmiProvider::submit(std::vector<OutboundMessage> batch, Done done) const {
  if (!session_) return done(link_down(batch.size(), "the AMI link was not started: no call was placed"));
  session_->submit(std::move(batch), std::move(done));
}

}  // namespace jiaoying
