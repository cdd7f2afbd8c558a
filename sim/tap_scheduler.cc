#include "sim/tap_scheduler.h"

#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>

namespace jiaoying::sim {

namespace asio = boost::asio;

// A daemon that does not answer within this is logged as a failed tap; kept short so
// shutdown never waits long on a request in flight.
constexpr std::chrono::milliseconds kTapTimeout{5'000};

TimerTapScheduler::TimerTapScheduler(asio::io_context& io, HttpClient& http, EventLog& log,
                                     std::ostream& diagnostics, double time_scale, int workers)
    : io_(io),
      http_(http),
      log_(log),
      diagnostics_(diagnostics),
      time_scale_(time_scale),
      workers_(static_cast<size_t>(workers)) {}

// Taps already handed to the workers finish first (unless abandon() dropped them).
TimerTapScheduler::~TimerTapScheduler() {
  workers_.join();
}

void TimerTapScheduler::schedule(Tap tap) {
  if (abandoned_) return;
  auto real_delay = std::chrono::duration_cast<asio::steady_timer::duration>(
      std::chrono::duration<double, std::milli>(static_cast<double>(tap.delay.count()) /
                                                time_scale_));
  uint64_t id = next_id_++;
  auto timer = std::make_unique<asio::steady_timer>(io_, real_delay);
  timer->async_wait([this, id, tap = std::move(tap)](const boost::system::error_code& ec) {
    if (ec || abandoned_) return;  // cancelled by abandon()
    waiting_.erase(id);
    // The request blocks; the io thread must keep serving the daemon (which is the one
    // answering this very request).
    asio::post(workers_, [this, tap] { perform(tap); });
  });
  waiting_.emplace(id, std::move(timer));
}

void TimerTapScheduler::abandon() {
  abandoned_ = true;
  for (auto& [id, timer] : waiting_) timer->cancel();
  waiting_.clear();
  workers_.stop();
}

void TimerTapScheduler::perform(const Tap& tap) {
  HttpRequest request;
  request.method = tap.form.empty() && tap.json.empty() && tap.body.empty() ? "GET" : "POST";
  request.url = tap.url;
  request.headers = {{"User-Agent", "jiaoying-sim (Zhezhengding messenger)"}};
  if (!tap.form.empty()) {
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    request.body = tap.form;
  } else if (!tap.json.empty()) {
    request.headers = {{"User-Agent", "jiaoying-sim (voice platform)"}, {"Content-Type", "application/json"}};
    request.body = tap.json;
  } else if (!tap.body.empty()) {
    request.headers = {{"User-Agent", "jiaoying-sim (broadcast platform)"}, {"Content-Type", tap.content_type}};
    request.body = tap.body;
  }
  request.timeout = kTapTimeout;
  HttpResponse response = http_.perform(request);

  std::string_view endpoint = !tap.body.empty() ? "broadcast_report"
                         : !tap.json.empty() ? "voice_report"
                         : tap.form.empty()  ? "tap"
                                             : "report";
  const bool sms = tap.account.rfind("sms-", 0) == 0;
  if (sms) endpoint = tap.url.ends_with("/reply") ? "sms_reply" : "sms_report";
  boost::json::object entry{{"provider", sms ? "sms" : tap.body.empty() ? "zzd" : "broadcast"},
                            {"endpoint", endpoint},
                            {"receivers", boost::json::array{boost::json::string(tap.account)}},
                            {"url", tap.url},
                            {"status", response.status}};
  if (response.transport_failed()) entry["error"] = response.error;
  log_.write(entry);
  if (response.transport_failed() || response.status >= 400) {
    std::string why =
        response.transport_failed() ? response.error : "HTTP " + std::to_string(response.status);
    diagnostics_ << ("jiaoying-sim: tap by " + tap.account + " on " + tap.url + " failed: " + why +
                     "\n")
                 << std::flush;
  }
}

}  // namespace jiaoying::sim
