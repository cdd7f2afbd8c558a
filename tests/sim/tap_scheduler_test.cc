// The real tap scheduler with a fake HTTP client: delays run in scaled time, the tap requests
// the button URL off the io thread, and each tap is logged with what the daemon answered.
#include "sim/tap_scheduler.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <mutex>
#include <sstream>

namespace {

using namespace jiaoying;

class FakeHttp final : public HttpClient {
 public:
  explicit FakeHttp(HttpResponse answer) : answer_(std::move(answer)) {}
  HttpResponse perform(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    return answer_;
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::mutex mutex_;
  HttpResponse answer_;
  std::vector<HttpRequest> requests_;
};

boost::json::object only_line(const std::ostringstream& text) {
  std::string s = text.str();
  REQUIRE(std::count(s.begin(), s.end(), '\n') == 1);
  return boost::json::parse(s).as_object();
}

}  // namespace

TEST_CASE("a tap requests the button URL after the delay divided by the time scale") {
  boost::asio::io_context io;
  FakeHttp http(HttpResponse{200, "ok", ""});
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  auto started = std::chrono::steady_clock::now();
  {
    sim::TimerTapScheduler taps(io, http, log, diagnostics, 1000.0);
    taps.schedule(sim::Tap{"100001", "http://127.0.0.1:9/ack/t", std::chrono::seconds(45), "", ""});
    io.run();  // returns once the timer fired and the request was handed to a worker
  }            // joins the workers
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed >= std::chrono::milliseconds(45));
  CHECK(elapsed < std::chrono::seconds(5));

  auto requests = http.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].url == "http://127.0.0.1:9/ack/t");

  boost::json::object line = only_line(log_text);
  CHECK(line.at("provider") == "zzd");
  CHECK(line.at("endpoint") == "tap");
  CHECK(line.at("receivers") == boost::json::array{"100001"});
  CHECK(line.at("url") == "http://127.0.0.1:9/ack/t");
  CHECK(line.at("status") == 200);
  CHECK_FALSE(line.contains("error"));
  CHECK(diagnostics.str().empty());
}

TEST_CASE("a tap that gets no answer is logged with status 0 and the error") {
  boost::asio::io_context io;
  FakeHttp http(HttpResponse{0, "", "Couldn't connect to server"});
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  {
    sim::TimerTapScheduler taps(io, http, log, diagnostics, 1000.0);
    taps.schedule(sim::Tap{"100001", "http://127.0.0.1:9/ack/t", std::chrono::milliseconds(0), "", ""});
    io.run();
  }
  boost::json::object line = only_line(log_text);
  CHECK(line.at("status") == 0);
  CHECK(line.at("error") == "Couldn't connect to server");
  CHECK(diagnostics.str().find("failed: Couldn't connect to server") != std::string::npos);
}

TEST_CASE("taps still waiting when the simulator stops are abandoned") {
  boost::asio::io_context io;
  FakeHttp http(HttpResponse{200, "ok", ""});
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  {
    sim::TimerTapScheduler taps(io, http, log, diagnostics, 1.0);
    taps.schedule(sim::Tap{"100002", "http://127.0.0.1:9/ack/t", std::chrono::minutes(4), "", ""});
    taps.abandon();
    io.run();  // returns at once: the cancelled timer is the only work
  }
  CHECK(http.requests().empty());
  CHECK(log_text.str().empty());
}
