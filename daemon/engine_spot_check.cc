// The 六问 spot check (source document, task 13): a random sample of the posts that answered a
// warning is phoned with the questions of its hazard's family (rules/spot_check.h), each read
// out and a key pressed; every answer is kept, and the township is told at once of any "no", of
// a question left without a key, or of a post the call never reached. Asked at the duty desk
// (`jiaoying spotcheck`); the call goes out on the ivr medium like any other (cloud or PBX).
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "channels/ivr/aliyun_vms.h"
#include "daemon/engine.h"
#include "rules/names.h"

namespace jiaoying {

namespace {

Engine::DeskOutcome refused(int status, std::string message) { return {status, std::move(message), 0}; }

}  // namespace

Engine::DeskOutcome Engine::desk_spot_check(int64_t warning_id, const SpotCheckAsk& ask, std::string_view actor) {
  const std::optional<StoredWarning> w = store_.warning(warning_id);
  if (!w) return refused(404, fmt::format("there is no warning {} (jiaoying warnings lists them)", warning_id));
  if (!core_.channels().count("ivr"))
    return refused(409, "the spot check phones people: configure channels.ivr (the voice platform or the county PBX)");
  if (ask.sample <= 0 && (ask.percent <= 0 || ask.percent > 100))
    return refused(400, "say how many to check: --sample 10, or --sample 10% of the posts that answered");
  std::optional<Tier> tier;
  if (!ask.tier.empty()) {
    tier = parse_tier(ask.tier);
    if (!tier) return refused(400, fmt::format("tier '{}' is no tier (county, township, village)", ask.tier));
  }
  // The posts that answered (primary callouts: a post, not a raised superior), with a phone.
  std::vector<CalloutRow> eligible;
  for (CalloutRow& c : store_.callouts_of(warning_id)) {
    if (c.kind != "primary" || c.state != CalloutState::answered) continue;
    if (tier && c.tier != tier_name(*tier)) continue;
    if (!ask.roles.empty() && std::find(ask.roles.begin(), ask.roles.end(), c.role) == ask.roles.end()) continue;
    if (c.mobile.empty() && c.landline.empty()) continue;
    eligible.push_back(std::move(c));
  }
  if (eligible.empty())
    return refused(409, fmt::format("warning {} has no answered post{}{} with a phone to check", warning_id,
                                    tier ? " at tier " + ask.tier : "",
                                    ask.roles.empty() ? "" : fmt::format(" in roles {}", fmt::join(ask.roles, ", "))));
  const size_t want = ask.sample > 0 ? static_cast<size_t>(ask.sample)
                                     : std::max<size_t>(1, (eligible.size() * static_cast<size_t>(ask.percent) + 99) / 100);
  std::shuffle(eligible.begin(), eligible.end(), std::mt19937(std::random_device{}()));
  const int64_t now = core_.now_ms();
  Store::Tx tx(store_);
  int picked = 0, before = 0;
  std::string first_file;
  for (const CalloutRow& c : eligible) {
    if (static_cast<size_t>(picked) >= want) break;
    const std::string family = template_family(core_.snapshot_plan(c.snapshot_id), w->warning.hazard);
    const SpotCheckQuestions* q = spot_checks_.for_family(family);
    if (!q) return refused(409, "there are no 六问 questions: templates/spot_check.yaml is missing from the templates folder");
    NewMessage m;
    m.callout_id = c.id;
    m.step = -1;
    m.channel = "ivr";
    m.idem_key = fmt::format("w{}-c{}-{}-ivr", warning_id, c.id, kSpotCheckKey);
    m.priority = 100;
    m.title = words("notice.spot_check.title");
    m.body = questionnaire_text(*q);
    m.now = now;
    // Its key is the post's under this warning: a post checked before is not phoned again.
    const std::optional<int64_t> message_id = store_.insert_message_once(m);
    if (!message_id) {
      ++before;
      continue;
    }
    store_.insert_spot_check(warning_id, c.id, *message_id, family, static_cast<int>(q->questions.size()), actor, now);
    event(warning_id, c.id, message_id, "spot_check_asked", actor,
          fmt::format("{} ({}) is phoned the {} questions of {}", c.person_name, post_zh(c.area_name, c.role, c.seat),
                      q->questions.size(), q->file));
    if (first_file.empty()) first_file = q->file;
    ++picked;
  }
  tx.commit();
  if (picked == 0)
    return refused(409, fmt::format("every answered post of warning {} that matches was checked before ({})", warning_id,
                                    before));
  return {200,
          fmt::format("六问 spot check: {} of {} answered post(s) phoned at random{}", picked, eligible.size(),
                      before ? fmt::format(" ({} checked before left out)", before) : ""),
          picked};
}

void Engine::spot_check_unplaced(int64_t message_id, const std::string& why) {
  const std::optional<SpotCheckRow> check = store_.spot_check_of_message(message_id);
  if (!check || check->state != SpotCheckState::calling) return;
  bool failed = false;  // a retry may still go: only a message that has ended counts
  for (const MessageRow& m : store_.messages_of(check->callout_id))
    if (m.id == message_id) failed = m.state == MessageState::failed || m.state == MessageState::cancelled;
  if (!failed) return;
  const std::optional<CalloutRow> c = store_.callout(check->callout_id);
  if (!c) return;
  Store::Tx tx(store_);
  const std::string detail = fmt::format("六问 call could not be placed: {}", why);
  if (store_.move_spot_check(SpotCheckMove::cancel, check->warning_id, check->id, "", 0,
                             {rule(SpotCheckMove::cancel).events, "engine", detail}, core_.now_ms()))
    tell_duty_room(tx, c->id, c->snapshot_id, core_.snapshot_plan(c->snapshot_id),
                   fmt::format("{} {}：{}", post_zh(c->area_name, c->role, c->seat), c->person_name, detail));
  tx.commit();
}

std::string Engine::run_spot_check(int64_t warning_id, const SpotCheckRule& rule) {
  SpotCheckAsk ask;
  ask.sample = rule.sample;
  ask.percent = rule.percent;
  if (rule.tier) ask.tier = std::string(tier_name(*rule.tier));
  ask.roles = rule.roles;
  const DeskOutcome out = desk_spot_check(warning_id, ask, "plan");
  return out.ok() ? "the plan's " + out.message : "the plan's 六问 spot check did not run: " + out.message;
}

bool Engine::spot_check_result(const CallResult& r, const SpotCheckRow& check_row, std::string_view actor) {
  const SpotCheckRow* check = &check_row;
  const int64_t callout_id = check->callout_id;
  const std::optional<CalloutRow> c = store_.callout(callout_id);
  if (!c) return false;
  const SpotCheckQuestions* q = spot_checks_.for_family(check->family);
  // Heard (200000) or keys pressed (300000): the call was answered; anything else did not reach them.
  const bool answered = r.status_code == "200000" || r.status_code == "300000";
  SpotCheckMove move = SpotCheckMove::unreach;
  SpotCheckScore score;
  std::string detail;
  if (answered && q) {
    score = score_spot_check(*q, r.dtmf);
    switch (score.verdict) {
      case SpotCheckScore::Verdict::passed:
        move = SpotCheckMove::pass;
        detail = fmt::format("六问 passed: all {} answered yes ({})", q->questions.size(), r.dtmf);
        break;
      case SpotCheckScore::Verdict::failed:
        move = SpotCheckMove::fail;
        detail = fmt::format("六问 failed at question {} ({}): keys {}", score.first_no,
                             q->questions[static_cast<size_t>(score.first_no - 1)].ask, r.dtmf);
        break;
      case SpotCheckScore::Verdict::silent:
        move = SpotCheckMove::silence;
        detail = fmt::format("六问 left unanswered after {} of {} question(s) (keys '{}')", score.answered,
                             q->questions.size(), r.dtmf);
        break;
    }
  } else if (answered) {
    // Its family's questions are no longer loaded (a reload without the file): the keys are kept,
    // unscored, and the check counts as not passed so that somebody looks.
    move = SpotCheckMove::silence;
    detail = fmt::format("六问 keys '{}' kept unscored: the questions of {} are no longer loaded", r.dtmf, check->family);
  } else {
    detail = fmt::format("六问 call not answered: {}", vms::call_status_text(r.status_code));
  }
  const int64_t now = core_.now_ms();
  Store::Tx tx(store_);
  if (!store_.move_spot_check(move, c->warning_id, check->id, r.dtmf, score.first_no,
                              {rule(move).events, actor, detail}, now))
    return true;  // already scored (a report pushed twice)
  if (move != SpotCheckMove::pass) {
    // The township is told at once, on the channels that first reached its posts.
    const Plan& plan = core_.snapshot_plan(c->snapshot_id);
    std::string what;
    if (move == SpotCheckMove::fail)
      what = words("notice.spot_check.no", {{"number", std::to_string(score.first_no)},
                                            {"question", q->questions[static_cast<size_t>(score.first_no - 1)].ask}});
    else if (move == SpotCheckMove::silence)
      what = words("notice.spot_check.silent", {{"answered", std::to_string(q ? score.answered : r.dtmf.size())}});
    else
      what = words("notice.spot_check.unreached", {{"why", vms::call_status_text(r.status_code)}});
    const std::string text = words("notice.spot_check.failed", {{"post", post_zh(c->area_name, c->role, c->seat)},
                                                                {"person_name", c->person_name},
                                                                {"what", what}});
    // The posts of the area above (a village's township) that this warning calls, on the
    // channels that first reached them; with none, the duty room.
    const std::vector<std::string> channels = plan.ladder.empty() ? std::vector<std::string>{"zzd"}
                                                                  : plan.ladder.front().channels;
    const Area* area = core_.directory().area(c->area_code);
    const std::vector<int64_t> above = area ? store_.area_posts(c->warning_id, area->parent) : std::vector<int64_t>{};
    int told = 0;
    for (int64_t post : above)
      told += outbox_.queue(tx, post, channels, -1, fmt::format("k{}", check->id), 1, text, "");
    if (told == 0) tell_duty_room(tx, callout_id, c->snapshot_id, plan, text);
  }
  tx.commit();
  return true;
}

}  // namespace jiaoying
