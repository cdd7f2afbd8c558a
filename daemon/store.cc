#include "daemon/store.h"

#include <fmt/format.h>

#include <stdexcept>

namespace jiaoying {
namespace {

// `UPDATE <table> SET state = '<to>', <sets> WHERE <key> AND state IN (<the move's sources>)`:
// the guard comes from the move's table, never from the caller. ?1 is always the row's key.
template <class Rule>
std::string guarded(std::string_view table, const Rule& rule, std::string_view sets,
                    std::string_view key = "id = ?1", std::string_view returning = {}) {
  using State = decltype(rule.to);
  std::string from;
  for (State s : all_states<State>())
    if (rule.from.has(s)) from += fmt::format("{}'{}'", from.empty() ? "" : ",", state_name(s));
  return fmt::format("UPDATE {} SET state = '{}'{}{} WHERE {} AND state IN ({}){}", table, state_name(rule.to),
                     sets.empty() ? "" : ", ", sets, key, from, returning);
}

}  // namespace

struct Store::Statements {
  Stmt insert_event;
  Stmt warning_close, warning_supersede, warning_cancel, warning_expire;
  Stmt callout_advance, callout_answer, callout_exhaust, callout_cover, callout_cancel;
  Stmt message_claim, message_sent, message_requeue, message_fail, message_unknown;
  Stmt messages_cancel, messages_cancel_channel;
  Stmt broadcast_claim, broadcast_sent, broadcast_cancel_sent, broadcast_requeue;
  Stmt broadcast_fail, broadcast_cancel, broadcast_unconfirm;
  Stmt broadcast_played, broadcast_partial, broadcast_play_failed, broadcast_platform_cancelled;
  Stmt report_overdue, report_file, report_amend, report_cancel;

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
        report_cancel(db.prepare(guarded("reports", rule(ReportMove::cancel), ""))) {}

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

Store::Store(Db& db) : db_(db), st_(std::make_unique<Statements>(db)) {}
Store::~Store() = default;

void Store::event(const EventRef& ref, const Audit& audit, int64_t at) {
  Stmt& s = st_->insert_event;
  s.reset();
  s.bind(1, at).bind(2, ref.warning).bind(3, ref.callout).bind(4, ref.message).bind(5, audit.kind)
      .bind(6, audit.actor).bind(7, audit.detail).run();
}

// The one way a state changes: the guarded update, then (when it moved the row) the move's event,
// in the caller's transaction or one of its own. `update` is bound but for nothing else.
template <class Rule>
bool Store::apply(Stmt& update, const Rule& rule, const EventRef& ref, const Audit& audit, int64_t now) {
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

bool Store::move_warning(WarningMove move, int64_t warning_id, const Audit& audit, int64_t now) {
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, warning_id);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool Store::advance_callout(int64_t warning_id, int64_t callout_id, int next_step, int64_t next_due,
                            std::optional<int64_t> held_due, int64_t clock_at, const Audit& audit, int64_t now) {
  Stmt& s = st_->callout_advance;
  s.reset();
  s.bind(1, callout_id).bind(2, next_step).bind(3, next_due).bind(4, held_due).bind(5, clock_at);
  return apply(s, rule(CalloutMove::advance), {warning_id, callout_id, std::nullopt}, audit, now);
}

bool Store::answer_callout(int64_t warning_id, int64_t callout_id, std::string_view via, std::string_view by,
                           bool late, const Audit& audit, int64_t now) {
  Stmt& s = st_->callout_answer;
  s.reset();
  s.bind(1, callout_id).bind(2, now).bind(3, via).bind(4, by).bind(5, late ? 1 : 0);
  return apply(s, rule(CalloutMove::answer), {warning_id, callout_id, std::nullopt}, audit, now);
}

bool Store::end_callout(CalloutMove move, int64_t warning_id, int64_t callout_id, const Audit& audit, int64_t now) {
  if (move != CalloutMove::exhaust && move != CalloutMove::cover && move != CalloutMove::cancel)
    throw std::logic_error(fmt::format("end_callout cannot {}", rule(move).name));
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, callout_id);
  return apply(s, rule(move), {warning_id, callout_id, std::nullopt}, audit, now);
}

bool Store::claim_message(const MessageRef& ref, std::string_view provider, const Audit& audit, int64_t now) {
  Stmt& s = st_->message_claim;
  s.reset();
  s.bind(1, ref.message).bind(2, provider).bind(3, now);
  return apply(s, rule(MessageMove::claim), {ref.warning, ref.callout, ref.message}, audit, now);
}

bool Store::message_sent(const MessageRef& ref, std::string_view provider_ref, const Audit& audit, int64_t now) {
  Stmt& s = st_->message_sent;
  s.reset();
  s.bind(1, ref.message).bind(2, provider_ref).bind(3, now);
  return apply(s, rule(MessageMove::sent), {ref.warning, ref.callout, ref.message}, audit, now);
}

bool Store::requeue_message(const MessageRef& ref, int64_t not_before, std::optional<std::string_view> error,
                            bool give_back_attempt, const Audit& audit, int64_t now) {
  Stmt& s = st_->message_requeue;
  s.reset();
  s.bind(1, ref.message).bind(2, not_before);
  if (error) s.bind(3, *error); else s.bind(3, std::nullopt);
  s.bind(4, give_back_attempt ? 1 : 0).bind(5, now);
  return apply(s, rule(MessageMove::requeue), {ref.warning, ref.callout, ref.message}, audit, now);
}

bool Store::end_message(MessageMove move, const MessageRef& ref, std::string_view error, const Audit& audit,
                        int64_t now) {
  if (move != MessageMove::fail && move != MessageMove::unknown)
    throw std::logic_error(fmt::format("end_message cannot {}", rule(move).name));
  Stmt& s = move == MessageMove::fail ? st_->message_fail : st_->message_unknown;
  s.reset();
  s.bind(1, ref.message).bind(2, error).bind(3, now);
  return apply(s, rule(move), {ref.warning, ref.callout, ref.message}, audit, now);
}

int Store::cancel_messages(int64_t warning_id, int64_t callout_id, std::optional<std::string_view> channel,
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

bool Store::claim_broadcast(int64_t warning_id, int64_t broadcast_id, const Audit& audit, int64_t now) {
  Stmt& s = st_->broadcast_claim;
  s.reset();
  s.bind(1, broadcast_id).bind(2, now);
  return apply(s, rule(BroadcastMove::claim), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool Store::broadcast_sent(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                           std::optional<int64_t> report_due, const Audit& audit, int64_t now) {
  if (move != BroadcastMove::sent && move != BroadcastMove::cancel_sent)
    throw std::logic_error(fmt::format("broadcast_sent cannot {}", rule(move).name));
  Stmt& s = st_->of(move);
  s.reset();
  s.bind(1, broadcast_id).bind(2, now).bind(3, report_due);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool Store::requeue_broadcast(int64_t warning_id, int64_t broadcast_id, int64_t not_before,
                              std::optional<std::string_view> error, bool give_back_attempt, const Audit& audit,
                              int64_t now) {
  Stmt& s = st_->broadcast_requeue;
  s.reset();
  s.bind(1, broadcast_id).bind(2, not_before);
  if (error) s.bind(3, *error); else s.bind(3, std::nullopt);
  s.bind(4, give_back_attempt ? 1 : 0).bind(5, now);
  return apply(s, rule(BroadcastMove::requeue), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

bool Store::move_broadcast(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
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

bool Store::file_report(ReportMove move, int64_t warning_id, int64_t report_id, const Filing& f, const Audit& audit,
                        int64_t now) {
  if (move != ReportMove::file && move != ReportMove::amend)
    throw std::logic_error(fmt::format("file_report cannot {}", rule(move).name));
  Stmt& s = move == ReportMove::file ? st_->report_file : st_->report_amend;
  s.reset();
  s.bind(1, report_id).bind(2, now).bind(3, f.by).bind(4, f.callout_id).bind(5, f.commander).bind(6, f.villages)
      .bind(7, f.people_moved).bind(8, f.note);
  return apply(s, rule(move), {warning_id, f.callout_id, std::nullopt}, audit, now);
}

bool Store::move_report(ReportMove move, int64_t warning_id, int64_t report_id, const Audit& audit, int64_t now) {
  if (move != ReportMove::overdue && move != ReportMove::cancel)
    throw std::logic_error(fmt::format("move_report cannot {}", rule(move).name));
  Stmt& s = move == ReportMove::overdue ? st_->report_overdue : st_->report_cancel;
  s.reset();
  s.bind(1, report_id);
  return apply(s, rule(move), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

}  // namespace jiaoying
