// The county's Asterisk PBX as jiaoying-sim plays it behind its manager interface (AMI, a text
// protocol on its own TCP port: --ami-listen). It greets with the banner, checks the Login
// (username and secret, as manager.conf would), takes asynchronous Originates into the
// scenario's dialplan context and dials the number as the scenario's phone behaves: busy and no
// answer come back as OriginateResponse failures (Reason 5, 3); an answered call (Reason 4) runs
// the dialplan, which reports the key pressed with UserEvent(JiaoyingResult) and the hang-up with
// UserEvent(JiaoyingHangup). A full trunk (the scenario's channels) fails a call with congestion
// (Reason 8). The scenario's `asterisk` faults play here (an outage refuses and cuts links,
// errors refuse the Originate, lost answers take it and cut the link, lost receipts send no
// events). Events go to every logged-in link, as Asterisk sends them. Runs on the io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"

namespace jiaoying::sim {

class AmiPeer {
 public:
  using SinceStart = std::function<Millis()>;
  AmiPeer(boost::asio::io_context& io, Scenario scenario, EventLog& log, std::ostream& diagnostics, double time_scale,
          SinceStart since_start, PlatformHooks hooks = {});
  ~AmiPeer();
  AmiPeer(const AmiPeer&) = delete;
  AmiPeer& operator=(const AmiPeer&) = delete;

  // Listens on host:port (port 0 picks one); the port. Throws naming the address on failure.
  unsigned short listen(const std::string& address);
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace jiaoying::sim
