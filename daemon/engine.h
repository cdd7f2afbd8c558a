// The callout engine: binds rules (plans, directory, ladder), the store (daemon/store.h) and the clock.
// Every decision is committed before its effect leaves the process: ingest creates callouts,
// tick() queues the due steps' messages, claim_messages() hands them to the dispatcher (the
// outbox), and complete_messages() records what the providers said. A step's clock starts when
// its notice actually left (a throttled provider never lets step 2 overtake step 1). Answers (a
// link, key 1 on a call, an SMS code, a filed report-back) stop everything still queued.
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
#include "daemon/states.h"
#include "daemon/store.h"
#include "rules/directory.h"
#include "rules/plan.h"
#include "rules/recipients.h"
#include "rules/warning.h"

namespace jiaoying {

class Db;  // daemon/sqlite.h: the constructor that makes a SqliteStore on it

struct EngineSettings {
  std::string public_url;       // how phones reach our ack links: http://host:port
  std::string callback_secret;  // HMAC key of the ack links
  Millis collapse_after{2 * 60 * 1000};  // overdue steps beyond this are collapsed, not replayed
  Millis retry_backoff{10'000};          // first back-off of a temporary send failure; doubles
  int max_attempts = 5;                  // then the message fails and the ladder moves on
  int tick_batch = 500;                  // callouts advanced per transaction
  Millis sent_skew{60 * 60 * 1000};      // a `sent` further than this from now is flagged
  // A step's next rung waits for the step's notice to leave (a throttled provider must not let
  // step 2 overtake step 1) — but not longer than this: then it runs all the same, flagged.
  Millis hold_limit{15 * 60 * 1000};
  Millis defer_pause{1'000};  // a message the provider asked us to slow down for waits this long
  Millis duty_digest_every{60'000};  // a duty room hears of its matters at most once in this
  std::string broadcast_ebrid = {};  // our EBRID on the broadcast platform; empty = no broadcast channel
};

struct IngestOutcome {
  enum class Kind { created, duplicate, refused } kind = Kind::refused;
  int64_t warning_id = 0;
  int callouts = 0;
  std::vector<std::string> plans;
  std::vector<UnfilledPost> unfilled;
  std::vector<std::string> flags;  // accepted, but the duty officer should look (e.g. an odd `sent`)
  FieldError error;  // when refused
};

struct AckOutcome {
  enum class Kind { answered, already_answered, ended, unknown } kind = Kind::unknown;
  bool late = false;  // answered after the callout was exhausted
  int64_t warning_id = 0;
  std::string person_name;
  std::string headline;
};

// A township's report-back (回报), as filed on the form behind the card's 回报 button.
struct ReportFiling {
  std::string commander;     // who is in command (谁在指挥)
  int64_t villages = 0;      // villages affected (影响几个村)
  int64_t people_moved = 0;  // people being moved (转移群众人数); 0 = nobody
  std::string note;
};

struct ReportOutcome {
  // open: owed, not yet filed (the form may be filed); filed / amended: in (as of this call);
  // ended: the warning ended first; not_owed: this person's area owes no report.
  enum class Kind { open, filed, amended, ended, not_owed, unknown } kind = Kind::unknown;
  bool late = false;  // filed after the deadline (the reminder and escalation already went)
  int64_t warning_id = 0;
  std::string person_name;
  std::string area_name;
  std::string headline;
  std::string due;  // the deadline, China time: "2026-06-15 02:15"
};

// How a phone call ended, as the voice platform reported it.
struct CallResult {
  int64_t message_id = 0;
  std::string call_id;
  std::string status_code;  // the platform's ("200000", "200003", …)
  std::string dtmf;         // keys pressed
  std::string duration;     // seconds
};

// One message claimed for sending: the dispatcher hands it to a provider, then reports back.
struct SendJob {
  int64_t message_id = 0;
  int64_t callout_id = 0;
  std::string channel;
  int step = 0;  // the ladder step it belongs to; -1 for notices (update, 解除, 催报)
  OutboundMessage message;
};

// What the dispatcher asks of the outbox: up to `limit` queued messages of one medium, highest
// priority first (red before orange before yellow; first notices before repeats), recorded as
// going out through `provider`.
struct ClaimRequest {
  std::string channel;
  std::string provider;
  size_t limit = 0;
  // Only messages of these priorities (priority = level × 10, + 1 for a first notice): a backup
  // that carries orange and above claims from 30; below a provider that is up, what it carries.
  int min_priority = 0;
  int max_priority = 1'000;
  // A message that may not go now (a per-number call cap) stays queued until the time returned.
  std::function<std::optional<TimePoint>(const SendJob&)> hold_back = {};
};

// A call placed recently, as the outbox remembers it (call limits are rebuilt from these at start).
struct PlacedCall {
  int64_t message_id = 0;
  std::string number;
  std::string area_code;
  TimePoint at{};
  bool ended = false;  // its report arrived
};

class ReportBackDuty;
class BroadcastDuty;

// The engine serves its duties (daemon/duty.h) as their host; they are its own collaborators.
class Engine : private DutyHost {
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
  struct Completion {
    int64_t message_id;
    SendResult result;
  };
  void complete_messages(const std::vector<Completion>& completions);
  void complete_message(int64_t message_id, const SendResult& result) {
    complete_messages({{message_id, result}});
  }

  // The broadcast rule (its duty, daemon/duty_broadcast.cc): one EBM per warning, claimed and completed like
  // messages (the platform de-duplicates on the EBMID, so a crash mid-send just sends it again).
  struct BroadcastJob {
    int64_t broadcast_id;
    BroadcastOrder order;
  };
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

  const Directory& directory() const override { return *directory_; }

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

 private:
  // DutyHost: what the duties may ask of the engine (they hold it as their host, nothing more).
  Store& store() override { return store_; }
  int64_t now_ms() const override { return to_epoch_ms(clock_.now()); }
  const EngineSettings& settings() const override { return settings_; }
  const TemplateRenderer& templates() const override { return *templates_; }
  const Plan& snapshot_plan(int64_t snapshot_id) override;
  const WarningFacts& facts(int64_t warning_id) override { return warning_row(warning_id); }
  void forget(int64_t warning_id) override { warning_cache_.erase(warning_id); }
  int notice(int64_t callout_id, const std::vector<std::string>& channels, const std::string& key_part,
             const std::string& text, const std::string& tag) override {
    return queue_messages(callout_id, channels, -1, key_part, 1, text, tag);
  }
  int tell_superiors(int64_t callout_id, int64_t snapshot_id, const Plan& plan, const std::vector<std::string>& channels,
                     const std::string& text) override {
    const int marker = static_cast<int>(plan.ladder.size()) + 1;  // a key part no ladder step uses
    return notify_superiors(callout_id, snapshot_id, plan, marker, channels, text);
  }
  void tell_duty_room(int64_t callout_id, int64_t snapshot_id, const Plan& plan, const std::string& why) override {
    tell_duty_officer(callout_id, snapshot_id, plan, why);
  }
  void tell_duty_room_of_area(int64_t warning_id, const std::string& area_code, int64_t snapshot_id, const Plan& plan,
                              const std::string& why) override {
    tell_duty_officer_of_area(warning_id, area_code, snapshot_id, plan, why);
  }
  AckOutcome answer(int64_t callout_id, std::string_view via, std::string_view actor) override {
    return ack(callout_id, via, actor);
  }
  void close_if_done(int64_t warning_id) override { close_warning_if_done(warning_id); }

  // Both public constructors: on the caller's store, or on one of its own (`own`).
  Engine(std::unique_ptr<Store> own, Store* store, const Clock& clock, EngineSettings settings,
         std::shared_ptr<const Directory> directory, std::vector<Plan> plans,
         std::shared_ptr<const TemplateRenderer> templates, std::set<std::string> channels);
  const WarningFacts& warning_row(int64_t warning_id);
  void make_duties();
  // Queues one message per channel for a callout. `key_part` makes the idempotency key
  // ("s2" for step 2, "u17" for the update that is warning 17, "x" for the cancel notice);
  // `tag` leads the title (【督办】, 【更新】, 【解除】); `notice` leads the body.
  // Returns how many were queued to go (not failed at once for want of a contact).
  int queue_messages(int64_t callout_id, const std::vector<std::string>& channels, int step_index,
                     const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
                     const std::string& details = {});
  // `details`: lines under the notice (a duty room's digest lists its matters).
  int queue_messages(const CalloutRow& callout, const std::vector<std::string>& channels, int step_index,
                     const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
                     const std::string& details = {});
  std::optional<CalloutRow> callout_row(int64_t callout_id);
  // One due callout: its step (or exhaustion), and its next look.
  void advance(const CalloutRow& callout, TimePoint now, std::set<int64_t>& touched_warnings);
  // Ingest and the lifecycle (engine_ingest.cc).
  int64_t store_warning(const Warning& w, std::string_view raw, std::string_view actor, WarningState state,
                        std::optional<int64_t> supersedes, IngestOutcome& out);
  // `update`: an Update took over the callouts of the warning it supersedes.
  void start_callouts(int64_t warning_id, const Warning& w, bool update, IngestOutcome& out);
  // A callout to make for `person` at a post of `area` (the code, when the directory lacks it),
  // under a warning's plan snapshot; due and kind are the caller's to set.
  static NewCallout callout_for(int64_t warning_id, int64_t snapshot_id, const Person& person,
                                std::string_view area_code, const Area* area, std::string_view role, Seat seat,
                                int64_t now);
  // Primary callouts for `fresh`, each under its plan's snapshot, step 1 due after its `after`.
  void insert_primary_callouts(int64_t warning_id, const std::vector<const Recipient*>& fresh,
                               const std::map<const Plan*, int64_t>& snapshot_ids, int64_t now);
  // `w` has the areas that are ours (split_areas), `as_sent` all of them (stored as sent).
  void update_warning(int64_t old_id, const Warning& w, const Warning& as_sent, std::string_view raw,
                      std::string_view actor, IngestOutcome& out);
  void end_warning(int64_t warning_id, WarningMove move, std::string_view why, bool tell_reached,
                   std::string_view actor);
  // Ends one open callout (cancelled, what is queued for it too; 解除 to it when reached and
  // `tell_reached`) and the escalations raised for it.
  void end_callout(const CalloutRow& callout, std::string_view why, bool tell_reached);
  std::optional<int64_t> find_active(const Reference& ref);
  int expire_warnings();
  // Runs a step for a primary callout; returns how many messages it queued to the callout itself
  // (what the next rung waits for).
  int run_step(const CalloutRow& callout, const Plan& plan, int step_index);
  // The posts one tier up (the plan's roles there) are told about callout_id's post; returns
  // how many were raised.
  int notify_superiors(int64_t callout_id, int64_t snapshot_id, const Plan& plan, int step_index,
                       const std::vector<std::string>& channels, const std::string& notice);
  // The duty room of the callout's post (the plan's duty_room tier) is told `why`: an event on
  // the officer's callout (raised once per warning), in their next digest (tick_duty_digests).
  void tell_duty_officer(int64_t callout_id, int64_t snapshot_id, const Plan& plan, const std::string& why);
  // The same for a matter of an area (the loudspeakers); empty = the warning's first area of ours.
  void tell_duty_officer_of_area(int64_t warning_id, const std::string& area_code, int64_t snapshot_id,
                                 const Plan& plan, const std::string& why);
  void raise_duty_officer(int64_t warning_id, std::optional<int64_t> source, const std::string& area_code,
                          int64_t snapshot_id, const Plan& plan, const std::string& why);
  // One message per duty room with every matter since its last, at most one a minute.
  int tick_duty_digests();
  // "已发 浙政钉 3 次、电话 1 次（1 次失败）": what was tried for a callout.
  std::string tried_text(int64_t callout_id);
  // The reply code of a callout's texts: kept once given; else the smallest free among the
  // phone's open callouts (engine_sms.cc).
  int sms_code_for(int64_t callout_id, const std::string& mobile);
  void ask_for_code(const std::string& phone, int64_t first_callout, int64_t first_warning);
  int64_t secondary_callout(int64_t warning_id, int64_t snapshot_id, const Plan& plan,
                            std::optional<int64_t> source, std::string_view kind, const Person& person,
                            const std::string& area_code, const std::string& role, Seat seat);
  void cover_post(int64_t warning_id, int64_t answered_id, int64_t now);
  void event(std::optional<int64_t> warning, std::optional<int64_t> callout,
             std::optional<int64_t> message, std::string_view kind, std::string_view actor,
             std::string_view detail);
  void close_warning_if_done(int64_t warning_id);
  void record_completion(const Completion& completion, int64_t now);
  // The callout's held ladder goes on: from `sent_at` when its notice left (the clock shifts by
  // the wait), or on its planned time when the notice cannot go.
  void release_hold(int64_t callout_id, std::optional<int64_t> sent_at);
  struct Hold {
    int64_t snapshot_id = 0;
    int next_step = 0;
    int64_t clock_at = 0, held_due_at = 0;
  };
  struct Released {
    int64_t clock_at = 0, next_due = 0;
  };
  // Where a held ladder goes on: its clock shifted to `sent_at` (the notice left), or unchanged
  // on its planned time.
  Released released(const Hold& hold, std::optional<int64_t> sent_at);
  std::string ack_token(int64_t callout_id) const;
  std::string link_token(std::string_view purpose, int64_t callout_id) const;

  std::unique_ptr<Store> own_store_;  // when made on a Db
  Store& store_;                     // everything kept: rows, states, events
  const Clock& clock_;
  EngineSettings settings_;
  std::shared_ptr<const Directory> directory_;
  std::vector<Plan> plans_;
  std::shared_ptr<const TemplateRenderer> templates_;
  std::set<std::string> channels_;
  std::map<int64_t, Plan> snapshot_cache_;                     // parsed plan snapshots
  std::map<int64_t, std::unique_ptr<WarningFacts>> warning_cache_;  // warnings seen this run
  // The duties a warning may carry, asked at its start, on the tick, at its end and before it closes.
  std::unique_ptr<ReportBackDuty> reports_;
  std::unique_ptr<BroadcastDuty> loudspeakers_;
  std::vector<Duty*> duties_;
};

}  // namespace jiaoying
