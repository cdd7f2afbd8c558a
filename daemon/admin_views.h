// Read-only views for the admin API and the CLI: warnings with their progress, one warning's
// callouts, and its audit trail, as JSON. Any connection to the store (the daemon reads them on
// the admin thread with its own).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/clock.h"
#include "daemon/provider_board.h"
#include "daemon/sqlite.h"

namespace jiaoying {

// {"warnings":[{id, identifier, sender, hazard, level, headline, state, received_at,
//   total, answered, exhausted, calling}], "providers": [{name, medium, state, since, in_flight,
//   requests, faults, last_fault, waiting}]}, newest first.
// With the providers' state and what waits to go out on each medium.
std::string warnings_view(Db& db, const std::vector<ProviderStatus>& providers = {});

// The warning's id from "42" or from its identifier; nullopt if unknown.
std::optional<int64_t> find_warning_id(Db& db, const std::string& id_or_identifier);

// {"warning":{…}, "callouts":[{id, area_code, area_name, tier, role, seat, person, masked_mobile,
//   state, notified, first_sent_at, answered_at, answered_via, answer_ms, late}], "counts":{…}}
// Which callouts a view lists: those of an area (its code and everything below it), a tier, a
// role, a state ("calling" includes pending), at most `limit` of them (0 = all; when cut, those
// needing action come first). Counts are of every callout the filters keep.
struct CalloutQuery {
  std::string area, tier, role, state;
  size_t limit = 0;
};
// … plus "callouts_total" (how many the filters keep) and "townships" (per township: total,
// answered, calling, exhausted). Mobiles are whole: the admin socket is the duty room's.
std::string warning_view(Db& db, int64_t warning_id, TimePoint now, const CalloutQuery& query = {});

// {"events":[{id, at, callout_id, message_id, kind, actor, detail, person, post}]} with id > after;
// person and post are those of the event's callout, empty for warning-wide events.
// With `latest` > 0: the newest `latest` events of note (no per-message or per-step rows), oldest first.
std::string events_view(Db& db, int64_t warning_id, int64_t after, int limit, int latest = 0);

// The after-action report of one warning (一事一档): warning_view's content plus "service" (posts,
// answered, within the deadline, exhausted, open, median/p90 time to answer; by tier; raised
// callouts), "channels" (messages by channel and final state) and "timeline" (the events worth
// filing, without per-message noise). Empty if the warning is unknown.
// At most `limit` callouts are listed (those needing action first); the figures count them all.
std::string report_view(Db& db, int64_t warning_id, TimePoint now, size_t limit = 0);

// The period summary (考核, R10): warnings received in [from, to) — real ones, or with `drills`
// only the drills, never both mixed — by hazard and level, and per county and township: posts
// called, reached (a notice left), answered within 30 minutes of the warning, median time to
// answer, exhausted, report-backs owed and late.
std::string summary_view(Db& db, TimePoint from, TimePoint to, bool drills);

// 199****0001: phone numbers never appear whole in logs or views.
std::string mask_mobile(const std::string& mobile);

}  // namespace jiaoying
