// The store's writer of states and of the audit trail. Every state of a warning, callout,
// message, broadcast or report-back changes here and nowhere else, by a move of
// daemon/states.h: one guarded UPDATE (`… WHERE id = ? AND state IN (the move's sources)`, the
// sources taken from the move's table) and the move's audit event, in the same transaction (the
// caller's, or one of its own). A row that is not in a state the move may start from is left
// as it is and the move returns false, writing nothing; an event kind the move's table does not
// name is a programming error (std::logic_error) — so neither an impossible move nor a silent
// one reaches the database.
//
// This is the first room of the store seam (docs/architecture.md, "Store"): the reads and the
// other writes still live with the engine and the views, and move here next.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/sqlite.h"
#include "daemon/states.h"

namespace jiaoying {

// What an audit event says: its kind, who acted ("engine", "zzd:primary", "duty:wang") and why.
struct Audit {
  std::string_view kind;
  std::string_view actor;
  std::string_view detail;
};

// The rows an event is filed under.
struct EventRef {
  std::optional<int64_t> warning, callout, message;
};

// A message and the callout and warning it belongs to (its events are filed under all three).
struct MessageRef {
  int64_t warning = 0, callout = 0, message = 0;
};

class Store {
 public:
  explicit Store(Db& db);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Db& db() { return db_; }

  // An audit event that is no state change (a flag, a refusal, a note, a report's progress).
  void event(const EventRef& ref, const Audit& audit, int64_t at);

  // ---- warnings
  bool move_warning(WarningMove move, int64_t warning_id, const Audit& audit, int64_t now);

  // ---- callouts
  // A step ran: the ladder's next look, the rung it waits on (held), its clock.
  bool advance_callout(int64_t warning_id, int64_t callout_id, int next_step, int64_t next_due,
                       std::optional<int64_t> held_due, int64_t clock_at, const Audit& audit, int64_t now);
  bool answer_callout(int64_t warning_id, int64_t callout_id, std::string_view via, std::string_view by, bool late,
                      const Audit& audit, int64_t now);
  // exhaust, cover or cancel: the ladder stops.
  bool end_callout(CalloutMove move, int64_t warning_id, int64_t callout_id, const Audit& audit, int64_t now);

  // ---- messages
  bool claim_message(const MessageRef& ref, std::string_view provider, const Audit& audit, int64_t now);
  bool message_sent(const MessageRef& ref, std::string_view provider_ref, const Audit& audit, int64_t now);
  // Back to the queue, due at `not_before`; `error` (when given) is kept as its last trouble; a
  // deferral gives the attempt back (it was not one).
  bool requeue_message(const MessageRef& ref, int64_t not_before, std::optional<std::string_view> error,
                       bool give_back_attempt, const Audit& audit, int64_t now);
  // fail or unknown, with what went wrong.
  bool end_message(MessageMove move, const MessageRef& ref, std::string_view error, const Audit& audit, int64_t now);
  // Every message of the callout still queued (on `channel` only, when given) is cancelled, each
  // with its event. Returns how many.
  int cancel_messages(int64_t warning_id, int64_t callout_id, std::optional<std::string_view> channel,
                      std::string_view why, std::string_view actor, int64_t now);

  // ---- broadcasts (their events are the warning's)
  bool claim_broadcast(int64_t warning_id, int64_t broadcast_id, const Audit& audit, int64_t now);
  // sent (its playback report due at `report_due`) or cancel_sent (a cancel EBM the platform took).
  bool broadcast_sent(BroadcastMove move, int64_t warning_id, int64_t broadcast_id, std::optional<int64_t> report_due,
                      const Audit& audit, int64_t now);
  bool requeue_broadcast(int64_t warning_id, int64_t broadcast_id, int64_t not_before,
                         std::optional<std::string_view> error, bool give_back_attempt, const Audit& audit,
                         int64_t now);
  // fail, cancel, unconfirm, or what a playback report says (played, partial, play_failed,
  // platform_cancelled); `error` is kept on the row when given.
  bool move_broadcast(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                      std::optional<std::string_view> error, const Audit& audit, int64_t now);

  // ---- report-backs
  struct Filing {
    std::string_view by;
    int64_t callout_id = 0;
    std::string_view commander;
    int64_t villages = 0, people_moved = 0;
    std::string_view note;
  };
  // file (late when past due) or amend (what was filed is replaced; late stays as it was).
  bool file_report(ReportMove move, int64_t warning_id, int64_t report_id, const Filing& filing, const Audit& audit,
                   int64_t now);
  // overdue or cancel.
  bool move_report(ReportMove move, int64_t warning_id, int64_t report_id, const Audit& audit, int64_t now);

 private:
  struct Statements;
  template <class Rule>
  bool apply(Stmt& update, const Rule& rule, const EventRef& ref, const Audit& audit, int64_t now);

  Db& db_;
  std::unique_ptr<Statements> st_;
};

}  // namespace jiaoying
