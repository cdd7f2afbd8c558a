#include "sim/cmpp_gateway.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <list>
#include <map>

#include "channels/sms/aliyun_sms.h"
#include "channels/sms/cmpp.h"
#include "sim/tcp_listen.h"

namespace jiaoying::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kProvider = "cmpp";
constexpr uint32_t kOtherError = 9;

std::string yymmddhhmm() { return cmpp::timestamp_text(std::chrono::system_clock::now()).substr(0, 8) + "00"; }

}  // namespace

struct CmppGateway::Impl : std::enable_shared_from_this<Impl> {
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

  cmpp::Version version() const {
    return scenario.cmpp && scenario.cmpp->version == 0x20 ? cmpp::Version::v20 : cmpp::Version::v30;
  }

  bool in_outage() const { return hooks.faults && hooks.faults->in_outage(kProvider, since_start()); }

  void say(const std::string& text) { diagnostics << "jiaoying-sim: cmpp " << text << "\n" << std::flush; }

  void accept();
  // A DELIVER for the SP after `delay` (scenario time), on whichever link is logged in then.
  void deliver_later(cmpp::Deliver d, Millis delay);
  void deliver_now(cmpp::Deliver d);
  void logged_in(const std::shared_ptr<Link>& link);

  asio::io_context& io;
  tcp::acceptor acceptor;
  const Scenario scenario;
  EventLog& log;
  std::ostream& diagnostics;
  const double time_scale;
  SinceStart since_start;
  PlatformHooks hooks;
  bool stopped = false;
  uint64_t next_msg_id = 0x0123000000000000;
  std::list<std::weak_ptr<Link>> links;
  std::deque<cmpp::Deliver> waiting;  // for a link to log in
  // Parts of long texts being put back together, by (phone, UDH ref).
  struct Parts {
    std::map<int, std::string> text;
    int total = 0;
    std::vector<uint64_t> msg_ids;
  };
  std::map<std::pair<std::string, int>, Parts> assembling;
};

class CmppGateway::Impl::Link : public std::enable_shared_from_this<Link> {
 public:
  Link(std::shared_ptr<Impl> gateway, tcp::socket socket) : g_(std::move(gateway)), socket_(std::move(socket)) {
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    peer_ = ec ? "?" : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  }

  void start() { read(); }
  bool ready() const { return logged_in_ && socket_.is_open(); }
  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void send(uint32_t command, std::string_view body, uint32_t sequence = 0) {
    if (!socket_.is_open()) return;
    if (sequence == 0) sequence = ++sequence_;
    outbox_.push_back(cmpp::frame(command, sequence, body));
    if (outbox_.size() == 1) write_next();
  }

 private:
  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [this, self](boost::system::error_code ec, size_t n) {
      if (ec || g_->stopped) return close();
      reader_.feed(std::string_view(buffer_.data(), n));
      std::string error;
      while (auto f = reader_.next(error)) {
        if (!on_frame(*f)) return close();
      }
      if (!error.empty()) {
        g_->say("closed a link from " + peer_ + ": " + error);
        return close();
      }
      read();
    });
  }

  void write_next() {
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(outbox_.front()), [this, self](boost::system::error_code ec, size_t) {
      if (ec) return close();
      outbox_.pop_front();
      if (!outbox_.empty()) write_next();
    });
  }

  // False: the link is to be closed.
  bool on_frame(const cmpp::Frame& f) {
    const cmpp::Version v = g_->version();
    if (!logged_in_ && f.command != cmpp::kConnect) {
      g_->say(fmt::format("closed a link from {}: Command_Id 0x{:08x} before CONNECT", peer_, f.command));
      return false;
    }
    switch (f.command) {
      case cmpp::kConnect: return on_connect(f);
      case cmpp::kSubmit: return on_submit(f);
      case cmpp::kActiveTest: send(cmpp::kActiveTest | cmpp::kResponse, cmpp::active_test_resp_body(), f.sequence); return true;
      case cmpp::kDeliver | cmpp::kResponse:
        if (!cmpp::decode_deliver_resp(f.body, v)) g_->say("a DELIVER_RESP that is not CMPP " + std::string(cmpp::version_name(v)) + "'s");
        return true;
      case cmpp::kActiveTest | cmpp::kResponse: return true;
      case cmpp::kTerminate:
        send(cmpp::kTerminate | cmpp::kResponse, "", f.sequence);
        return true;
      default:
        g_->say(fmt::format("ignored Command_Id 0x{:08x} from {}", f.command, peer_));
        return true;
    }
  }

  bool on_connect(const cmpp::Frame& f) {
    const cmpp::Version v = g_->version();
    auto c = cmpp::decode_connect(f.body);
    if (!c) {
      g_->say("a CONNECT that is not CMPP's from " + peer_);
      return false;
    }
    uint32_t status = 0;
    const CmppService* service = g_->scenario.cmpp ? &*g_->scenario.cmpp : nullptr;
    if (!service || c->source_addr != service->sp_id) {
      status = cmpp::kBadSource;
    } else if (c->version > static_cast<uint8_t>(v)) {
      status = 4;
    } else if (c->authenticator !=
               cmpp::authenticator_source(c->source_addr, service->shared_secret, fmt::format("{:010}", c->timestamp))) {
      status = cmpp::kAuthFailed;
    }
    cmpp::ConnectResp resp;
    resp.status = status;
    resp.version = static_cast<uint8_t>(v);
    resp.authenticator = cmpp::authenticator_ismg(status, v, c->authenticator, service ? service->shared_secret : "");
    send(cmpp::kConnect | cmpp::kResponse, cmpp::encode_connect_resp(resp, v), f.sequence);
    g_->log.write({{"provider", kProvider}, {"endpoint", "CONNECT"}, {"sp_id", c->source_addr}, {"status", status}});
    if (status != 0) {
      g_->say(fmt::format("refused the login of {} from {}: {}", c->source_addr, peer_, cmpp::connect_status_text(status)));
      return true;  // the SP reads the refusal and closes
    }
    logged_in_ = true;
    g_->logged_in(shared_from_this());
    return true;
  }

  bool on_submit(const cmpp::Frame& f) {
    const cmpp::Version v = g_->version();
    const CmppService& service = *g_->scenario.cmpp;
    if (g_->hooks.stats) g_->hooks.stats->request(kProvider);
    FaultDecision d = g_->hooks.faults ? g_->hooks.faults->decide(kProvider, g_->since_start()) : FaultDecision{};
    if (d.kind != FaultDecision::Kind::none && g_->hooks.stats) g_->hooks.stats->fault(kProvider, fault_kind_name(d.kind));
    if (d.kind == FaultDecision::Kind::reset) return false;
    uint32_t result = 0;
    auto s = cmpp::decode_submit(f.body, v);
    std::string why;
    if (!s) result = 1, why = "not a SUBMIT of this version";
    else if (s->msg_src != service.sp_id) result = v == cmpp::Version::v30 ? 11 : 1, why = "Msg_src is not the SP's";
    else if (!s->src_id.starts_with(service.src_id)) result = v == cmpp::Version::v30 ? 10 : 1, why = "Src_Id is not the SP's number";
    else if (s->msg_fmt != cmpp::kUcs2) result = 1, why = "only UCS2 (Msg_Fmt 8) is taken here";
    else if (s->dest_terminal_ids.empty() || s->dest_terminal_ids.size() > 100) result = 1, why = "DestUsr_tl must be 1 to 100";
    else if (s->content.size() > 140) result = 6, why = "more than 140 bytes";
    else if (s->pk_total == 0 || s->pk_number == 0 || s->pk_number > s->pk_total) result = 1, why = "Pk_number is not in 1..Pk_total";
    else if ((s->pk_total > 1) != (s->tp_udhi == 1)) result = 1, why = "a long text's parts need TP_udhi = 1 and a UDH";
    for (size_t i = 0; s && result == 0 && i < s->dest_terminal_ids.size(); ++i)
      if (!sms::is_mainland_mobile(s->dest_terminal_ids[i]))
        result = v == cmpp::Version::v30 ? 13 : 1, why = "Dest_terminal_Id " + s->dest_terminal_ids[i] + " is not a mobile";
    if (result == 0 && d.kind == FaultDecision::Kind::throttled) result = cmpp::kFlowControl, why = "flow control";
    if (result == 0 && (d.kind == FaultDecision::Kind::error || d.kind == FaultDecision::Kind::malformed))
      result = kOtherError, why = "the gateway's own error";
    if (result != 0 && result != cmpp::kFlowControl && result != kOtherError) g_->say("refused a SUBMIT: " + why);
    cmpp::SubmitResp resp;
    resp.result = result;
    if (result == 0) {
      resp.msg_id = ++g_->next_msg_id;
      taken(*s, resp.msg_id);
    }
    if (d.kind == FaultDecision::Kind::lost_answer && result == 0) return false;  // taken; the answer never comes
    const std::string body = cmpp::encode_submit_resp(resp, v);
    if (d.delay.count() <= 0) {
      send(cmpp::kSubmit | cmpp::kResponse, body, f.sequence);
      return true;
    }
    auto timer = std::make_shared<asio::steady_timer>(g_->io, d.delay);
    timer->async_wait([self = shared_from_this(), timer, body, seq = f.sequence](boost::system::error_code) {
      self->send(cmpp::kSubmit | cmpp::kResponse, body, seq);
    });
    return true;
  }

  // A part taken: the whole text, once all its parts are here, is logged and answered as the
  // phone behind it would.
  void taken(const cmpp::Submit& s, uint64_t msg_id) {
    const std::string& phone = s.dest_terminal_ids.front();
    std::string payload = s.content;
    int ref = -1;
    if (s.tp_udhi && payload.size() >= 6 && payload[0] == '\x05') {
      ref = static_cast<uint8_t>(payload[3]);
      payload.erase(0, 6);
    }
    Impl::Parts& parts = g_->assembling[{phone, ref}];
    parts.total = s.pk_total;
    parts.text[s.pk_number] = payload;
    parts.msg_ids.push_back(msg_id);
    if (static_cast<int>(parts.text.size()) < parts.total) return;
    std::string ucs2;
    for (const auto& [n, t] : parts.text) ucs2 += t;
    const std::vector<uint64_t> ids = parts.msg_ids;
    const int total = parts.total;
    g_->assembling.erase({phone, ref});
    const std::string text = cmpp::utf8_of_ucs2(ucs2).value_or("(not UCS2)");
    g_->log.write({{"provider", kProvider},
                   {"endpoint", "SUBMIT"},
                   {"phone", phone},
                   {"msg_id", fmt::format("{:016x}", ids.front())},
                   {"segments", total},
                   {"text", text}});
    g_->hooks.taken(kProvider);
    const cmpp::Version v = g_->version();
    if (!g_->hooks.lose_receipt(kProvider)) {
      for (uint64_t id : ids) {
        cmpp::StatusReport report;
        report.msg_id = id;
        report.stat = std::string(cmpp::kDelivered);
        report.submit_time = report.done_time = yymmddhhmm();
        report.dest_terminal_id = phone;
        cmpp::Deliver d;
        d.msg_id = ++g_->next_msg_id;
        d.dest_id = s.src_id;
        d.src_terminal_id = phone;
        d.registered_delivery = 1;
        d.msg_fmt = 0;
        d.content = cmpp::encode_status_report(report, v);
        g_->deliver_later(std::move(d), std::chrono::seconds(3));
      }
    }
    if (auto it = g_->scenario.texters.find(phone); it != g_->scenario.texters.end()) {
      std::string reply = it->second.reply;
      if (reply.empty()) {  // the code the text asks for: "回复2确认收到"
        auto at = text.rfind("回复");
        if (at != std::string::npos) reply = std::to_string(sms::reply_code_of(text.substr(at + 6)).value_or(0));
      }
      cmpp::Deliver d;
      d.msg_id = ++g_->next_msg_id;
      d.dest_id = s.src_id;
      d.src_terminal_id = phone;
      d.msg_fmt = cmpp::kUcs2;
      d.content = cmpp::ucs2_of(reply);
      g_->deliver_later(std::move(d), it->second.after);
    }
  }

  std::shared_ptr<Impl> g_;
  tcp::socket socket_;
  std::string peer_;
  bool logged_in_ = false;
  uint32_t sequence_ = 0;
  std::array<char, 8192> buffer_{};
  cmpp::FrameReader reader_;
  std::deque<std::string> outbox_;
};

void CmppGateway::Impl::accept() {
  auto self = shared_from_this();
  acceptor.async_accept([this, self](boost::system::error_code ec, tcp::socket socket) {
    if (stopped || !acceptor.is_open()) return;
    if (!ec) {
      if (in_outage()) {
        boost::system::error_code ignored;
        socket.close(ignored);  // the carrier's line is down
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

void CmppGateway::Impl::logged_in(const std::shared_ptr<Link>&) {
  std::deque<cmpp::Deliver> held = std::move(waiting);
  waiting.clear();
  for (cmpp::Deliver& d : held) deliver_now(std::move(d));
}

void CmppGateway::Impl::deliver_later(cmpp::Deliver d, Millis delay) {
  auto timer = std::make_shared<asio::steady_timer>(
      io, Millis(static_cast<int64_t>(static_cast<double>(delay.count()) / time_scale)));
  auto self = shared_from_this();
  timer->async_wait([self, timer, d = std::move(d)](boost::system::error_code ec) mutable {
    if (!ec && !self->stopped) self->deliver_now(std::move(d));
  });
}

void CmppGateway::Impl::deliver_now(cmpp::Deliver d) {
  links.remove_if([](const std::weak_ptr<Link>& w) { return w.expired(); });
  if (!in_outage())
    for (const auto& w : links)
      if (auto link = w.lock(); link && link->ready()) {
        link->send(cmpp::kDeliver, cmpp::encode_deliver(d, version()));
        log.write({{"provider", kProvider},
                   {"endpoint", d.registered_delivery ? "DELIVER report" : "DELIVER reply"},
                   {"phone", d.src_terminal_id}});
        return;
      }
  waiting.push_back(std::move(d));  // the next link to log in takes it, as a gateway holds its queue
}

CmppGateway::CmppGateway(asio::io_context& io, Scenario scenario, EventLog& log, std::ostream& diagnostics,
                         double time_scale, SinceStart since_start, PlatformHooks hooks)
    : impl_(std::make_shared<Impl>(io, std::move(scenario), log, diagnostics, time_scale, std::move(since_start), hooks)) {}

CmppGateway::~CmppGateway() { stop(); }

unsigned short CmppGateway::listen(const std::string& address) {
  const unsigned short port = listen_on(impl_->acceptor, "--cmpp-listen", address);
  impl_->accept();
  return port;
}

void CmppGateway::stop() {
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const auto& w : impl_->links)
    if (auto link = w.lock()) link->close();
}

}  // namespace jiaoying::sim
