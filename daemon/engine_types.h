// What the engine's rooms and their callers exchange: the settings, what an ingest, an answer
// or a filed report-back came to, and the jobs the outbox hands the dispatcher.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "channels/broadcast/broadcast_channel.h"
#include "channels/channel.h"
#include "daemon/clock.h"
#include "rules/recipients.h"
#include "rules/warning.h"

namespace jiaoying {

struct EngineSettings {
  std::string public_url;       // how phones reach our ack links: http://host:port
  std::string callback_secret;  // HMAC key of the ack links
  Millis collapse_after{2 * 60 * 1000};  // overdue steps beyond this are collapsed, not replayed
  Millis retry_backoff{10'000};          // first back-off of a temporary send failure; doubles
  int max_attempts = 5;                  // then the message fails and the ladder moves on
  int tick_batch = 500;                  // callouts advanced per transaction
  Millis sent_skew{60 * 60 * 1000};      // a `sent` further than this from now is flagged
  // A step's next rung waits for the step's notice to leave (a throttled provider must not let
  // step 2 overtake step 1) — but not longer than this: then it runs all the same, flagged.
  Millis hold_limit{15 * 60 * 1000};
  Millis defer_pause{1'000};  // a message the provider asked us to slow down for waits this long
  Millis duty_digest_every{60'000};  // a duty room hears of its matters at most once in this
  std::string broadcast_ebrid = {};  // our EBRID on the broadcast platform; empty = no broadcast channel
};

struct IngestOutcome {
  enum class Kind { created, duplicate, refused } kind = Kind::refused;
  int64_t warning_id = 0;
  int callouts = 0;
  std::vector<std::string> plans;
  std::vector<UnfilledPost> unfilled;
  std::vector<std::string> flags;  // accepted, but the duty officer should look (e.g. an odd `sent`)
  FieldError error;  // when refused
};

struct AckOutcome {
  enum class Kind { answered, already_answered, ended, unknown } kind = Kind::unknown;
  bool late = false;  // answered after the callout was exhausted
  int64_t warning_id = 0;
  std::string person_name;
  std::string headline;
};

// A township's report-back (回报), as filed on the form behind the card's 回报 button.
struct ReportFiling {
  std::string commander;     // who is in command (谁在指挥)
  int64_t villages = 0;      // villages affected (影响几个村)
  int64_t people_moved = 0;  // people being moved (转移群众人数); 0 = nobody
  std::string note;
};

struct ReportOutcome {
  // open: owed, not yet filed (the form may be filed); filed / amended: in (as of this call);
  // ended: the warning ended first; not_owed: this person's area owes no report.
  enum class Kind { open, filed, amended, ended, not_owed, unknown } kind = Kind::unknown;
  bool late = false;  // filed after the deadline (the reminder and escalation already went)
  int64_t warning_id = 0;
  std::string person_name;
  std::string area_name;
  std::string headline;
  std::string due;  // the deadline, China time: "2026-06-15 02:15"
};

// How a phone call ended, as the voice platform reported it.
struct CallResult {
  int64_t message_id = 0;
  std::string call_id;
  std::string status_code;  // the platform's ("200000", "200003", …)
  std::string dtmf;         // keys pressed
  std::string duration;     // seconds
};

// One message claimed for sending: the dispatcher hands it to a provider, then reports back.
struct SendJob {
  int64_t message_id = 0;
  int64_t callout_id = 0;
  std::string channel;
  int step = 0;  // the ladder step it belongs to; -1 for notices (update, 解除, 催报)
  OutboundMessage message;
};

// What the dispatcher asks of the outbox: up to `limit` queued messages of one medium, highest
// priority first (red before orange before yellow; first notices before repeats), recorded as
// going out through `provider`.
struct ClaimRequest {
  std::string channel;
  std::string provider;
  size_t limit = 0;
  // Only messages of these priorities (priority = level × 10, + 1 for a first notice): a backup
  // that carries orange and above claims from 30; below a provider that is up, what it carries.
  int min_priority = 0;
  int max_priority = 1'000;
  // A message that may not go now (a per-number call cap) stays queued until the time returned.
  std::function<std::optional<TimePoint>(const SendJob&)> hold_back = {};
};

// A call placed recently, as the outbox remembers it (call limits are rebuilt from these at start).
struct PlacedCall {
  int64_t message_id = 0;
  std::string number;
  std::string area_code;
  TimePoint at{};
  bool ended = false;  // its report arrived
};

// What the engine knows of a warning while it runs (cached: read once per run).
struct WarningFacts {
  Warning warning;
  std::string areas_zh;
  bool drill = false;         // status exercise: every message says 【演练】
  bool owes_reports = false;  // some area owes a report-back (cards then look up their area's)
};

// A provider's answer for a claimed message (recorded in bursts: complete_messages).
struct SendCompletion {
  int64_t message_id;
  SendResult result;
};

// One EBM claimed for the broadcast platform (the loudspeakers' duty, daemon/duty_broadcast.*).
struct BroadcastJob {
  int64_t broadcast_id;
  BroadcastOrder order;
};

}  // namespace jiaoying
