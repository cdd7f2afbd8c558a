// The callout engine: binds rules (plans, directory, ladder), the store (daemon/store.h) and the clock.
// Every decision is committed before its effect leaves the process: ingest creates callouts,
// tick() queues the due steps' messages, claim_messages() hands them to the dispatcher (the
// outbox), and complete_messages() records what the providers said. A step's clock starts when
// its notice actually left (a throttled provider never lets step 2 overtake step 1). Answers (a
// link, key 1 on a call, an SMS code, a filed report-back) stop everything still queued.
//
// The Engine is the one door to its rooms, each of one concern (docs/architecture.md "The
// engine's rooms"): the lifecycle of a warning (daemon/lifecycle.h), the ladder and escalation
// (daemon/ladder.h), the outbox (daemon/outbox.h) and the duties a warning may carry
// (daemon/duty.h), over a shared core (daemon/engine_core.h). Each public action here is one
// transaction; the desk (engine_desk.cc) and the answers that come from a channel (a call's key,
// an SMS reply: engine_sms.cc) are the engine's own, since they reach across the rooms.
// Not thread-safe: one thread (the daemon's io thread) owns the Engine and its store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "channels/broadcast/broadcast_channel.h"
#include "channels/channel.h"
#include "channels/template_renderer.h"
#include "daemon/clock.h"
#include "daemon/duty.h"
#include "daemon/engine_core.h"
#include "daemon/engine_types.h"
#include "rules/spot_check.h"
#include "daemon/ladder.h"
#include "daemon/lifecycle.h"
#include "daemon/outbox.h"
#include "daemon/states.h"
#include "daemon/store.h"
#include "rules/directory.h"
#include "rules/plan.h"
#include "rules/recipients.h"
#include "rules/warning.h"

namespace jiaoying {

class Db;  // daemon/sqlite.h: the constructor that makes a SqliteStore on it

class ReportBackDuty;
class BroadcastDuty;
class SpotCheckDuty;

// The engine serves its duties (daemon/duty.h) as their host; they are its own collaborators.
class Engine final : private DutyHost {
 public:
  // On a store of the caller's (today SQLite; the seam is for PostgreSQL and an in-memory one).
  Engine(Store& store, const Clock& clock, EngineSettings settings, std::shared_ptr<const Directory> directory,
         std::vector<Plan> plans, std::shared_ptr<const TemplateRenderer> templates,
         std::set<std::string> channels);
  // On SQLite, a store of its own on `db`.
  Engine(Db& db, const Clock& clock, EngineSettings settings, std::shared_ptr<const Directory> directory,
         std::vector<Plan> plans, std::shared_ptr<const TemplateRenderer> templates,
         std::set<std::string> channels);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Stores the warning, snapshots the plans it matches and creates one callout per person.
  // The same sender + identifier again is a duplicate (nothing changes). Unknown areas refuse.
  // An Update takes over the callouts of the warning it references (answered people are told
  // what changed, new areas start their ladder, dropped areas stop); a Cancel ends them (people
  // already reached get a 解除 notice). Exercise warnings are called out marked 【演练】; Test,
  // System and Draft ones, and Ack and Error messages, are stored and call nobody.
  // Only the callouts are made here, durably: their first steps run at the next tick(), which
  // the daemon starts right after answering whoever posted the warning.
  IngestOutcome ingest(const Warning& warning, std::string_view raw, std::string_view actor);

  // Runs every step that is due: queues messages, advances ladders, marks exhaustion.
  // Returns the number of callouts it moved.
  int tick();
  // The same, a bounded batch at a time so the daemon's loop can send and answer in between:
  // housekeeping and at most one batch of due callouts; `more` says another batch is due now.
  int tick_step(bool& more);

  // Marks up to `request.limit` queued messages of one medium `sending` and returns them.
  std::vector<SendJob> claim_messages(const ClaimRequest& request);
  // Any medium (tests and tools).
  std::vector<SendJob> claim_messages(size_t limit);
  // Records the providers' answers for claimed messages, all in one transaction (group commit:
  // one fsync for a burst of results, not one per message).
  using Completion = SendCompletion;
  void complete_messages(const std::vector<Completion>& completions);
  void complete_message(int64_t message_id, const SendResult& result) {
    complete_messages({{message_id, result}});
  }

  // The broadcast rule (its duty, daemon/duty_broadcast.cc): one EBM per warning, claimed and completed like
  // messages (the platform de-duplicates on the EBMID, so a crash mid-send just sends it again).
  using BroadcastJob = jiaoying::BroadcastJob;
  std::vector<BroadcastJob> claim_broadcasts(size_t limit);
  void complete_broadcast(int64_t broadcast_id, const SendResult& result);
  // A playback report from the platform. False when it names an EBMID we never sent.
  bool broadcast_report(const PlaybackReport& report, std::string_view actor);

  // What the SMS platform pushes (engine_sms.cc): a text a person sent back — its leading reply
  // code answers that callout; a bare 收到 answers the phone's only open callout — and delivery
  // receipts (recorded; a missing receipt is not a failure). Returns what became of the reply.
  std::string sms_reply(const std::string& phone, const std::string& content, std::string_view actor);
  // A receipt names the request's OutId (`message_id`), the phone and the BizId.
  void sms_delivery(int64_t message_id, const std::string& phone, const std::string& biz_id, bool delivered,
                    const std::string& code, std::string_view actor);

  // At start: messages left `sending` by a crash are queued again with the same idempotency
  // key where the medium's provider de-duplicates by it; calls and texts become `unknown` (never
  // sent twice). Returns how many.
  int recover();

  // Every provider of `channel` is down: its queued notices no longer hold their ladders (the
  // next rung runs on time — a phone call instead of a card that cannot go), and each warning
  // waiting on it gets `kind` with `detail` on file. Returns how many callouts were released.
  int release_holds(std::string_view channel, std::string_view kind, std::string_view detail);
  // An audit event on every active warning with messages queued on `channel` (a provider went
  // down or came back, traffic failed over).
  void channel_event(std::string_view channel, std::string_view kind, std::string_view actor, std::string_view detail);
  // Calls placed since `since`, for the call limits after a restart.
  std::vector<PlacedCall> recent_calls(TimePoint since);

  // An answer from any channel, or by hand. Cancels what is still queued for the callout.
  AckOutcome ack(int64_t callout_id, std::string_view via, std::string_view actor);

  // A call's outcome: recorded as an event; key 1 is the callee's answer. False when the message
  // is not a call jiaoyingd placed.
  bool call_result(const CallResult& result, std::string_view actor);

  // Files (or amends) the report-back its area owes; counts as the caller's answer too.
  ReportOutcome file_report(int64_t callout_id, const ReportFiling& filing, std::string_view actor);
  // What the report form shows the person before they file (kind filed = already in).
  ReportOutcome report_status(int64_t callout_id);
  std::string report_url(int64_t callout_id) const;
  bool verify_report_token(int64_t callout_id, std::string_view token) const;

  // The unguessable link a person opens to confirm (the card's 收到 button).
  std::string ack_url(int64_t callout_id) const;
  bool verify_ack_token(int64_t callout_id, std::string_view token) const;

  // The duty desk (engine_desk.cc): what a duty officer does by hand on the admin socket. Each
  // is one transaction with an audit event naming who acted (the Unix user) and why; a request
  // that makes no sense (an ended warning, nobody of that name) is refused with what to fix and
  // changes nothing. `person` is a callout number, a person id or a mobile.
  struct DeskOutcome {
    int status = 200;     // 400 bad input, 404 unknown warning or person, 409 not now
    std::string message;  // what was done, or why not — said to the duty officer as it is
    int affected = 0;     // callouts reached
    bool ok() const { return status == 200; }
  };
  // The 六问 spot check (engine_spot_check.cc): `sample` posts (or `percent` of them) of those
  // that answered, at random, optionally of one tier and some roles, are phoned the questions.
  struct SpotCheckAsk {
    int sample = 0;
    int percent = 0;
    std::string tier;
    std::vector<std::string> roles;
  };
  DeskOutcome desk_spot_check(int64_t warning_id, const SpotCheckAsk& ask, std::string_view actor);
  // The questions of each hazard family (templates/<family>/spot_check.yaml), read at start and reload.
  void set_spot_checks(SpotCheckSet set) { spot_checks_ = std::move(set); }

  // Answered by other means (a call to the duty room): the ladder stops, as for 收到.
  DeskOutcome desk_ack(int64_t warning_id, std::string_view person, std::string_view note, std::string_view actor);
  // Reach this person now, outside the ladder: `via` a configured channel, or the phone when
  // there is one (else the plan's first channels).
  DeskOutcome desk_call(int64_t warning_id, std::string_view person, std::string_view via, std::string_view actor);
  // The current notice again: to those still silent, or (unanswered_only false) to everyone reached.
  DeskOutcome desk_resend(int64_t warning_id, bool unanswered_only, std::string_view actor);
  // Ends a warning issued by mistake: every callout ends, 解除 to those reached.
  DeskOutcome desk_cancel(int64_t warning_id, std::string_view reason, std::string_view actor);
  // Raise the level above now: `to` is "superior" (the posts above every silent one),
  // "duty_officer" (the duty room, in its digest), or an area code whose posts (the warning's
  // plans' roles, or `roles`) are called into this warning.
  DeskOutcome desk_escalate(int64_t warning_id, std::string_view to, const std::vector<std::string>& roles,
                            std::string_view reason, std::string_view actor);
  // A drill (演练, task 16): an Exercise warning for `areas` shaped so that plan `plan_name`
  // answers it (its first hazard, `level` or its most urgent), through the real channels, every
  // message marked 【演练】; any other plan that answers such a warning runs too, as it would.
  // Kept apart from real warnings in every view and figure.
  DeskOutcome desk_drill(std::string_view plan_name, const std::vector<std::string>& areas, std::string_view level,
                         std::string_view actor, int64_t& warning_id);
  // Whole phone numbers are leaving the duty room (`show -o csv --unmask`): on the record.
  DeskOutcome desk_unmasked(int64_t warning_id, std::string_view what, std::string_view actor);
  // A line in the record, at any time (after the close too).
  DeskOutcome desk_note(int64_t warning_id, std::string_view text, std::string_view actor);

  // An audit row for something refused at the edge (a forged callback, a bad body).
  void record_refusal(std::string_view kind, std::string_view actor, std::string_view detail);
  // An event of the daemon's own, under no warning (a storage fault, once it is over).
  void record_event(std::string_view kind, std::string_view actor, std::string_view detail) {
    record_refusal(kind, actor, detail);
  }
  // A small write in its own transaction: does the disk take writes? (throws when it does not)
  void probe_store();
  // The directory in force (reloads replace it).
  const Directory& current_directory() const { return core_.directory(); }

  const Directory& directory() const override { return core_.directory(); }

  // The words of a notice, a duty room's line or a page (templates/notice.*, duty.*, page.*:
  // rules/notices.h; the same for every hazard family).
  std::string words(const std::string& name, const TemplateValues& values = {}) const override;

  // Groups what follows into one transaction (one fsync): results recorded and the next claims
  // made together, a burst of answers. Every engine call inside commits as part of it.
  class Batch {
   public:
    explicit Batch(Engine& engine) : tx_(engine.store_) {}
    void commit() { tx_.commit(); }

   private:
    Store::Tx tx_;
  };

  // Swaps in a reloaded directory, plans and templates. New warnings use them; running
  // warnings keep their plan snapshots (the ladder never changes under a running callout),
  // while B-seat, superior and duty-officer look-ups use the current directory.
  void replace_rules(std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
                     std::shared_ptr<const TemplateRenderer> templates);
  // Where answers are counted for /metrics (daemon/metrics.h).
  void set_metrics(Metrics* metrics) { core_.set_metrics(metrics); }

 private:
  // DutyHost: what the duties may ask of the engine (they hold it as their host, nothing more).
  Store& store() override { return store_; }
  int64_t now_ms() const override { return core_.now_ms(); }
  const EngineSettings& settings() const override { return core_.settings(); }
  const TemplateRenderer& templates() const override { return core_.templates(); }
  const Plan& snapshot_plan(int64_t snapshot_id) override { return core_.snapshot_plan(snapshot_id); }
  const WarningFacts& facts(int64_t warning_id) override { return core_.facts(warning_id); }
  void forget(int64_t warning_id) override { core_.forget(warning_id); }
  int notice(Store::Tx& tx, int64_t callout_id, const std::vector<std::string>& channels, const std::string& key_part,
             const std::string& text, const std::string& tag) override {
    return outbox_.queue(tx, callout_id, channels, -1, key_part, 1, text, tag);
  }
  int tell_superiors(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan,
                     const std::vector<std::string>& channels, const std::string& text) override {
    const int marker = static_cast<int>(plan.ladder.size()) + 1;  // a key part no ladder step uses
    return ladder_.notify_superiors(tx, callout_id, snapshot_id, plan, marker, channels, text);
  }
  void tell_duty_room(Store::Tx& tx, int64_t callout_id, int64_t snapshot_id, const Plan& plan,
                      const std::string& why) override {
    ladder_.tell_duty_officer(tx, callout_id, snapshot_id, plan, why);
  }
  void tell_duty_room_of_area(Store::Tx& tx, int64_t warning_id, const std::string& area_code, int64_t snapshot_id,
                              const Plan& plan, const std::string& why) override {
    ladder_.tell_duty_officer_of_area(tx, warning_id, area_code, snapshot_id, plan, why);
  }
  AckOutcome answer(int64_t callout_id, std::string_view via, std::string_view actor) override {
    return ack(callout_id, via, actor);
  }
  std::string run_spot_check(int64_t warning_id, const SpotCheckRule& rule) override;
  void close_if_done(Store::Tx& tx, int64_t warning_id) override { lifecycle_.close_if_done(tx, warning_id); }

  // Both public constructors: on the caller's store, or on one of its own (`own`).
  Engine(std::unique_ptr<Store> own, Store* store, const Clock& clock, EngineSettings settings,
         std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
         std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels);
  void event(std::optional<int64_t> warning, std::optional<int64_t> callout, std::optional<int64_t> message,
             std::string_view kind, std::string_view actor, std::string_view detail) {
    core_.event(warning, callout, message, kind, actor, detail);
  }
  // A spot check's call ended (engine_spot_check.cc): its keys scored, the township told when it
  // did not pass.
  bool spot_check_result(const CallResult& result, const SpotCheckRow& check, std::string_view actor);
  // The call of a spot check failed for good (refused, attempts used up): the check is cancelled,
  // on file with why, and the duty room told (the post was never asked).
  void spot_check_unplaced(int64_t message_id, const std::string& why);
  // The SMS platform's side (engine_sms.cc): a bare 收到 while several callouts are open.
  void ask_for_code(const std::string& phone, int64_t first_callout, int64_t first_warning);

  // The rooms, each of one concern; each uses only those listed before it.
  SpotCheckSet spot_checks_;          // the 六问 questions by family
  std::unique_ptr<Store> own_store_;  // when made on a Db
  Store& store_;                      // everything kept: rows, states, events
  EngineCore core_;                   // the store, clock, rules and caches every room shares
  Outbox outbox_;                     // messages queued, claimed, completed; the holds they keep
  // The duties a warning may carry, asked at its start, on the tick, at its end and before it closes.
  std::vector<Duty*> duties_;
  Lifecycle lifecycle_;  // ingest, update, cancel, expire, close
  Ladder ladder_;        // steps, escalation, the duty room's digests, answers
  std::unique_ptr<ReportBackDuty> reports_;
  std::unique_ptr<BroadcastDuty> loudspeakers_;
  std::unique_ptr<SpotCheckDuty> spot_check_rule_;
};

}  // namespace jiaoying
