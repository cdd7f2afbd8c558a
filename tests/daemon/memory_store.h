// The store kept in memory, for the engine's tests: the same interface as SqliteStore
// (daemon/store.h), written from what the interface promises rather than from SQL, so a
// scenario run on both (store_parity_test) shows the engine relies on nothing but the seam.
// Transactions copy the whole state on begin and put it back on a rollback: a test's few rows.
#pragma once

#include <map>
#include <vector>

#include "daemon/store.h"

namespace jiaoying::testing {

class MemoryStore final : public Store {
 public:
  struct EventRec {
    int64_t id = 0, at = 0;
    EventRef ref;
    std::string kind, actor, detail;
  };
  // What a test reads back (the SQLite store's tests read the tables).
  const std::vector<EventRec>& events() const { return data_.events; }

  void event(const EventRef& ref, const Audit& audit, int64_t at) override;
  int64_t count_events(int64_t warning_id, std::string_view kind) override;
  int64_t count_reached(int64_t warning_id) override;
  std::vector<EventRow> events_of(std::optional<int64_t> warning_id) override;
  std::optional<int64_t> find_warning(std::string_view sender, std::string_view identifier) override;
  std::optional<int64_t> find_active_warning(std::string_view sender, std::string_view identifier) override;
  int64_t insert_warning(const Warning& w, std::string_view raw, WarningState state, std::optional<int64_t> supersedes,
                         int64_t received_at) override;
  std::optional<StoredWarning> warning(int64_t warning_id) override;
  std::vector<int64_t> expiring_warnings(int64_t now) override;
  void carry_over(int64_t old_id, int64_t new_id) override;
  bool owes_reports(int64_t warning_id) override;
  CalloutTally tally(int64_t warning_id) override;
  bool any_open_callout(int64_t warning_id) override;
  bool any_report_due(int64_t warning_id) override;
  bool any_broadcast_awaited(int64_t warning_id) override;
  bool move_warning(WarningMove move, int64_t warning_id, const Audit& audit, int64_t now) override;
  int64_t insert_snapshot(int64_t warning_id, std::string_view plan_name, std::string_view file,
                          std::string_view yaml) override;
  std::optional<SnapshotRow> snapshot(int64_t snapshot_id) override;
  std::vector<int64_t> snapshots_of(int64_t warning_id) override;
  void insert_primaries(const std::vector<NewCallout>& callouts) override;
  int64_t insert_raised(const NewCallout& callout) override;
  std::optional<int64_t> find_raised(int64_t warning_id, std::string_view person_id, std::string_view kind,
                                     std::optional<int64_t> source) override;
  std::optional<int64_t> find_duty_officer(int64_t warning_id, std::string_view person_id) override;
  std::optional<CalloutRow> callout(int64_t callout_id) override;
  std::vector<CalloutRow> due_callouts(int64_t now, int limit) override;
  std::optional<AckRow> callout_for_ack(int64_t callout_id) override;
  std::vector<std::pair<int64_t, CalloutState>> post_seats(int64_t warning_id, int64_t callout_id) override;
  std::vector<int64_t> open_raised_for(int64_t callout_id, bool superiors_only) override;
  std::vector<int64_t> open_callouts(int64_t warning_id) override;
  std::vector<CalloutRow> primaries(int64_t warning_id) override;
  std::vector<CalloutRow> callouts_of(int64_t warning_id) override;
  std::set<std::string> primary_people(int64_t warning_id) override;
  std::vector<CalloutRow> callouts_named(int64_t warning_id, std::string_view who, int64_t number) override;
  std::vector<int64_t> area_posts(int64_t warning_id, std::string_view area_code) override;
  std::vector<std::pair<std::string, std::string>> areas_owing_no_report(int64_t warning_id, int64_t snapshot_id,
                                                                         std::string_view tier) override;
  void set_next_due(int64_t callout_id, int64_t next_due) override;
  void set_clock(int64_t callout_id, int64_t clock_at) override;
  void callout_sent(int64_t callout_id, int64_t now, bool releases, int64_t clock_at, int64_t next_due) override;
  void release_hold(int64_t callout_id, int64_t clock_at, int64_t next_due) override;
  int release_holds_on(std::string_view channel) override;
  void schedule_digest(int64_t callout_id, int64_t now, int64_t every) override;
  std::vector<DueDigest> due_digests(int64_t now, int limit) override;
  std::vector<ToldMatter> told_since(int64_t callout_id, int64_t after_event) override;
  void digest_sent(int64_t callout_id, int64_t now, int64_t through) override;
  std::vector<Tried> tried(int64_t callout_id) override;
  std::optional<int64_t> sms_code(int64_t callout_id) override;
  void set_sms_code(int64_t callout_id, int64_t code) override;
  std::vector<SmsCode> open_sms_codes(std::string_view mobile) override;
  bool advance_callout(int64_t warning_id, int64_t callout_id, int next_step, int64_t next_due,
                       std::optional<int64_t> held_due, int64_t clock_at, const Audit& audit, int64_t now) override;
  bool answer_callout(int64_t warning_id, int64_t callout_id, std::string_view via, std::string_view by, bool late,
                      const Audit& audit, int64_t now) override;
  bool end_callout(CalloutMove move, int64_t warning_id, int64_t callout_id, const Audit& audit, int64_t now) override;
  int64_t insert_message(const NewMessage& m) override;
  std::vector<MessageRow> messages_of(int64_t callout_id) override;
  std::optional<int64_t> insert_message_once(const NewMessage& m) override;
  std::vector<ClaimRow> claimable(std::string_view channel, int min_priority, int max_priority, int64_t now,
                                  size_t limit) override;
  void hold_back(int64_t message_id, int64_t until, std::string_view why, int64_t now) override;
  std::optional<SendingRow> sending_row(int64_t message_id) override;
  std::optional<int64_t> report_owed_due(int64_t warning_id, std::string_view area_code) override;
  std::vector<int64_t> warnings_waiting_on(std::string_view channel) override;
  std::vector<PlacedCallRow> placed_calls(std::string_view channel, int64_t since) override;
  std::vector<LeftSending> left_sending(std::string_view channel) override;
  std::optional<LeftSending> message_on(int64_t message_id, std::string_view channel) override;
  std::optional<LeftSending> text_for_receipt(int64_t message_id, std::string_view phone,
                                              std::string_view biz_id) override;
  bool claim_message(const MessageRef& ref, std::string_view provider, const Audit& audit, int64_t now) override;
  bool message_sent(const MessageRef& ref, std::string_view provider_ref, const Audit& audit, int64_t now) override;
  bool requeue_message(const MessageRef& ref, int64_t not_before, std::optional<std::string_view> error,
                       bool give_back_attempt, const Audit& audit, int64_t now) override;
  bool end_message(MessageMove move, const MessageRef& ref, std::string_view error, const Audit& audit,
                   int64_t now) override;
  int cancel_messages(int64_t warning_id, int64_t callout_id, std::optional<std::string_view> channel,
                      std::string_view why, std::string_view actor, int64_t now) override;
  int64_t insert_broadcast(const NewBroadcast& b) override;
  void set_ebm_id(int64_t broadcast_id, std::string_view ebm_id) override;
  bool insert_cancel_broadcast(const NewBroadcast& b) override;
  std::vector<BroadcastRow> broadcasts_of(int64_t warning_id, bool cancels_too) override;
  std::vector<BroadcastRow> claimable_broadcasts(int64_t now, size_t limit) override;
  std::optional<BroadcastRow> broadcast(int64_t broadcast_id) override;
  std::optional<BroadcastRow> broadcast_by_ebm(std::string_view ebm_id) override;
  void record_playback(int64_t broadcast_id, int brd_state, const std::vector<std::string>& covered,
                       std::string_view coverage_rate, int64_t now) override;
  std::vector<std::pair<BroadcastRow, WarningState>> broadcasts_past_due(int64_t now) override;
  std::vector<BroadcastRow> sending_broadcasts() override;
  bool claim_broadcast(int64_t warning_id, int64_t broadcast_id, const Audit& audit, int64_t now) override;
  bool broadcast_sent(BroadcastMove move, int64_t warning_id, int64_t broadcast_id, std::optional<int64_t> report_due,
                      const Audit& audit, int64_t now) override;
  bool requeue_broadcast(int64_t warning_id, int64_t broadcast_id, int64_t not_before,
                         std::optional<std::string_view> error, bool give_back_attempt, const Audit& audit,
                         int64_t now) override;
  bool move_broadcast(BroadcastMove move, int64_t warning_id, int64_t broadcast_id,
                      std::optional<std::string_view> error, const Audit& audit, int64_t now) override;
  std::set<std::string> feed_links(std::string_view feed) override;
  void heartbeat(int64_t now) override { heartbeat_ = now; }
  void record_feed_entry(std::string_view feed, std::string_view link, int64_t taken_at,
                         std::string_view outcome) override;
  int64_t insert_report(int64_t warning_id, int64_t snapshot_id, std::string_view area_code, std::string_view area_name,
                        std::string_view tier, int64_t now, int64_t due_at) override;
  std::vector<ReportRow> open_reports(int64_t warning_id, bool abandoned_only) override;
  std::vector<ReportRow> reports_past_due(int64_t now, int limit) override;
  std::optional<ReportStatusRow> report_status(int64_t callout_id) override;
  std::vector<FiledReport> reports_of(int64_t warning_id) override;
  bool file_report(ReportMove move, int64_t warning_id, int64_t report_id, const Filing& filing, const Audit& audit,
                   int64_t now) override;
  bool move_report(ReportMove move, int64_t warning_id, int64_t report_id, const Audit& audit, int64_t now) override;
  int64_t insert_spot_check(int64_t warning_id, int64_t callout_id, int64_t message_id, std::string_view family,
                            int questions, std::string_view asked_by, int64_t now) override;
  std::optional<SpotCheckRow> spot_check_of_message(int64_t message_id) override;
  void insert_spot_check_rule(int64_t warning_id, int64_t snapshot_id, int64_t due_at) override;
  std::vector<SpotCheckDue> spot_check_rules_due(int64_t now, int limit) override;
  std::vector<SpotCheckDue> spot_check_rules_pending(int64_t warning_id) override;
  void spot_check_rule_ran(int64_t warning_id, int64_t snapshot_id, int64_t now) override;
  std::vector<SpotCheckRow> spot_checks_of(int64_t warning_id) override;
  bool move_spot_check(SpotCheckMove move, int64_t warning_id, int64_t spot_check_id, std::string_view keys, int first_no,
                       const Audit& audit, int64_t now) override;

 protected:
  std::unique_ptr<TxHandle> begin() override;

 private:
  struct WarningRec {
    StoredWarning stored;
    std::optional<int64_t> expires_at;
  };
  struct CalloutRec {
    CalloutRow row;  // row.clock_at: the ladder's clock (started_at until a step shifts it)
    std::optional<int64_t> escalated_from, next_due, digest_due, digest_sent, sms_code, last_sent;
    int64_t digest_through = 0, started_at = 0;
  };
  struct MessageRec {
    int64_t id = 0, callout_id = 0;
    int step = 0;
    std::string channel, idem_key, provider, provider_ref, error, title, body;
    int priority = 0, attempts = 0;
    MessageState state = MessageState::queued;
    bool report = false;
    int64_t not_before = 0, queued_at = 0, updated_at = 0;
    std::optional<int64_t> sent_at;
  };
  struct Data {
    std::map<int64_t, WarningRec> warnings;
    std::map<int64_t, SnapshotRow> snapshots;
    std::map<int64_t, int64_t> snapshot_warning;
    std::map<int64_t, CalloutRec> callouts;
    std::map<int64_t, MessageRec> messages;
    std::map<int64_t, BroadcastRow> broadcasts;
    std::map<int64_t, int64_t> broadcast_not_before;  // when a queued EBM may go (a retry waits)
    std::map<int64_t, FiledReport> reports;
    std::map<int64_t, SpotCheckRow> spot_checks;
    struct SpotCheckRuleRec {
      int64_t due_at = 0;
      std::optional<int64_t> ran_at;
    };
    std::map<std::pair<int64_t, int64_t>, SpotCheckRuleRec> spot_check_rules;  // by (warning, snapshot)
    std::vector<EventRec> events;
    std::set<std::pair<std::string, std::string>> feed_entries;
  };
  struct MemoryTx;
  template <class Rule, class State>
  bool move(State& state, const Rule& rule, const EventRef& ref, const Audit& audit, int64_t now);
  CalloutRec* find_callout(int64_t id);
  int64_t add_callout(const NewCallout& c, CalloutState state);

  Data data_;
  int64_t next_id_ = 1;
  int64_t heartbeat_ = 0;  // not part of Data: an id given in a transaction rolled back is not given again
  int open_transactions_ = 0;
};

}  // namespace jiaoying::testing
