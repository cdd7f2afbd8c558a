#include "sim/webhook_receiver.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "channels/webhook/webhook.h"

namespace jiaoying::sim {

namespace json = boost::json;

WebhookReceiver::WebhookReceiver(Scenario scenario, EventLog& log, TapScheduler& taps, std::ostream& diagnostics)
    : scenario_(std::move(scenario)), log_(log), taps_(taps), diagnostics_(diagnostics) {}

bool WebhookReceiver::serves(const ServerRequest& request) const {
  return scenario_.webhook && request.method == "POST" && request.path == scenario_.webhook->path;
}

ServerResponse WebhookReceiver::handle(const ServerRequest& request) {
  auto refuse = [&](int status, const std::string& why) {
    diagnostics_ << fmt::format("jiaoying-sim: webhook refused from {}: {}\n", request.peer, why) << std::flush;
    return ServerResponse{status, "application/json; charset=utf-8", json::serialize(json::object{{"error", why}})};
  };
  const std::string timestamp = request.header("x-jiaoying-timestamp");
  if (!webhook::signature_valid(scenario_.webhook->secret, timestamp, request.body,
                                request.header("x-jiaoying-signature")))
    return refuse(401, "bad or missing X-Jiaoying-Signature");
  auto deliveries = webhook::parse_deliveries(request.body);
  if (!deliveries) return refuse(400, "the body is not {\"deliveries\": [...]} with an id on each");
  std::vector<webhook::Result> results;
  for (const webhook::Delivery& d : *deliveries) {
    const bool fresh = seen_.insert(d.id).second;
    log_.write(json::object{{"provider", "webhook"},
                            {"endpoint", "delivery"},
                            {"id", d.id},
                            {"receivers", json::array{json::string(d.zzd_account)}},
                            {"title", d.title},
                            {"duplicate", !fresh}});
    if (!fresh) {
      hooks_.duplicate("webhook");
      results.push_back({d.id, "duplicate", ""});
      continue;
    }
    hooks_.taken("webhook");
    results.push_back({d.id, "accepted", ""});
    AnswerDelay delay = scenario_.answer_delay(d.zzd_account);
    if (delay && !d.ack_url.empty() && tapped_.emplace(d.zzd_account, d.ack_url).second)
      taps_.schedule(Tap{d.zzd_account, d.ack_url, *delay, "", ""});
  }
  return {200, "application/json; charset=utf-8", webhook::results_json(results)};
}

}  // namespace jiaoying::sim
