// Engine: the outbox. Queued messages are claimed by medium in the order an index keeps them
// (priority, then age: no sort of the queue), hundreds per transaction, and marked `sending`
// before any leaves; the providers' answers come back in bursts and are recorded in one
// transaction each. A notice that leaves releases the ladder it held (the next rung counts from
// now); one that cannot go releases it on its planned time. After a crash, what was `sending` is
// resent with the same key where the provider de-duplicates, and is `unknown` where it cannot.
#include <fmt/format.h>

#include <algorithm>

#include "channels/ivr/aliyun_vms.h"
#include "daemon/engine.h"

namespace jiaoying {

std::vector<SendJob> Engine::claim_messages(const ClaimRequest& request) {
  std::vector<SendJob> jobs;
  if (request.limit == 0) return jobs;
  const int64_t now = to_epoch_ms(clock_.now());
  {
    for (ClaimRow& row : store_.claimable(request.channel, request.min_priority, request.max_priority, now,
                                          request.limit)) {
      const CalloutRow& c = row.callout;
      SendJob job;
      job.message_id = row.message_id;
      job.callout_id = c.id;
      job.channel = request.channel;
      job.step = row.step;
      OutboundMessage& m = job.message;
      m.message_id = job.message_id;
      m.idem_key = std::move(row.idem_key);
      m.title = std::move(row.title);
      m.text = std::move(row.body);
      m.ack_url = ack_url(c.id);
      if (row.report) m.report_url = report_url(c.id);
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
  }
  if (jobs.empty()) return jobs;
  Store::Tx tx(store_);
  std::vector<SendJob> claimed;
  claimed.reserve(jobs.size());
  const std::string to = request.provider.empty() || request.provider == request.channel
                             ? "to " + request.channel
                             : fmt::format("to {}:{}", request.channel, request.provider);
  for (SendJob& job : jobs) {
    if (request.hold_back) {
      if (std::optional<TimePoint> later = request.hold_back(job)) {
        store_.hold_back(job.message_id, to_epoch_ms(*later), "held back by a per-number or per-township call limit",
                         now);
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
  Store::Tx tx(store_);
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
  store_.release_hold(callout_id, r.clock_at, r.next_due);
}

void Engine::record_completion(const Completion& completion, int64_t now) {
  const int64_t message_id = completion.message_id;
  const SendResult& result = completion.result;
  const std::optional<SendingRow> row = store_.sending_row(message_id);
  if (!row) return;
  const int64_t callout_id = row->callout_id, warning_id = row->warning_id, attempts = row->attempts;
  const std::string& channel = row->channel;
  const int step = row->step;
  const int64_t queued_at = row->queued_at;
  const bool held = row->held_due_at.has_value();
  const int next_step = row->next_step;
  const Hold hold{row->snapshot_id, next_step, row->clock_at, row->held_due_at.value_or(0)};
  const std::string& provider = row->provider;
  if (row->state != MessageState::sending) return;  // recovered or ended meanwhile; nothing to record
  const MessageRef ref{warning_id, callout_id, message_id};
  // Only the notice of the step just run holds the ladder (not an update or 解除 notice).
  const bool holds = held && step >= 0 && step == next_step - 1;
  const std::string actor = provider.empty() || provider == channel ? channel : channel + ":" + provider;
  switch (result.outcome) {
    case SendOutcome::sent:
    case SendOutcome::duplicate: {
      // One write of the callout: sent, and (when its ladder waited on this) the clock from now.
      const Released r = holds ? released(hold, now) : Released{};
      store_.callout_sent(callout_id, now, holds, r.clock_at, r.next_due);
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
  Store::Tx tx(store_);
  channel_event(channel, kind, "engine", detail);
  const int released = store_.release_holds_on(channel);
  tx.commit();
  return released;
}

void Engine::channel_event(std::string_view channel, std::string_view kind, std::string_view actor,
                           std::string_view detail) {
  Store::Tx tx(store_);
  const std::vector<int64_t> warnings = store_.warnings_waiting_on(channel);
  if (warnings.empty()) event(std::nullopt, std::nullopt, std::nullopt, kind, actor, detail);
  for (int64_t w : warnings) event(w, std::nullopt, std::nullopt, kind, actor, detail);
  tx.commit();
}

std::vector<PlacedCall> Engine::recent_calls(TimePoint since) {
  std::vector<PlacedCall> out;
  std::vector<std::string> ringing;
  for (const Medium& m : media())
    if (m.rings) ringing.emplace_back(m.name);
  for (const std::string& channel : ringing)
    for (const PlacedCallRow& c : store_.placed_calls(channel, to_epoch_ms(since)))
      out.push_back({c.message_id, c.number, c.area_code, from_epoch_ms(c.at), c.ended});
  std::sort(out.begin(), out.end(), [](const PlacedCall& a, const PlacedCall& b) { return a.at < b.at; });
  return out;
}

int Engine::recover() {
  const int64_t now = to_epoch_ms(clock_.now());
  Store::Tx tx(store_);
  int n = 0;
  for (const Medium& medium : media()) {
    if (medium.per_area) continue;
    for (const LeftSending& left : store_.left_sending(medium.name)) {
      const int64_t message = left.message_id, callout = left.callout_id, warning = left.warning_id;
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
  for (const BroadcastRow& b : store_.sending_broadcasts()) {
    store_.requeue_broadcast(
        b.warning_id, b.id, now, std::nullopt, false,
        {"broadcast_recovered", "engine",
         fmt::format("EBM {} was being sent when jiaoyingd stopped; resending with the same EBMID", b.ebm_id)},
        now);
    ++n;
  }
  tx.commit();
  return n;
}

}  // namespace jiaoying
