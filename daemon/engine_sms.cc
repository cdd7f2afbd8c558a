// SMS answers (回复1确认收到). Every text a callout sends carries its reply code: the smallest code
// free among the open callouts of that phone, so one phone with two warnings open has 1 and 2 and
// a reply is never ambiguous (LESSONS.md: per-phone short codes). A reply that starts with a code
// answers that callout; a bare 收到 answers the phone's only open callout; anything else — a bare
// 收到 with several open, an unknown code, a stranger's number — is recorded and answers nothing.
// Delivery receipts are recorded per message; a missing one is not a failure (nothing is resent).
#include <fmt/format.h>

#include <set>

#include "channels/sms/aliyun_sms.h"
#include "rules/names.h"
#include "daemon/engine.h"

namespace jiaoying {

std::string Engine::sms_reply(const std::string& phone, const std::string& content, std::string_view actor) {
  // One transaction: what was texted, and the answer it may be.
  Store::Tx whole(store_);
  const std::string outcome = [&]() -> std::string {
    const std::vector<SmsCode> open = store_.open_sms_codes(phone);
    const std::string who = mask_mobile(phone);
    // What people type is kept as typed, but only so much of it.
    std::string text = content.size() > 200 ? content.substr(0, 200) + "…" : content;
    auto record = [&](std::optional<int64_t> warning, std::optional<int64_t> callout, const std::string& why) {
      event(warning, callout, std::nullopt, "sms_reply", actor, fmt::format("{} texted \"{}\": {}", who, text, why));
      return why;
    };
    const SmsCode* target = nullptr;
    if (auto code = sms::reply_code_of(content)) {
      for (const SmsCode& o : open)
        if (o.code == *code) target = &o;
      if (!target) return record(std::nullopt, std::nullopt, fmt::format("no open callout has code {}", *code));
    } else if (sms::is_bare_receipt(content)) {
      if (open.empty()) return record(std::nullopt, std::nullopt, "nothing is open for this phone");
      if (open.size() > 1) {
        ask_for_code(phone, open.front().callout_id, open.front().warning_id);
        return record(open.front().warning_id, std::nullopt,
                      fmt::format("{} callouts are open for this phone: a reply must start with its code (asked)",
                                  open.size()));
      }
      target = &open.front();
    } else {
      return record(open.empty() ? std::nullopt : std::optional<int64_t>(open.front().warning_id), std::nullopt,
                    "not an answer (no reply code)");
    }
    record(target->warning_id, target->callout_id, fmt::format("answers with code {}", target->code));
    AckOutcome out = ack(target->callout_id, "sms", actor);
    return out.kind == AckOutcome::Kind::answered ? "answered" : "already answered";
  }();
  whole.commit();
  return outcome;
}

// A bare 收到 while several callouts are open: the phone is texted which code is which. Once per
// set of open codes (the key names them), so texting 收到 again does not start a conversation.
void Engine::ask_for_code(const std::string& phone, int64_t first_callout, int64_t first_warning) {
  std::string codes, which;
  for (const SmsCode& c : store_.open_sms_codes(phone)) {
    codes += fmt::format("{}{}", codes.empty() ? "" : "-", c.code);
    which += (which.empty() ? "" : "，") +
             words("notice.sms_code_item", {{"code", std::to_string(c.code)}, {"headline", c.headline}});
  }
  const int64_t now = to_epoch_ms(core_.clock().now());
  Store::Tx tx(store_);
  NewMessage m;
  m.callout_id = first_callout;
  m.step = -1;
  m.channel = "sms";
  m.idem_key = fmt::format("w{}-c{}-q{}-sms", first_warning, first_callout, codes);
  m.priority = 100;
  m.title = words("notice.sms_codes.title");
  m.body = words("notice.sms_codes", {{"which", which}});
  m.now = now;
  if (const std::optional<int64_t> message_id = store_.insert_message_once(m)) {
    event(first_warning, first_callout, *message_id, "sms_codes_sent", "engine",
          fmt::format("{} was texted which code is which ({})", mask_mobile(phone), codes));
  }
  tx.commit();
}

void Engine::sms_delivery(int64_t message_id, const std::string& phone, const std::string& biz_id, bool delivered,
                          const std::string& code, std::string_view actor) {
  // A single text's receipt names it by OutId; a batch's OutId is its first message, so the
  // phone (and the batch's BizId) say which of the batch it is.
  const std::optional<LeftSending> text = store_.text_for_receipt(message_id, phone, biz_id);
  if (!text) {
    record_refusal("callback_refused", actor,
                   fmt::format("a delivery receipt for {} (message {}) that is no SMS of ours", mask_mobile(phone), message_id));
    return;
  }
  event(text->warning_id, text->callout_id, text->message_id, delivered ? "sms_delivered" : "sms_undelivered", actor,
        delivered ? std::string("delivered to the phone")
                  : fmt::format("the carrier could not deliver it ({}); the ladder goes on", code));
}

}  // namespace jiaoying
