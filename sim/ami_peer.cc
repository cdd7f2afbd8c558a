#include "sim/ami_peer.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <list>

#include "channels/ivr/ami.h"
#include "sim/tcp_listen.h"

namespace jiaoying::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kProvider = "asterisk";
constexpr std::string_view kBanner = "Asterisk Call Manager/5.0.2\r\n";

// The number of a dial string: "PJSIP/19900000001@county-trunk" → 19900000001.
std::string number_of_channel(const std::string& channel) {
  const auto slash = channel.find('/');
  if (slash == std::string::npos) return "";
  const auto at = channel.find('@', slash);
  std::string n = channel.substr(slash + 1, at == std::string::npos ? std::string::npos : at - slash - 1);
  return !n.empty() && n.find_first_not_of("0123456789") == std::string::npos ? n : "";
}

}  // namespace

struct AmiPeer::Impl : std::enable_shared_from_this<Impl> {
  class Link;

  Impl(asio::io_context& io_, Scenario scenario_, EventLog& log_, std::ostream& diagnostics_, double time_scale_,
       SinceStart since_start_, PlatformHooks hooks_)
      : io(io_),
        acceptor(io_),
        scenario(std::move(scenario_)),
        log(log_),
        diagnostics(diagnostics_),
        time_scale(time_scale_),
        since_start(std::move(since_start_)),
        hooks(hooks_) {}

  bool in_outage() const { return hooks.faults && hooks.faults->in_outage(kProvider, since_start()); }
  void say(const std::string& text) { diagnostics << "jiaoying-sim: asterisk " << text << "\n" << std::flush; }
  void accept();
  // An event to every logged-in manager session, `delay` (scenario time) from now.
  void event_later(ami::Message event, Millis delay);
  void broadcast(const ami::Message& event);
  // A call placed: its outcome as the scenario's phone behaves.
  void dial(const std::string& action_id, const std::string& channel, const std::string& number,
            const std::string& message_id, size_t questions);

  asio::io_context& io;
  tcp::acceptor acceptor;
  const Scenario scenario;
  EventLog& log;
  std::ostream& diagnostics;
  const double time_scale;
  SinceStart since_start;
  PlatformHooks hooks;
  bool stopped = false;
  int active_calls = 0;
  uint64_t calls = 0;
  std::list<std::weak_ptr<Link>> links;
};

class AmiPeer::Impl::Link : public std::enable_shared_from_this<Link> {
 public:
  Link(std::shared_ptr<Impl> peer, tcp::socket socket) : g_(std::move(peer)), socket_(std::move(socket)) {}

  void start() {
    send_raw(std::string(kBanner));
    read();
  }
  bool ready() const { return logged_in_ && socket_.is_open(); }
  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
  void send(const ami::Message& m) { send_raw(ami::encode(m)); }

 private:
  void send_raw(std::string bytes) {
    if (!socket_.is_open()) return;
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1) write_next();
  }
  void write_next() {
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [this, self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec) return close();
                        outbox_.pop_front();
                        if (!outbox_.empty()) write_next();
                      });
  }
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this, self = shared_from_this()](boost::system::error_code ec, size_t n) {
      if (ec || g_->stopped) return close();
      reader_.feed(std::string_view(buffer_.data(), n));
      std::string error;
      while (auto m = reader_.next(error))
        if (!on_action(*m)) return close();
      if (!error.empty()) {
        g_->say("closed a manager session: " + error);
        return close();
      }
      read();
    });
  }

  ami::Message response(const ami::Message& action, bool ok, const std::string& message) {
    ami::Message r;
    r.add("Response", ok ? "Success" : "Error");
    if (action.has("ActionID")) r.add("ActionID", action.get("ActionID"));
    r.add("Message", message);
    return r;
  }

  // False: the session is to be closed.
  bool on_action(const ami::Message& m) {
    const std::string action = m.get("Action");
    const AsteriskService* pbx = g_->scenario.asterisk ? &*g_->scenario.asterisk : nullptr;
    if (action == "Login") {
      const bool ok = pbx && m.get("Username") == pbx->username && m.get("Secret") == pbx->secret;
      g_->log.write({{"provider", kProvider}, {"endpoint", "Login"}, {"username", m.get("Username")}, {"ok", ok}});
      send(response(m, ok, ok ? "Authentication accepted" : "Authentication failed"));
      if (!ok) {
        g_->say("refused the login of '" + m.get("Username") + "'");
        return false;  // Asterisk closes the session after a failed login
      }
      logged_in_ = true;
      return true;
    }
    if (!logged_in_) {
      send(response(m, false, "Permission denied"));
      return true;
    }
    if (action == "Ping") {
      ami::Message r = response(m, true, "");
      r.fields.pop_back();
      r.add("Ping", "Pong");
      send(r);
      return true;
    }
    if (action == "Logoff") {
      send(response(m, true, "Thanks for all the fish."));
      return false;
    }
    if (action != "Originate") {
      send(response(m, false, "Invalid/unknown command: " + action));
      return true;
    }
    if (g_->hooks.stats) g_->hooks.stats->request(kProvider);
    FaultDecision d = g_->hooks.faults ? g_->hooks.faults->decide(kProvider, g_->since_start()) : FaultDecision{};
    if (d.kind != FaultDecision::Kind::none && g_->hooks.stats) g_->hooks.stats->fault(kProvider, fault_kind_name(d.kind));
    if (d.kind == FaultDecision::Kind::reset) return false;
    if (d.kind == FaultDecision::Kind::error || d.kind == FaultDecision::Kind::throttled ||
        d.kind == FaultDecision::Kind::malformed) {
      send(response(m, false, "Originate failed"));
      return true;
    }
    const std::string channel = m.get("Channel"), number = number_of_channel(channel);
    std::string text, message_id;
    size_t questions = 0;  // the 六问: JY_QUESTIONS questions, a key after each
    for (const auto& [k, v] : m.fields) {
      if (k != "Variable") continue;
      if (v.starts_with("JY_TEXT=")) text = v.substr(8);
      if (v.starts_with("JY_INTRO=")) text = v.substr(9);
      if (v.starts_with("JY_MESSAGE=")) message_id = v.substr(11);
      if (v.starts_with("JY_QUESTIONS=")) questions = static_cast<size_t>(std::atoi(v.c_str() + 13));
    }
    if (number.empty()) {
      send(response(m, false, "Channel must be a technology/number@trunk dial string, not '" + channel + "'"));
      return true;
    }
    if (m.get("Context") != (questions ? pbx->spot_check_context : pbx->context)) {
      send(response(m, false, "Extension does not exist."));  // what Asterisk says of an unknown context
      return true;
    }
    if (m.get("Async") != "true" || message_id.empty()) {
      send(response(m, false, "jiaoying's dialplan needs Async: true and JY_MESSAGE"));
      return true;
    }
    g_->log.write({{"provider", kProvider}, {"endpoint", "Originate"}, {"callee", number}, {"message", message_id},
                   {"questions", questions}, {"text", text}});
    g_->hooks.taken(kProvider);
    if (d.kind == FaultDecision::Kind::lost_answer) {
      g_->dial(m.get("ActionID"), channel, number, message_id, questions);
      return false;  // taken, and the session cut before the answer
    }
    send(response(m, true, "Originate successfully queued"));
    g_->dial(m.get("ActionID"), channel, number, message_id, questions);
    return true;
  }

  std::shared_ptr<Impl> g_;
  tcp::socket socket_;
  bool logged_in_ = false;
  std::array<char, 8192> buffer_{};
  ami::Reader reader_;
  std::deque<std::string> outbox_;
};

void AmiPeer::Impl::accept() {
  acceptor.async_accept([this, self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
    if (stopped || !acceptor.is_open()) return;
    if (!ec) {
      if (in_outage()) {
        boost::system::error_code ignored;
        socket.close(ignored);
        if (hooks.stats) hooks.stats->fault(kProvider, "reset");
      } else {
        auto link = std::make_shared<Link>(self, std::move(socket));
        links.push_back(link);
        link->start();
      }
    }
    accept();
  });
}

void AmiPeer::Impl::broadcast(const ami::Message& event) {
  links.remove_if([](const std::weak_ptr<Link>& w) { return w.expired(); });
  for (const auto& w : links)
    if (auto link = w.lock(); link && link->ready()) link->send(event);
}

void AmiPeer::Impl::event_later(ami::Message event, Millis delay) {
  auto timer = std::make_shared<asio::steady_timer>(
      io, Millis(static_cast<int64_t>(static_cast<double>(delay.count()) / time_scale)));
  timer->async_wait([self = shared_from_this(), timer, event = std::move(event)](boost::system::error_code ec) {
    if (ec || self->stopped) return;
    if (event.get("Event") == "UserEvent" && event.get("UserEvent") == "JiaoyingHangup") --self->active_calls;
    self->broadcast(event);
  });
}

void AmiPeer::Impl::dial(const std::string& action_id, const std::string& channel, const std::string& number,
                         const std::string& message_id, size_t questions) {
  const std::string unique = fmt::format("1764728100.{}", ++calls);
  auto originate_response = [&](bool success, int reason) {
    ami::Message e;
    e.add("Event", "OriginateResponse");
    e.add("ActionID", action_id);
    e.add("Response", success ? "Success" : "Failure");
    e.add("Channel", channel);
    e.add("Context", scenario.asterisk->context);
    e.add("Exten", "s");
    e.add("Reason", std::to_string(reason));
    e.add("Uniqueid", unique);
    return e;
  };
  if (hooks.lose_receipt(kProvider)) return;  // the events of this call never come
  if (active_calls >= scenario.asterisk->channels) {
    log.write({{"provider", kProvider}, {"endpoint", "congestion"}, {"callee", number}});
    return event_later(originate_response(false, ami::kReasonCongestion), Millis(100));
  }
  CallBehaviour phone;
  if (auto it = scenario.phones.find(number); it != scenario.phones.end()) phone = it->second;
  if (questions > 0) {  // the 六问: the keys the scenario gives, or it rings out
    phone = CallBehaviour{};
    if (auto keys = scenario.spot_check_keys(number, questions))
      phone = CallBehaviour{CallBehaviour::Kind::answers, keys->second, keys->first.substr(0, questions)};
  }
  if (phone.kind == CallBehaviour::Kind::busy) return event_later(originate_response(false, ami::kReasonBusy), phone.after);
  if (phone.kind == CallBehaviour::Kind::no_answer)
    return event_later(originate_response(false, ami::kReasonRinging), phone.after);
  ++active_calls;  // until its hang-up
  event_later(originate_response(true, ami::kReasonAnswered), phone.after);
  ami::Message result;
  result.add("Event", "UserEvent");
  result.add("UserEvent", "JiaoyingResult");
  result.add("Uniqueid", unique);
  result.add("Message", message_id);
  result.add("Digits", phone.press);
  event_later(result, phone.after + Millis(20'000));  // the warning read out, then the key
  ami::Message hangup;
  hangup.add("Event", "UserEvent");
  hangup.add("UserEvent", "JiaoyingHangup");
  hangup.add("Uniqueid", unique);
  hangup.add("Message", message_id);
  event_later(hangup, phone.after + Millis(22'000));
}

AmiPeer::AmiPeer(asio::io_context& io, Scenario scenario, EventLog& log, std::ostream& diagnostics, double time_scale,
                 SinceStart since_start, PlatformHooks hooks)
    : impl_(std::make_shared<Impl>(io, std::move(scenario), log, diagnostics, time_scale, std::move(since_start), hooks)) {}

AmiPeer::~AmiPeer() { stop(); }

unsigned short AmiPeer::listen(const std::string& address) {
  const unsigned short port = listen_on(impl_->acceptor, "--ami-listen", address);
  impl_->accept();
  return port;
}

void AmiPeer::stop() {
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const auto& w : impl_->links)
    if (auto link = w.lock()) link->close();
}

}  // namespace jiaoying::sim
