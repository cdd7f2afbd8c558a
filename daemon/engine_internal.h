// Engine internals shared by its .cc files (engine.cc: answers and the warning's close;
// engine_ladder.cc: the tick, steps and escalations; engine_outbox.cc: claims, results, holds,
// recovery; engine_ingest.cc: ingest and the lifecycle; engine_reports/broadcast/sms.cc). Not for
// use outside the Engine.
#pragma once

#include <fmt/format.h>

#include "daemon/engine.h"

namespace jiaoying {

// The columns of a callout that a step and its messages need, read once per callout.
// CalloutRow::read takes them in this order (the _C form is for a join naming callouts `c`).
#define JIAOYING_CALLOUT_COLUMNS                                                                        \
  "id, warning_id, snapshot_id, COALESCE(clock_at, started_at), next_step, kind, person_id, person_name, " \
  "zzd_account, mobile, landline, area_code, area_name, role, seat, tier, held_due_at"
#define JIAOYING_CALLOUT_COLUMNS_C                                                                          \
  "c.id, c.warning_id, c.snapshot_id, COALESCE(c.clock_at, c.started_at), c.next_step, c.kind, c.person_id, " \
  "c.person_name, c.zzd_account, c.mobile, c.landline, c.area_code, c.area_name, c.role, c.seat, c.tier, "     \
  "c.held_due_at"

struct Engine::CalloutRow {
  int64_t id = 0, warning_id = 0, snapshot_id = 0;
  int64_t clock_at = 0;  // the ladder's origin: `after` counts from here
  int next_step = 0;
  std::string kind, person_id, person_name, zzd_account, mobile, landline, area_code, area_name, role, seat, tier;
  std::optional<int64_t> held_due_at;  // set while the step just run waits for its notice to leave

  // From a statement selecting JIAOYING_CALLOUT_COLUMNS from column `at` on.
  static CalloutRow read(const Stmt& s, int at = 0) {
    CalloutRow r;
    r.id = s.int64(at + 0);
    r.warning_id = s.int64(at + 1);
    r.snapshot_id = s.int64(at + 2);
    r.clock_at = s.int64(at + 3);
    r.next_step = static_cast<int>(s.int64(at + 4));
    r.kind = s.text(at + 5);
    r.person_id = s.text(at + 6);
    r.person_name = s.text(at + 7);
    r.zzd_account = s.text(at + 8);
    r.mobile = s.text(at + 9);
    r.landline = s.text(at + 10);
    r.area_code = s.text(at + 11);
    r.area_name = s.text(at + 12);
    r.role = s.text(at + 13);
    r.seat = s.text(at + 14);
    r.tier = s.text(at + 15);
    r.held_due_at = s.opt_int64(at + 16);
    return r;
  }
};

// Callouts are inserted many rows a statement at ingest.
inline constexpr size_t kCalloutRows = 32;
inline constexpr size_t kCalloutColumns = 14;  // bound per row
inline constexpr const char* kInsertCallouts =
    "INSERT INTO callouts(warning_id, snapshot_id, person_id, person_name, zzd_account, mobile, area_code, area_name, "
    "role, seat, tier, state, next_step, next_due_at, started_at, landline) VALUES ";
inline std::string callout_values(size_t rows) {
  std::string out;
  const std::string row = fmt::format("(?,?,?,?,?,?,?,?,?,?,?,'{}',0,?,?,?)", state_name(CalloutState::pending));
  for (size_t i = 0; i < rows; ++i) out += (i ? "," : "") + row;
  return out;
}

// Prepared once, reused on every tick, claim and result (the hot path of a large fan-out). The
// state changes are the store's (daemon/store.h); these are the reads and the other writes.
struct Engine::Statements {
  Stmt find_warning;
  Stmt due_callouts;
  Stmt callout_by_id;
  Stmt insert_callout;
  Stmt insert_callouts;  // kCalloutRows at once
  Stmt insert_message;
  Stmt insert_text;
  Stmt set_next_due;
  Stmt claimable;
  Stmt hold_back;
  Stmt message_for_completion;
  Stmt callout_sent;
  Stmt callout_released;
  Stmt report_owed;
  Stmt claimable_broadcasts;
  Stmt any_open;
  Stmt callout_for_ack;
  Stmt post_seats;
  Stmt raised_for;

  explicit Statements(Db& db)
      : find_warning(db.prepare("SELECT id FROM warnings WHERE sender = ? AND identifier = ?")),
        due_callouts(db.prepare("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts "
                                "WHERE state IN ('pending','calling') AND next_due_at <= ? ORDER BY next_due_at LIMIT ?")),
        callout_by_id(db.prepare("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts WHERE id = ?")),
        insert_callout(db.prepare(std::string(kInsertCallouts) + callout_values(1))),
        insert_callouts(db.prepare(std::string(kInsertCallouts) + callout_values(kCalloutRows))),
        insert_message(db.prepare(
            "INSERT INTO messages(callout_id, step, channel, idem_key, priority, state, not_before, "
            "queued_at, updated_at, error, report) VALUES (?,?,?,?,?,?,?,?,?,?,?)")),
        insert_text(db.prepare("INSERT INTO message_texts(message_id, title, body) VALUES (?,?,?)")),
        set_next_due(db.prepare("UPDATE callouts SET next_due_at = ?, held_due_at = NULL WHERE id = ?")),
        claimable(db.prepare(
            "SELECT m.id, m.idem_key, t.title, t.body, m.report, m.step, " JIAOYING_CALLOUT_COLUMNS_C
            " FROM messages m JOIN callouts c ON c.id = m.callout_id JOIN message_texts t ON t.message_id = m.id "
            "WHERE m.state = 'queued' AND m.channel = ?1 AND m.priority BETWEEN ?2 AND ?5 AND m.not_before <= ?3 "
            "ORDER BY m.priority DESC, m.not_before, m.id LIMIT ?4")),
        hold_back(db.prepare("UPDATE messages SET not_before = ?, error = ?, updated_at = ? WHERE id = ?")),
        message_for_completion(db.prepare(
            "SELECT m.callout_id, c.warning_id, m.attempts, m.state, m.channel, m.step, m.queued_at, c.held_due_at, "
            "COALESCE(c.clock_at, c.started_at), c.snapshot_id, m.provider, c.next_step FROM messages m "
            "JOIN callouts c ON c.id = m.callout_id WHERE m.id = ?")),
        callout_sent(db.prepare(
            "UPDATE callouts SET first_sent_at = COALESCE(first_sent_at, ?1), last_sent_at = ?1, "
            "clock_at = CASE WHEN ?3 AND held_due_at IS NOT NULL THEN ?4 ELSE clock_at END, "
            "next_due_at = CASE WHEN ?3 AND held_due_at IS NOT NULL AND state IN ('pending','calling') THEN ?5 "
            "ELSE next_due_at END, held_due_at = CASE WHEN ?3 THEN NULL ELSE held_due_at END WHERE id = ?2")),
        callout_released(db.prepare(
            "UPDATE callouts SET clock_at = ?, next_due_at = ?, held_due_at = NULL WHERE id = ? "
            "AND held_due_at IS NOT NULL AND state IN ('pending','calling')")),
        report_owed(db.prepare(
            "SELECT due_at FROM reports WHERE warning_id = ? AND area_code = ? AND state IN ('due','overdue')")),
        claimable_broadcasts(db.prepare(
            "SELECT id, msg_type, ebm_id, title, body, areas, attempts, warning_id FROM broadcasts "
            "WHERE state = 'queued' AND not_before <= ? ORDER BY id LIMIT ?")),
        any_open(db.prepare(
            "SELECT 1 FROM callouts WHERE warning_id = ? AND state IN ('pending','calling') LIMIT 1")),
        callout_for_ack(db.prepare(
            "SELECT c.state, c.warning_id, c.person_name, w.headline, c.first_sent_at, c.kind FROM callouts c "
            "JOIN warnings w ON w.id = c.warning_id WHERE c.id = ?")),
        // Two indexed look-ups (the post's seats by callouts_post, what was raised for them by
        // callouts_escalated) rather than one OR that would scan every callout of the warning.
        post_seats(db.prepare(
            "SELECT c.id, c.state FROM callouts c, callouts a WHERE a.id = ?2 AND c.warning_id = ?1 "
            "AND c.area_code = a.area_code AND c.role = a.role AND c.kind IN ('primary','deputy')")),
        raised_for(db.prepare(
            "SELECT id FROM callouts WHERE escalated_from = ? AND kind = 'superior' AND state IN ('pending','calling')")) {}
};

struct Engine::WarningRow {
  Warning warning;
  std::string areas_zh;
  bool drill = false;  // status exercise: every message says 【演练】
  bool owes_reports = false;  // some area owes a report-back (cards then look up their area's)
};

}  // namespace jiaoying
