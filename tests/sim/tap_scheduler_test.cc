// The real tap scheduler with a fake HTTP client: delays run in scaled time, the tap requests
// the button URL, at most so many at once, and each tap is logged with what the daemon answered.
#include "sim/tap_scheduler.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <sstream>

namespace {

using namespace jiaoying;

// Answers every request with `answer`, on the io_context it was given, later (never inside
// perform), keeping up to `hold` requests unanswered until release() — to see the cap at work.
class FakeHttp final : public AsyncHttpClient {
 public:
  FakeHttp(boost::asio::io_context& io, HttpResponse answer) : io_(io), answer_(std::move(answer)) {}
  void perform(HttpRequest request, Done done) override {
    requests.push_back(request);
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    if (hold) {
      held.push_back(std::move(done));
      return;
    }
    boost::asio::post(io_, [this, done = std::move(done)] {
      --in_flight;
      done(answer_);
    });
  }
  void release() {
    std::vector<Done> now;
    now.swap(held);  // answering starts the next ones, which are held in turn
    for (auto& done : now) {
      --in_flight;
      done(answer_);
    }
  }
  std::vector<HttpRequest> requests;
  std::vector<Done> held;
  bool hold = false;
  size_t in_flight = 0, max_in_flight = 0;

 private:
  boost::asio::io_context& io_;
  HttpResponse answer_;
};

boost::json::object only_line(const std::ostringstream& text) {
  std::string s = text.str();
  REQUIRE(std::count(s.begin(), s.end(), '\n') == 1);
  return boost::json::parse(s).as_object();
}

}  // namespace

TEST_CASE("a tap requests the button URL after the delay divided by the time scale") {
  boost::asio::io_context io;
  FakeHttp http(io, HttpResponse{200, "ok", ""});
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  sim::Stats stats;
  auto started = std::chrono::steady_clock::now();
  {
    sim::TimerTapScheduler taps(io, http, io, log, diagnostics, 1000.0, &stats);
    taps.schedule(sim::Tap{"100001", "http://127.0.0.1:9/ack/t", std::chrono::seconds(45), "", ""});
    io.run();  // returns once the timer fired and the request was answered
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed >= std::chrono::milliseconds(45));

  auto& requests = http.requests;
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
  CHECK(boost::json::parse(stats.json()).at("taps").at("done") == 1);
}

TEST_CASE("a tap that gets no answer is logged with status 0 and the error") {
  boost::asio::io_context io;
  FakeHttp http(io, HttpResponse{0, "", "Couldn't connect to server"});
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  {
    sim::TimerTapScheduler taps(io, http, io, log, diagnostics, 1000.0);
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
  FakeHttp http(io, HttpResponse{200, "ok", ""});
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  {
    sim::TimerTapScheduler taps(io, http, io, log, diagnostics, 1.0);
    taps.schedule(sim::Tap{"100002", "http://127.0.0.1:9/ack/t", std::chrono::minutes(4), "", ""});
    taps.abandon();
    io.run();  // returns at once: the cancelled timer is the only work
  }
  CHECK(http.requests.empty());
  CHECK(log_text.str().empty());
}

TEST_CASE("a city tapping at once goes out so many at a time, none lost") {
  boost::asio::io_context io;
  FakeHttp http(io, HttpResponse{200, "ok", ""});
  http.hold = true;
  std::ostringstream log_text, diagnostics;
  sim::EventLog log(log_text);
  sim::TimerTapScheduler taps(io, http, io, log, diagnostics, 1000.0, nullptr, 8);
  for (int i = 0; i < 50; ++i)
    taps.schedule(sim::Tap{std::to_string(100000 + i), "http://127.0.0.1:9/ack/" + std::to_string(i), std::chrono::milliseconds(0), "", ""});
  while (http.requests.size() < 8) io.run_one();
  io.poll();
  CHECK(http.requests.size() == 8);  // the rest wait their turn
  while (http.requests.size() < 50) {
    http.release();
    io.poll();
  }
  http.release();
  io.poll();
  CHECK(http.max_in_flight == 8);
  const std::string lines = log_text.str();
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 50);
}
