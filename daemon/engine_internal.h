// Engine internals shared by its .cc files (engine.cc: ladder, sending, answers;
// engine_ingest.cc: ingest and the warning lifecycle). Not for use outside the Engine.
#pragma once

#include "daemon/engine.h"

namespace jiaoying {

// Prepared once, reused on every tick (the hot path of a large fan-out).
struct Engine::Statements {
  Stmt insert_event;
  Stmt find_warning;
  Stmt due_callouts;
  Stmt callout_for_step;
  Stmt insert_message;
  Stmt supersede_queued;
  Stmt advance_callout;
  Stmt exhaust_callout;
  Stmt claimable;
  Stmt mark_sending;
  Stmt message_for_completion;
  Stmt mark_sent;
  Stmt callout_sent;
  Stmt mark_retry;
  Stmt mark_failed;
  Stmt report_owed;
  Stmt claimable_broadcasts;

  explicit Statements(Db& db)
      : insert_event(db.prepare(
            "INSERT INTO events(at, warning_id, callout_id, message_id, kind, actor, detail) "
            "VALUES (?,?,?,?,?,?,?)")),
        find_warning(db.prepare("SELECT id FROM warnings WHERE sender = ? AND identifier = ?")),
        due_callouts(db.prepare(
            "SELECT id, warning_id, snapshot_id, started_at, next_step, next_due_at, kind FROM callouts "
            "WHERE state IN ('pending','calling') AND next_due_at <= ? ORDER BY next_due_at LIMIT ?")),
        callout_for_step(db.prepare(
            "SELECT warning_id, person_name, zzd_account, mobile, area_name, role, seat, area_code, tier, "
            "person_id, kind, landline FROM callouts WHERE id = ?")),
        insert_message(db.prepare(
            "INSERT INTO messages(callout_id, step, channel, idem_key, priority, state, not_before, "
            "title, body, queued_at, updated_at, error, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")),
        supersede_queued(db.prepare(
            "UPDATE messages SET state = 'cancelled', error = ?, updated_at = ? "
            "WHERE callout_id = ? AND channel = ? AND state = 'queued'")),
        advance_callout(db.prepare(
            "UPDATE callouts SET state = 'calling', next_step = ?, next_due_at = ?, notified = notified + 1 "
            "WHERE id = ?")),
        exhaust_callout(db.prepare(
            "UPDATE callouts SET state = 'exhausted', next_due_at = NULL WHERE id = ?")),
        claimable(db.prepare(
            "SELECT m.id, m.channel, m.idem_key, m.title, m.body, c.id, c.person_name, c.zzd_account, "
            "c.mobile, m.report, c.landline FROM messages m JOIN callouts c ON c.id = m.callout_id "
            "WHERE m.state = 'queued' AND m.not_before <= ? ORDER BY m.priority DESC, m.id LIMIT ?")),

        mark_sending(db.prepare(
            "UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?")),
        message_for_completion(db.prepare(
            "SELECT m.callout_id, c.warning_id, m.attempts, m.state, m.channel FROM messages m "
            "JOIN callouts c ON c.id = m.callout_id WHERE m.id = ?")),
        mark_sent(db.prepare(
            "UPDATE messages SET state = 'sent', provider_ref = ?, sent_at = ?, updated_at = ? WHERE id = ?")),
        callout_sent(db.prepare(
            "UPDATE callouts SET first_sent_at = COALESCE(first_sent_at, ?), last_sent_at = ? WHERE id = ?")),
        mark_retry(db.prepare(
            "UPDATE messages SET state = 'queued', not_before = ?, error = ?, updated_at = ? WHERE id = ?")),
        mark_failed(db.prepare(
            "UPDATE messages SET state = 'failed', error = ?, updated_at = ? WHERE id = ?")),
        report_owed(db.prepare(
            "SELECT due_at FROM reports WHERE warning_id = ? AND area_code = ? AND state IN ('due','overdue')")),
        claimable_broadcasts(db.prepare(
            "SELECT id, msg_type, ebm_id, title, body, areas, attempts, warning_id FROM broadcasts "
            "WHERE state = 'queued' AND not_before <= ? ORDER BY id LIMIT ?")) {}
};

struct Engine::WarningRow {
  Warning warning;
  std::string areas_zh;
  bool drill = false;  // status exercise: every message says 【演练】
  bool owes_reports = false;  // some area owes a report-back (cards then look up their area's)
};

}  // namespace jiaoying
