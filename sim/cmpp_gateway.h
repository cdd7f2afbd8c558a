// A carrier's SMS gateway (ISMG) speaking CMPP 2.0 or 3.0, as jiaoying-sim plays it on its own
// TCP port (--cmpp-listen): it checks the login as a gateway does (the SP id, the
// AuthenticatorSource under the shared secret, the version), answers with the AuthenticatorISMG;
// takes UCS2 SUBMITs (long texts in UDH parts, put back together), checks the SP's fields and
// numbers; sends each part's status report and — as the person's phone does in the scenario —
// their reply as DELIVERs; answers ACTIVE_TEST and TERMINATE. The scenario's `cmpp` faults play
// here: an outage refuses and cuts links, a rate limit answers Result 8 (flow control), errors
// answer Result 9, lost answers take the text and cut the link, lost receipts never come.
// Everything runs on the simulator's io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"

namespace jiaoying::sim {

class CmppGateway {
 public:
  using SinceStart = std::function<Millis()>;  // real time since the simulator started
  CmppGateway(boost::asio::io_context& io, Scenario scenario, EventLog& log, std::ostream& diagnostics,
              double time_scale, SinceStart since_start, PlatformHooks hooks = {});
  ~CmppGateway();
  CmppGateway(const CmppGateway&) = delete;
  CmppGateway& operator=(const CmppGateway&) = delete;

  // Listens on host:port (port 0 picks one); the port. Throws naming the address on failure.
  unsigned short listen(const std::string& address);
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace jiaoying::sim
