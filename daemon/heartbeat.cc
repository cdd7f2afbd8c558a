#include "daemon/heartbeat.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/journal.h"
#include "rules/names.h"
#include "rules/time.h"

namespace jiaoying {

OutboundMessage heartbeat_message(const HeartbeatTarget& target, TimePoint at) {
  OutboundMessage m;
  m.idem_key = fmt::format("heartbeat-{}-{}", target.provider, to_epoch_ms(at));
  m.person_id = "heartbeat";
  m.person_name = "通道测试";
  if (target.medium == "zzd") m.zzd_account = target.to;
  else m.mobile = target.to;
  m.title = "【系统心跳】叫应系统通道测试";
  m.text = fmt::format("这是叫应系统对通道 {} 的定时测试（{}），无需回复。", target.provider, format_china_clock(at));
  m.ack_url = target.link;
  m.level = "blue";
  return m;
}

Heartbeats::Heartbeats(boost::asio::io_context& io, Dispatcher& dispatcher, ProviderBoard& board, const Clock& clock,
                       std::vector<HeartbeatTarget> targets, Changed changed)
    : dispatcher_(dispatcher), board_(board), clock_(clock), changed_(std::move(changed)) {
  for (HeartbeatTarget& t : targets)
    beats_.push_back({std::move(t), std::make_unique<boost::asio::steady_timer>(io), 0, 0, false, false});
}

void Heartbeats::start(std::chrono::milliseconds first) {
  for (size_t i = 0; i < beats_.size(); ++i) {
    spdlog::info("heartbeat: provider {} every {} s", beats_[i].target.provider,
                 std::chrono::duration_cast<std::chrono::seconds>(beats_[i].target.every).count());
    arm(i, std::min(first, beats_[i].target.every));
  }
}

void Heartbeats::stop() {
  *alive_ = false;
  for (Beat& b : beats_) b.timer->cancel();
}

void Heartbeats::arm(size_t i, std::chrono::milliseconds after) {
  beats_[i].timer->expires_after(after);
  beats_[i].timer->async_wait([this, i, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive) return;
    beat(i);
    arm(i, beats_[i].target.every);
  });
}

void Heartbeats::beat(size_t i) {
  Beat& b = beats_[i];
  // The last one never came back within its interval: a provider that hangs is as bad as one
  // that refuses.
  if (b.sent > b.answered) {
    b.answered = b.sent;
    settle(i, false, fmt::format("no answer within {} s", std::chrono::duration_cast<std::chrono::seconds>(b.target.every).count()));
  }
  if (b.awaiting_receipt) {
    b.awaiting_receipt = false;
    settle(i, false, fmt::format("taken, but no delivery receipt within {} s",
                                 std::chrono::duration_cast<std::chrono::seconds>(b.target.every).count()));
  }
  const uint64_t n = ++b.sent;
  dispatcher_.probe(b.target.provider, heartbeat_message(b.target, clock_.now()),
                    [this, i, n, alive = alive_](const OutboundMessage&, const SendResult& r) {
                      if (!*alive || beats_[i].answered >= n) return;  // stopped, or given up on
                      beats_[i].answered = n;
                      const bool ok = r.outcome == SendOutcome::sent || r.outcome == SendOutcome::duplicate;
                      if (ok && beats_[i].target.medium == "sms") {
                        beats_[i].awaiting_receipt = true;  // good once the receipt says so
                        return;
                      }
                      settle(i, ok, ok ? std::string("taken") : fmt::format("{}{}", outcome_name(r.outcome),
                                                                              r.detail.empty() ? "" : ": " + r.detail));
                    });
}

void Heartbeats::sms_receipt(const std::string& phone, bool delivered, const std::string& code) {
  for (size_t i = 0; i < beats_.size(); ++i) {
    Beat& b = beats_[i];
    if (b.target.medium != "sms" || b.target.to != phone || !b.awaiting_receipt) continue;
    b.awaiting_receipt = false;
    return settle(i, delivered,
                  delivered ? std::string("delivered to the test phone")
                            : fmt::format("taken, but the carrier could not deliver it ({})", code));
  }
  spdlog::info("SMS receipt for {} of a text outside the record (an alarm, or a heartbeat's receipt after its beat): {}", mask_mobile(phone),
               delivered ? "delivered" : "not delivered (" + code + ")");
}

void Heartbeats::settle(size_t i, bool ok, const std::string& detail) {
  Beat& b = beats_[i];
  board_.heartbeat(b.target.provider, {clock_.now(), ok, detail});
  if (ok == !b.failing) return;  // no change
  b.failing = !ok;
  LogFields fields;
  fields.channel = b.target.medium;
  fields.provider = b.target.provider;
  fields.event = ok ? "heartbeat_ok" : "heartbeat_failed";
  LogScope scope(fields);
  if (ok) spdlog::warn("heartbeat: provider {} answers its heartbeat again", b.target.provider);
  else spdlog::error("heartbeat: provider {} failed its heartbeat: {}", b.target.provider, detail);
  changed_(b.target, !ok, detail);
}

}  // namespace jiaoying
