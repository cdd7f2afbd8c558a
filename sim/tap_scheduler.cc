#include "sim/tap_scheduler.h"

#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <algorithm>

namespace jiaoying::sim {

namespace asio = boost::asio;

// A daemon that does not answer within this is logged as a failed tap; kept short so
// shutdown never waits long on a request in flight.
constexpr std::chrono::milliseconds kTapTimeout{5'000};

TimerTapScheduler::TimerTapScheduler(asio::io_context& io, AsyncHttpClient& http, asio::io_context& http_io,
                                     EventLog& log, std::ostream& diagnostics, double time_scale, Stats* stats,
                                     size_t max_in_flight)
    : io_(io),
      http_(http),
      http_io_(http_io),
      log_(log),
      diagnostics_(diagnostics),
      time_scale_(time_scale),
      stats_(stats),
      max_in_flight_(std::max<size_t>(1, max_in_flight)) {}

TimerTapScheduler::~TimerTapScheduler() = default;

void TimerTapScheduler::schedule(Tap tap) {
  if (abandoned_) return;
  auto real_delay = std::chrono::duration_cast<asio::steady_timer::duration>(
      std::chrono::duration<double, std::milli>(static_cast<double>(tap.delay.count()) / time_scale_));
  uint64_t id = next_id_++;
  auto timer = std::make_unique<asio::steady_timer>(io_, real_delay);
  timer->async_wait([this, id, tap = std::move(tap)](const boost::system::error_code& ec) mutable {
    if (ec || abandoned_) return;  // cancelled by abandon()
    waiting_.erase(id);
    asio::post(http_io_, [this, tap = std::move(tap)]() mutable {
      due_.push_back(std::move(tap));
      start_next();
    });
  });
  waiting_.emplace(id, std::move(timer));
}

void TimerTapScheduler::abandon() {
  abandoned_ = true;
  for (auto& [id, timer] : waiting_) timer->cancel();
  waiting_.clear();
  asio::post(http_io_, [this] {
    stopped_ = true;
    due_.clear();
  });
}

void TimerTapScheduler::start_next() {
  while (!stopped_ && in_flight_ < max_in_flight_ && !due_.empty()) {
    Tap tap = std::move(due_.front());
    due_.pop_front();
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
    ++in_flight_;
    const auto began = std::chrono::steady_clock::now();
    http_.perform(std::move(request), [this, tap = std::move(tap), began](HttpResponse response) {
      --in_flight_;
      finished(tap, response, began);
      start_next();
    });
  }
}

void TimerTapScheduler::finished(const Tap& tap, const HttpResponse& response, std::chrono::steady_clock::time_point began) {
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
  const bool ok = !response.transport_failed() && response.status < 400;
  if (stats_)
    stats_->tap(ok, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - began));
  if (!ok) {
    std::string why = response.transport_failed() ? response.error : "HTTP " + std::to_string(response.status);
    diagnostics_ << ("jiaoying-sim: tap by " + tap.account + " on " + tap.url + " failed: " + why + "\n") << std::flush;
  }
}

}  // namespace jiaoying::sim
