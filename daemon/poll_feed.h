// The poll feed: every `interval`, GET the feed URL (with If-None-Match / If-Modified-Since);
// an Atom or RSS index has each new entry fetched and ingested as CAP, a single CAP alert is
// ingested as it is. Entries taken are recorded in feed_entries, so none is ingested twice,
// even across restarts. Errors back off (doubling, up to 16× the interval).
// HTTP runs on the feed's own worker thread; parsing, ingest and the store run on the io
// thread with the engine.
#pragma once

#include "rules/cap_signature.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <set>
#include <string>

#include "channels/http_client.h"
#include "daemon/engine.h"

namespace jiaoying {

class PollFeed {
 public:
  PollFeed(boost::asio::io_context& io, std::string name, std::string url, Millis interval, Engine& engine, Store& store,
           HttpClient& http, std::function<void()> changed);
  ~PollFeed();

  void start();  // the first poll at once, then every interval
  void stop();
  // Take only CAP signed by one of these (empty: signatures not required).
  void require_signatures(std::vector<TrustedSigner> signers) { signed_by_ = std::move(signers); }

 private:
  struct Fetched;
  void schedule(Millis delay);
  void poll();                          // io thread: starts a fetch on the worker
  void handle(std::shared_ptr<Fetched> fetched);  // io thread: ingest what came back

  boost::asio::io_context& io_;
  std::string name_;
  std::string url_;
  Millis interval_;
  Engine& engine_;
  Store& store_;
  HttpClient& http_;
  std::function<void()> changed_;
  std::vector<TrustedSigner> signed_by_;
  boost::asio::steady_timer timer_;
  boost::asio::thread_pool worker_{1};
  // Touched on the io thread only.
  std::set<std::string> seen_;
  std::string etag_, last_modified_;
  int failures_ = 0;
  bool stopped_ = false;
};

}  // namespace jiaoying
