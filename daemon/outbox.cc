// The outbox (daemon/outbox.h): messages queued with their words, claimed by medium, their
// providers' answers recorded, and the holds they keep on their ladders released.
#include "daemon/outbox.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "rules/names.h"

namespace jiaoying {

int Outbox::queue(Store::Tx& tx, int64_t callout_id, const std::vector<std::string>& channels, int step_index,
                  const std::string& key_part, int attempt, const std::string& notice, const std::string& tag,
                  const std::string& details) {
  auto row = store_.callout(callout_id);
  return row ? queue(tx, *row, channels, step_index, key_part, attempt, notice, tag, details) : 0;
}

int Outbox::queue(Store::Tx& /*the caller's*/, const CalloutRow& c, const std::vector<std::string>& channels,
                  int step_index, const std::string& key_part, int attempt, const std::string& notice,
                  const std::string& tag, const std::string& details) {
  const WarningFacts& row = core_.facts(c.warning_id);
  const Warning& w = row.warning;
  const HazardInfo* hazard = find_hazard(w.hazard);
  const Plan& plan = core_.snapshot_plan(c.snapshot_id);
  const std::string family = template_family(plan, w.hazard);
  TemplateValues values{
      {"role_zh", std::string(role_zh(c.role))},
      {"sender_zh", w.sender_name.empty() ? std::string(source_zh(w.source)) : w.sender_name},
      {"sent_zh", time_zh(w.sent)},
      {"room_zh", std::string(family_room_zh(family))},
      {"headline", w.headline},
      {"description", w.description},
      {"hazard_zh", std::string(hazard ? hazard->zh : w.hazard)},
      {"level_zh", std::string(level_zh(w.level))},
      {"areas_zh", row.areas_zh},
      {"sender", w.sender},
      {"sent", format_china_time(w.sent)},
      {"person_name", c.person_name},
      {"area_name", c.area_name},
      {"role", c.role},
      {"seat", c.seat},
      {"attempt", std::to_string(attempt)},
      {"repeat", attempt > 1 ? "yes" : ""},
      {"notice", notice},
      {"details", details},
      {"tag", tag},
      {"drill", row.drill ? core_.words("notice.drill.tag") : ""},
      {"report_due", ""},
  };
  // A post of an area that owes the report-back is asked for it on every card.
  bool owes_report = false;
  if (row.owes_reports && (c.kind == "primary" || c.kind == "deputy")) {
    if (const std::optional<int64_t> due = store_.report_owed_due(c.warning_id, c.area_code)) {
      values["report_due"] = format_china_clock(from_epoch_ms(*due)).substr(0, 5);
      owes_report = true;
    }
  }
  // A text carries the person's reply code (回复1确认收到).
  for (const std::string& channel : channels) {
    const Medium* medium = find_medium(channel);
    if (medium && medium->reply_codes && !c.mobile.empty()) {
      values["sms_code"] = std::to_string(reply_code_for(c.id, c.mobile));
      break;
    }
  }
  const int64_t now = core_.now_ms();
  // Red before orange before yellow; a first notice before a repeat.
  const int priority = static_cast<int>(w.level) * 10 + (step_index == 0 ? 1 : 0);
  int queued = 0;
  for (const std::string& channel : channels) {
    std::vector<std::string> text = core_.templates().render(
        {core_.templates().pick(family, channel + ".title"), core_.templates().pick(family, channel + ".body")},
        values);
    std::string& title = text[0];
    const std::string& body = text[1];
    if (title.empty()) title = w.headline;
    std::string key = fmt::format("w{}-c{}-{}-{}", c.warning_id, c.id, key_part, channel);
    // A later step replaces what an earlier one still has queued on the same channel.
    if (step_index > 0)
      store_.cancel_messages(c.warning_id, c.id, channel, fmt::format("superseded by step {}", step_index + 1), "engine",
                             now);
    const bool ok = reachable_on(channel, c.zzd_account, c.mobile, c.landline);
    NewMessage m;
    m.callout_id = c.id;
    m.step = step_index;
    m.channel = channel;
    m.idem_key = std::move(key);
    m.priority = priority;
    m.failed = !ok;
    if (!ok) m.error = "no contact for this channel";
    m.report = owes_report;
    m.title = std::move(title);
    m.body = body;
    m.now = now;
    const int64_t message_id = store_.insert_message(m);
    if (ok) {
      ++queued;
    } else {
      core_.event(c.warning_id, c.id, message_id, "message_failed", "engine",
                  fmt::format("{} has no contact for {}", c.person_name, channel));
    }
  }
  return queued;
}

std::vector<SendJob> Outbox::claim(const ClaimRequest& request) {
  std::vector<SendJob> jobs;
  if (request.limit == 0) return jobs;
  const int64_t now = core_.now_ms();
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
      m.ack_url = core_.ack_url(c.id);
      if (row.report) m.report_url = core_.report_url(c.id);
      m.person_id = c.person_id;
      m.person_name = c.person_name;
      m.zzd_account = c.zzd_account;
      m.mobile = c.mobile;
      m.landline = c.landline;
      m.area_code = c.area_code;
      m.warning_id = c.warning_id;
      m.level = std::string(level_name(core_.facts(c.warning_id).warning.level));
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

std::vector<SendJob> Outbox::claim(size_t limit) {
  std::vector<SendJob> jobs;
  for (const Medium& medium : media()) {
    if (jobs.size() >= limit) break;
    if (medium.per_area) continue;
    ClaimRequest request;
    request.channel = std::string(medium.name);
    request.provider = std::string(medium.name);
    request.limit = limit - jobs.size();
    for (SendJob& job : claim(request)) jobs.push_back(std::move(job));
  }
  return jobs;
}

void Outbox::complete(const std::vector<SendCompletion>& completions) {
  if (completions.empty()) return;
  const int64_t now = core_.now_ms();
  Store::Tx tx(store_);
  for (const SendCompletion& c : completions) record(c, now);
  tx.commit();
}

Outbox::Released Outbox::released(const Hold& h, std::optional<int64_t> sent_at) {
  int64_t clock_at = h.clock_at, next_due = h.held_due_at;
  if (sent_at && h.next_step > 0) {
    // The step's clock starts when its notice left: the ladder shifts by the wait.
    const Plan& plan = core_.snapshot_plan(h.snapshot_id);
    const auto& ladder = plan.ladder;
    const int64_t after_sent = ladder[static_cast<size_t>(h.next_step - 1)].after.count();
    clock_at = std::max(clock_at, *sent_at - after_sent);
    next_due = clock_at + (h.next_step < static_cast<int>(ladder.size())
                               ? ladder[static_cast<size_t>(h.next_step)].after.count()
                               : plan.deadline.count());
  }
  return {clock_at, next_due};
}

void Outbox::release_hold(int64_t callout_id, std::optional<int64_t> sent_at) {
  auto c = store_.callout(callout_id);
  if (!c || !c->held_due_at) return;
  const Released r = released({c->snapshot_id, c->next_step, c->clock_at, *c->held_due_at}, sent_at);
  store_.release_hold(callout_id, r.clock_at, r.next_due);
}

void Outbox::record(const SendCompletion& completion, int64_t now) {
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
          ref, now + core_.settings().defer_pause.count(), result.detail, true,
          {"message_deferred", actor,
           fmt::format("{}; again in {}", result.detail, format_duration(core_.settings().defer_pause))},
          now);
      return;
    }
    case SendOutcome::retry:
      if (attempts < core_.settings().max_attempts) {
        Millis backoff = core_.settings().retry_backoff * (int64_t{1} << std::min<int64_t>(attempts - 1, 6));
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

int Outbox::release_holds(std::string_view channel, std::string_view kind, std::string_view detail) {
  Store::Tx tx(store_);
  channel_event(channel, kind, "engine", detail);
  const int released = store_.release_holds_on(channel);
  tx.commit();
  return released;
}

void Outbox::channel_event(std::string_view channel, std::string_view kind, std::string_view actor,
                           std::string_view detail) {
  Store::Tx tx(store_);
  const std::vector<int64_t> warnings = store_.warnings_waiting_on(channel);
  if (warnings.empty()) core_.event(std::nullopt, std::nullopt, std::nullopt, kind, actor, detail);
  for (int64_t w : warnings) core_.event(w, std::nullopt, std::nullopt, kind, actor, detail);
  tx.commit();
}

std::vector<PlacedCall> Outbox::recent_calls(TimePoint since) {
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

int Outbox::recover() {
  const int64_t now = core_.now_ms();
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

// What was tried for a callout, as the duty officer reads it: "浙政钉 3 次、电话 1 次（未接通）".
std::string Outbox::tried_text(int64_t callout_id) {
  std::string out;
  for (const Tried& t : store_.tried(callout_id)) {
    const Medium* m = find_medium(t.channel);
    const int64_t sent = t.sent, failed = t.failed;
    if (sent == 0 && failed == 0) continue;
    out += fmt::format("{}{} {} 次{}", out.empty() ? "" : "、", m ? m->zh : t.channel, sent + failed,
                       failed ? fmt::format("（{} 次失败）", failed) : std::string());
  }
  return out.empty() ? "尚未发出任何通知" : "已发 " + out;
}

int Outbox::reply_code_for(int64_t callout_id, const std::string& mobile) {
  if (const std::optional<int64_t> own = store_.sms_code(callout_id)) return static_cast<int>(*own);
  std::set<int64_t> taken;
  for (const SmsCode& c : store_.open_sms_codes(mobile)) taken.insert(c.code);
  int code = 1;
  while (taken.count(code)) ++code;
  store_.set_sms_code(callout_id, code);
  return code;
}

}  // namespace jiaoying
