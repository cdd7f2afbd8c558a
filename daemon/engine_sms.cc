// SMS answers (回复1确认收到). Every text a callout sends carries its reply code: the smallest code
// free among the open callouts of that phone, so one phone with two warnings open has 1 and 2 and
// a reply is never ambiguous (LESSONS.md: per-phone short codes). A reply that starts with a code
// answers that callout; a bare 收到 answers the phone's only open callout; anything else — a bare
// 收到 with several open, an unknown code, a stranger's number — is recorded and answers nothing.
// Delivery receipts are recorded per message; a missing one is not a failure (nothing is resent).
#include <fmt/format.h>

#include <set>

#include "channels/sms/aliyun_sms.h"
#include "daemon/admin_views.h"
#include "daemon/engine_internal.h"

namespace jiaoying {

int Engine::sms_code_for(int64_t callout_id, const std::string& mobile) {
  Stmt own = db_.prepare("SELECT sms_code FROM callouts WHERE id = ?");
  own.bind(1, callout_id);
  if (own.step() && !own.is_null(0)) return static_cast<int>(own.int64(0));
  std::set<int64_t> taken;
  Stmt q = db_.prepare(
      "SELECT sms_code FROM callouts WHERE mobile = ? AND sms_code IS NOT NULL AND state IN ('pending','calling')");
  q.bind(1, mobile);
  while (q.step()) taken.insert(q.int64(0));
  int code = 1;
  while (taken.count(code)) ++code;
  db_.prepare("UPDATE callouts SET sms_code = ? WHERE id = ?").bind(1, code).bind(2, callout_id).run();
  return code;
}

std::string Engine::sms_reply(const std::string& phone, const std::string& content, std::string_view actor) {
  // One transaction: what was texted, and the answer it may be.
  Transaction whole(db_);
  const std::string outcome = [&]() -> std::string {
    struct Open {
      int64_t id, warning_id;
      int64_t code;
    };
    std::vector<Open> open;
    Stmt q = db_.prepare(
        "SELECT id, warning_id, sms_code FROM callouts WHERE mobile = ? AND sms_code IS NOT NULL "
        "AND state IN ('pending','calling') ORDER BY sms_code");
    q.bind(1, phone);
    while (q.step()) open.push_back({q.int64(0), q.int64(1), q.int64(2)});
    const std::string who = mask_mobile(phone);
    // What people type is kept as typed, but only so much of it.
    std::string text = content.size() > 200 ? content.substr(0, 200) + "…" : content;
    auto record = [&](std::optional<int64_t> warning, std::optional<int64_t> callout, const std::string& why) {
      Transaction tx(db_);
      event(warning, callout, std::nullopt, "sms_reply", actor, fmt::format("{} texted \"{}\": {}", who, text, why));
      tx.commit();
      return why;
    };
    const Open* target = nullptr;
    if (auto code = sms::reply_code_of(content)) {
      for (const Open& o : open)
        if (o.code == *code) target = &o;
      if (!target) return record(std::nullopt, std::nullopt, fmt::format("no open callout has code {}", *code));
    } else if (sms::is_bare_receipt(content)) {
      if (open.empty()) return record(std::nullopt, std::nullopt, "nothing is open for this phone");
      if (open.size() > 1) {
        ask_for_code(phone, open.front().id, open.front().warning_id);
        return record(open.front().warning_id, std::nullopt,
                      fmt::format("{} callouts are open for this phone: a reply must start with its code (asked)",
                                  open.size()));
      }
      target = &open.front();
    } else {
      return record(open.empty() ? std::nullopt : std::optional<int64_t>(open.front().warning_id), std::nullopt,
                    "not an answer (no reply code)");
    }
    record(target->warning_id, target->id, fmt::format("answers with code {}", target->code));
    AckOutcome out = ack(target->id, "sms", actor);
    return out.kind == AckOutcome::Kind::answered ? "answered" : "already answered";
  }();
  whole.commit();
  return outcome;
}

// A bare 收到 while several callouts are open: the phone is texted which code is which. Once per
// set of open codes (the key names them), so texting 收到 again does not start a conversation.
void Engine::ask_for_code(const std::string& phone, int64_t first_callout, int64_t first_warning) {
  Stmt q = db_.prepare(
      "SELECT c.sms_code, w.headline FROM callouts c JOIN warnings w ON w.id = c.warning_id "
      "WHERE c.mobile = ? AND c.sms_code IS NOT NULL AND c.state IN ('pending','calling') ORDER BY c.sms_code");
  q.bind(1, phone);
  std::string codes, which;
  while (q.step()) {
    codes += fmt::format("{}{}", codes.empty() ? "" : "-", q.int64(0));
    which += fmt::format("{}回复{}确认「{}」", which.empty() ? "" : "，", q.int64(0), q.text(1));
  }
  const int64_t now = to_epoch_ms(clock_.now());
  Transaction tx(db_);
  db_.prepare(fmt::format(
         "INSERT OR IGNORE INTO messages(callout_id, step, channel, idem_key, priority, state, not_before, "
         "queued_at, updated_at) VALUES (?,-1,'sms',?,100,'{}',?,?,?)",
         state_name(MessageState::queued)))
      .bind(1, first_callout).bind(2, fmt::format("w{}-c{}-q{}-sms", first_warning, first_callout, codes))
      .bind(3, now).bind(4, now).bind(5, now)
      .run();
  if (db_.changes() > 0) {
    const int64_t message_id = db_.last_insert_id();
    db_.prepare("INSERT INTO message_texts(message_id, title, body) VALUES (?,?,?)")
        .bind(1, message_id).bind(2, "请回复编号确认").bind(3, "您有多条预警待确认：" + which + "。").run();
    event(first_warning, first_callout, message_id, "sms_codes_sent", "engine",
          fmt::format("{} was texted which code is which ({})", mask_mobile(phone), codes));
  }
  tx.commit();
}

void Engine::sms_delivery(int64_t message_id, const std::string& phone, const std::string& biz_id, bool delivered,
                          const std::string& code, std::string_view actor) {
  // A single text's receipt names it by OutId; a batch's OutId is its first message, so the
  // phone (and the batch's BizId) say which of the batch it is.
  Stmt q = db_.prepare(
      "SELECT m.id, m.callout_id, c.warning_id FROM messages m JOIN callouts c ON c.id = m.callout_id "
      "WHERE m.channel = 'sms' AND ((m.id = ?1 AND c.mobile = ?2) OR (?3 != '' AND m.provider_ref = ?3 AND c.mobile = ?2)) "
      "ORDER BY m.id = ?1 DESC LIMIT 1");
  q.bind(1, message_id).bind(2, phone).bind(3, biz_id);
  if (!q.step()) {
    record_refusal("callback_refused", actor,
                   fmt::format("a delivery receipt for {} (message {}) that is no SMS of ours", mask_mobile(phone), message_id));
    return;
  }
  Transaction tx(db_);
  event(q.int64(2), q.int64(1), q.int64(0), delivered ? "sms_delivered" : "sms_undelivered", actor,
        delivered ? std::string("delivered to the phone")
                  : fmt::format("the carrier could not deliver it ({}); the ladder goes on", code));
  tx.commit();
}

}  // namespace jiaoying
