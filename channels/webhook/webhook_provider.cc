#include "channels/webhook/webhook_provider.h"

#include <fmt/format.h>

#include <map>

#include "channels/webhook/webhook.h"

namespace jiaoying {

WebhookProvider::WebhookProvider(WebhookSettings settings,
                                 std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)), wall_clock_(std::move(wall_clock)) {}

HttpRequest WebhookProvider::encode(std::span<const OutboundMessage> batch) const {
  std::vector<webhook::Delivery> deliveries;
  deliveries.reserve(batch.size());
  for (const OutboundMessage& m : batch)
    deliveries.push_back({m.idem_key, m.warning_id, m.level, m.person_id, m.person_name, m.zzd_account, m.mobile,
                          m.title, m.text, m.ack_url, m.report_url});
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.url;
  request.body = webhook::deliveries_json(deliveries);
  const std::string timestamp =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wall_clock_().time_since_epoch()).count());
  request.headers = {{"Content-Type", "application/json; charset=utf-8"},
                     {std::string(webhook::kHeaderTimestamp), timestamp},
                     {std::string(webhook::kHeaderSignature), webhook::signature(settings_.secret, timestamp, request.body)}};
  request.timeout = settings_.timeout;
  return request;
}

std::vector<SendResult> WebhookProvider::decode(std::span<const OutboundMessage> batch,
                                                const HttpResponse& response) const {
  auto all = [&](SendResult r) { return same_for_all(batch.size(), std::move(r)); };
  // Every delivery carries its key: resending what may have arrived is harmless.
  if (response.transport_failed()) return all({SendOutcome::retry, "", "transport: " + response.error});
  if (response.status == 429) return all({SendOutcome::deferred, "", "HTTP 429: the receiver asks to slow down"});
  if (response.status >= 500) return all({SendOutcome::retry, "", fmt::format("HTTP {}", response.status)});
  if (response.status < 200 || response.status >= 300)
    return all({SendOutcome::failed, "", fmt::format("HTTP {}: refused", response.status)});
  auto results = webhook::parse_results(response.body);
  if (!results) return all({SendOutcome::sent, "", ""});  // 2xx without a body: all taken
  std::map<std::string, const webhook::Result*, std::less<>> by_id;
  for (const webhook::Result& r : *results) by_id[r.id] = &r;
  std::vector<SendResult> out;
  for (const OutboundMessage& m : batch) {
    auto it = by_id.find(m.idem_key);
    if (it == by_id.end()) {
      out.push_back({SendOutcome::retry, "", "the receiver's answer does not mention this delivery"});
    } else if (it->second->status == "accepted") {
      out.push_back({SendOutcome::sent, m.idem_key, ""});
    } else if (it->second->status == "duplicate") {
      out.push_back({SendOutcome::duplicate, m.idem_key, "the receiver already had it"});
    } else {
      out.push_back({SendOutcome::failed, "", "rejected: " + it->second->error});
    }
  }
  return out;
}

}  // namespace jiaoying
