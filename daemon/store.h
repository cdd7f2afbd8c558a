// The store: everything the engine keeps, behind one seam. The engine asks for typed rows and
// makes typed changes; how they are kept — SQL, its indexes, its transactions — is the
// implementation's (daemon/store_sqlite.*: SQLite, every SQL string of the engine).
//
// Every state of a warning, callout, message, broadcast or report-back changes by a move of
// daemon/states.h and nowhere else: one guarded change (only from the move's sources, taken from
// its table) and the move's audit event, in the same transaction. A row that is not in a state
// the move may start from is left as it is and the move returns false, writing nothing; an event
// kind the move's table does not name is a programming error (std::logic_error) — so neither an
// impossible move nor a silent one reaches the database.
//
// Not thread-safe: one thread (the engine's) owns a Store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/clock.h"
#include "daemon/states.h"
#include "rules/warning.h"

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

// ---- rows

// A warning as stored (what its messages and the broadcast need of it).
struct StoredWarning {
  Warning warning;  // sender, identifier, sent, source, hazard, level, areas, headline, description, status,
                    // sender_name
  WarningState state = WarningState::active;
};

// A callout as a step and its messages need it.
struct CalloutRow {
  int64_t id = 0, warning_id = 0, snapshot_id = 0;
  int64_t clock_at = 0;  // the ladder's origin: `after` counts from here
  int next_step = 0;
  std::string kind, person_id, person_name, zzd_account, mobile, landline, area_code, area_name, role, seat, tier;
  std::optional<int64_t> held_due_at;  // set while the step just run waits for its notice to leave
  CalloutState state = CalloutState::pending;
  std::optional<int64_t> first_sent_at;  // when a notice first reached them
  std::string answered_via;              // how they answered (zzd, voice, sms, report, desk); empty until then
};

// A callout to create: a primary (pending, its step 1 due at next_due) or a raised one (calling,
// climbing no ladder of its own: next_step past the plan's last, next_due its deadline). Its
// text fields only view what they name (the directory's people and areas): a city's 100,000
// callouts are bound from there, not copied first; the store copies what it keeps.
struct NewCallout {
  int64_t warning_id = 0, snapshot_id = 0;
  std::string_view person_id, person_name, zzd_account, mobile, landline, area_code, area_name, role, seat, tier;
  std::string_view kind = "primary";  // primary | deputy | superior | duty_officer
  std::optional<int64_t> escalated_from;
  int next_step = 0;
  int64_t next_due = 0, started_at = 0;
};

// A message to queue (or to record as failed at once: no contact for its channel).
struct NewMessage {
  int64_t callout_id = 0;
  int step = 0;  // -1 for notices
  std::string channel, idem_key;
  int priority = 0;
  bool failed = false;
  std::string error;  // why, when failed
  bool report = false;  // carries the 回报 link
  std::string title, body;
  int64_t now = 0;
};

// A queued message and its callout, as a claim hands it out.
struct ClaimRow {
  int64_t message_id = 0;
  std::string idem_key, title, body;
  bool report = false;
  int step = 0;
  CalloutRow callout;
};

// What recording a provider's answer needs of a message.
struct SendingRow {
  int64_t callout_id = 0, warning_id = 0, attempts = 0;
  MessageState state = MessageState::queued;
  std::string channel, provider;
  int step = 0;
  int64_t queued_at = 0;
  std::optional<int64_t> held_due_at;
  int64_t clock_at = 0, snapshot_id = 0;
  int next_step = 0;
};

// One EBM (msg_type 1) or its cancel (2).
struct BroadcastRow {
  int64_t id = 0, warning_id = 0, snapshot_id = 0;
  std::string ebm_id;
  int msg_type = 1;
  BroadcastState state = BroadcastState::queued;
  int attempts = 0;
  std::string title, body;
  std::vector<std::string> areas;
  int64_t within_ms = 0;
  std::optional<int64_t> report_due_at, brd_state;
};

struct NewBroadcast {
  int64_t warning_id = 0, snapshot_id = 0;
  int msg_type = 1;
  std::string ebm_id;  // empty for a new EBM: set_ebm_id names it once its row number is known
  std::string title, body;
  std::vector<std::string> areas;
  std::string area_names_json = "{}";
  int repeat = 1;
  int64_t within_ms = 0, now = 0;
};

// A 六问 spot check of one post (daemon/engine_spot_check.cc).
struct SpotCheckRow {
  int64_t id = 0, warning_id = 0, callout_id = 0, message_id = 0;
  SpotCheckState state = SpotCheckState::calling;
  std::string family;
  int questions = 0;
  std::string keys;  // what was pressed, a key a question
  int first_no = 0;  // the first question not answered yes (1-based); 0 none
  std::string asked_by;
  int64_t asked_at = 0;
  std::optional<int64_t> done_at;
};

// A report-back an area owes.
struct ReportRow {
  int64_t id = 0, warning_id = 0, snapshot_id = 0;
  std::string area_code, area_name;
  ReportState state = ReportState::due;
  int64_t due_at = 0;
};

// A report-back as kept, with what was filed on its form (the record reads it).
struct FiledReport : ReportRow {
  std::optional<int64_t> filed_at;
  std::string filed_by, commander, note;
  int64_t villages = 0, people_moved = 0;
  bool late = false;  // filed after its deadline
};

// What the 回报 form of a callout shows: its person and warning, and the report its area owes.
struct ReportStatusRow {
  int64_t warning_id = 0;
  std::string person_name, headline, kind;
  std::optional<ReportRow> report;  // none: the area owes none
};

// What an answer needs of its callout.
struct AckRow {
  CalloutState state = CalloutState::pending;
  int64_t warning_id = 0;
  std::string person_name, headline, kind;
  std::optional<int64_t> first_sent_at;
  std::string tier;
};

// A warning's callouts by outcome, as its close reads them.
struct CalloutTally {
  int64_t open = 0, answered = 0, exhausted = 0, primaries = 0, raised = 0;
};

// A call placed (for the call limits after a restart).
struct PlacedCallRow {
  int64_t message_id = 0;
  std::string number, area_code;
  int64_t at = 0;
  bool ended = false;  // its report arrived
};

// A message left `sending` by a crash.
struct LeftSending {
  int64_t message_id = 0, callout_id = 0, warning_id = 0;
};

// What the messages of a callout did on one channel (for "已发 浙政钉 3 次").
struct Tried {
  std::string channel;
  int64_t sent = 0, failed = 0;
};

// A duty room whose digest is due, and a matter it was told of.
struct DueDigest {
  int64_t callout_id = 0, warning_id = 0, snapshot_id = 0, through = 0;
};
struct ToldMatter {
  int64_t event_id = 0, at = 0;
  std::string detail;
};

// A callout a phone's SMS reply code answers.
struct SmsCode {
  int64_t callout_id = 0, warning_id = 0, code = 0;
  std::string headline;
};

// One line of a warning's audit trail.
struct EventRow {
  int64_t id = 0, at = 0;
  std::optional<int64_t> callout, message;
  std::string kind, actor, detail;
};

// One message of a callout, and what it said.
struct MessageRow {
  int64_t id = 0;
  int step = 0;
  std::string channel;
  MessageState state = MessageState::queued;
  int attempts = 0;
  std::string title, body;
  std::string provider;  // the provider it went (or is going) out through; empty while queued
  int64_t queued_at = 0;
  std::optional<int64_t> sent_at;
};

// A snapshot of a plan as it was when the warning started.
struct SnapshotRow {
  std::string plan_name, file, yaml;
};

class Store {
 public:
  virtual ~Store() = default;

  struct TxHandle {
    virtual ~TxHandle() = default;  // rolls back unless committed
    virtual void commit() = 0;
  };
  // A transaction: commit() makes it durable; leaving the scope without it rolls back. Inside
  // another it is part of that one (a savepoint: rolled back alone, committed with the outer).
  class Tx {
   public:
    explicit Tx(Store& store) : handle_(store.begin()) {}
    void commit() { handle_->commit(); }

   private:
    std::unique_ptr<TxHandle> handle_;
  };

  // ---- the audit trail
  virtual void event(const EventRef& ref, const Audit& audit, int64_t at) = 0;
  // How many events of `kind` the warning has (a desk action's next number).
  virtual int64_t count_events(int64_t warning_id, std::string_view kind) = 0;
  // How many of the warning's callouts a notice has reached.
  virtual int64_t count_reached(int64_t warning_id) = 0;
  // The warning's trail, oldest first; with no warning, what was filed under none (refusals at
  // the edge, texts that answered nothing).
  virtual std::vector<EventRow> events_of(std::optional<int64_t> warning_id) = 0;

  // ---- warnings
  virtual std::optional<int64_t> find_warning(std::string_view sender, std::string_view identifier) = 0;
  virtual std::optional<int64_t> find_active_warning(std::string_view sender, std::string_view identifier) = 0;
  // Stored as received in `state`; returns its id.
  virtual int64_t insert_warning(const Warning& w, std::string_view raw, WarningState state,
                                 std::optional<int64_t> supersedes, int64_t received_at) = 0;
  virtual std::optional<StoredWarning> warning(int64_t warning_id) = 0;
  virtual std::vector<int64_t> expiring_warnings(int64_t now) = 0;
  // An update: the old warning's callouts, report-backs and broadcasts carry on under the new.
  virtual void carry_over(int64_t old_id, int64_t new_id) = 0;
  // Some area of it owes (or owed) a report-back: its cards look up their area's.
  virtual bool owes_reports(int64_t warning_id) = 0;
  // Its callouts by outcome; whether any is still open (cheap: asked after every answer).
  virtual CalloutTally tally(int64_t warning_id) = 0;
  virtual bool any_open_callout(int64_t warning_id) = 0;
  // What else may keep it open (its duties ask): a report-back due, an EBM not yet taken by the
  // platform or its playback report awaited.
  virtual bool any_report_due(int64_t warning_id) = 0;
  virtual bool any_broadcast_awaited(int64_t warning_id) = 0;
  virtual bool move_warning(WarningMove move, int64_t warning_id, const Audit& audit, int64_t now) = 0;

  // ---- plan snapshots
  virtual int64_t insert_snapshot(int64_t warning_id, std::string_view plan_name, std::string_view file,
                                  std::string_view yaml) = 0;
  virtual std::optional<SnapshotRow> snapshot(int64_t snapshot_id) = 0;
  virtual std::vector<int64_t> snapshots_of(int64_t warning_id) = 0;

  // ---- callouts
  // Primary callouts, many at once (a city's POST is answered when these are on disk).
  virtual void insert_primaries(const std::vector<NewCallout>& callouts) = 0;
  virtual int64_t insert_raised(const NewCallout& callout) = 0;
  // A raised callout already made for this person, kind and source (none: nullopt).
  virtual std::optional<int64_t> find_raised(int64_t warning_id, std::string_view person_id, std::string_view kind,
                                             std::optional<int64_t> source) = 0;
  virtual std::optional<int64_t> find_duty_officer(int64_t warning_id, std::string_view person_id) = 0;
  virtual std::optional<CalloutRow> callout(int64_t callout_id) = 0;
  // Open callouts whose next look is due, soonest first.
  virtual std::vector<CalloutRow> due_callouts(int64_t now, int limit) = 0;
  virtual std::optional<AckRow> callout_for_ack(int64_t callout_id) = 0;
  // The callouts of the post `callout_id` holds (both seats), with their states.
  virtual std::vector<std::pair<int64_t, CalloutState>> post_seats(int64_t warning_id, int64_t callout_id) = 0;
  // Open callouts raised for `callout_id` (superiors only, or every kind).
  virtual std::vector<int64_t> open_raised_for(int64_t callout_id, bool superiors_only) = 0;
  virtual std::vector<int64_t> open_callouts(int64_t warning_id) = 0;
  // The warning's primary callouts.
  virtual std::vector<CalloutRow> primaries(int64_t warning_id) = 0;
  // Every callout of the warning, of every kind, in the order they were made.
  virtual std::vector<CalloutRow> callouts_of(int64_t warning_id) = 0;
  virtual std::set<std::string> primary_people(int64_t warning_id) = 0;
  // Callouts under the warning that are `who`: a callout number, a person id or a mobile (primary first).
  virtual std::vector<CalloutRow> callouts_named(int64_t warning_id, std::string_view who, int64_t number) = 0;
  // The posts of an area still in the callout (primary and deputy, not cancelled), by id.
  virtual std::vector<int64_t> area_posts(int64_t warning_id, std::string_view area_code) = 0;
  // The areas of a tier a snapshot calls that owe no report yet.
  virtual std::vector<std::pair<std::string, std::string>> areas_owing_no_report(int64_t warning_id,
                                                                                 int64_t snapshot_id,
                                                                                 std::string_view tier) = 0;
  virtual void set_next_due(int64_t callout_id, int64_t next_due) = 0;
  virtual void set_clock(int64_t callout_id, int64_t clock_at) = 0;
  // A notice of the callout left: first/last sent, and (when its ladder waited on it) the clock
  // and next look from now.
  virtual void callout_sent(int64_t callout_id, int64_t now, bool releases, int64_t clock_at, int64_t next_due) = 0;
  // A held ladder goes on at `next_due` (its clock at `clock_at`).
  virtual void release_hold(int64_t callout_id, int64_t clock_at, int64_t next_due) = 0;
  // Every ladder held by a notice queued on `channel` goes on at its planned time; returns how many.
  virtual int release_holds_on(std::string_view channel) = 0;
  virtual void schedule_digest(int64_t callout_id, int64_t now, int64_t every) = 0;
  virtual std::vector<DueDigest> due_digests(int64_t now, int limit) = 0;
  virtual std::vector<ToldMatter> told_since(int64_t callout_id, int64_t after_event) = 0;
  virtual void digest_sent(int64_t callout_id, int64_t now, int64_t through) = 0;
  virtual std::vector<Tried> tried(int64_t callout_id) = 0;
  virtual std::optional<int64_t> sms_code(int64_t callout_id) = 0;
  virtual void set_sms_code(int64_t callout_id, int64_t code) = 0;
  // The reply codes of a phone's open callouts, smallest first.
  virtual std::vector<SmsCode> open_sms_codes(std::string_view mobile) = 0;
  virtual bool advance_callout(int64_t warning_id, int64_t callout_id, int next_step, int64_t next_due,
                               std::optional<int64_t> held_due, int64_t clock_at, const Audit& audit, int64_t now) = 0;
  virtual bool answer_callout(int64_t warning_id, int64_t callout_id, std::string_view via, std::string_view by,
                              bool late, const Audit& audit, int64_t now) = 0;
  // exhaust, cover or cancel: the ladder stops.
  virtual bool end_callout(CalloutMove move, int64_t warning_id, int64_t callout_id, const Audit& audit,
                           int64_t now) = 0;

  // ---- messages (the outbox)
  virtual int64_t insert_message(const NewMessage& m) = 0;
  // A callout's messages, oldest first.
  virtual std::vector<MessageRow> messages_of(int64_t callout_id) = 0;
  // The same, unless its idempotency key is taken (then nullopt: it was queued before).
  virtual std::optional<int64_t> insert_message_once(const NewMessage& m) = 0;
  // Queued messages of `channel` within the priorities, due by `now`: highest priority, then oldest.
  virtual std::vector<ClaimRow> claimable(std::string_view channel, int min_priority, int max_priority, int64_t now,
                                          size_t limit) = 0;
  virtual void hold_back(int64_t message_id, int64_t until, std::string_view why, int64_t now) = 0;
  virtual std::optional<SendingRow> sending_row(int64_t message_id) = 0;
  virtual std::optional<int64_t> report_owed_due(int64_t warning_id, std::string_view area_code) = 0;
  // Warnings with messages queued or being sent on `channel`.
  virtual std::vector<int64_t> warnings_waiting_on(std::string_view channel) = 0;
  virtual std::vector<PlacedCallRow> placed_calls(std::string_view channel, int64_t since) = 0;
  virtual std::vector<LeftSending> left_sending(std::string_view channel) = 0;
  // The call a voice report names (its message, if it is one of ours on `channel`).
  virtual std::optional<LeftSending> message_on(int64_t message_id, std::string_view channel) = 0;
  // The text a delivery receipt names: by OutId and phone, or by the batch's BizId and phone.
  virtual std::optional<LeftSending> text_for_receipt(int64_t message_id, std::string_view phone,
                                                      std::string_view biz_id) = 0;
  virtual bool claim_message(const MessageRef& ref, std::string_view provider, const Audit& audit, int64_t now) = 0;
  virtual bool message_sent(const MessageRef& ref, std::string_view provider_ref, const Audit& audit,
                            int64_t now) = 0;
  // Back to the queue, due at `not_before`; `error` (when given) is kept as its last trouble; a
  // deferral gives the attempt back (it was not one).
  virtual bool requeue_message(const MessageRef& ref, int64_t not_before, std::optional<std::string_view> error,
                               bool give_back_attempt, const Audit& audit, int64_t now) = 0;
  // fail or unknown, with what went wrong.
  virtual bool end_message(MessageMove move, const MessageRef& ref, std::string_view error, const Audit& audit,
                           int64_t now) = 0;
  // Every message of the callout still queued (on `channel` only, when given) is cancelled, each
  // with its event. Returns how many.
  virtual int cancel_messages(int64_t warning_id, int64_t callout_id, std::optional<std::string_view> channel,
                              std::string_view why, std::string_view actor, int64_t now) = 0;

  // ---- broadcasts (their events are the warning's)
  virtual int64_t insert_broadcast(const NewBroadcast& b) = 0;
  virtual void set_ebm_id(int64_t broadcast_id, std::string_view ebm_id) = 0;
  // A cancel EBM for `ebm_id`, unless one is queued already; true when made.
  virtual bool insert_cancel_broadcast(const NewBroadcast& b) = 0;
  // The warning's EBMs (msg_type 1), and with `cancels_too` the cancels sent after them (2), by id.
  virtual std::vector<BroadcastRow> broadcasts_of(int64_t warning_id, bool cancels_too) = 0;
  // Queued broadcasts due by `now`, at most `limit`: the earliest due first, then by id.
  virtual std::vector<BroadcastRow> claimable_broadcasts(int64_t now, size_t limit) = 0;
  virtual std::optional<BroadcastRow> broadcast(int64_t broadcast_id) = 0;
  virtual std::optional<BroadcastRow> broadcast_by_ebm(std::string_view ebm_id) = 0;
  // A playback report's progress (kept whatever the state does).
  virtual void record_playback(int64_t broadcast_id, int brd_state, const std::vector<std::string>& covered,
                               std::string_view coverage_rate, int64_t now) = 0;
  // EBMs sent whose playback report is past due, with their warning's state.
  virtual std::vector<std::pair<BroadcastRow, WarningState>> broadcasts_past_due(int64_t now) = 0;
  virtual std::vector<BroadcastRow> sending_broadcasts() = 0;
  virtual bool claim_broadcast(int64_t warning_id, int64_t broadcast_id, const Audit& audit, int64_t now) = 0;
  // sent (its playback report due at `report_due`) or cancel_sent (a cancel EBM the platform took).
  virtual bool broadcast_sent(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                              std::optional<int64_t> report_due, const Audit& audit, int64_t now) = 0;
  virtual bool requeue_broadcast(int64_t warning_id, int64_t broadcast_id, int64_t not_before,
                                 std::optional<std::string_view> error, bool give_back_attempt, const Audit& audit,
                                 int64_t now) = 0;
  // fail, cancel, unconfirm, or what a playback report says (played, partial, play_failed,
  // platform_cancelled); `error` is kept on the row when given.
  virtual bool move_broadcast(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                              std::optional<std::string_view> error, const Audit& audit, int64_t now) = 0;

  // ---- polled feeds: the entries already taken in, so none is ingested twice, even after a restart
  virtual std::set<std::string> feed_links(std::string_view feed) = 0;
  // The daemon wrote at `now`: one small row rewritten, the probe of a disk that failed
  // (daemon/storage_watch.h). Its failure throws as any write's does.
  virtual void heartbeat(int64_t now) = 0;
  virtual void record_feed_entry(std::string_view feed, std::string_view link, int64_t taken_at,
                                 std::string_view outcome) = 0;

  // ---- 六问 spot checks
  // A post sampled, its call `message_id` queued in the same transaction.
  virtual int64_t insert_spot_check(int64_t warning_id, int64_t callout_id, int64_t message_id, std::string_view family,
                                    int questions, std::string_view asked_by, int64_t now) = 0;
  // The check whose call this message is, in any state.
  virtual std::optional<SpotCheckRow> spot_check_of_message(int64_t message_id) = 0;
  virtual std::vector<SpotCheckRow> spot_checks_of(int64_t warning_id) = 0;
  // What its call said: keys and the first "no" kept whatever the move.
  virtual bool move_spot_check(SpotCheckMove move, int64_t warning_id, int64_t spot_check_id, std::string_view keys,
                               int first_no, const Audit& audit, int64_t now) = 0;

  // A plan's spot_check rule: due once a warning (insert once; later inserts do nothing), the
  // rules due by `now` not yet run, and the mark that one ran (or was let off).
  struct SpotCheckDue {
    int64_t warning_id = 0, snapshot_id = 0;
  };
  virtual void insert_spot_check_rule(int64_t warning_id, int64_t snapshot_id, int64_t due_at) = 0;
  virtual std::vector<SpotCheckDue> spot_check_rules_due(int64_t now, int limit) = 0;
  virtual std::vector<SpotCheckDue> spot_check_rules_pending(int64_t warning_id) = 0;
  virtual void spot_check_rule_ran(int64_t warning_id, int64_t snapshot_id, int64_t now) = 0;

  // ---- report-backs
  virtual int64_t insert_report(int64_t warning_id, int64_t snapshot_id, std::string_view area_code,
                                std::string_view area_name, std::string_view tier, int64_t now, int64_t due_at) = 0;
  // Reports still owed (due or overdue); with `abandoned_only`, only of areas no callout covers.
  virtual std::vector<ReportRow> open_reports(int64_t warning_id, bool abandoned_only) = 0;
  virtual std::vector<ReportRow> reports_past_due(int64_t now, int limit) = 0;
  virtual std::optional<ReportStatusRow> report_status(int64_t callout_id) = 0;
  // Every report-back of the warning, in any state, with what was filed.
  virtual std::vector<FiledReport> reports_of(int64_t warning_id) = 0;
  struct Filing {
    std::string_view by;
    int64_t callout_id = 0;
    std::string_view commander;
    int64_t villages = 0, people_moved = 0;
    std::string_view note;
  };
  // file (late when past due) or amend (what was filed is replaced; late stays as it was).
  virtual bool file_report(ReportMove move, int64_t warning_id, int64_t report_id, const Filing& filing,
                           const Audit& audit, int64_t now) = 0;
  // overdue or cancel.
  virtual bool move_report(ReportMove move, int64_t warning_id, int64_t report_id, const Audit& audit,
                           int64_t now) = 0;

 protected:
  virtual std::unique_ptr<TxHandle> begin() = 0;
};

}  // namespace jiaoying
