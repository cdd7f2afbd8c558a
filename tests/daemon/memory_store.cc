#include "daemon/memory_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace jiaoying::testing {

struct MemoryStore::MemoryTx final : Store::TxHandle {
  MemoryTx(MemoryStore& s) : store(s), saved(s.data_) { ++store.open_transactions_; }
  ~MemoryTx() override {
    --store.open_transactions_;
    if (!done) store.data_ = std::move(saved);  // rolled back
  }
  void commit() override { done = true; }
  MemoryStore& store;
  Data saved;
  bool done = false;
};

std::unique_ptr<Store::TxHandle> MemoryStore::begin() { return std::make_unique<MemoryTx>(*this); }

template <class Rule, class State>
bool MemoryStore::move(State& state, const Rule& rule, const EventRef& ref, const Audit& audit, int64_t now) {
  if (!writes_event(rule.events, audit.kind))
    throw std::logic_error(fmt::format("the move `{}` writes {}, not {}", rule.name, rule.events, audit.kind));
  if (!rule.from.has(state)) return false;
  state = rule.to;
  event(ref, audit, now);
  return true;
}

MemoryStore::CalloutRec* MemoryStore::find_callout(int64_t id) {
  auto it = data_.callouts.find(id);
  return it == data_.callouts.end() ? nullptr : &it->second;
}

void MemoryStore::event(const EventRef& ref, const Audit& audit, int64_t at) {
  data_.events.push_back({next_id_++, at, ref, std::string(audit.kind), std::string(audit.actor),
                          std::string(audit.detail)});
}

int64_t MemoryStore::count_events(int64_t warning_id, std::string_view kind) {
  return std::count_if(data_.events.begin(), data_.events.end(),
                       [&](const EventRec& e) { return e.ref.warning == warning_id && e.kind == kind; });
}

int64_t MemoryStore::count_reached(int64_t warning_id) {
  return std::count_if(data_.callouts.begin(), data_.callouts.end(), [&](const auto& c) {
    return c.second.row.warning_id == warning_id && c.second.row.first_sent_at.has_value();
  });
}

std::vector<EventRow> MemoryStore::events_of(std::optional<int64_t> warning_id) {
  std::vector<EventRow> out;
  for (const EventRec& e : data_.events)
    if (e.ref.warning == warning_id) out.push_back({e.id, e.at, e.ref.callout, e.ref.message, e.kind, e.actor, e.detail});
  return out;
}

// ---- warnings

std::optional<int64_t> MemoryStore::find_warning(std::string_view sender, std::string_view identifier) {
  for (const auto& [id, w] : data_.warnings)
    if (w.stored.warning.sender == sender && w.stored.warning.identifier == identifier) return id;
  return std::nullopt;
}

std::optional<int64_t> MemoryStore::find_active_warning(std::string_view sender, std::string_view identifier) {
  auto id = find_warning(sender, identifier);
  if (id && data_.warnings[*id].stored.state == WarningState::active) return id;
  return std::nullopt;
}

int64_t MemoryStore::insert_warning(const Warning& w, std::string_view, WarningState state, std::optional<int64_t>,
                                    int64_t) {
  if (find_warning(w.sender, w.identifier)) throw std::runtime_error("UNIQUE (sender, identifier)");
  const int64_t id = next_id_++;
  WarningRec rec;
  rec.stored.warning = w;
  rec.stored.state = state;
  if (w.expires) rec.expires_at = to_epoch_ms(*w.expires);
  // What the store keeps of a warning (daemon/store.h StoredWarning): no geometry, no references.
  Warning& kept = rec.stored.warning;
  kept.polygons.clear();
  kept.circles.clear();
  kept.references.clear();
  kept.onset.reset();
  kept.effective.reset();
  if (!w.has_info) kept.level = Level::blue;
  data_.warnings[id] = std::move(rec);
  return id;
}

std::optional<StoredWarning> MemoryStore::warning(int64_t warning_id) {
  auto it = data_.warnings.find(warning_id);
  if (it == data_.warnings.end()) return std::nullopt;
  return it->second.stored;
}

std::vector<int64_t> MemoryStore::expiring_warnings(int64_t now) {
  std::vector<int64_t> out;
  for (const auto& [id, w] : data_.warnings)
    if (w.stored.state == WarningState::active && w.expires_at && *w.expires_at <= now) out.push_back(id);
  return out;
}

void MemoryStore::carry_over(int64_t old_id, int64_t new_id) {
  for (auto& [id, c] : data_.callouts)
    if (c.row.warning_id == old_id) c.row.warning_id = new_id;
  for (auto& [id, r] : data_.reports)
    if (r.warning_id == old_id) r.warning_id = new_id;
  for (auto& [id, b] : data_.broadcasts)
    if (b.warning_id == old_id) b.warning_id = new_id;
}

bool MemoryStore::owes_reports(int64_t warning_id) {
  return std::any_of(data_.reports.begin(), data_.reports.end(),
                     [&](const auto& r) { return r.second.warning_id == warning_id; });
}

CalloutTally MemoryStore::tally(int64_t warning_id) {
  CalloutTally t;
  for (const auto& [id, c] : data_.callouts) {
    if (c.row.warning_id != warning_id) continue;
    const bool primary = c.row.kind == "primary";
    t.open += is_open(c.row.state);
    t.answered += primary && is_reached(c.row.state);
    t.exhausted += primary && c.row.state == CalloutState::exhausted;
    t.primaries += primary;
    t.raised += !primary;
  }
  return t;
}

bool MemoryStore::any_open_callout(int64_t warning_id) { return tally(warning_id).open > 0; }

bool MemoryStore::any_report_due(int64_t warning_id) {
  return std::any_of(data_.reports.begin(), data_.reports.end(), [&](const auto& r) {
    return r.second.warning_id == warning_id && r.second.state == ReportState::due;
  });
}

bool MemoryStore::any_broadcast_awaited(int64_t warning_id) {
  return std::any_of(data_.broadcasts.begin(), data_.broadcasts.end(), [&](const auto& b) {
    return b.second.warning_id == warning_id && is_awaited(b.second.state);
  });
}

bool MemoryStore::move_warning(WarningMove m, int64_t warning_id, const Audit& audit, int64_t now) {
  auto it = data_.warnings.find(warning_id);
  if (it == data_.warnings.end()) return false;
  return move(it->second.stored.state, rule(m), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

// ---- plan snapshots

int64_t MemoryStore::insert_snapshot(int64_t warning_id, std::string_view plan_name, std::string_view file,
                                     std::string_view yaml) {
  const int64_t id = next_id_++;
  data_.snapshots[id] = {std::string(plan_name), std::string(file), std::string(yaml)};
  data_.snapshot_warning[id] = warning_id;
  return id;
}

std::optional<SnapshotRow> MemoryStore::snapshot(int64_t snapshot_id) {
  auto it = data_.snapshots.find(snapshot_id);
  if (it == data_.snapshots.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> MemoryStore::snapshots_of(int64_t warning_id) {
  std::vector<int64_t> out;
  for (const auto& [id, w] : data_.snapshot_warning)
    if (w == warning_id) out.push_back(id);
  return out;
}

// ---- callouts

int64_t MemoryStore::add_callout(const NewCallout& c, CalloutState state) {
  for (const auto& [id, o] : data_.callouts)
    if (o.row.warning_id == c.warning_id && o.row.person_id == c.person_id && o.row.kind == c.kind &&
        o.escalated_from.value_or(0) == c.escalated_from.value_or(0))
      throw std::runtime_error("UNIQUE callouts_once");
  const int64_t id = next_id_++;
  CalloutRec r;
  r.row.id = id;
  r.row.warning_id = c.warning_id;
  r.row.snapshot_id = c.snapshot_id;
  r.row.clock_at = c.started_at;
  r.row.next_step = c.next_step;
  r.row.kind = c.kind;
  r.row.person_id = c.person_id;
  r.row.person_name = c.person_name;
  r.row.zzd_account = c.zzd_account;
  r.row.mobile = c.mobile;
  r.row.landline = c.landline;
  r.row.area_code = c.area_code;
  r.row.area_name = c.area_name;
  r.row.role = c.role;
  r.row.seat = c.seat;
  r.row.tier = c.tier;
  r.row.state = state;
  r.escalated_from = c.escalated_from;
  r.next_due = c.next_due;
  r.started_at = c.started_at;
  data_.callouts[id] = std::move(r);
  return id;
}

void MemoryStore::insert_primaries(const std::vector<NewCallout>& callouts) {
  for (NewCallout c : callouts) {
    c.kind = "primary";
    c.next_step = 0;
    add_callout(c, CalloutState::pending);
  }
}

int64_t MemoryStore::insert_raised(const NewCallout& c) { return add_callout(c, CalloutState::calling); }

std::optional<int64_t> MemoryStore::find_raised(int64_t warning_id, std::string_view person_id, std::string_view kind,
                                                std::optional<int64_t> source) {
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && c.row.person_id == person_id && c.row.kind == kind &&
        c.escalated_from.value_or(0) == source.value_or(0))
      return id;
  return std::nullopt;
}

std::optional<int64_t> MemoryStore::find_duty_officer(int64_t warning_id, std::string_view person_id) {
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && c.row.person_id == person_id && c.row.kind == "duty_officer") return id;
  return std::nullopt;
}

std::optional<CalloutRow> MemoryStore::callout(int64_t callout_id) {
  if (CalloutRec* c = find_callout(callout_id)) return c->row;
  return std::nullopt;
}

std::vector<CalloutRow> MemoryStore::due_callouts(int64_t now, int limit) {
  std::vector<const CalloutRec*> due;
  for (const auto& [id, c] : data_.callouts)
    if (is_open(c.row.state) && c.next_due && *c.next_due <= now) due.push_back(&c);
  std::stable_sort(due.begin(), due.end(), [](const CalloutRec* a, const CalloutRec* b) { return *a->next_due < *b->next_due; });
  std::vector<CalloutRow> out;
  for (size_t i = 0; i < due.size() && static_cast<int>(i) < limit; ++i) out.push_back(due[i]->row);
  return out;
}

std::optional<AckRow> MemoryStore::callout_for_ack(int64_t callout_id) {
  CalloutRec* c = find_callout(callout_id);
  if (!c) return std::nullopt;
  return AckRow{c->row.state, c->row.warning_id, c->row.person_name,
                data_.warnings[c->row.warning_id].stored.warning.headline, c->row.kind, c->row.first_sent_at,
                c->row.tier};
}

std::vector<std::pair<int64_t, CalloutState>> MemoryStore::post_seats(int64_t warning_id, int64_t callout_id) {
  std::vector<std::pair<int64_t, CalloutState>> out;
  CalloutRec* a = find_callout(callout_id);
  if (!a) return out;
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && c.row.area_code == a->row.area_code && c.row.role == a->row.role &&
        (c.row.kind == "primary" || c.row.kind == "deputy"))
      out.emplace_back(id, c.row.state);
  return out;
}

std::vector<int64_t> MemoryStore::open_raised_for(int64_t callout_id, bool superiors_only) {
  std::vector<int64_t> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.escalated_from == callout_id && is_open(c.row.state) && (!superiors_only || c.row.kind == "superior"))
      out.push_back(id);
  return out;
}

std::vector<int64_t> MemoryStore::open_callouts(int64_t warning_id) {
  std::vector<int64_t> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && is_open(c.row.state)) out.push_back(id);
  return out;
}

std::vector<CalloutRow> MemoryStore::primaries(int64_t warning_id) {
  std::vector<CalloutRow> out = callouts_of(warning_id);
  std::erase_if(out, [](const CalloutRow& c) { return c.kind != "primary"; });
  return out;
}

std::vector<CalloutRow> MemoryStore::callouts_of(int64_t warning_id) {
  std::vector<CalloutRow> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id) out.push_back(c.row);
  return out;
}

std::set<std::string> MemoryStore::primary_people(int64_t warning_id) {
  std::set<std::string> out;
  for (const CalloutRow& c : primaries(warning_id)) out.insert(c.person_id);
  return out;
}

std::vector<CalloutRow> MemoryStore::callouts_named(int64_t warning_id, std::string_view who, int64_t number) {
  std::vector<CalloutRow> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && (id == number || c.row.person_id == who || c.row.mobile == who))
      out.push_back(c.row);
  std::stable_sort(out.begin(), out.end(), [](const CalloutRow& a, const CalloutRow& b) {
    return (a.kind == "primary") > (b.kind == "primary");
  });
  if (out.size() > 8) out.resize(8);
  return out;
}

std::vector<int64_t> MemoryStore::area_posts(int64_t warning_id, std::string_view area_code) {
  std::vector<int64_t> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && c.row.area_code == area_code &&
        (c.row.kind == "primary" || c.row.kind == "deputy") && c.row.state != CalloutState::cancelled)
      out.push_back(id);
  return out;
}

std::vector<std::pair<std::string, std::string>> MemoryStore::areas_owing_no_report(int64_t warning_id,
                                                                                    int64_t snapshot_id,
                                                                                    std::string_view tier) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (const auto& [id, r] : data_.reports)
    if (r.warning_id == warning_id) seen.insert(r.area_code);
  for (const auto& [id, c] : data_.callouts)
    if (c.row.warning_id == warning_id && c.row.snapshot_id == snapshot_id && c.row.kind == "primary" &&
        c.row.tier == tier && c.row.state != CalloutState::cancelled && seen.insert(c.row.area_code).second)
      out.emplace_back(c.row.area_code, c.row.area_name);
  return out;
}

void MemoryStore::set_next_due(int64_t callout_id, int64_t next_due) {
  if (CalloutRec* c = find_callout(callout_id)) {
    c->next_due = next_due;
    c->row.held_due_at.reset();
  }
}

void MemoryStore::set_clock(int64_t callout_id, int64_t clock_at) {
  if (CalloutRec* c = find_callout(callout_id)) c->row.clock_at = clock_at;
}

void MemoryStore::callout_sent(int64_t callout_id, int64_t now, bool releases, int64_t clock_at, int64_t next_due) {
  CalloutRec* c = find_callout(callout_id);
  if (!c) return;
  if (!c->row.first_sent_at) c->row.first_sent_at = now;
  c->last_sent = now;
  if (releases && c->row.held_due_at) {
    c->row.clock_at = clock_at;
    if (is_open(c->row.state)) c->next_due = next_due;
  }
  if (releases) c->row.held_due_at.reset();
}

void MemoryStore::release_hold(int64_t callout_id, int64_t clock_at, int64_t next_due) {
  CalloutRec* c = find_callout(callout_id);
  if (!c || !c->row.held_due_at || !is_open(c->row.state)) return;
  c->row.clock_at = clock_at;
  c->next_due = next_due;
  c->row.held_due_at.reset();
}

int MemoryStore::release_holds_on(std::string_view channel) {
  std::set<int64_t> waiting;
  for (const auto& [id, m] : data_.messages)
    if (m.state == MessageState::queued && m.channel == channel) waiting.insert(m.callout_id);
  int n = 0;
  for (int64_t id : waiting) {
    CalloutRec* c = find_callout(id);
    if (!c || !c->row.held_due_at || !is_open(c->row.state)) continue;
    c->next_due = c->next_due ? std::min(*c->next_due, *c->row.held_due_at) : *c->row.held_due_at;
    c->row.held_due_at.reset();
    ++n;
  }
  return n;
}

void MemoryStore::schedule_digest(int64_t callout_id, int64_t now, int64_t every) {
  CalloutRec* c = find_callout(callout_id);
  if (!c || c->digest_due) return;
  c->digest_due = std::max(now, c->digest_sent.value_or(0) + every);
}

std::vector<DueDigest> MemoryStore::due_digests(int64_t now, int limit) {
  std::vector<DueDigest> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.digest_due && *c.digest_due <= now && static_cast<int>(out.size()) < limit)
      out.push_back({id, c.row.warning_id, c.row.snapshot_id, c.digest_through});
  return out;
}

std::vector<ToldMatter> MemoryStore::told_since(int64_t callout_id, int64_t after_event) {
  std::vector<ToldMatter> out;
  for (const EventRec& e : data_.events)
    if (e.ref.callout == callout_id && e.kind == "duty_officer_told" && e.id > after_event)
      out.push_back({e.id, e.at, e.detail});
  return out;
}

void MemoryStore::digest_sent(int64_t callout_id, int64_t now, int64_t through) {
  if (CalloutRec* c = find_callout(callout_id)) {
    c->digest_due.reset();
    c->digest_sent = now;
    c->digest_through = through;
  }
}

std::vector<Tried> MemoryStore::tried(int64_t callout_id) {
  std::vector<Tried> out;  // by channel, in the order each was first used
  for (const auto& [id, m] : data_.messages) {
    if (m.callout_id != callout_id) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const Tried& t) { return t.channel == m.channel; });
    if (it == out.end()) it = out.insert(out.end(), Tried{m.channel, 0, 0});
    it->sent += m.state == MessageState::sent || m.state == MessageState::sending || m.state == MessageState::unknown;
    it->failed += m.state == MessageState::failed;
  }
  return out;
}

std::optional<int64_t> MemoryStore::sms_code(int64_t callout_id) {
  CalloutRec* c = find_callout(callout_id);
  return c ? c->sms_code : std::nullopt;
}

void MemoryStore::set_sms_code(int64_t callout_id, int64_t code) {
  if (CalloutRec* c = find_callout(callout_id)) c->sms_code = code;
}

std::vector<SmsCode> MemoryStore::open_sms_codes(std::string_view mobile) {
  std::vector<SmsCode> out;
  for (const auto& [id, c] : data_.callouts)
    if (c.row.mobile == mobile && c.sms_code && is_open(c.row.state))
      out.push_back({id, c.row.warning_id, *c.sms_code, data_.warnings[c.row.warning_id].stored.warning.headline});
  std::sort(out.begin(), out.end(), [](const SmsCode& a, const SmsCode& b) { return a.code < b.code; });
  return out;
}

bool MemoryStore::advance_callout(int64_t warning_id, int64_t callout_id, int next_step, int64_t next_due,
                                  std::optional<int64_t> held_due, int64_t clock_at, const Audit& audit, int64_t now) {
  CalloutRec* c = find_callout(callout_id);
  if (!c || !move(c->row.state, rule(CalloutMove::advance), {warning_id, callout_id, std::nullopt}, audit, now))
    return false;
  c->row.next_step = next_step;
  c->next_due = next_due;
  c->row.held_due_at = held_due;
  c->row.clock_at = clock_at;
  return true;
}

bool MemoryStore::answer_callout(int64_t warning_id, int64_t callout_id, std::string_view via, std::string_view, bool,
                                 const Audit& audit, int64_t now) {
  CalloutRec* c = find_callout(callout_id);
  if (!c || !move(c->row.state, rule(CalloutMove::answer), {warning_id, callout_id, std::nullopt}, audit, now))
    return false;
  c->row.answered_via = via;
  c->next_due.reset();
  c->row.held_due_at.reset();
  return true;
}

bool MemoryStore::end_callout(CalloutMove m, int64_t warning_id, int64_t callout_id, const Audit& audit, int64_t now) {
  if (m != CalloutMove::exhaust && m != CalloutMove::cover && m != CalloutMove::cancel)
    throw std::logic_error(fmt::format("end_callout cannot {}", rule(m).name));
  CalloutRec* c = find_callout(callout_id);
  if (!c || !move(c->row.state, rule(m), {warning_id, callout_id, std::nullopt}, audit, now)) return false;
  c->next_due.reset();
  c->row.held_due_at.reset();
  return true;
}

// ---- messages

int64_t MemoryStore::insert_message(const NewMessage& m) {
  for (const auto& [id, o] : data_.messages)
    if (o.idem_key == m.idem_key) throw std::runtime_error("UNIQUE messages.idem_key");
  const int64_t id = next_id_++;
  MessageRec r;
  r.id = id;
  r.callout_id = m.callout_id;
  r.step = m.step;
  r.channel = m.channel;
  r.idem_key = m.idem_key;
  r.priority = m.priority;
  r.state = m.failed ? MessageState::failed : MessageState::queued;
  if (m.failed) r.error = m.error;
  r.report = m.report;
  r.title = m.title;
  r.body = m.body;
  r.not_before = r.queued_at = r.updated_at = m.now;
  data_.messages[id] = std::move(r);
  return id;
}

std::vector<MessageRow> MemoryStore::messages_of(int64_t callout_id) {
  std::vector<MessageRow> out;
  for (const auto& [id, m] : data_.messages)
    if (m.callout_id == callout_id)
      out.push_back({id, m.step, m.channel, m.state, m.attempts, m.title, m.body, m.provider, m.queued_at, m.sent_at});
  return out;
}

std::optional<int64_t> MemoryStore::insert_message_once(const NewMessage& m) {
  for (const auto& [id, o] : data_.messages)
    if (o.idem_key == m.idem_key) return std::nullopt;
  return insert_message(m);
}

std::vector<ClaimRow> MemoryStore::claimable(std::string_view channel, int min_priority, int max_priority, int64_t now,
                                             size_t limit) {
  std::vector<const MessageRec*> ready;
  for (const auto& [id, m] : data_.messages)
    if (m.state == MessageState::queued && m.channel == channel && m.priority >= min_priority &&
        m.priority <= max_priority && m.not_before <= now)
      ready.push_back(&m);
  std::sort(ready.begin(), ready.end(), [](const MessageRec* a, const MessageRec* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    if (a->not_before != b->not_before) return a->not_before < b->not_before;
    return a->id < b->id;
  });
  std::vector<ClaimRow> out;
  for (size_t i = 0; i < ready.size() && i < limit; ++i) {
    const MessageRec& m = *ready[i];
    out.push_back({m.id, m.idem_key, m.title, m.body, m.report, m.step, data_.callouts[m.callout_id].row});
  }
  return out;
}

void MemoryStore::hold_back(int64_t message_id, int64_t until, std::string_view why, int64_t now) {
  MessageRec& m = data_.messages.at(message_id);
  m.not_before = until;
  m.error = why;
  m.updated_at = now;
}

std::optional<SendingRow> MemoryStore::sending_row(int64_t message_id) {
  auto it = data_.messages.find(message_id);
  if (it == data_.messages.end()) return std::nullopt;
  const MessageRec& m = it->second;
  const CalloutRec& c = data_.callouts.at(m.callout_id);
  SendingRow r;
  r.callout_id = m.callout_id;
  r.warning_id = c.row.warning_id;
  r.attempts = m.attempts;
  r.state = m.state;
  r.channel = m.channel;
  r.provider = m.provider;
  r.step = m.step;
  r.queued_at = m.queued_at;
  r.held_due_at = c.row.held_due_at;
  r.clock_at = c.row.clock_at;
  r.snapshot_id = c.row.snapshot_id;
  r.next_step = c.row.next_step;
  return r;
}

std::optional<int64_t> MemoryStore::report_owed_due(int64_t warning_id, std::string_view area_code) {
  for (const auto& [id, r] : data_.reports)
    if (r.warning_id == warning_id && r.area_code == area_code && is_owed(r.state))
      return r.due_at;
  return std::nullopt;
}

std::vector<int64_t> MemoryStore::warnings_waiting_on(std::string_view channel) {
  std::set<int64_t> out;
  for (const auto& [id, m] : data_.messages)
    if ((m.state == MessageState::queued || m.state == MessageState::sending) && m.channel == channel)
      out.insert(data_.callouts.at(m.callout_id).row.warning_id);
  return {out.begin(), out.end()};
}

std::vector<PlacedCallRow> MemoryStore::placed_calls(std::string_view channel, int64_t since) {
  std::vector<PlacedCallRow> out;
  for (const auto& [id, m] : data_.messages) {
    if (m.channel != channel || (m.state != MessageState::sent && m.state != MessageState::unknown)) continue;
    const int64_t at = m.sent_at.value_or(m.updated_at);
    if (at < since) continue;
    const CalloutRow& c = data_.callouts.at(m.callout_id).row;
    const bool ended = std::any_of(data_.events.begin(), data_.events.end(), [&, id = id](const EventRec& e) {
      return e.ref.message == id && e.kind == "call_result";
    });
    out.push_back({id, c.mobile.empty() ? c.landline : c.mobile, c.area_code, at, ended});
  }
  return out;
}

std::vector<LeftSending> MemoryStore::left_sending(std::string_view channel) {
  std::vector<LeftSending> out;
  for (const auto& [id, m] : data_.messages)
    if (m.state == MessageState::sending && m.channel == channel)
      out.push_back({id, m.callout_id, data_.callouts.at(m.callout_id).row.warning_id});
  return out;
}

std::optional<LeftSending> MemoryStore::message_on(int64_t message_id, std::string_view channel) {
  auto it = data_.messages.find(message_id);
  if (it == data_.messages.end() || it->second.channel != channel) return std::nullopt;
  return LeftSending{message_id, it->second.callout_id, data_.callouts.at(it->second.callout_id).row.warning_id};
}

std::optional<LeftSending> MemoryStore::text_for_receipt(int64_t message_id, std::string_view phone,
                                                         std::string_view biz_id) {
  std::optional<LeftSending> by_ref;
  for (const auto& [id, m] : data_.messages) {
    if (m.channel != "sms") continue;
    const CalloutRow& c = data_.callouts.at(m.callout_id).row;
    if (c.mobile != phone) continue;
    if (id == message_id) return LeftSending{id, m.callout_id, c.warning_id};
    if (!by_ref && !biz_id.empty() && m.provider_ref == biz_id) by_ref = LeftSending{id, m.callout_id, c.warning_id};
  }
  return by_ref;
}

bool MemoryStore::claim_message(const MessageRef& ref, std::string_view provider, const Audit& audit, int64_t now) {
  MessageRec& m = data_.messages.at(ref.message);
  if (!move(m.state, rule(MessageMove::claim), {ref.warning, ref.callout, ref.message}, audit, now)) return false;
  ++m.attempts;
  m.provider = provider;
  m.updated_at = now;
  return true;
}

bool MemoryStore::message_sent(const MessageRef& ref, std::string_view provider_ref, const Audit& audit, int64_t now) {
  MessageRec& m = data_.messages.at(ref.message);
  if (!move(m.state, rule(MessageMove::sent), {ref.warning, ref.callout, ref.message}, audit, now)) return false;
  m.provider_ref = provider_ref;
  m.sent_at = now;
  m.updated_at = now;
  return true;
}

bool MemoryStore::requeue_message(const MessageRef& ref, int64_t not_before, std::optional<std::string_view> error,
                                  bool give_back_attempt, const Audit& audit, int64_t now) {
  MessageRec& m = data_.messages.at(ref.message);
  if (!move(m.state, rule(MessageMove::requeue), {ref.warning, ref.callout, ref.message}, audit, now)) return false;
  m.not_before = not_before;
  if (error) m.error = *error;
  m.attempts -= give_back_attempt ? 1 : 0;
  m.updated_at = now;
  return true;
}

bool MemoryStore::end_message(MessageMove mv, const MessageRef& ref, std::string_view error, const Audit& audit,
                              int64_t now) {
  if (mv != MessageMove::fail && mv != MessageMove::unknown)
    throw std::logic_error(fmt::format("end_message cannot {}", rule(mv).name));
  MessageRec& m = data_.messages.at(ref.message);
  if (!move(m.state, rule(mv), {ref.warning, ref.callout, ref.message}, audit, now)) return false;
  m.error = error;
  m.updated_at = now;
  return true;
}

int MemoryStore::cancel_messages(int64_t warning_id, int64_t callout_id, std::optional<std::string_view> channel,
                                 std::string_view why, std::string_view actor, int64_t now) {
  int n = 0;
  for (auto& [id, m] : data_.messages) {
    if (m.callout_id != callout_id || (channel && m.channel != *channel)) continue;
    if (move(m.state, rule(MessageMove::cancel), {warning_id, callout_id, id}, {"message_cancelled", actor, why}, now)) {
      m.error = why;
      m.updated_at = now;
      ++n;
    }
  }
  return n;
}

// ---- broadcasts

int64_t MemoryStore::insert_broadcast(const NewBroadcast& b) {
  const int64_t id = next_id_++;
  BroadcastRow r;
  r.id = id;
  r.warning_id = b.warning_id;
  r.snapshot_id = b.snapshot_id;
  r.ebm_id = b.ebm_id;
  r.msg_type = b.msg_type;
  r.title = b.title;
  r.body = b.body;
  r.areas = b.areas;
  r.within_ms = b.within_ms;
  data_.broadcasts[id] = std::move(r);
  data_.broadcast_not_before[id] = b.now;
  return id;
}

void MemoryStore::set_ebm_id(int64_t broadcast_id, std::string_view ebm_id) {
  data_.broadcasts.at(broadcast_id).ebm_id = ebm_id;
}

bool MemoryStore::insert_cancel_broadcast(const NewBroadcast& b) {
  for (const auto& [id, o] : data_.broadcasts)
    if (o.ebm_id == b.ebm_id && o.msg_type == 2) return false;
  NewBroadcast cancel = b;
  cancel.msg_type = 2;
  insert_broadcast(cancel);
  return true;
}

std::vector<BroadcastRow> MemoryStore::broadcasts_of(int64_t warning_id, bool cancels_too) {
  std::vector<BroadcastRow> out;
  for (const auto& [id, b] : data_.broadcasts)
    if (b.warning_id == warning_id && (b.msg_type == 1 || cancels_too)) out.push_back(b);
  return out;
}

std::vector<BroadcastRow> MemoryStore::claimable_broadcasts(int64_t now, size_t limit) {
  std::vector<std::pair<int64_t, int64_t>> due;  // (not_before, id)
  for (const auto& [id, b] : data_.broadcasts)
    if (b.state == BroadcastState::queued && data_.broadcast_not_before[id] <= now)
      due.emplace_back(data_.broadcast_not_before[id], id);
  std::sort(due.begin(), due.end());
  std::vector<BroadcastRow> out;
  for (const auto& [not_before, id] : due)
    if (out.size() < limit) out.push_back(data_.broadcasts.at(id));
  return out;
}

std::optional<BroadcastRow> MemoryStore::broadcast(int64_t broadcast_id) {
  auto it = data_.broadcasts.find(broadcast_id);
  if (it == data_.broadcasts.end()) return std::nullopt;
  return it->second;
}

std::optional<BroadcastRow> MemoryStore::broadcast_by_ebm(std::string_view ebm_id) {
  for (const auto& [id, b] : data_.broadcasts)
    if (b.ebm_id == ebm_id && b.msg_type == 1) return b;
  return std::nullopt;
}

void MemoryStore::record_playback(int64_t broadcast_id, int brd_state, const std::vector<std::string>&,
                                  std::string_view, int64_t) {
  data_.broadcasts.at(broadcast_id).brd_state = brd_state;
}

std::vector<std::pair<BroadcastRow, WarningState>> MemoryStore::broadcasts_past_due(int64_t now) {
  std::vector<std::pair<BroadcastRow, WarningState>> out;
  for (const auto& [id, b] : data_.broadcasts)
    if (b.state == BroadcastState::sent && b.report_due_at && *b.report_due_at <= now)
      out.emplace_back(b, data_.warnings.at(b.warning_id).stored.state);
  return out;
}

std::vector<BroadcastRow> MemoryStore::sending_broadcasts() {
  std::vector<BroadcastRow> out;
  for (const auto& [id, b] : data_.broadcasts)
    if (b.state == BroadcastState::sending) out.push_back(b);
  return out;
}

bool MemoryStore::claim_broadcast(int64_t warning_id, int64_t broadcast_id, const Audit& audit, int64_t now) {
  BroadcastRow& b = data_.broadcasts.at(broadcast_id);
  if (!move(b.state, rule(BroadcastMove::claim), {warning_id, std::nullopt, std::nullopt}, audit, now)) return false;
  ++b.attempts;
  return true;
}

bool MemoryStore::broadcast_sent(BroadcastMove m, int64_t warning_id, int64_t broadcast_id,
                                 std::optional<int64_t> report_due, const Audit& audit, int64_t now) {
  if (m != BroadcastMove::sent && m != BroadcastMove::cancel_sent)
    throw std::logic_error(fmt::format("broadcast_sent cannot {}", rule(m).name));
  BroadcastRow& b = data_.broadcasts.at(broadcast_id);
  if (!move(b.state, rule(m), {warning_id, std::nullopt, std::nullopt}, audit, now)) return false;
  b.report_due_at = report_due;
  return true;
}

bool MemoryStore::requeue_broadcast(int64_t warning_id, int64_t broadcast_id, int64_t not_before,
                                    std::optional<std::string_view>, bool give_back_attempt, const Audit& audit,
                                    int64_t now) {
  BroadcastRow& b = data_.broadcasts.at(broadcast_id);
  if (!move(b.state, rule(BroadcastMove::requeue), {warning_id, std::nullopt, std::nullopt}, audit, now)) return false;
  b.attempts -= give_back_attempt ? 1 : 0;
  data_.broadcast_not_before[broadcast_id] = not_before;
  return true;
}

bool MemoryStore::move_broadcast(BroadcastMove m, int64_t warning_id, int64_t broadcast_id,
                                 std::optional<std::string_view>, const Audit& audit, int64_t now) {
  if (m == BroadcastMove::claim || m == BroadcastMove::sent || m == BroadcastMove::cancel_sent ||
      m == BroadcastMove::requeue)
    throw std::logic_error(fmt::format("move_broadcast cannot {}", rule(m).name));
  BroadcastRow& b = data_.broadcasts.at(broadcast_id);
  return move(b.state, rule(m), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

// ---- polled feeds

std::set<std::string> MemoryStore::feed_links(std::string_view feed) {
  std::set<std::string> out;
  for (const auto& [f, link] : data_.feed_entries)
    if (f == feed) out.insert(link);
  return out;
}

void MemoryStore::record_feed_entry(std::string_view feed, std::string_view link, int64_t, std::string_view) {
  data_.feed_entries.emplace(std::string(feed), std::string(link));
}

// ---- report-backs

int64_t MemoryStore::insert_report(int64_t warning_id, int64_t snapshot_id, std::string_view area_code,
                                   std::string_view area_name, std::string_view, int64_t, int64_t due_at) {
  const int64_t id = next_id_++;
  FiledReport& r = data_.reports[id];
  static_cast<ReportRow&>(r) = {id, warning_id, snapshot_id, std::string(area_code), std::string(area_name),
                                ReportState::due, due_at};
  return id;
}

std::vector<ReportRow> MemoryStore::open_reports(int64_t warning_id, bool abandoned_only) {
  std::vector<ReportRow> out;
  for (const auto& [id, r] : data_.reports) {
    if (r.warning_id != warning_id || !is_owed(r.state)) continue;
    if (abandoned_only && std::any_of(data_.callouts.begin(), data_.callouts.end(), [&](const auto& c) {
          return c.second.row.warning_id == warning_id && c.second.row.area_code == r.area_code &&
                 c.second.row.kind == "primary" && c.second.row.state != CalloutState::cancelled;
        }))
      continue;
    out.push_back(r);
  }
  return out;
}

std::vector<ReportRow> MemoryStore::reports_past_due(int64_t now, int limit) {
  std::vector<ReportRow> out;
  for (const auto& [id, r] : data_.reports)
    if (r.state == ReportState::due && r.due_at <= now) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](const ReportRow& a, const ReportRow& b) { return a.due_at < b.due_at; });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

std::optional<ReportStatusRow> MemoryStore::report_status(int64_t callout_id) {
  CalloutRec* c = find_callout(callout_id);
  if (!c) return std::nullopt;
  ReportStatusRow out{c->row.warning_id, c->row.person_name,
                      data_.warnings.at(c->row.warning_id).stored.warning.headline, c->row.kind, std::nullopt};
  for (const auto& [id, r] : data_.reports)
    if (r.warning_id == c->row.warning_id && r.area_code == c->row.area_code) out.report = r;
  return out;
}

bool MemoryStore::file_report(ReportMove m, int64_t warning_id, int64_t report_id, const Filing& f, const Audit& audit,
                              int64_t now) {
  if (m != ReportMove::file && m != ReportMove::amend)
    throw std::logic_error(fmt::format("file_report cannot {}", rule(m).name));
  FiledReport& r = data_.reports.at(report_id);
  if (!move(r.state, rule(m), {warning_id, f.callout_id, std::nullopt}, audit, now)) return false;
  if (m == ReportMove::file) r.late = now > r.due_at;
  r.filed_at = now;
  r.filed_by = f.by;
  r.commander = f.commander;
  r.villages = f.villages;
  r.people_moved = f.people_moved;
  r.note = f.note;
  return true;
}

std::vector<FiledReport> MemoryStore::reports_of(int64_t warning_id) {
  std::vector<FiledReport> out;
  for (const auto& [id, r] : data_.reports)
    if (r.warning_id == warning_id) out.push_back(r);
  return out;
}

bool MemoryStore::move_report(ReportMove m, int64_t warning_id, int64_t report_id, const Audit& audit, int64_t now) {
  if (m != ReportMove::overdue && m != ReportMove::cancel)
    throw std::logic_error(fmt::format("move_report cannot {}", rule(m).name));
  ReportRow& r = data_.reports.at(report_id);
  return move(r.state, rule(m), {warning_id, std::nullopt, std::nullopt}, audit, now);
}

int64_t MemoryStore::insert_spot_check(int64_t warning_id, int64_t callout_id, int64_t message_id, std::string_view family,
                                       int questions, std::string_view asked_by, int64_t now) {
  for (const auto& [id, c] : data_.spot_checks)
    if (c.warning_id == warning_id && c.callout_id == callout_id)
      throw std::logic_error("a post is spot-checked once a warning (spot_checks_once)");
  SpotCheckRow r;
  r.id = static_cast<int64_t>(data_.spot_checks.size()) + 1;
  r.warning_id = warning_id;
  r.callout_id = callout_id;
  r.message_id = message_id;
  r.family = std::string(family);
  r.questions = questions;
  r.asked_by = std::string(asked_by);
  r.asked_at = now;
  data_.spot_checks[r.id] = r;
  return r.id;
}

std::optional<SpotCheckRow> MemoryStore::spot_check_of_message(int64_t message_id) {
  for (const auto& [id, c] : data_.spot_checks)
    if (c.message_id == message_id) return c;
  return std::nullopt;
}

std::vector<SpotCheckRow> MemoryStore::spot_checks_of(int64_t warning_id) {
  std::vector<SpotCheckRow> out;
  for (const auto& [id, c] : data_.spot_checks)
    if (c.warning_id == warning_id) out.push_back(c);
  return out;
}

bool MemoryStore::move_spot_check(SpotCheckMove m, int64_t warning_id, int64_t spot_check_id, std::string_view keys,
                                  int first_no, const Audit& audit, int64_t now) {
  SpotCheckRow& r = data_.spot_checks.at(spot_check_id);
  if (!move(r.state, rule(m), {warning_id, r.callout_id, std::nullopt}, audit, now)) return false;
  r.keys = std::string(keys);
  r.first_no = first_no;
  r.done_at = now;
  return true;
}

void MemoryStore::insert_spot_check_rule(int64_t warning_id, int64_t snapshot_id, int64_t due_at) {
  data_.spot_check_rules.try_emplace({warning_id, snapshot_id}, Data::SpotCheckRuleRec{due_at, std::nullopt});
}

std::vector<Store::SpotCheckDue> MemoryStore::spot_check_rules_due(int64_t now, int limit) {
  std::vector<SpotCheckDue> out;
  for (const auto& [key, r] : data_.spot_check_rules)
    if (!r.ran_at && r.due_at <= now && static_cast<int>(out.size()) < limit) out.push_back({key.first, key.second});
  return out;
}

std::vector<Store::SpotCheckDue> MemoryStore::spot_check_rules_pending(int64_t warning_id) {
  std::vector<SpotCheckDue> out;
  for (const auto& [key, r] : data_.spot_check_rules)
    if (!r.ran_at && key.first == warning_id) out.push_back({key.first, key.second});
  return out;
}

void MemoryStore::spot_check_rule_ran(int64_t warning_id, int64_t snapshot_id, int64_t now) {
  if (auto it = data_.spot_check_rules.find({warning_id, snapshot_id}); it != data_.spot_check_rules.end())
    it->second.ran_at = now;
}

}  // namespace jiaoying::testing
