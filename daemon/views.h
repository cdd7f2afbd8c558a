// The store's read side: the views the admin API and the CLI show — warnings with their
// progress, one warning's callouts, its audit trail, its record, the period's figures — as JSON.
// Implemented by the store (daemon/store_sqlite_views.cc: SqliteViews, on any connection — the
// daemon reads them on the admin thread with its own, so a duty officer's look never waits for
// the engine).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/clock.h"
#include "daemon/metrics.h"
#include "daemon/provider_board.h"

namespace jiaoying {

// Which callouts a view lists: those of an area (its code and everything below it), a tier, a
// role, a state ("calling" includes pending), at most `limit` of them (0 = all; when cut, those
// needing action come first). Counts are of every callout the filters keep.
struct CalloutQuery {
  std::string area, tier, role, state;
  size_t limit = 0;
};

// One event of the audit trail, with the channel and provider of its message if it has one.
struct TrailEvent {
  int64_t id = 0, at_ms = 0;
  int64_t warning_id = 0, callout_id = 0, message_id = 0;  // 0: none
  std::string kind, actor, detail, channel, provider;
};

class Views {
 public:
  virtual ~Views() = default;

  // {"warnings":[{id, identifier, sender, hazard, level, headline, state, received_at,
  //   total, answered, exhausted, calling}], "providers": [{name, medium, state, since, in_flight,
  //   requests, faults, last_fault, waiting}]}, newest first.
  // With the providers' state and what waits to go out on each medium.
  virtual std::string warnings(const std::vector<ProviderStatus>& providers = {}) = 0;

  // The warning's id from "42" or from its identifier; nullopt if unknown.
  virtual std::optional<int64_t> find_warning_id(const std::string& id_or_identifier) = 0;

  // {"warning":{…}, "callouts":[{id, area_code, area_name, tier, role, seat, person, masked_mobile,
  //   state, notified, first_sent_at, answered_at, answered_via, answer_ms, late}], "counts":{…}}
  // … plus "callouts_total" (how many the filters keep) and "townships" (per township: total,
  // answered, calling, exhausted). Mobiles are whole: the admin socket is the duty room's.
  virtual std::string warning(int64_t warning_id, TimePoint now, const CalloutQuery& query = {}) = 0;

  // {"events":[{id, at, callout_id, message_id, kind, actor, detail, person, post}]} with id > after;
  // person and post are those of the event's callout, empty for warning-wide events.
  // With `latest` > 0: the newest `latest` events of note (no per-message or per-step rows), oldest first.
  virtual std::string events(int64_t warning_id, int64_t after, int limit, int latest = 0) = 0;

  // The after-action report of one warning (一事一档): warning_view's content plus "service" (posts,
  // answered, within the deadline, exhausted, open, median/p90 time to answer; by tier; raised
  // callouts), "channels" (messages by channel and final state) and "timeline" (the events worth
  // filing, without per-message noise). Empty if the warning is unknown.
  // At most `limit` callouts are listed (those needing action first); the figures count them all.
  virtual std::string report(int64_t warning_id, TimePoint now, size_t limit = 0) = 0;

  // The period summary (考核, R10): warnings received in [from, to) — real ones, or with `drills`
  // only the drills, never both mixed — by hazard and level, and per county and township: posts
  // called, reached (a notice left), answered within 30 minutes of the warning, median time to
  // answer, exhausted, report-backs owed and late.
  virtual std::string summary(TimePoint from, TimePoint to, bool drills) = 0;

  // What /metrics shows of the store now (daemon/metrics.h): warnings by state, the active
  // warnings' callouts by state and tier, the outbox by channel and how long its oldest has waited.
  virtual StoreGauges gauges(TimePoint now) = 0;

  // The log's mirror of the audit trail (daemon/journal.h). The newest event's id (0: none).
  virtual int64_t last_event_id() = 0;
  // Events of note with after < id <= upto, oldest first, at most `limit`: each warning's
  // lifecycle, escalations, exhaustions, faults and what was done by hand — not the per-person
  // and per-message rows (notified, answered, message_sent, …), which `jiaoying report` files.
  virtual std::vector<TrailEvent> events_of_note(int64_t after, int64_t upto, int limit) = 0;
};

}  // namespace jiaoying
