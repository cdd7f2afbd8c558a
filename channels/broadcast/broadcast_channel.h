// The rural emergency-broadcast channel (农村应急广播): one EBM per warning to the county
// platform, naming every village whose loudspeakers must play it; the platform de-duplicates on
// the EBMID, so a lost answer is simply sent again. How the playback went comes back later as a
// signed EBMStateResponse on jiaoyingd's callback, which receive() opens and answers.
// The provider of the per-area broadcast medium (rules/media.h): not per person, so its orders are
// not messages — the engine keeps one broadcast row per warning (docs/protocols/broadcast.md) —
// but the dispatcher sends them through the same transport, budget and breaker. encode/decode
// are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "channels/broadcast/ebd.h"
#include "channels/channel.h"
#include "channels/http_client.h"
#include "rules/warning.h"

namespace jiaoying {

struct BroadcastSettings {
  std::string url;          // the county platform's EBD endpoint (or the simulator)
  std::string ebrid;        // our platform's resource id: SRC/EBRID, 23 digits
  std::string dest_ebrid;   // the county platform's: DEST/EBRID
  std::string sender_name;  // SenderName, read out by some terminals: 婺城区防汛防台抗旱指挥部
  std::string cert_sn;      // our signing certificate's serial
  std::map<std::string, std::string> event_types;  // hazard → EventType, over the built-in table
  std::chrono::milliseconds timeout{10'000};
};

// One EBM to send (or its cancellation), as the engine stored it.
struct BroadcastOrder {
  int64_t broadcast_id = 0;
  int attempt = 1;
  int msg_type = ebd::kMsgBroadcast;
  std::string ebm_id;  // fixed when queued; the platform de-duplicates on it
  std::string hazard;
  Level level = Level::blue;
  std::string title;
  std::string text;    // spoken as written (the plan's repeat is already in it)
  std::vector<std::string> area_codes;
  TimePoint sent{};    // the warning's: SendTime
  TimePoint start{};   // StartTime
  TimePoint end{};     // EndTime
};

// A playback report, once its signature checked out.
struct PlaybackReport {
  std::string ebd_id;
  std::string ebm_id;
  int state = ebd::kNotHandled;
  std::string desc;
  std::string coverage_rate;
  std::vector<std::string> covered_areas;
};

// "EBRID YYYYMMDD NNNN": the EBMID of a broadcast queued on `day` (China time), 35 digits.
std::string make_ebm_id(std::string_view ebrid, TimePoint day, int64_t broadcast_id);
// Severity: 1 red … 4 blue.
int ebm_severity(Level level);
// The GB/T 35561 event class of a hazard ("rainstorm" → "11B03"); `overrides` first.
std::string ebm_event_type(std::string_view hazard, const std::map<std::string, std::string>& overrides);
// "2026-06-15 02:00:00", China time: how EBD writes times.
std::string ebd_time(TimePoint t);

class BroadcastChannel {
 public:
  // `key`: our SM2 private key (signs what we send); `platform_key`: the county platform's public
  // key (what it sends must verify). `wall_clock` stamps EBDTime (never the scaled plan clock).
  BroadcastChannel(BroadcastSettings settings, ebd::Sm2Key key, ebd::Sm2Key platform_key,
                   std::function<std::chrono::system_clock::time_point()> wall_clock);

  const Medium& medium() const { return *find_medium("broadcast"); }
  // The multipart POST carrying the signed EBDT tar of an order.
  HttpRequest encode(const BroadcastOrder& order) const;
  // sent/duplicate: the platform took it (ResultCode 1); retry: transport, 5xx, an answer that
  // cannot be read (resending is safe: the EBMID de-duplicates); failed: refused (2–5).
  SendResult decode(const BroadcastOrder& order, const HttpResponse& response) const;
  // encode, perform, decode: one order, waiting (tests and tools).
  SendResult send(const BroadcastOrder& order, HttpClient& http) const;

  // The signed EBD package for an order (exposed for tests).
  ebd::Package package(const BroadcastOrder& order) const;

  // What jiaoyingd's callback does with a POSTed package: opens it and checks the platform's
  // signature. `report` is set for a well-signed EBMStateResponse; otherwise `code` (2 unreadable,
  // 3 not a report, 4 bad signature) and `error` say why it was refused.
  struct Received {
    std::optional<PlaybackReport> report;
    int code = ebd::kSuccess;
    std::string error;
    std::string related_ebd_id;  // the package's EBDID, for the answer
    std::string peer_ebrid;      // who sent it
  };
  Received receive(std::string_view content_type, std::string_view body) const;
  // The signed EBDResponse tar that answers a received package (code 5 when the engine does not
  // know the EBMID).
  std::string answer(const Received& received, int code, std::string_view desc) const;

 private:
  std::string next_response_id() const;

  const BroadcastSettings settings_;
  const ebd::Sm2Key key_;
  const ebd::Sm2Key platform_key_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  mutable std::atomic<uint64_t> responses_{0};
};

}  // namespace jiaoying
