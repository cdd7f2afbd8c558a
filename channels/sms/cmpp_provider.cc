#include "channels/sms/cmpp_provider.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <unordered_map>

#include "channels/sms/aliyun_sms.h"
#include "channels/link_batch.h"
#include "channels/tcp_link.h"
#include "rules/names.h"

namespace jiaoying {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// One batch handed over by the dispatcher: answered once every message has its result.
// One message on its way: its parts go one after another, each after the last was taken.
struct Pending {
  std::shared_ptr<LinkBatch> job;
  size_t index = 0;
  std::vector<std::string> parts;
  size_t next = 0;                 // the part to send next (= the parts the gateway has taken)
  std::vector<uint64_t> msg_ids;   // the gateway's, one per part taken
  const OutboundMessage& message() const { return job->message(index); }
};

// A sent text waiting for its status reports (one per part).
struct Tracked {
  int64_t message_id = 0;
  std::string phone;
  std::string ref;
  size_t parts = 1;
  size_t delivered = 0;
  bool reported = false;
};

// DELIVER_RESP's result when we could not file it: the gateway's "other error", sent again later.
constexpr uint32_t kNotFiled = 9;

std::string ref_of(uint64_t msg_id) { return fmt::format("{:016x}", msg_id); }

std::string signed_text(const CmppSettings& s, const OutboundMessage& m) {
  return s.sign_name.empty() ? m.text : "【" + s.sign_name + "】" + m.text;
}

}  // namespace

class CmppProvider::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, CmppSettings settings, WallClock wall, LinkEvents events)
      : settings_(std::move(settings)),
        wall_(std::move(wall)),
        events_(std::move(events)),
        link_(io, "CMPP " + settings_.name, settings_.host, settings_.port, settings_.reconnect_min,
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
    if (stopped_ || state_ == State::down)  // nothing was written: safe to send again later
      return done(link_down(batch.size(), fmt::format("the CMPP link to {} is down ({}): nothing was sent",
                                                      link_.where(), link_.last_error())));
    auto job = LinkBatch::make(std::move(batch), std::move(done));
    for (size_t i = 0; i < job->size(); ++i) {
      auto p = std::make_shared<Pending>();
      p->job = job;
      p->index = i;
      p->parts = cmpp::ucs2_parts(signed_text(settings_, p->message()), next_ref_++);
      if (p->parts.empty()) {
        finish(*p, {SendOutcome::failed, "", "the text needs more than 255 parts"});
        continue;
      }
      queue_.push_back(std::move(p));
    }
    pump();
  }

 private:
  enum class State { down, connecting, logging_in, up };

  std::string where() const { return fmt::format("CMPP {} ({})", settings_.name, link_.where()); }

  // Whether work belongs to a connection that has since been lost.
  bool stale(uint64_t connection) const { return stopped_ || connection != link_.connection(); }

  void login() {
    state_ = State::logging_in;
    login_deadline_ = Clock::now() + settings_.timeout;
    const std::string stamp = cmpp::timestamp_text(wall_());
    cmpp::Connect c;
    c.source_addr = settings_.sp_id;
    c.authenticator = cmpp::authenticator_source(settings_.sp_id, settings_.secret, stamp);
    c.version = static_cast<uint8_t>(settings_.version);
    c.timestamp = cmpp::timestamp_value(stamp);
    authenticator_ = c.authenticator;
    write(cmpp::kConnect, cmpp::encode_connect(c));
  }

  void on_bytes(std::string_view bytes) {
    const uint64_t c = link_.connection();
    reader_.feed(bytes);
    std::string error;
    while (auto f = reader_.next(error)) {
      on_frame(*f);
      if (stale(c)) return;  // the frame ended the link
    }
    if (!error.empty()) lose("the gateway sent " + error + ": not CMPP");
  }

  void lose(const std::string& why) { link_.close(why); }  // on_lost hears it

  void write(uint32_t command, std::string_view body, uint32_t sequence = 0) {
    if (sequence == 0) sequence = next_sequence();
    link_.send(cmpp::frame(command, sequence, body));
  }

  uint32_t next_sequence() {
    if (++sequence_ == 0) sequence_ = 1;
    return sequence_;
  }

  void on_frame(const cmpp::Frame& f) {
    last_received_ = Clock::now();
    misses_ = 0;
    switch (f.command) {
      case cmpp::kConnect | cmpp::kResponse: return on_connect_resp(f);
      case cmpp::kSubmit | cmpp::kResponse: return on_submit_resp(f);
      case cmpp::kDeliver: return on_deliver(f);
      case cmpp::kActiveTest: return write(cmpp::kActiveTest | cmpp::kResponse, cmpp::active_test_resp_body(), f.sequence);
      case cmpp::kActiveTest | cmpp::kResponse: return;
      case cmpp::kTerminate:
        // Answered, though the link closes at once (the answer may not make it out).
        write(cmpp::kTerminate | cmpp::kResponse, "", f.sequence);
        return lose("the gateway ended the session (TERMINATE)");
      default: spdlog::warn("{}: ignored a frame with Command_Id 0x{:08x}", where(), f.command);
    }
  }

  void on_connect_resp(const cmpp::Frame& f) {
    auto resp = cmpp::decode_connect_resp(f.body, settings_.version);
    if (state_ != State::logging_in || !resp)
      return lose(fmt::format("a CONNECT_RESP of {} bytes that is not CMPP {}'s", f.body.size(),
                              cmpp::version_name(settings_.version)));
    if (resp->status != cmpp::kOk) {
      // A wrong SP id or secret does not mend itself: wait long between tries.
      if (resp->status == cmpp::kBadSource || resp->status == cmpp::kAuthFailed) link_.backoff_to_max();
      return lose("the gateway refused the login: " + cmpp::connect_status_text(resp->status) +
                  " — check sp_id, shared_secret and this host's clock");
    }
    if (resp->authenticator != cmpp::authenticator_ismg(resp->status, settings_.version, authenticator_, settings_.secret)) {
      link_.backoff_to_max();
      return lose("the gateway's AuthenticatorISMG does not match the shared secret: is it the carrier's gateway?");
    }
    state_ = State::up;
    link_.logged_in();
    spdlog::info("{}: logged in (CMPP {}), window {}", where(), cmpp::version_name(settings_.version), settings_.window);
    pump();
  }

  void pump() {
    if (state_ != State::up || Clock::now() < paused_until_) return;
    while (in_flight_.size() < settings_.window && !queue_.empty()) {
      std::shared_ptr<Pending> p = std::move(queue_.front());
      queue_.pop_front();
      send_part(std::move(p));
    }
  }

  void send_part(std::shared_ptr<Pending> p) {
    const OutboundMessage& m = p->message();
    cmpp::Submit s;
    s.pk_total = static_cast<uint8_t>(p->parts.size());
    s.pk_number = static_cast<uint8_t>(p->next + 1);
    s.tp_udhi = p->parts.size() > 1 ? 1 : 0;
    s.service_id = settings_.service_id;
    s.msg_src = settings_.sp_id;
    s.src_id = settings_.src_id;
    s.dest_terminal_ids = {m.mobile};
    s.content = p->parts[p->next];
    const uint32_t sequence = next_sequence();
    in_flight_[sequence] = {p, Clock::now() + settings_.timeout};
    write(cmpp::kSubmit, cmpp::encode_submit(s, settings_.version), sequence);
  }

  void on_submit_resp(const cmpp::Frame& f) {
    auto it = in_flight_.find(f.sequence);
    if (it == in_flight_.end()) {
      spdlog::warn("{}: a SUBMIT_RESP for sequence {}, which is not waiting (answered after its timeout?)", where(),
                   f.sequence);
      return;
    }
    std::shared_ptr<Pending> p = std::move(it->second.pending);
    in_flight_.erase(it);
    const size_t part = p->next + 1, parts = p->parts.size();
    auto resp = cmpp::decode_submit_resp(f.body, settings_.version);
    if (!resp) {
      finish(*p, {SendOutcome::unknown, "", "the gateway's SUBMIT_RESP could not be read: the text may have been sent"});
      return pump();
    }
    if (resp->result == cmpp::kOk) {
      p->msg_ids.push_back(resp->msg_id);
      if (++p->next < parts) {
        queue_.push_front(std::move(p));  // the next part at once, ahead of new texts
        return pump();
      }
      track(*p);
      finish(*p, {SendOutcome::sent, ref_of(p->msg_ids.front()),
                  fmt::format("{} SMS over CMPP {}", parts, cmpp::version_name(settings_.version))});
      return pump();
    }
    if (resp->result == cmpp::kFlowControl) {
      // Not taken. A first part: the dispatcher slows down and asks again. A later one: the
      // earlier parts went, so this link sends it again itself after the pause.
      paused_until_ = Clock::now() + std::chrono::seconds(1);
      if (p->next == 0) finish(*p, {SendOutcome::deferred, "", "CMPP " + cmpp::result_text(resp->result)});
      else queue_.push_front(std::move(p));
      return;
    }
    std::string detail = "the gateway refused it: " + cmpp::result_text(resp->result);
    if (p->next > 0) detail += fmt::format(" (part {} of {}; the first {} went)", part, parts, p->next);
    finish(*p, {SendOutcome::failed, p->msg_ids.empty() ? "" : ref_of(p->msg_ids.front()), detail});
    pump();
  }

  void track(const Pending& p) {
    auto t = std::make_shared<Tracked>();
    t->message_id = p.message().message_id;
    t->phone = p.message().mobile;
    t->ref = ref_of(p.msg_ids.front());
    t->parts = p.msg_ids.size();
    const auto now = Clock::now();
    for (uint64_t id : p.msg_ids) {
      receipts_[id] = t;
      remembered_.emplace_back(now, id);
    }
  }

  void on_deliver(const cmpp::Frame& f) {
    auto d = cmpp::decode_deliver(f.body, settings_.version);
    if (!d) {
      // Answered all the same: a DELIVER left unanswered is sent again and again.
      answer_deliver(f.sequence, 0, 1);
      return spdlog::warn("{}: a DELIVER of {} bytes that is not CMPP {}'s", where(), f.body.size(),
                          cmpp::version_name(settings_.version));
    }
    if (d->registered_delivery == 1) {
      auto report = cmpp::decode_status_report(d->content);
      if (!report) {
        answer_deliver(f.sequence, d->msg_id, 1);
        return spdlog::warn("{}: a status report of {} bytes (60 or 71 expected)", where(), d->content.size());
      }
      return on_report(*report, f.sequence, d->msg_id);
    }
    const std::string phone = cmpp::mainland_number(d->src_terminal_id);
    auto text = cmpp::text_of(d->msg_fmt, d->tp_udhi != 0, d->content);
    if (!text) {
      answer_deliver(f.sequence, d->msg_id, 1);
      return spdlog::warn("{}: a text from {} in Msg_Fmt {} that cannot be read", where(), mask_mobile(phone), d->msg_fmt);
    }
    if (!events_.reply) return answer_deliver(f.sequence, d->msg_id, cmpp::kOk);
    events_.reply(phone, *text, filed_then_answer(f.sequence, d->msg_id));
  }

  void on_report(const cmpp::StatusReport& report, uint32_t sequence, uint64_t deliver_id) {
    auto it = receipts_.find(report.msg_id);
    if (it == receipts_.end()) {
      spdlog::info("{}: a status report ({}) for Msg_Id {}, which this link does not know (sent before a restart?)",
                   where(), report.stat, ref_of(report.msg_id));
      return answer_deliver(sequence, deliver_id, cmpp::kOk);
    }
    std::shared_ptr<Tracked> t = it->second;
    const bool delivered = report.stat == cmpp::kDelivered;
    if (t->reported || (delivered && t->delivered + 1 < t->parts)) {  // a text is delivered when every part is
      if (!t->reported) ++t->delivered;
      receipts_.erase(it);
      return answer_deliver(sequence, deliver_id, cmpp::kOk);
    }
    if (!events_.receipt) return answer_deliver(sequence, deliver_id, cmpp::kOk);
    // Forgotten (and the DELIVER answered) only once filed: a report not filed comes again.
    auto self = shared_from_this();
    const uint64_t msg_id = report.msg_id;
    events_.receipt(t->message_id, t->phone, t->ref, delivered, report.stat,
                    [this, self, t, msg_id, answer = filed_then_answer(sequence, deliver_id)](bool ok) {
                      if (ok) {
                        t->reported = true;
                        receipts_.erase(msg_id);
                      }
                      answer(ok);
                    });
  }

  // DELIVER_RESP: 0 when taken; otherwise the gateway keeps the DELIVER and sends it again.
  void answer_deliver(uint32_t sequence, uint64_t msg_id, uint32_t result) {
    if (state_ != State::up) return;  // the link it came on is gone: the gateway sends it again
    write(cmpp::kDeliver | cmpp::kResponse, cmpp::encode_deliver_resp({msg_id, result}, settings_.version), sequence);
  }

  LinkEvents::Filed filed_then_answer(uint32_t sequence, uint64_t msg_id) {
    auto self = shared_from_this();
    return [this, self, sequence, msg_id, c = link_.connection()](bool ok) {
      if (stale(c)) return;  // the link it came on is no more: the gateway sends it again
      answer_deliver(sequence, msg_id, ok ? cmpp::kOk : kNotFiled);
    };
  }

  void finish(Pending& p, SendResult result) { p.job->answer(p.index, std::move(result)); }


  // The link is gone: whatever was written and not answered may have been sent; what was never
  // written was not. The link is opened again after the back-off.
  // The link said why in the log; what was in flight is answered.
  void on_lost(const std::string& why) {
    state_ = State::down;
    reader_ = cmpp::FrameReader();
    answer_all(why);
  }

  void answer_all(const std::string& why) {
    auto in_flight = std::move(in_flight_);
    in_flight_.clear();
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& [sequence, f] : in_flight)
      finish(*f.pending, {SendOutcome::unknown, "",
                          fmt::format("the CMPP link was lost before the gateway answered ({}): the text may have "
                                      "been sent",
                                      why)});
    for (auto& p : queued) {
      if (p->next == 0)
        finish(*p, {SendOutcome::retry, "", fmt::format("the CMPP link was lost ({}): nothing was sent", why)});
      else
        finish(*p, {SendOutcome::unknown, ref_of(p->msg_ids.front()),
                    fmt::format("the CMPP link was lost ({}) after {} of {} parts went", why, p->next, p->parts.size())});
    }
  }

  // Every second: answers overdue, the login's deadline, the keepalive, forgotten receipts.
  void tick() {
    const auto now = Clock::now();
    if (state_ == State::logging_in && now > login_deadline_) lose("no CONNECT_RESP within the timeout");
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      std::shared_ptr<Pending> p = std::move(it->second.pending);
      it = in_flight_.erase(it);
      finish(*p, {SendOutcome::unknown, p->msg_ids.empty() ? "" : ref_of(p->msg_ids.front()),
                  fmt::format("no SUBMIT_RESP within {} s: the text may have been sent",
                              std::chrono::duration_cast<std::chrono::seconds>(settings_.timeout).count())});
    }
    if (state_ == State::up && now - last_received_ >= settings_.keepalive && now - last_probe_ >= settings_.keepalive) {
      if (misses_ >= 3) {
        lose("no answer to 3 ACTIVE_TESTs");
      } else {
        ++misses_;
        last_probe_ = now;
        write(cmpp::kActiveTest, "");
      }
    }
    while (!remembered_.empty() && now - remembered_.front().first > settings_.receipt_wait) {
      receipts_.erase(remembered_.front().second);
      remembered_.pop_front();
    }
    pump();
    if (stopped_) return;
    tick_timer_.expires_after(std::chrono::seconds(1));
    auto self = shared_from_this();
    tick_timer_.async_wait([this, self](boost::system::error_code ec) {
      if (!ec && !stopped_) tick();
    });
  }

  struct InFlight {
    std::shared_ptr<Pending> pending;
    Clock::time_point deadline;
  };

  const CmppSettings settings_;
  const WallClock wall_;
  LinkEvents events_;
  TcpLink link_;
  asio::steady_timer tick_timer_;

  State state_ = State::down;
  bool stopped_ = false;
  Clock::time_point login_deadline_{}, last_received_{}, last_probe_{}, paused_until_{};
  int misses_ = 0;
  cmpp::Digest authenticator_{};
  uint32_t sequence_ = 0;
  uint8_t next_ref_ = 0;
  cmpp::FrameReader reader_;

  std::deque<std::shared_ptr<Pending>> queue_;
  std::map<uint32_t, InFlight> in_flight_;
  std::unordered_map<uint64_t, std::shared_ptr<Tracked>> receipts_;
  std::deque<std::pair<Clock::time_point, uint64_t>> remembered_;
};

CmppProvider::CmppProvider(CmppSettings settings, WallClock wall_clock)
    : settings_(std::move(settings)), wall_clock_(std::move(wall_clock)) {}

CmppProvider::~CmppProvider() = default;

std::optional<SendResult> CmppProvider::refuse(const OutboundMessage& message) const {
  if (message.mobile.empty()) return SendResult{SendOutcome::failed, "", "person has no mobile"};
  if (!sms::is_mainland_mobile(message.mobile))
    return SendResult{SendOutcome::failed, "", "the mobile number is not 11 digits starting with 1"};
  if (sms::characters(text_of(message)) > sms::kMaxCharacters)
    return SendResult{SendOutcome::failed, "", fmt::format("the text is longer than {} characters", sms::kMaxCharacters)};
  return std::nullopt;
}

std::string CmppProvider::text_of(const OutboundMessage& m) const { return signed_text(settings_, m); }

void CmppProvider::start(asio::io_context& io, LinkEvents events) const {
  session_ = std::make_shared<Session>(io, settings_, wall_clock_, std::move(events));
  session_->start();
}

void CmppProvider::stop() const {
  if (!session_) return;
  session_->stop();
  session_.reset();  // its handlers still pending hold it until they run (or the loop goes)
}

void CmppProvider::submit(std::vector<OutboundMessage> batch, Done done) const {
  if (!session_) return done(link_down(batch.size(), "the CMPP link was not started: nothing was sent"));
  session_->submit(std::move(batch), std::move(done));
}

}  // namespace jiaoying
