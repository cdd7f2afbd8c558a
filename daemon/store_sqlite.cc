#include "daemon/store_sqlite.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "daemon/state_sql.h"
#include "rules/json_text.h"

namespace jiaoying {
namespace {

// `UPDATE <table> SET state = '<to>', <sets> WHERE <key> AND state IN (<the move's sources>)`:
// the guard comes from the move's table, never from the caller. ?1 is always the row's key.
template <class Rule>
std::string guarded(std::string_view table, const Rule& rule, std::string_view sets,
                    std::string_view key = "id = ?1", std::string_view returning = {}) {
  return fmt::format("UPDATE {} SET state = {}{}{} WHERE {} AND state IN ({}){}", table, sql_name(rule.to),
                     sets.empty() ? "" : ", ", sets, key, sql_names(rule.from), returning);
}

namespace json = boost::json;

std::string codes_json(const std::vector<std::string>& codes) {
  json::array a;
  for (const auto& c : codes) a.emplace_back(c);
  return json::serialize(a);
}

std::vector<std::string> codes_of(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& c : v.as_array())
    if (c.is_string()) out.emplace_back(c.as_string());
  return out;
}

// A state read back; a name that is no state (a database edited by hand) reads as the entity's
// most final one, so nothing acts on it.
template <class State>
State state_of(const Stmt& s, int col, State otherwise) {
  return parse_state<State>(s.text(col)).value_or(otherwise);
}

// The columns CalloutRow reads, in its order (the _C form is for a join naming callouts `c`).
#define JIAOYING_CALLOUT_COLUMNS                                                                        \
  "id, warning_id, snapshot_id, COALESCE(clock_at, started_at), next_step, kind, person_id, person_name, " \
  "zzd_account, mobile, landline, area_code, area_name, role, seat, tier, held_due_at, state, first_sent_at, " \
  "answered_via"
#define JIAOYING_CALLOUT_COLUMNS_C                                                                          \
  "c.id, c.warning_id, c.snapshot_id, COALESCE(c.clock_at, c.started_at), c.next_step, c.kind, c.person_id, " \
  "c.person_name, c.zzd_account, c.mobile, c.landline, c.area_code, c.area_name, c.role, c.seat, c.tier, "     \
  "c.held_due_at, c.state, c.first_sent_at, c.answered_via"

CalloutRow read_callout(const Stmt& s, int at = 0) {
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
  r.state = state_of(s, at + 17, CalloutState::cancelled);
  r.first_sent_at = s.opt_int64(at + 18);
  if (!s.is_null(at + 19)) r.answered_via = s.text(at + 19);
  return r;
}

// A warning's callouts in the order they were made (the index hands them out by state); sorted
// here, not by SQL, which would tempt SQLite into a scan of every callout.
std::vector<CalloutRow> callouts_in_order(Stmt& s) {
  std::vector<CalloutRow> out;
  while (s.step()) out.push_back(read_callout(s));
  std::sort(out.begin(), out.end(), [](const CalloutRow& a, const CalloutRow& b) { return a.id < b.id; });
  return out;
}

// Callouts are inserted many rows a statement (a third of the cost of a statement each).
constexpr size_t kCalloutRows = 32;
constexpr int kCalloutColumns = 14;  // bound per row
std::string insert_callouts_sql(size_t rows) {
  std::string sql =
      "INSERT INTO callouts(warning_id, snapshot_id, person_id, person_name, zzd_account, mobile, area_code, "
      "area_name, role, seat, tier, state, next_step, next_due_at, started_at, landline) VALUES ";
  const std::string row = fmt::format("(?,?,?,?,?,?,?,?,?,?,?,{},0,?,?,?)", sql_name(CalloutState::pending));
  for (size_t i = 0; i < rows; ++i) sql += (i ? "," : "") + row;
  return sql;
}

constexpr const char* kBroadcastColumns =
    "id, warning_id, snapshot_id, ebm_id, msg_type, state, attempts, title, body, areas, within_ms, report_due_at, "
    "brd_state";

BroadcastRow read_broadcast(const Stmt& s, int at = 0) {
  BroadcastRow b;
  b.id = s.int64(at + 0);
  b.warning_id = s.int64(at + 1);
  b.snapshot_id = s.int64(at + 2);
  b.ebm_id = s.text(at + 3);
  b.msg_type = static_cast<int>(s.int64(at + 4));
  b.state = state_of(s, at + 5, BroadcastState::cancelled);
  b.attempts = static_cast<int>(s.int64(at + 6));
  b.title = s.text(at + 7);
  b.body = s.text(at + 8);
  b.areas = codes_of(s.text(at + 9));
  b.within_ms = s.int64(at + 10);
  b.report_due_at = s.opt_int64(at + 11);
  b.brd_state = s.opt_int64(at + 12);
  return b;
}

constexpr const char* kReportColumns = "id, warning_id, snapshot_id, area_code, area_name, state, due_at";

ReportRow read_report(const Stmt& s, int at = 0) {
  return {s.int64(at), s.int64(at + 1), s.int64(at + 2), s.text(at + 3), s.text(at + 4),
          state_of(s, at + 5, ReportState::cancelled), s.int64(at + 6)};
}

std::vector<int64_t> ids_of(Stmt& s) {
  std::vector<int64_t> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

}  // namespace

struct SqliteStore::Statements {
  Stmt insert_event;
  Stmt warning_close, warning_supersede, warning_cancel, warning_expire;
  Stmt callout_advance, callout_answer, callout_exhaust, callout_cover, callout_cancel;
  Stmt message_claim, message_sent, message_requeue, message_fail, message_unknown;
  Stmt messages_cancel, messages_cancel_channel;
  Stmt broadcast_claim, broadcast_sent, broadcast_cancel_sent, broadcast_requeue;
  Stmt broadcast_fail, broadcast_cancel, broadcast_unconfirm;
  Stmt broadcast_played, broadcast_partial, broadcast_play_failed, broadcast_platform_cancelled;
  Stmt report_overdue, report_file, report_amend, report_cancel;
  // The hot path's reads and writes (every tick, claim and result of a city's fan-out).
  Stmt find_warning, due_callouts, callout_by_id, insert_callout, insert_callouts, insert_message, insert_text;
  Stmt set_next_due, claimable, hold_back, sending_row, callout_sent, callout_released, report_owed;
  Stmt claimable_broadcasts, any_open, callout_for_ack, post_seats, raised_superiors;
  Stmt expiring_warnings, reports_past_due, broadcasts_past_due, open_sms_codes;

  explicit Statements(Db& db)
      : insert_event(db.prepare(
            "INSERT INTO events(at, warning_id, callout_id, message_id, kind, actor, detail) VALUES (?,?,?,?,?,?,?)")),
        warning_close(db.prepare(guarded("warnings", rule(WarningMove::close), ""))),
        warning_supersede(db.prepare(guarded("warnings", rule(WarningMove::supersede), ""))),
        warning_cancel(db.prepare(guarded("warnings", rule(WarningMove::cancel), ""))),
        warning_expire(db.prepare(guarded("warnings", rule(WarningMove::expire), ""))),
        callout_advance(db.prepare(guarded(
            "callouts", rule(CalloutMove::advance),
            "next_step = ?2, next_due_at = ?3, held_due_at = ?4, clock_at = ?5, notified = notified + 1"))),
        callout_answer(db.prepare(guarded("callouts", rule(CalloutMove::answer),
                                          "answered_at = ?2, answered_via = ?3, answered_by = ?4, answered_late = ?5, "
                                          "next_due_at = NULL, held_due_at = NULL"))),
        callout_exhaust(db.prepare(
            guarded("callouts", rule(CalloutMove::exhaust), "next_due_at = NULL, held_due_at = NULL"))),
        callout_cover(db.prepare(
            guarded("callouts", rule(CalloutMove::cover), "next_due_at = NULL, held_due_at = NULL"))),
        callout_cancel(db.prepare(
            guarded("callouts", rule(CalloutMove::cancel), "next_due_at = NULL, held_due_at = NULL"))),
        message_claim(db.prepare(guarded("messages", rule(MessageMove::claim),
                                         "attempts = attempts + 1, provider = ?2, updated_at = ?3"))),
        message_sent(db.prepare(guarded("messages", rule(MessageMove::sent),
                                        "provider_ref = ?2, sent_at = ?3, updated_at = ?3"))),
        message_requeue(db.prepare(guarded("messages", rule(MessageMove::requeue),
                                           "not_before = ?2, error = IFNULL(?3, error), "
                                           "attempts = attempts - ?4, updated_at = ?5"))),
        message_fail(db.prepare(guarded("messages", rule(MessageMove::fail), "error = ?2, updated_at = ?3"))),
        message_unknown(db.prepare(guarded("messages", rule(MessageMove::unknown), "error = ?2, updated_at = ?3"))),
        // By the callout's own messages (messages_callout): left to itself the planner walks the
        // whole queue of the channel (messages_ready), which made a city's second step quadratic.
        messages_cancel(db.prepare(guarded("messages INDEXED BY messages_callout", rule(MessageMove::cancel),
                                           "error = ?2, updated_at = ?3", "callout_id = ?1", " RETURNING id"))),
        messages_cancel_channel(db.prepare(guarded("messages INDEXED BY messages_callout", rule(MessageMove::cancel),
                                                   "error = ?2, updated_at = ?3", "callout_id = ?1 AND channel = ?4",
                                                   " RETURNING id"))),
        broadcast_claim(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::claim), "attempts = attempts + 1, updated_at = ?2"))),
        broadcast_sent(db.prepare(guarded("broadcasts", rule(BroadcastMove::sent),
                                          "sent_at = ?2, report_due_at = ?3, error = NULL, updated_at = ?2"))),
        broadcast_cancel_sent(db.prepare(guarded("broadcasts", rule(BroadcastMove::cancel_sent),
                                                 "sent_at = ?2, report_due_at = ?3, error = NULL, updated_at = ?2"))),
        broadcast_requeue(db.prepare(guarded("broadcasts", rule(BroadcastMove::requeue),
                                             "not_before = ?2, error = IFNULL(?3, error), attempts = attempts - ?4, "
                                             "updated_at = ?5"))),
        broadcast_fail(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::fail), "error = IFNULL(?2, error), updated_at = ?3"))),
        broadcast_cancel(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::cancel), "error = IFNULL(?2, error), updated_at = ?3"))),
        broadcast_unconfirm(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::unconfirm), "error = IFNULL(?2, error), updated_at = ?3"))),
        broadcast_played(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::played), "error = IFNULL(?2, error), updated_at = ?3"))),
        broadcast_partial(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::partial), "error = IFNULL(?2, error), updated_at = ?3"))),
        broadcast_play_failed(db.prepare(
            guarded("broadcasts", rule(BroadcastMove::play_failed), "error = IFNULL(?2, error), updated_at = ?3"))),
        broadcast_platform_cancelled(db.prepare(guarded("broadcasts", rule(BroadcastMove::platform_cancelled),
                                                        "error = IFNULL(?2, error), updated_at = ?3"))),
        report_overdue(db.prepare(guarded("reports", rule(ReportMove::overdue), ""))),
        report_file(db.prepare(guarded("reports", rule(ReportMove::file),
                                       "filed_at = ?2, filed_by = ?3, filed_callout = ?4, filed_late = (?2 > due_at), "
                                       "commander = ?5, villages = ?6, people_moved = ?7, note = ?8"))),
        report_amend(db.prepare(guarded("reports", rule(ReportMove::amend),
                                        "filed_at = ?2, filed_by = ?3, filed_callout = ?4, commander = ?5, "
                                        "villages = ?6, people_moved = ?7, note = ?8"))),
        report_cancel(db.prepare(guarded("reports", rule(ReportMove::cancel), ""))),
        find_warning(db.prepare("SELECT id FROM warnings WHERE sender = ? AND identifier = ?")),
        due_callouts(db.prepare(fmt::format("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts WHERE state IN ({}) "
                                            "AND next_due_at <= ? ORDER BY next_due_at LIMIT ?",
                                            sql_names(kOpenCallout)))),  // callouts_due
        callout_by_id(db.prepare("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts WHERE id = ?")),
        insert_callout(db.prepare(insert_callouts_sql(1))),
        insert_callouts(db.prepare(insert_callouts_sql(kCalloutRows))),
        insert_message(db.prepare(
            "INSERT INTO messages(callout_id, step, channel, idem_key, priority, state, not_before, "
            "queued_at, updated_at, error, report) VALUES (?1,?2,?3,?4,?5,?6,?7,?7,?7,?8,?9)")),
        insert_text(db.prepare("INSERT INTO message_texts(message_id, title, body) VALUES (?,?,?)")),
        set_next_due(db.prepare("UPDATE callouts SET next_due_at = ?, held_due_at = NULL WHERE id = ?")),
        claimable(db.prepare(fmt::format(  // messages_ready
            "SELECT m.id, m.idem_key, t.title, t.body, m.report, m.step, " JIAOYING_CALLOUT_COLUMNS_C
            " FROM messages m JOIN callouts c ON c.id = m.callout_id JOIN message_texts t ON t.message_id = m.id "
            "WHERE m.state = {} AND m.channel = ?1 AND m.priority BETWEEN ?2 AND ?5 AND m.not_before <= ?3 "
            "ORDER BY m.priority DESC, m.not_before, m.id LIMIT ?4",
            sql_name(MessageState::queued)))),
        hold_back(db.prepare("UPDATE messages SET not_before = ?, error = ?, updated_at = ? WHERE id = ?")),
        sending_row(db.prepare(
            "SELECT m.callout_id, c.warning_id, m.attempts, m.state, m.channel, m.step, m.queued_at, c.held_due_at, "
            "COALESCE(c.clock_at, c.started_at), c.snapshot_id, IFNULL(m.provider, ''), c.next_step FROM messages m "
            "JOIN callouts c ON c.id = m.callout_id WHERE m.id = ?")),
        callout_sent(db.prepare(fmt::format(
            "UPDATE callouts SET first_sent_at = COALESCE(first_sent_at, ?1), last_sent_at = ?1, "
            "clock_at = CASE WHEN ?3 AND held_due_at IS NOT NULL THEN ?4 ELSE clock_at END, "
            "next_due_at = CASE WHEN ?3 AND held_due_at IS NOT NULL AND state IN ({}) THEN ?5 "
            "ELSE next_due_at END, held_due_at = CASE WHEN ?3 THEN NULL ELSE held_due_at END WHERE id = ?2",
            sql_names(kOpenCallout)))),
        callout_released(db.prepare(fmt::format(
            "UPDATE callouts SET clock_at = ?, next_due_at = ?, held_due_at = NULL WHERE id = ? "
            "AND held_due_at IS NOT NULL AND state IN ({})",
            sql_names(kOpenCallout)))),
        report_owed(db.prepare(
            fmt::format("SELECT due_at FROM reports WHERE warning_id = ? AND area_code = ? AND state IN ({})",
                        sql_names(kOwedReport)))),
        // In the index's order: `ORDER BY id` alone made SQLite walk every broadcast ever sent.
        claimable_broadcasts(db.prepare(fmt::format(
            "SELECT {} FROM broadcasts WHERE state = {} AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            kBroadcastColumns, sql_name(BroadcastState::queued)))),
        any_open(db.prepare(fmt::format("SELECT 1 FROM callouts WHERE warning_id = ? AND state IN ({}) LIMIT 1",
                                        sql_names(kOpenCallout)))),
        callout_for_ack(db.prepare(
            "SELECT c.state, c.warning_id, c.person_name, w.headline, c.first_sent_at, c.kind, c.tier FROM callouts c "
            "JOIN warnings w ON w.id = c.warning_id WHERE c.id = ?")),
        // Two indexed look-ups (the post's seats by callouts_post, what was raised for them by
        // callouts_escalated) rather than one OR that would scan every callout of the warning.
        post_seats(db.prepare(
            "SELECT c.id, c.state FROM callouts c, callouts a WHERE a.id = ?2 AND c.warning_id = ?1 "
            "AND c.area_code = a.area_code AND c.role = a.role AND c.kind IN ('primary','deputy')")),
        raised_superiors(db.prepare(
            fmt::format("SELECT id FROM callouts WHERE escalated_from = ? AND kind = 'superior' AND state IN ({})",
                        sql_names(kOpenCallout)))),
        expiring_warnings(db.prepare(fmt::format("SELECT id FROM warnings WHERE state = {} AND expires_at <= ?",
                                                 sql_name(WarningState::active)))),
        reports_past_due(db.prepare(
            fmt::format("SELECT {} FROM reports WHERE state = {} AND due_at <= ? ORDER BY due_at LIMIT ?",
                        kReportColumns, sql_name(ReportState::due)))),
        broadcasts_past_due(db.prepare(fmt::format(  // the columns of kBroadcastColumns, in order
            "SELECT w.state, b.id, b.warning_id, b.snapshot_id, b.ebm_id, b.msg_type, b.state, b.attempts, b.title, "
            "b.body, b.areas, b.within_ms, b.report_due_at, b.brd_state FROM broadcasts b "
            "JOIN warnings w ON w.id = b.warning_id WHERE b.state = {} AND b.report_due_at <= ?",
            sql_name(BroadcastState::sent)))),
        open_sms_codes(db.prepare(fmt::format(
            "SELECT c.id, c.warning_id, c.sms_code, w.headline FROM callouts c JOIN warnings w ON w.id = c.warning_id "
            "WHERE c.mobile = ? AND c.sms_code IS NOT NULL AND c.state IN ({}) ORDER BY c.sms_code",
            sql_names(kOpenCallout)))) {}

  Stmt& of(WarningMove m) {
    switch (m) {
      case WarningMove::close: return warning_close;
      case WarningMove::supersede: return warning_supersede;
      case WarningMove::cancel: return warning_cancel;
      case WarningMove::expire: return warning_expire;
    }
    throw std::logic_error("no such warning move");
  }
  Stmt& of(CalloutMove m) {
    switch (m) {
      case CalloutMove::advance: return callout_advance;
      case CalloutMove::answer: return callout_answer;
      case CalloutMove::exhaust: return callout_exhaust;
      case CalloutMove::cover: return callout_cover;
      case CalloutMove::cancel: return callout_cancel;
    }
    throw std::logic_error("no such callout move");
  }
  Stmt& of(BroadcastMove m) {
    switch (m) {
      case BroadcastMove::claim: return broadcast_claim;
      case BroadcastMove::sent: return broadcast_sent;
      case BroadcastMove::cancel_sent: return broadcast_cancel_sent;
      case BroadcastMove::requeue: return broadcast_requeue;
      case BroadcastMove::fail: return broadcast_fail;
      case BroadcastMove::cancel: return broadcast_cancel;
      case BroadcastMove::unconfirm: return broadcast_unconfirm;
      case BroadcastMove::played: return broadcast_played;
      case BroadcastMove::partial: return broadcast_partial;
      case BroadcastMove::play_failed: return broadcast_play_failed;
      case BroadcastMove::platform_cancelled: return broadcast_platform_cancelled;
    }
    throw std::logic_error("no such broadcast move");
  }
};

SqliteStore::SqliteStore(Db& db) : db_(db), st_(std::make_unique<Statements>(db)) {}
SqliteStore::~SqliteStore() = default;

namespace {

// True when SQLite's plan for `sql` reads through `index` ("SEARCH m USING INDEX messages_ready …").
bool plan_uses(Db& db, std::string_view sql, std::string_view index) {
  Stmt plan = db.prepare(fmt::format("EXPLAIN QUERY PLAN {}", sql));
  while (plan.step()) {
    const std::string detail = plan.text(3);
    for (std::string_view via : {"USING INDEX ", "USING COVERING INDEX "}) {
      const size_t at = detail.find(fmt::format("{}{}", via, index));
      const size_t end = at + via.size() + index.size();
      if (at != std::string::npos && (end == detail.size() || detail[end] == ' ')) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<SqliteStore::OffIndex> SqliteStore::reads_off_their_index() {
  // The reads a city's fan-out makes many times a second, each with the index it was written to
  // meet (a partial index is met only when the query repeats its constants: state_sql.h).
  struct IndexedRead {
    std::string_view name, index;
    Stmt Statements::* stmt;
  };
  const IndexedRead reads[] = {
      {"due callouts", "callouts_due", &Statements::due_callouts},
      {"claimable messages", "messages_ready", &Statements::claimable},
      {"claimable broadcasts", "broadcasts_queue", &Statements::claimable_broadcasts},
      {"open callout", "callouts_tally", &Statements::any_open},
      {"seats of a post", "callouts_post", &Statements::post_seats},
      {"superiors raised", "callouts_escalated", &Statements::raised_superiors},
      {"expiring warnings", "warnings_expiring", &Statements::expiring_warnings},
      {"report-backs past due", "reports_due", &Statements::reports_past_due},
      {"loudspeaker reports past due", "broadcasts_due", &Statements::broadcasts_past_due},
      {"SMS reply codes", "callouts_sms", &Statements::open_sms_codes},
  };
  std::vector<OffIndex> out;
  for (const IndexedRead& r : reads)
    if (!plan_uses(db_, ((*st_).*r.stmt).sql(), r.index)) out.push_back({std::string(r.name), std::string(r.index)});
  return out;
}

void SqliteStore::event(const EventRef& ref, const Audit& audit, int64_t at) {
  Stmt& s = st_->insert_event;
  s.reset();
  s.bind(1, at).bind(2, ref.warning).bind(3, ref.callout).bind(4, ref.message).bind(5, audit.kind)
      .bind(6, audit.actor).bind(7, audit.detail).run();
}

// The one way a state changes: the guarded update, then (when it moved the row) the move's event,
// in the caller's transaction or one of its own. `update` is bound but for nothing else.
template <class Rule>
bool SqliteStore::apply(Stmt& update, const Rule& rule, const EventRef& ref, const Audit& audit, int64_t now) {
  if (!writes_event(rule.events, audit.kind)) {
    update.reset();
    throw std::logic_error(fmt::format("the move `{}` writes {}, not {}", rule.name, rule.events, audit.kind));
  }
  std::optional<Transaction> own;
  if (!db_.in_transaction()) own.emplace(db_);
  update.run();
  const bool moved = db_.changes() == 1;
  update.reset();
  if (!moved) return false;
  event(ref, audit, now);
  if (own) own->commit();
  return true;
}

bool SqliteStore::move_warning(WarningMove move, int64_t warning_id, const Audit& audit, int64_t now) {
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, warning_id);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool SqliteStore::advance_callout(int64_t warning_id, int64_t callout_id, int next_step, int64_t next_due,
                            std::optional<int64_t> held_due, int64_t clock_at, const Audit& audit, int64_t now) {
  Stmt& s = st_->callout_advance;
  s.reset();
  s.bind(1, callout_id).bind(2, next_step).bind(3, next_due).bind(4, held_due).bind(5, clock_at);
  return apply(s, rule(CalloutMove::advance), {warning_id, callout_id, std::nullopt}, audit, now);
}

bool SqliteStore::answer_callout(int64_t warning_id, int64_t callout_id, std::string_view via, std::string_view by,
                           bool late, const Audit& audit, int64_t now) {
  Stmt& s = st_->callout_answer;
  s.reset();
  s.bind(1, callout_id).bind(2, now).bind(3, via).bind(4, by).bind(5, late ? 1 : 0);
  return apply(s, rule(CalloutMove::answer), {warning_id, callout_id, std::nullopt}, audit, now);
}

bool SqliteStore::end_callout(CalloutMove move, int64_t warning_id, int64_t callout_id, const Audit& audit, int64_t now) {
  if (move != CalloutMove::exhaust && move != CalloutMove::cover && move != CalloutMove::cancel)
    throw std::logic_error(fmt::format("end_callout cannot {}", rule(move).name));
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, callout_id);
  return apply(s, rule(move), {warning_id, callout_id, std::nullopt}, audit, now);
}

bool SqliteStore::claim_message(const MessageRef& ref, std::string_view provider, const Audit& audit, int64_t now) {
  Stmt& s = st_->message_claim;
  s.reset();
  s.bind(1, ref.message).bind(2, provider).bind(3, now);
  return apply(s, rule(MessageMove::claim), {ref.warning, ref.callout, ref.message}, audit, now);
}

bool SqliteStore::message_sent(const MessageRef& ref, std::string_view provider_ref, const Audit& audit, int64_t now) {
  Stmt& s = st_->message_sent;
  s.reset();
  s.bind(1, ref.message).bind(2, provider_ref).bind(3, now);
  return apply(s, rule(MessageMove::sent), {ref.warning, ref.callout, ref.message}, audit, now);
}

bool SqliteStore::requeue_message(const MessageRef& ref, int64_t not_before, std::optional<std::string_view> error,
                            bool give_back_attempt, const Audit& audit, int64_t now) {
  Stmt& s = st_->message_requeue;
  s.reset();
  s.bind(1, ref.message).bind(2, not_before);
  if (error) s.bind(3, *error); else s.bind(3, std::nullopt);
  s.bind(4, give_back_attempt ? 1 : 0).bind(5, now);
  return apply(s, rule(MessageMove::requeue), {ref.warning, ref.callout, ref.message}, audit, now);
}

bool SqliteStore::end_message(MessageMove move, const MessageRef& ref, std::string_view error, const Audit& audit,
                        int64_t now) {
  if (move != MessageMove::fail && move != MessageMove::unknown)
    throw std::logic_error(fmt::format("end_message cannot {}", rule(move).name));
  Stmt& s = move == MessageMove::fail ? st_->message_fail : st_->message_unknown;
  s.reset();
  s.bind(1, ref.message).bind(2, error).bind(3, now);
  return apply(s, rule(move), {ref.warning, ref.callout, ref.message}, audit, now);
}

int SqliteStore::cancel_messages(int64_t warning_id, int64_t callout_id, std::optional<std::string_view> channel,
                           std::string_view why, std::string_view actor, int64_t now) {
  std::optional<Transaction> own;
  if (!db_.in_transaction()) own.emplace(db_);
  Stmt& s = channel ? st_->messages_cancel_channel : st_->messages_cancel;
  s.reset();
  s.bind(1, callout_id).bind(2, why).bind(3, now);
  if (channel) s.bind(4, *channel);
  std::vector<int64_t> ids;
  while (s.step()) ids.push_back(s.int64(0));
  s.reset();
  for (int64_t id : ids) event({warning_id, callout_id, id}, {"message_cancelled", actor, why}, now);
  if (own) own->commit();
  return static_cast<int>(ids.size());
}

bool SqliteStore::claim_broadcast(int64_t warning_id, int64_t broadcast_id, const Audit& audit, int64_t now) {
  Stmt& s = st_->broadcast_claim;
  s.reset();
  s.bind(1, broadcast_id).bind(2, now);
  return apply(s, rule(BroadcastMove::claim), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool SqliteStore::broadcast_sent(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                           std::optional<int64_t> report_due, const Audit& audit, int64_t now) {
  if (move != BroadcastMove::sent && move != BroadcastMove::cancel_sent)
    throw std::logic_error(fmt::format("broadcast_sent cannot {}", rule(move).name));
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, broadcast_id).bind(2, now).bind(3, report_due);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool SqliteStore::requeue_broadcast(int64_t warning_id, int64_t broadcast_id, int64_t not_before,
                              std::optional<std::string_view> error, bool give_back_attempt, const Audit& audit,
                              int64_t now) {
  Stmt& s = st_->broadcast_requeue;
  s.reset();
  s.bind(1, broadcast_id).bind(2, not_before);
  if (error) s.bind(3, *error); else s.bind(3, std::nullopt);
  s.bind(4, give_back_attempt ? 1 : 0).bind(5, now);
  return apply(s, rule(BroadcastMove::requeue), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool SqliteStore::move_broadcast(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                           std::optional<std::string_view> error, const Audit& audit, int64_t now) {
  if (move == BroadcastMove::claim || move == BroadcastMove::sent || move == BroadcastMove::cancel_sent ||
      move == BroadcastMove::requeue)
    throw std::logic_error(fmt::format("move_broadcast cannot {}", rule(move).name));
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, broadcast_id);
  if (error) s.bind(2, *error); else s.bind(2, std::nullopt);
  s.bind(3, now);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool SqliteStore::file_report(ReportMove move, int64_t warning_id, int64_t report_id, const Filing& f, const Audit& audit,
                        int64_t now) {
  if (move != ReportMove::file && move != ReportMove::amend)
    throw std::logic_error(fmt::format("file_report cannot {}", rule(move).name));
  Stmt& s = move == ReportMove::file ? st_->report_file : st_->report_amend;
  s.reset();
  s.bind(1, report_id).bind(2, now).bind(3, f.by).bind(4, f.callout_id).bind(5, f.commander).bind(6, f.villages)
      .bind(7, f.people_moved).bind(8, f.note);
  return apply(s, rule(move), {warning_id, f.callout_id, std::nullopt}, audit, now);
}

bool SqliteStore::move_report(ReportMove move, int64_t warning_id, int64_t report_id, const Audit& audit, int64_t now) {
  if (move != ReportMove::overdue && move != ReportMove::cancel)
    throw std::logic_error(fmt::format("move_report cannot {}", rule(move).name));
  Stmt& s = move == ReportMove::overdue ? st_->report_overdue : st_->report_cancel;
  s.reset();
  s.bind(1, report_id);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

// ---------------------------------------------------------------------------------------------
// Transactions and the audit trail

namespace {
struct SqliteTx final : Store::TxHandle {
  explicit SqliteTx(Db& db) : tx(db) {}
  void commit() override { tx.commit(); }
  Transaction tx;
};
}  // namespace

std::unique_ptr<Store::TxHandle> SqliteStore::begin() { return std::make_unique<SqliteTx>(db_); }

int64_t SqliteStore::count_events(int64_t warning_id, std::string_view kind) {
  Stmt s = db_.prepare("SELECT COUNT(*) FROM events WHERE warning_id = ? AND kind = ?");
  s.bind(1, warning_id).bind(2, kind);
  return s.step() ? s.int64(0) : 0;
}

int64_t SqliteStore::count_reached(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT COUNT(*) FROM callouts WHERE warning_id = ? AND first_sent_at IS NOT NULL");
  s.bind(1, warning_id);
  return s.step() ? s.int64(0) : 0;
}

std::vector<EventRow> SqliteStore::events_of(std::optional<int64_t> warning_id) {
  Stmt s = db_.prepare(warning_id ? "SELECT id, at, callout_id, message_id, kind, actor, detail FROM events "
                                    "WHERE warning_id = ? ORDER BY id"
                                  : "SELECT id, at, callout_id, message_id, kind, actor, detail FROM events "
                                    "WHERE warning_id IS NULL ORDER BY id");
  if (warning_id) s.bind(1, *warning_id);
  std::vector<EventRow> out;
  while (s.step()) out.push_back({s.int64(0), s.int64(1), s.opt_int64(2), s.opt_int64(3), s.text(4), s.text(5), s.text(6)});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Warnings

std::optional<int64_t> SqliteStore::find_warning(std::string_view sender, std::string_view identifier) {
  Stmt& s = st_->find_warning;
  s.reset();
  s.bind(1, sender).bind(2, identifier);
  std::optional<int64_t> id;
  if (s.step()) id = s.int64(0);
  s.reset();
  return id;
}

std::optional<int64_t> SqliteStore::find_active_warning(std::string_view sender, std::string_view identifier) {
  Stmt s = db_.prepare(fmt::format("SELECT id FROM warnings WHERE sender = ? AND identifier = ? AND state = {}",
                                   sql_name(WarningState::active)));
  s.bind(1, sender).bind(2, identifier);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

int64_t SqliteStore::insert_warning(const Warning& w, std::string_view raw, WarningState state,
                                    std::optional<int64_t> supersedes, int64_t received_at) {
  std::optional<int64_t> expires;
  if (w.expires) expires = to_epoch_ms(*w.expires);
  const int64_t id = fresh_id("warnings", highest_warning_);
  db_.prepare(
         "INSERT INTO warnings(sender, identifier, sent, source, hazard, level, areas, headline, description, raw, "
         "status, msg_type, expires_at, supersedes, state, received_at, sender_name, id) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, w.sender).bind(2, w.identifier).bind(3, to_epoch_ms(w.sent)).bind(4, w.source)
      .bind(5, w.hazard).bind(6, w.has_info ? level_name(w.level) : "").bind(7, codes_json(w.areas))
      .bind(8, w.headline).bind(9, w.description).bind(10, raw).bind(11, status_name(w.status))
      .bind(12, msg_type_name(w.msg_type)).bind(13, expires).bind(14, supersedes).bind(15, state_name(state))
      .bind(16, received_at).bind(17, w.sender_name).bind(18, id)
      .run();
  return id;
}

int64_t SqliteStore::fresh_id(const char* table, int64_t& highest) {
  Stmt s = db_.prepare(fmt::format("SELECT COALESCE(MAX(id), 0) FROM {}", table));
  s.step();
  highest = std::max(highest, s.int64(0)) + 1;
  return highest;
}

std::optional<StoredWarning> SqliteStore::warning(int64_t warning_id) {
  Stmt s = db_.prepare(
      "SELECT sender, identifier, sent, source, hazard, level, areas, headline, description, status, sender_name, "
      "state, expires_at FROM warnings WHERE id = ?");
  s.bind(1, warning_id);
  if (!s.step()) return std::nullopt;
  StoredWarning out;
  Warning& w = out.warning;
  w.sender = s.text(0);
  w.identifier = s.text(1);
  w.sent = from_epoch_ms(s.int64(2));
  w.source = s.text(3);
  w.hazard = s.text(4);
  w.level = parse_level(s.text(5)).value_or(Level::blue);
  w.areas = codes_of(s.text(6));
  w.headline = s.text(7);
  w.description = s.text(8);
  w.status = parse_status(s.text(9)).value_or(WarningStatus::actual);
  w.sender_name = s.text(10);
  out.state = state_of(s, 11, WarningState::closed);
  if (!s.is_null(12)) w.expires = from_epoch_ms(s.int64(12));
  return out;
}

std::vector<int64_t> SqliteStore::expiring_warnings(int64_t now) {
  Stmt& s = st_->expiring_warnings;
  s.reset();
  s.bind(1, now);
  std::vector<int64_t> ids = ids_of(s);
  s.reset();
  return ids;
}

void SqliteStore::carry_over(int64_t old_id, int64_t new_id) {
  db_.prepare("UPDATE callouts SET warning_id = ? WHERE warning_id = ?").bind(1, new_id).bind(2, old_id).run();
  db_.prepare("UPDATE reports SET warning_id = ? WHERE warning_id = ?").bind(1, new_id).bind(2, old_id).run();
  db_.prepare("UPDATE broadcasts SET warning_id = ? WHERE warning_id = ?").bind(1, new_id).bind(2, old_id).run();
}

bool SqliteStore::owes_reports(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT EXISTS (SELECT 1 FROM reports WHERE warning_id = ?)");
  s.bind(1, warning_id);
  return s.step() && s.int64(0) != 0;
}

CalloutTally SqliteStore::tally(int64_t warning_id) {
  Stmt s = db_.prepare(fmt::format(
      "SELECT COUNT(*) FILTER (WHERE state IN ({})), COUNT(*) FILTER (WHERE kind = 'primary' AND state IN ({})), "
      "COUNT(*) FILTER (WHERE kind = 'primary' AND state = {}), "
      "COUNT(*) FILTER (WHERE kind = 'primary'), COUNT(*) FILTER (WHERE kind != 'primary') "
      "FROM callouts WHERE warning_id = ?",
      sql_names(kOpenCallout), sql_names(kReachedCallout), sql_name(CalloutState::exhausted)));
  s.bind(1, warning_id);
  s.step();
  return {s.int64(0), s.int64(1), s.int64(2), s.int64(3), s.int64(4)};
}

bool SqliteStore::any_open_callout(int64_t warning_id) {
  Stmt& s = st_->any_open;  // callouts_tally, by its state prefix: most answers leave others open
  s.reset();
  s.bind(1, warning_id);
  const bool open = s.step();
  s.reset();
  return open;
}

bool SqliteStore::any_report_due(int64_t warning_id) {
  Stmt s = db_.prepare(
      fmt::format("SELECT 1 FROM reports WHERE warning_id = ? AND state = {} LIMIT 1", sql_name(ReportState::due)));
  s.bind(1, warning_id);
  return s.step();
}

bool SqliteStore::any_broadcast_awaited(int64_t warning_id) {
  Stmt s = db_.prepare(fmt::format("SELECT 1 FROM broadcasts WHERE warning_id = ? AND state IN ({}) LIMIT 1",
                                   sql_names(kAwaitedBroadcast)));
  s.bind(1, warning_id);
  return s.step();
}

// ---------------------------------------------------------------------------------------------
// Plan snapshots

int64_t SqliteStore::insert_snapshot(int64_t warning_id, std::string_view plan_name, std::string_view file,
                                     std::string_view yaml) {
  const int64_t id = fresh_id("plan_snapshots", highest_snapshot_);
  db_.prepare("INSERT INTO plan_snapshots(warning_id, plan_name, file, yaml, id) VALUES (?,?,?,?,?)")
      .bind(1, warning_id).bind(2, plan_name).bind(3, file).bind(4, yaml).bind(5, id).run();
  return id;
}

std::optional<SnapshotRow> SqliteStore::snapshot(int64_t snapshot_id) {
  Stmt s = db_.prepare("SELECT plan_name, file, yaml FROM plan_snapshots WHERE id = ?");
  s.bind(1, snapshot_id);
  if (!s.step()) return std::nullopt;
  return SnapshotRow{s.text(0), s.text(1), s.text(2)};
}

std::vector<int64_t> SqliteStore::snapshots_of(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT id FROM plan_snapshots WHERE warning_id = ? ORDER BY id");
  s.bind(1, warning_id);
  return ids_of(s);
}

// ---------------------------------------------------------------------------------------------
// Callouts

void SqliteStore::insert_primaries(const std::vector<NewCallout>& callouts) {
  auto bind_row = [](Stmt& s, int at, const NewCallout& c) {
    s.bind(at + 1, c.warning_id).bind(at + 2, c.snapshot_id).bind(at + 3, c.person_id).bind(at + 4, c.person_name)
        .bind(at + 5, c.zzd_account).bind(at + 6, c.mobile).bind(at + 7, c.area_code).bind(at + 8, c.area_name)
        .bind(at + 9, c.role).bind(at + 10, c.seat).bind(at + 11, c.tier).bind(at + 12, c.next_due)
        .bind(at + 13, c.started_at).bind(at + 14, c.landline);
  };
  size_t i = 0;
  for (Stmt& many = st_->insert_callouts; i + kCalloutRows <= callouts.size(); i += kCalloutRows) {
    many.reset();
    for (size_t k = 0; k < kCalloutRows; ++k) bind_row(many, static_cast<int>(k) * kCalloutColumns, callouts[i + k]);
    many.run();
  }
  for (Stmt& one = st_->insert_callout; i < callouts.size(); ++i) {
    one.reset();
    bind_row(one, 0, callouts[i]);
    one.run();
  }
}

int64_t SqliteStore::insert_raised(const NewCallout& c) {
  db_.prepare(fmt::format(
         "INSERT INTO callouts(warning_id, snapshot_id, person_id, person_name, zzd_account, mobile, area_code, "
         "area_name, role, seat, tier, kind, escalated_from, state, next_step, next_due_at, started_at, landline) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,{},?,?,?,?)",
         sql_name(CalloutState::calling)))
      .bind(1, c.warning_id).bind(2, c.snapshot_id).bind(3, c.person_id).bind(4, c.person_name)
      .bind(5, c.zzd_account).bind(6, c.mobile).bind(7, c.area_code).bind(8, c.area_name).bind(9, c.role)
      .bind(10, c.seat).bind(11, c.tier).bind(12, c.kind).bind(13, c.escalated_from).bind(14, c.next_step)
      .bind(15, c.next_due).bind(16, c.started_at).bind(17, c.landline)
      .run();
  return db_.last_insert_id();
}

std::optional<int64_t> SqliteStore::find_raised(int64_t warning_id, std::string_view person_id, std::string_view kind,
                                                std::optional<int64_t> source) {
  Stmt s = db_.prepare(
      "SELECT id FROM callouts WHERE warning_id = ? AND person_id = ? AND kind = ? "
      "AND IFNULL(escalated_from, 0) = ?");
  s.bind(1, warning_id).bind(2, person_id).bind(3, kind).bind(4, source.value_or(0));
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::optional<int64_t> SqliteStore::find_duty_officer(int64_t warning_id, std::string_view person_id) {
  Stmt s = db_.prepare("SELECT id FROM callouts WHERE warning_id = ? AND person_id = ? AND kind = 'duty_officer'");
  s.bind(1, warning_id).bind(2, person_id);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::optional<CalloutRow> SqliteStore::callout(int64_t callout_id) {
  Stmt& s = st_->callout_by_id;
  s.reset();
  s.bind(1, callout_id);
  std::optional<CalloutRow> row;
  if (s.step()) row = read_callout(s);
  s.reset();
  return row;
}

std::vector<CalloutRow> SqliteStore::due_callouts(int64_t now, int limit) {
  Stmt& q = st_->due_callouts;
  q.reset();
  q.bind(1, now).bind(2, limit);
  std::vector<CalloutRow> due;
  while (q.step()) due.push_back(read_callout(q));
  q.reset();
  return due;
}

std::optional<AckRow> SqliteStore::callout_for_ack(int64_t callout_id) {
  Stmt& q = st_->callout_for_ack;
  q.reset();
  q.bind(1, callout_id);
  std::optional<AckRow> row;
  if (q.step())
    row = AckRow{state_of(q, 0, CalloutState::cancelled), q.int64(1), q.text(2), q.text(3), q.text(5), q.opt_int64(4),
                 q.text(6)};
  q.reset();
  return row;
}

std::vector<std::pair<int64_t, CalloutState>> SqliteStore::post_seats(int64_t warning_id, int64_t callout_id) {
  Stmt& s = st_->post_seats;
  s.reset();
  s.bind(1, warning_id).bind(2, callout_id);
  std::vector<std::pair<int64_t, CalloutState>> out;
  while (s.step()) out.emplace_back(s.int64(0), state_of(s, 1, CalloutState::cancelled));
  s.reset();
  return out;
}

std::vector<int64_t> SqliteStore::open_raised_for(int64_t callout_id, bool superiors_only) {
  if (superiors_only) {
    Stmt& s = st_->raised_superiors;
    s.reset();
    s.bind(1, callout_id);
    std::vector<int64_t> ids = ids_of(s);
    s.reset();
    return ids;
  }
  Stmt s = db_.prepare(
      fmt::format("SELECT id FROM callouts WHERE escalated_from = ? AND state IN ({})", sql_names(kOpenCallout)));
  s.bind(1, callout_id);
  return ids_of(s);
}

std::vector<int64_t> SqliteStore::open_callouts(int64_t warning_id) {
  Stmt s = db_.prepare(
      fmt::format("SELECT id FROM callouts WHERE warning_id = ? AND state IN ({})", sql_names(kOpenCallout)));
  s.bind(1, warning_id);
  return ids_of(s);
}

std::vector<CalloutRow> SqliteStore::primaries(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts WHERE warning_id = ? AND kind = 'primary'");
  s.bind(1, warning_id);
  return callouts_in_order(s);
}

std::vector<CalloutRow> SqliteStore::callouts_of(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts WHERE warning_id = ?");
  s.bind(1, warning_id);
  return callouts_in_order(s);
}

std::set<std::string> SqliteStore::primary_people(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT person_id FROM callouts WHERE warning_id = ? AND kind = 'primary'");
  s.bind(1, warning_id);
  std::set<std::string> out;
  while (s.step()) out.insert(s.text(0));
  return out;
}

std::vector<CalloutRow> SqliteStore::callouts_named(int64_t warning_id, std::string_view who, int64_t number) {
  Stmt s = db_.prepare("SELECT " JIAOYING_CALLOUT_COLUMNS " FROM callouts "
                       "WHERE warning_id = ? AND (id = ? OR person_id = ? OR mobile = ?) "
                       "ORDER BY kind = 'primary' DESC, id LIMIT 8");
  s.bind(1, warning_id).bind(2, number).bind(3, who).bind(4, who);
  std::vector<CalloutRow> out;
  while (s.step()) out.push_back(read_callout(s));
  return out;
}

std::vector<int64_t> SqliteStore::area_posts(int64_t warning_id, std::string_view area_code) {
  Stmt p = db_.prepare(fmt::format(  // no ORDER BY: it would tempt SQLite into a rowid scan
      "SELECT id FROM callouts WHERE warning_id = ? AND area_code = ? AND kind IN ('primary','deputy') "
      "AND state != {}",
      sql_name(CalloutState::cancelled)));
  p.bind(1, warning_id).bind(2, area_code);
  std::vector<int64_t> ids = ids_of(p);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::pair<std::string, std::string>> SqliteStore::areas_owing_no_report(int64_t warning_id,
                                                                                    int64_t snapshot_id,
                                                                                    std::string_view tier) {
  Stmt s = db_.prepare(fmt::format(
      "SELECT DISTINCT area_code, area_name FROM callouts WHERE warning_id = ? AND snapshot_id = ? "
      "AND kind = 'primary' AND tier = ? AND state != {} "
      "AND area_code NOT IN (SELECT area_code FROM reports WHERE warning_id = ?)",
      sql_name(CalloutState::cancelled)));
  s.bind(1, warning_id).bind(2, snapshot_id).bind(3, tier).bind(4, warning_id);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

void SqliteStore::set_next_due(int64_t callout_id, int64_t next_due) {
  Stmt& n = st_->set_next_due;
  n.reset();
  n.bind(1, next_due).bind(2, callout_id).run();
}

void SqliteStore::set_clock(int64_t callout_id, int64_t clock_at) {
  db_.prepare("UPDATE callouts SET clock_at = ? WHERE id = ?").bind(1, clock_at).bind(2, callout_id).run();
}

void SqliteStore::callout_sent(int64_t callout_id, int64_t now, bool releases, int64_t clock_at, int64_t next_due) {
  Stmt& c = st_->callout_sent;
  c.reset();
  c.bind(1, now).bind(2, callout_id).bind(3, releases ? 1 : 0).bind(4, clock_at).bind(5, next_due).run();
}

void SqliteStore::release_hold(int64_t callout_id, int64_t clock_at, int64_t next_due) {
  Stmt& s = st_->callout_released;
  s.reset();
  s.bind(1, clock_at).bind(2, next_due).bind(3, callout_id).run();
}

int SqliteStore::release_holds_on(std::string_view channel) {
  db_.prepare(fmt::format("UPDATE callouts SET next_due_at = MIN(next_due_at, held_due_at), held_due_at = NULL "
                          "WHERE held_due_at IS NOT NULL AND state IN ({}) AND id IN "
                          "(SELECT callout_id FROM messages WHERE state = {} AND channel = ?)",
                          sql_names(kOpenCallout), sql_name(MessageState::queued)))
      .bind(1, channel).run();
  return db_.changes();
}

void SqliteStore::schedule_digest(int64_t callout_id, int64_t now, int64_t every) {
  // Due now, or `every` after the last message to this duty room; already due stays as it is.
  db_.prepare(
         "UPDATE callouts SET digest_due_at = MAX(?, IFNULL(digest_sent_at, 0) + ?) "
         "WHERE id = ? AND digest_due_at IS NULL")
      .bind(1, now).bind(2, every).bind(3, callout_id).run();
}

std::vector<DueDigest> SqliteStore::due_digests(int64_t now, int limit) {
  Stmt q = db_.prepare(
      "SELECT id, warning_id, snapshot_id, IFNULL(digest_through, 0) FROM callouts "
      "WHERE digest_due_at IS NOT NULL AND digest_due_at <= ? LIMIT ?");
  q.bind(1, now).bind(2, limit);
  std::vector<DueDigest> due;
  while (q.step()) due.push_back({q.int64(0), q.int64(1), q.int64(2), q.int64(3)});
  return due;
}

std::vector<ToldMatter> SqliteStore::told_since(int64_t callout_id, int64_t after_event) {
  Stmt e = db_.prepare(
      "SELECT id, at, detail FROM events WHERE callout_id = ? AND kind = 'duty_officer_told' AND id > ? ORDER BY id");
  e.bind(1, callout_id).bind(2, after_event);
  std::vector<ToldMatter> out;
  while (e.step()) out.push_back({e.int64(0), e.int64(1), e.text(2)});
  return out;
}

void SqliteStore::digest_sent(int64_t callout_id, int64_t now, int64_t through) {
  db_.prepare("UPDATE callouts SET digest_due_at = NULL, digest_sent_at = ?, digest_through = ? WHERE id = ?")
      .bind(1, now).bind(2, through).bind(3, callout_id).run();
}

std::vector<Tried> SqliteStore::tried(int64_t callout_id) {
  Stmt s = db_.prepare(fmt::format(  // tried: a provider has it or may have it
      "SELECT channel, COUNT(*) FILTER (WHERE state IN ({})), COUNT(*) FILTER (WHERE state = {}) "
      "FROM messages WHERE callout_id = ? GROUP BY channel ORDER BY MIN(id)",
      sql_names({MessageState::sending, MessageState::sent, MessageState::unknown}), sql_name(MessageState::failed)));
  s.bind(1, callout_id);
  std::vector<Tried> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.int64(2)});
  return out;
}

std::optional<int64_t> SqliteStore::sms_code(int64_t callout_id) {
  Stmt s = db_.prepare("SELECT sms_code FROM callouts WHERE id = ?");
  s.bind(1, callout_id);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return s.int64(0);
}

void SqliteStore::set_sms_code(int64_t callout_id, int64_t code) {
  db_.prepare("UPDATE callouts SET sms_code = ? WHERE id = ?").bind(1, code).bind(2, callout_id).run();
}

std::vector<SmsCode> SqliteStore::open_sms_codes(std::string_view mobile) {
  Stmt& q = st_->open_sms_codes;
  q.reset();
  q.bind(1, mobile);
  std::vector<SmsCode> out;
  while (q.step()) out.push_back({q.int64(0), q.int64(1), q.int64(2), q.text(3)});
  q.reset();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Messages

int64_t SqliteStore::insert_message(const NewMessage& m) {
  Stmt& s = st_->insert_message;
  s.reset();
  s.bind(1, m.callout_id).bind(2, m.step).bind(3, m.channel).bind(4, m.idem_key).bind(5, m.priority)
      .bind(6, state_name(m.failed ? MessageState::failed : MessageState::queued)).bind(7, m.now);
  if (m.failed) s.bind(8, m.error); else s.bind(8, std::nullopt);
  s.bind(9, m.report ? 1 : 0);
  s.run();
  const int64_t id = db_.last_insert_id();
  Stmt& t = st_->insert_text;
  t.reset();
  t.bind(1, id).bind(2, m.title).bind(3, m.body).run();
  return id;
}

std::vector<MessageRow> SqliteStore::messages_of(int64_t callout_id) {
  Stmt s = db_.prepare(
      "SELECT m.id, m.step, m.channel, m.state, m.attempts, t.title, t.body, COALESCE(m.provider, ''), m.queued_at, "
      "m.sent_at FROM messages m JOIN message_texts t ON t.message_id = m.id WHERE m.callout_id = ? ORDER BY m.id");
  s.bind(1, callout_id);
  std::vector<MessageRow> out;
  while (s.step())
    out.push_back({s.int64(0), static_cast<int>(s.int64(1)), s.text(2), state_of(s, 3, MessageState::cancelled),
                   static_cast<int>(s.int64(4)), s.text(5), s.text(6), s.text(7), s.int64(8), s.opt_int64(9)});
  return out;
}

std::optional<int64_t> SqliteStore::insert_message_once(const NewMessage& m) {
  Stmt taken = db_.prepare("SELECT 1 FROM messages WHERE idem_key = ?");
  taken.bind(1, m.idem_key);
  if (taken.step()) return std::nullopt;
  return insert_message(m);
}

std::vector<ClaimRow> SqliteStore::claimable(std::string_view channel, int min_priority, int max_priority, int64_t now,
                                             size_t limit) {
  Stmt& q = st_->claimable;
  q.reset();
  q.bind(1, channel).bind(2, min_priority).bind(3, now).bind(4, static_cast<int64_t>(limit)).bind(5, max_priority);
  std::vector<ClaimRow> out;
  while (q.step())
    out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.int64(4) != 0, static_cast<int>(q.int64(5)),
                   read_callout(q, 6)});
  q.reset();
  return out;
}

void SqliteStore::hold_back(int64_t message_id, int64_t until, std::string_view why, int64_t now) {
  Stmt& h = st_->hold_back;
  h.reset();
  h.bind(1, until).bind(2, why).bind(3, now).bind(4, message_id).run();
}

std::optional<SendingRow> SqliteStore::sending_row(int64_t message_id) {
  Stmt& q = st_->sending_row;
  q.reset();
  q.bind(1, message_id);
  std::optional<SendingRow> row;
  if (q.step()) {
    SendingRow r;
    r.callout_id = q.int64(0);
    r.warning_id = q.int64(1);
    r.attempts = q.int64(2);
    r.state = state_of(q, 3, MessageState::cancelled);
    r.channel = q.text(4);
    r.step = static_cast<int>(q.int64(5));
    r.queued_at = q.int64(6);
    r.held_due_at = q.opt_int64(7);
    r.clock_at = q.int64(8);
    r.snapshot_id = q.int64(9);
    r.provider = q.text(10);
    r.next_step = static_cast<int>(q.int64(11));
    row = std::move(r);
  }
  q.reset();
  return row;
}

std::optional<int64_t> SqliteStore::report_owed_due(int64_t warning_id, std::string_view area_code) {
  Stmt& r = st_->report_owed;
  r.reset();
  r.bind(1, warning_id).bind(2, area_code);
  std::optional<int64_t> due;
  if (r.step()) due = r.int64(0);
  r.reset();
  return due;
}

std::vector<int64_t> SqliteStore::warnings_waiting_on(std::string_view channel) {
  Stmt s = db_.prepare(fmt::format("SELECT DISTINCT c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
                                   "WHERE m.state IN ({}) AND m.channel = ?",
                                   sql_names({MessageState::queued, MessageState::sending})));
  s.bind(1, channel);
  return ids_of(s);
}

std::vector<PlacedCallRow> SqliteStore::placed_calls(std::string_view channel, int64_t since) {
  Stmt s = db_.prepare(fmt::format(
      "SELECT m.id, CASE WHEN c.mobile != '' THEN c.mobile ELSE c.landline END, c.area_code, "
      "COALESCE(m.sent_at, m.updated_at), EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id "
      "AND e.kind = 'call_result') FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE m.channel = ? AND m.state IN ({}) AND COALESCE(m.sent_at, m.updated_at) >= ?",
      sql_names({MessageState::sent, MessageState::unknown})));
  s.bind(1, channel).bind(2, since);
  std::vector<PlacedCallRow> out;
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3), s.int64(4) != 0});
  return out;
}

std::vector<LeftSending> SqliteStore::left_sending(std::string_view channel) {
  Stmt q = db_.prepare(fmt::format("SELECT m.id, m.callout_id, c.warning_id FROM messages m "
                                   "JOIN callouts c ON c.id = m.callout_id WHERE m.state = {} AND m.channel = ?",
                                   sql_name(MessageState::sending)));
  q.bind(1, channel);
  std::vector<LeftSending> out;
  while (q.step()) out.push_back({q.int64(0), q.int64(1), q.int64(2)});
  return out;
}

std::optional<LeftSending> SqliteStore::message_on(int64_t message_id, std::string_view channel) {
  Stmt q = db_.prepare(
      "SELECT m.id, m.callout_id, c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE m.id = ? AND m.channel = ?");
  q.bind(1, message_id).bind(2, channel);
  if (!q.step()) return std::nullopt;
  return LeftSending{q.int64(0), q.int64(1), q.int64(2)};
}

std::optional<LeftSending> SqliteStore::text_for_receipt(int64_t message_id, std::string_view phone,
                                                         std::string_view biz_id) {
  // A single text's receipt names it by OutId; a batch's OutId is its first message, so the
  // phone (and the batch's BizId) say which of the batch it is.
  Stmt q = db_.prepare(
      "SELECT m.id, m.callout_id, c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE m.channel = 'sms' AND ((m.id = ?1 AND c.mobile = ?2) OR (?3 != '' AND m.provider_ref = ?3 AND c.mobile = ?2)) "
      "ORDER BY m.id = ?1 DESC LIMIT 1");
  q.bind(1, message_id).bind(2, phone).bind(3, biz_id);
  if (!q.step()) return std::nullopt;
  return LeftSending{q.int64(0), q.int64(1), q.int64(2)};
}

// ---------------------------------------------------------------------------------------------
// Broadcasts

int64_t SqliteStore::insert_broadcast(const NewBroadcast& b) {
  db_.prepare(fmt::format(
         "INSERT INTO broadcasts(warning_id, snapshot_id, ebm_id, msg_type, state, not_before, title, body, areas, "
         "repeat, within_ms, queued_at, updated_at, area_names) VALUES (?1,?2,?3,?4,{},?5,?6,?7,?8,?9,?10,?5,?5,?11)",
         sql_name(BroadcastState::queued)))
      .bind(1, b.warning_id).bind(2, b.snapshot_id).bind(3, b.ebm_id).bind(4, b.msg_type).bind(5, b.now)
      .bind(6, b.title).bind(7, b.body).bind(8, codes_json(b.areas)).bind(9, b.repeat).bind(10, b.within_ms)
      .bind(11, b.area_names_json).run();
  return db_.last_insert_id();
}

void SqliteStore::set_ebm_id(int64_t broadcast_id, std::string_view ebm_id) {
  db_.prepare("UPDATE broadcasts SET ebm_id = ? WHERE id = ?").bind(1, ebm_id).bind(2, broadcast_id).run();
}

bool SqliteStore::insert_cancel_broadcast(const NewBroadcast& b) {
  db_.prepare(fmt::format(
         "INSERT OR IGNORE INTO broadcasts(warning_id, snapshot_id, ebm_id, msg_type, state, not_before, title, "
         "body, areas, repeat, within_ms, queued_at, updated_at) VALUES (?1,?2,?3,2,{},?4,?5,?6,?7,1,0,?4,?4)",
         sql_name(BroadcastState::queued)))
      .bind(1, b.warning_id).bind(2, b.snapshot_id).bind(3, b.ebm_id).bind(4, b.now).bind(5, b.title)
      .bind(6, b.body).bind(7, codes_json(b.areas)).run();
  return db_.changes() > 0;
}

std::vector<BroadcastRow> SqliteStore::broadcasts_of(int64_t warning_id, bool cancels_too) {
  Stmt s = db_.prepare(fmt::format("SELECT {} FROM broadcasts WHERE warning_id = ? AND msg_type <= ? ORDER BY id",
                                   kBroadcastColumns));
  s.bind(1, warning_id).bind(2, cancels_too ? 2 : 1);
  std::vector<BroadcastRow> out;
  while (s.step()) out.push_back(read_broadcast(s));
  return out;
}

std::vector<BroadcastRow> SqliteStore::claimable_broadcasts(int64_t now, size_t limit) {
  Stmt& q = st_->claimable_broadcasts;  // prepared once: asked on every pump, and almost never anything
  q.reset();
  q.bind(1, now).bind(2, static_cast<int64_t>(limit));
  std::vector<BroadcastRow> out;
  while (q.step()) out.push_back(read_broadcast(q));
  q.reset();
  return out;
}

std::optional<BroadcastRow> SqliteStore::broadcast(int64_t broadcast_id) {
  Stmt s = db_.prepare(fmt::format("SELECT {} FROM broadcasts WHERE id = ?", kBroadcastColumns));
  s.bind(1, broadcast_id);
  if (!s.step()) return std::nullopt;
  return read_broadcast(s);
}

std::optional<BroadcastRow> SqliteStore::broadcast_by_ebm(std::string_view ebm_id) {
  Stmt s = db_.prepare(fmt::format("SELECT {} FROM broadcasts WHERE ebm_id = ? AND msg_type = 1", kBroadcastColumns));
  s.bind(1, ebm_id);
  if (!s.step()) return std::nullopt;
  return read_broadcast(s);
}

void SqliteStore::record_playback(int64_t broadcast_id, int brd_state, const std::vector<std::string>& covered,
                                  std::string_view coverage_rate, int64_t now) {
  db_.prepare("UPDATE broadcasts SET brd_state = ?, reported_at = ?, coverage = ?, coverage_rate = ?, updated_at = ? "
              "WHERE id = ?")
      .bind(1, brd_state).bind(2, now).bind(3, codes_json(covered)).bind(4, coverage_rate).bind(5, now)
      .bind(6, broadcast_id).run();
}

std::vector<std::pair<BroadcastRow, WarningState>> SqliteStore::broadcasts_past_due(int64_t now) {
  Stmt& q = st_->broadcasts_past_due;
  q.reset();
  q.bind(1, now);
  std::vector<std::pair<BroadcastRow, WarningState>> out;
  while (q.step()) out.emplace_back(read_broadcast(q, 1), state_of(q, 0, WarningState::closed));
  q.reset();
  return out;
}

std::vector<BroadcastRow> SqliteStore::sending_broadcasts() {
  Stmt s = db_.prepare(fmt::format("SELECT {} FROM broadcasts WHERE state = {}", kBroadcastColumns,
                                   sql_name(BroadcastState::sending)));
  std::vector<BroadcastRow> out;
  while (s.step()) out.push_back(read_broadcast(s));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Polled feeds

std::set<std::string> SqliteStore::feed_links(std::string_view feed) {
  Stmt s = db_.prepare("SELECT link FROM feed_entries WHERE feed = ?");
  s.bind(1, feed);
  std::set<std::string> out;
  while (s.step()) out.insert(s.text(0));
  return out;
}

void SqliteStore::record_feed_entry(std::string_view feed, std::string_view link, int64_t taken_at,
                                    std::string_view outcome) {
  db_.prepare("INSERT OR IGNORE INTO feed_entries(feed, link, taken_at, outcome) VALUES (?,?,?,?)")
      .bind(1, feed).bind(2, link).bind(3, taken_at).bind(4, outcome).run();
}

void SqliteStore::heartbeat(int64_t now) {
  db_.prepare("INSERT INTO heartbeat(id, written_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET written_at = excluded.written_at")
      .bind(1, now).run();
}

// ---------------------------------------------------------------------------------------------
// Report-backs

int64_t SqliteStore::insert_report(int64_t warning_id, int64_t snapshot_id, std::string_view area_code,
                                   std::string_view area_name, std::string_view tier, int64_t now, int64_t due_at) {
  db_.prepare(fmt::format(
         "INSERT INTO reports(warning_id, snapshot_id, area_code, area_name, tier, state, created_at, due_at) "
         "VALUES (?,?,?,?,?,{},?,?)",
         sql_name(ReportState::due)))
      .bind(1, warning_id).bind(2, snapshot_id).bind(3, area_code).bind(4, area_name).bind(5, tier).bind(6, now)
      .bind(7, due_at).run();
  return db_.last_insert_id();
}

std::vector<ReportRow> SqliteStore::open_reports(int64_t warning_id, bool abandoned_only) {
  std::string sql = fmt::format("SELECT {} FROM reports WHERE warning_id = ? AND state IN ({})", kReportColumns,
                                sql_names(kOwedReport));
  if (abandoned_only)
    sql += fmt::format(" AND NOT EXISTS (SELECT 1 FROM callouts c WHERE c.warning_id = reports.warning_id "
                       "AND c.area_code = reports.area_code AND c.kind = 'primary' AND c.state != {})",
                       sql_name(CalloutState::cancelled));
  Stmt s = db_.prepare(sql);
  s.bind(1, warning_id);
  std::vector<ReportRow> out;
  while (s.step()) out.push_back(read_report(s));
  return out;
}

std::vector<ReportRow> SqliteStore::reports_past_due(int64_t now, int limit) {
  Stmt& q = st_->reports_past_due;
  q.reset();
  q.bind(1, now).bind(2, limit);
  std::vector<ReportRow> out;
  while (q.step()) out.push_back(read_report(q));
  q.reset();
  return out;
}

std::optional<ReportStatusRow> SqliteStore::report_status(int64_t callout_id) {
  Stmt q = db_.prepare(
      "SELECT c.warning_id, c.person_name, w.headline, c.kind, r.id, r.warning_id, r.snapshot_id, r.area_code, "
      "r.area_name, r.state, r.due_at FROM callouts c JOIN warnings w ON w.id = c.warning_id "
      "LEFT JOIN reports r ON r.warning_id = c.warning_id AND r.area_code = c.area_code WHERE c.id = ?");
  q.bind(1, callout_id);
  if (!q.step()) return std::nullopt;
  ReportStatusRow out{q.int64(0), q.text(1), q.text(2), q.text(3), std::nullopt};
  if (!q.is_null(4)) out.report = read_report(q, 4);
  return out;
}

std::vector<FiledReport> SqliteStore::reports_of(int64_t warning_id) {
  Stmt q = db_.prepare(fmt::format("SELECT {}, filed_at, filed_by, commander, note, villages, people_moved, filed_late "
                                   "FROM reports WHERE warning_id = ? ORDER BY id",
                                   kReportColumns));
  q.bind(1, warning_id);
  std::vector<FiledReport> out;
  while (q.step()) {
    FiledReport r;
    static_cast<ReportRow&>(r) = read_report(q);
    r.filed_at = q.opt_int64(7);
    if (!q.is_null(8)) r.filed_by = q.text(8);
    if (!q.is_null(9)) r.commander = q.text(9);
    if (!q.is_null(10)) r.note = q.text(10);
    r.villages = q.opt_int64(11).value_or(0);
    r.people_moved = q.opt_int64(12).value_or(0);
    r.late = q.int64(13) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 六问 spot checks

namespace {
constexpr const char* kSpotCheckColumns =
    "id, warning_id, callout_id, message_id, state, family, questions, keys, first_no, asked_by, asked_at, done_at";

SpotCheckRow read_spot_check(const Stmt& s) {
  SpotCheckRow r;
  r.id = s.int64(0);
  r.warning_id = s.int64(1);
  r.callout_id = s.int64(2);
  r.message_id = s.int64(3);
  r.state = state_of(s, 4, SpotCheckState::cancelled);
  r.family = s.text(5);
  r.questions = static_cast<int>(s.int64(6));
  r.keys = s.text(7);
  r.first_no = static_cast<int>(s.int64(8));
  r.asked_by = s.text(9);
  r.asked_at = s.int64(10);
  r.done_at = s.opt_int64(11);
  return r;
}
}  // namespace

int64_t SqliteStore::insert_spot_check(int64_t warning_id, int64_t callout_id, int64_t message_id, std::string_view family,
                                       int questions, std::string_view asked_by, int64_t now) {
  Stmt s = db_.prepare(fmt::format("INSERT INTO spot_checks(warning_id, callout_id, message_id, state, family, questions, "
                                   "asked_by, asked_at) VALUES (?,?,?,{},?,?,?,?)",
                                   sql_name(SpotCheckState::calling)));
  s.bind(1, warning_id).bind(2, callout_id).bind(3, message_id).bind(4, family).bind(5, static_cast<int64_t>(questions))
      .bind(6, asked_by).bind(7, now).run();
  return db_.last_insert_id();
}

std::optional<SpotCheckRow> SqliteStore::spot_check_of_message(int64_t message_id) {
  Stmt s = db_.prepare(fmt::format("SELECT {} FROM spot_checks WHERE message_id = ?", kSpotCheckColumns));
  s.bind(1, message_id);
  if (!s.step()) return std::nullopt;
  return read_spot_check(s);
}

std::vector<SpotCheckRow> SqliteStore::spot_checks_of(int64_t warning_id) {
  Stmt s = db_.prepare(fmt::format("SELECT {} FROM spot_checks WHERE warning_id = ? ORDER BY id", kSpotCheckColumns));
  s.bind(1, warning_id);
  std::vector<SpotCheckRow> out;
  while (s.step()) out.push_back(read_spot_check(s));
  return out;
}

void SqliteStore::insert_spot_check_rule(int64_t warning_id, int64_t snapshot_id, int64_t due_at) {
  db_.prepare("INSERT OR IGNORE INTO spot_check_rules(warning_id, snapshot_id, due_at) VALUES (?,?,?)")
      .bind(1, warning_id).bind(2, snapshot_id).bind(3, due_at).run();
}

std::vector<Store::SpotCheckDue> SqliteStore::spot_check_rules_due(int64_t now, int limit) {
  Stmt s = db_.prepare("SELECT warning_id, snapshot_id FROM spot_check_rules WHERE ran_at IS NULL AND due_at <= ? "
                       "ORDER BY due_at LIMIT ?");
  s.bind(1, now).bind(2, static_cast<int64_t>(limit));
  std::vector<SpotCheckDue> out;
  while (s.step()) out.push_back({s.int64(0), s.int64(1)});
  return out;
}

std::vector<Store::SpotCheckDue> SqliteStore::spot_check_rules_pending(int64_t warning_id) {
  Stmt s = db_.prepare("SELECT warning_id, snapshot_id FROM spot_check_rules WHERE ran_at IS NULL AND warning_id = ?");
  s.bind(1, warning_id);
  std::vector<SpotCheckDue> out;
  while (s.step()) out.push_back({s.int64(0), s.int64(1)});
  return out;
}

void SqliteStore::spot_check_rule_ran(int64_t warning_id, int64_t snapshot_id, int64_t now) {
  db_.prepare("UPDATE spot_check_rules SET ran_at = ? WHERE warning_id = ? AND snapshot_id = ? AND ran_at IS NULL")
      .bind(1, now).bind(2, warning_id).bind(3, snapshot_id).run();
}

bool SqliteStore::move_spot_check(SpotCheckMove move, int64_t warning_id, int64_t spot_check_id, std::string_view keys,
                                  int first_no, const Audit& audit, int64_t now) {
  const SpotCheckMoveRule& r = rule(move);
  Stmt s = db_.prepare(guarded("spot_checks", r, "keys = ?2, first_no = ?3, done_at = ?4"));
  s.bind(1, spot_check_id).bind(2, keys).bind(3, static_cast<int64_t>(first_no)).bind(4, now);
  std::optional<int64_t> callout;
  {
    Stmt c = db_.prepare("SELECT callout_id FROM spot_checks WHERE id = ?");
    c.bind(1, spot_check_id);
    if (c.step()) callout = c.int64(0);
  }
  return apply(s, r, {warning_id, callout, std::nullopt}, audit, now);
}

}  // namespace jiaoying
