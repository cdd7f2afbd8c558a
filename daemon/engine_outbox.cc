// Engine: the outbox. Queued messages are claimed by medium in the order an index keeps them
// (priority, then age: no sort of the queue), hundreds per transaction, and marked `sending`
// before any leaves; the providers' answers come back in bursts and are recorded in one
// transaction each. A notice that leaves releases the ladder it held (the next rung counts from
// now); one that cannot go releases it on its planned time. After a crash, what was `sending` is
// resent with the same key where the provider de-duplicates, and is `unknown` where it cannot.
#include <fmt/format.h>

#include <algorithm>

#include "channels/ivr/aliyun_vms.h"
#include "daemon/engine_internal.h"

namespace jiaoying {

std::vector<SendJob> Engine::claim_messages(const ClaimRequest& request) {
  std::vector<SendJob> jobs;
  if (request.limit == 0) return jobs;
  const int64_t now = to_epoch_ms(clock_.now());
  {
    Stmt& q = st_->claimable;
    q.reset();
    q.bind(1, request.channel).bind(2, request.min_priority).bind(3, now).bind(4, static_cast<int64_t>(request.limit))
        .bind(5, request.max_priority);
    while (q.step()) {
      const CalloutRow c = CalloutRow::read(q, 6);
      SendJob job;
      job.message_id = q.int64(0);
      job.callout_id = c.id;
      job.channel = request.channel;
      job.step = static_cast<int>(q.int64(5));
      OutboundMessage& m = job.message;
      m.message_id = job.message_id;
      m.idem_key = q.text(1);
      m.title = q.text(2);
      m.text = q.text(3);
      m.ack_url = ack_url(c.id);
      if (q.int64(4) != 0) m.report_url = report_url(c.id);
      m.person_id = c.person_id;
      m.person_name = c.person_name;
      m.zzd_account = c.zzd_account;
      m.mobile = c.mobile;
      m.landline = c.landline;
      m.area_code = c.area_code;
      m.warning_id = c.warning_id;
      m.level = std::string(level_name(warning_row(c.warning_id).warning.level));
      jobs.push_back(std::move(job));
    }
    q.reset();
  }
  if (jobs.empty()) return jobs;
  Transaction tx(db_);
  std::vector<SendJob> claimed;
  claimed.reserve(jobs.size());
  const std::string to = request.provider.empty() || request.provider == request.channel
                             ? "to " + request.channel
                             : fmt::format("to {}:{}", request.channel, request.provider);
  for (SendJob& job : jobs) {
    if (request.hold_back) {
      if (std::optional<TimePoint> later = request.hold_back(job)) {
        Stmt& h = st_->hold_back;
        h.reset();
        h.bind(1, to_epoch_ms(*later)).bind(2, "held back by a per-number or per-township call limit").bind(3, now)
            .bind(4, job.message_id).run();
        continue;
      }
    }
    if (store_.claim_message({job.message.warning_id, job.callout_id, job.message_id}, request.provider,
                             {"message_sending", "engine", to}, now))
      claimed.push_back(std::move(job));
  }
  tx.commit();
  return claimed;
}

std::vector<SendJob> Engine::claim_messages(size_t limit) {
  std::vector<SendJob> jobs;
  for (const Medium& medium : media()) {
    if (jobs.size() >= limit) break;
    if (medium.per_area) continue;
    ClaimRequest request;
    request.channel = std::string(medium.name);
    request.provider = std::string(medium.name);
    request.limit = limit - jobs.size();
    for (SendJob& job : claim_messages(request)) jobs.push_back(std::move(job));
  }
  return jobs;
}

void Engine::complete_messages(const std::vector<Completion>& completions) {
  if (completions.empty()) return;
  const int64_t now = to_epoch_ms(clock_.now());
  Transaction tx(db_);
  for (const Completion& c : completions) record_completion(c, now);
  tx.commit();
}

Engine::Released Engine::released(const Hold& h, std::optional<int64_t> sent_at) {
  int64_t clock_at = h.clock_at, next_due = h.held_due_at;
  if (sent_at && h.next_step > 0) {
    // The step's clock starts when its notice left: the ladder shifts by the wait.
    const Plan& plan = snapshot_plan(h.snapshot_id);
    const auto& ladder = plan.ladder;
    const int64_t after_sent = ladder[static_cast<size_t>(h.next_step - 1)].after.count();
    clock_at = std::max(clock_at, *sent_at - after_sent);
    next_due = clock_at + (h.next_step < static_cast<int>(ladder.size())
                               ? ladder[static_cast<size_t>(h.next_step)].after.count()
                               : plan.deadline.count());
  }
  return {clock_at, next_due};
}

void Engine::release_hold(int64_t callout_id, std::optional<int64_t> sent_at) {
  auto c = callout_row(callout_id);
  if (!c || !c->held_due_at) return;
  const Released r = released({c->snapshot_id, c->next_step, c->clock_at, *c->held_due_at}, sent_at);
  Stmt& s = st_->callout_released;
  s.reset();
  s.bind(1, r.clock_at).bind(2, r.next_due).bind(3, callout_id).run();
}

void Engine::record_completion(const Completion& completion, int64_t now) {
  const int64_t message_id = completion.message_id;
  const SendResult& result = completion.result;
  Stmt& q = st_->message_for_completion;
  q.reset();
  q.bind(1, message_id);
  if (!q.step()) {
    q.reset();
    return;
  }
  const int64_t callout_id = q.int64(0), warning_id = q.int64(1), attempts = q.int64(2);
  const std::string state = q.text(3), channel = q.text(4);
  const int step = static_cast<int>(q.int64(5));
  const int64_t queued_at = q.int64(6);
  const bool held = !q.is_null(7);
  const int next_step = static_cast<int>(q.int64(11));
  const Hold hold{q.int64(9), next_step, q.int64(8), held ? q.int64(7) : 0};
  const std::string provider = q.text(10);
  q.reset();
  if (state != state_name(MessageState::sending)) return;  // recovered or ended meanwhile; nothing to record
  const MessageRef ref{warning_id, callout_id, message_id};
  // Only the notice of the step just run holds the ladder (not an update or 解除 notice).
  const bool holds = held && step >= 0 && step == next_step - 1;
  const std::string actor = provider.empty() || provider == channel ? channel : channel + ":" + provider;
  switch (result.outcome) {
    case SendOutcome::sent:
    case SendOutcome::duplicate: {
      // One write of the callout: sent, and (when its ladder waited on this) the clock from now.
      const Released r = holds ? released(hold, now) : Released{};
      Stmt& c = st_->callout_sent;
      c.reset();
      c.bind(1, now).bind(2, callout_id).bind(3, holds ? 1 : 0).bind(4, r.clock_at).bind(5, r.next_due).run();
      std::string detail = result.outcome == SendOutcome::duplicate
                               ? "the provider already had this message (sent before a restart)"
                               : fmt::format("provider id {}", result.provider_ref);
      if (holds && now - queued_at >= 1000)
        detail += fmt::format("; waited {} for the provider, the next step counts from now",
                              format_duration(Millis((now - queued_at) / 1000 * 1000)));
      store_.message_sent(ref, result.provider_ref, {"message_sent", actor, detail}, now);
      return;
    }
    case SendOutcome::unknown: {
      store_.end_message(
          MessageMove::unknown, ref, result.detail,
          {"message_unknown", actor,
           fmt::format("{}; not tried again (a phone is rung at most once), the ladder goes on", result.detail)},
          now);
      if (holds) release_hold(callout_id, std::nullopt);
      return;
    }
    case SendOutcome::deferred: {
      // The provider asked us to slow down: not a failure, not an attempt; the ladder still waits.
      store_.requeue_message(
          ref, now + settings_.defer_pause.count(), result.detail, true,
          {"message_deferred", actor, fmt::format("{}; again in {}", result.detail, format_duration(settings_.defer_pause))},
          now);
      return;
    }
    case SendOutcome::retry:
      if (attempts < settings_.max_attempts) {
        Millis backoff = settings_.retry_backoff * (int64_t{1} << std::min<int64_t>(attempts - 1, 6));
        store_.requeue_message(ref, now + backoff.count(), result.detail, false,
                               {"message_retry", actor,
                                fmt::format("attempt {} failed ({}); retrying in {}", attempts, result.detail,
                                            format_duration(backoff))},
                               now);
        // A failing provider does not hold the ladder: the next rung (another channel) runs on time.
        if (holds) release_hold(callout_id, std::nullopt);
        return;
      }
      [[fallthrough]];
    case SendOutcome::failed: {
      store_.end_message(MessageMove::fail, ref, result.detail,
                         {"message_failed", actor, fmt::format("after {} attempt(s): {}", attempts, result.detail)}, now);
      if (holds) release_hold(callout_id, std::nullopt);
      return;
    }
  }
}

int Engine::release_holds(std::string_view channel, std::string_view kind, std::string_view detail) {
  Transaction tx(db_);
  channel_event(channel, kind, "engine", detail);
  Stmt s = db_.prepare(
      "UPDATE callouts SET next_due_at = MIN(next_due_at, held_due_at), held_due_at = NULL "
      "WHERE held_due_at IS NOT NULL AND state IN ('pending','calling') AND id IN "
      "(SELECT callout_id FROM messages WHERE state = 'queued' AND channel = ?)");
  s.bind(1, channel).run();
  const int released = db_.changes();
  tx.commit();
  return released;
}

void Engine::channel_event(std::string_view channel, std::string_view kind, std::string_view actor,
                           std::string_view detail) {
  Transaction tx(db_);
  Stmt s = db_.prepare(
      "SELECT DISTINCT c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE m.state IN ('queued','sending') AND m.channel = ?");
  s.bind(1, channel);
  std::vector<int64_t> warnings;
  while (s.step()) warnings.push_back(s.int64(0));
  if (warnings.empty()) event(std::nullopt, std::nullopt, std::nullopt, kind, actor, detail);
  for (int64_t w : warnings) event(w, std::nullopt, std::nullopt, kind, actor, detail);
  tx.commit();
}

std::vector<PlacedCall> Engine::recent_calls(TimePoint since) {
  std::vector<PlacedCall> out;
  std::vector<std::string> ringing;
  for (const Medium& m : media())
    if (m.rings) ringing.emplace_back(m.name);
  for (const std::string& channel : ringing) {
    Stmt s = db_.prepare(
        "SELECT m.id, CASE WHEN c.mobile != '' THEN c.mobile ELSE c.landline END, c.area_code, "
        "COALESCE(m.sent_at, m.updated_at), EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id "
        "AND e.kind = 'call_result') FROM messages m JOIN callouts c ON c.id = m.callout_id "
        "WHERE m.channel = ? AND m.state IN ('sent','unknown') AND COALESCE(m.sent_at, m.updated_at) >= ?");
    s.bind(1, channel).bind(2, to_epoch_ms(since));
    while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), from_epoch_ms(s.int64(3)), s.int64(4) != 0});
  }
  std::sort(out.begin(), out.end(), [](const PlacedCall& a, const PlacedCall& b) { return a.at < b.at; });
  return out;
}

int Engine::recover() {
  const int64_t now = to_epoch_ms(clock_.now());
  Transaction tx(db_);
  int n = 0;
  for (const Medium& medium : media()) {
    if (medium.per_area) continue;
    Stmt q = db_.prepare(
        "SELECT m.id, m.callout_id, c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
        "WHERE m.state = 'sending' AND m.channel = ?");
    q.bind(1, medium.name);
    std::vector<std::tuple<int64_t, int64_t, int64_t>> left;
    while (q.step()) left.emplace_back(q.int64(0), q.int64(1), q.int64(2));
    for (const auto& [message, callout, warning] : left) {
      if (medium.dedups_by_key) {
        // The provider de-duplicates on the key: sending again is safe.
        store_.requeue_message(
            {warning, callout, message}, now, std::nullopt, false,
            {"message_recovered", "engine",
             fmt::format("was being sent on {} when jiaoyingd stopped; resending with the same key", medium.name)},
            now);
        ++n;
      } else {
        // A call or a text may have gone out, and the platform keeps no key: never again.
        store_.end_message(MessageMove::unknown, {warning, callout, message}, "jiaoyingd stopped while it was being sent",
                           {"message_unknown", "engine",
                            "jiaoyingd stopped while this call or text was being sent; it may have gone out, so it is "
                            "not sent again"},
                           now);
        release_hold(callout, std::nullopt);
      }
    }
  }
  // A broadcast being sent: again, under the same EBMID (the platform de-duplicates on it).
  Stmt b = db_.prepare("SELECT id, warning_id, ebm_id FROM broadcasts WHERE state = 'sending'");
  std::vector<std::tuple<int64_t, int64_t, std::string>> sending;
  while (b.step()) sending.emplace_back(b.int64(0), b.int64(1), b.text(2));
  for (const auto& [id, warning, ebm_id] : sending) {
    store_.requeue_broadcast(
        warning, id, now, std::nullopt, false,
        {"broadcast_recovered", "engine",
         fmt::format("EBM {} was being sent when jiaoyingd stopped; resending with the same EBMID", ebm_id)},
        now);
    ++n;
  }
  tx.commit();
  return n;
}

}  // namespace jiaoying
