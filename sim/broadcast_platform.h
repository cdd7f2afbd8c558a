// The county emergency-broadcast platform (应急广播, GY/T EBD over HTTP) as jiaoying-sim plays
// it: takes the multipart POST, opens the EBDT tar, checks the sender's SM2 signature and the
// EBM as a platform does, answers with its own signed EBDResponse tar, and — as the village
// loudspeakers do in the scenario — later pushes a signed EBMStateResponse (played, with the areas
// covered; or failed; or nothing) to jiaoyingd's callback. Called on the io thread only.
#pragma once

#include <map>
#include <ostream>
#include <set>
#include <string>

#include "channels/broadcast/ebd.h"
#include "channels/http_server.h"
#include "sim/event_log.h"
#include "sim/hooks.h"
#include "sim/scenario.h"
#include "sim/tap_scheduler.h"

namespace jiaoying::sim {

class BroadcastPlatform {
 public:
  // `key`: the platform's SM2 private key; `sender_key`: the public key EBMs must verify with;
  // `report_url`: jiaoyingd's /api/v1/callbacks/broadcast (empty = nobody hears how it played).
  BroadcastPlatform(BroadcastBehaviour behaviour, ebd::Sm2Key key, ebd::Sm2Key sender_key, std::string report_url,
                    EventLog& log, TapScheduler& taps, std::ostream& diagnostics);

  // True for requests this platform serves (POST /ebd).
  static bool serves(const ServerRequest& request);
  void set_hooks(PlatformHooks hooks) { hooks_ = hooks; }
  ServerResponse handle(const ServerRequest& request);

 private:
  ServerResponse answer(const std::string& to, const std::string& related, int code, const std::string& desc);

  const BroadcastBehaviour behaviour_;
  const ebd::Sm2Key key_;
  const ebd::Sm2Key sender_key_;
  const std::string report_url_;
  EventLog& log_;
  TapScheduler& taps_;
  std::ostream& diagnostics_;
  uint64_t sequence_ = 0;
  std::set<std::pair<std::string, int>> seen_;  // (EBMID, MsgType) already taken
  PlatformHooks hooks_;
};

}  // namespace jiaoying::sim
