#include "channels/channel.h"

#include <algorithm>

namespace jiaoying {

std::string_view outcome_name(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::sent: return "sent";
    case SendOutcome::duplicate: return "duplicate";
    case SendOutcome::retry: return "retry";
    case SendOutcome::deferred: return "deferred";
    case SendOutcome::failed: return "failed";
    case SendOutcome::unknown: return "unknown";
  }
  return "unknown";
}

SendResult send_now(const HttpProvider& provider, HttpClient& http, const OutboundMessage& message) {
  if (auto refused = provider.refuse(message)) return *refused;
  std::span<const OutboundMessage> one(&message, 1);
  std::vector<SendResult> results = provider.decode(one, http.perform(provider.encode(one)));
  if (results.empty()) return {SendOutcome::unknown, "", "the provider adapter gave no result"};
  return results.front();
}

bool all_doubtful(const std::vector<SendResult>& results) {
  return !results.empty() && std::all_of(results.begin(), results.end(), [](const SendResult& r) {
    return r.outcome == SendOutcome::retry || r.outcome == SendOutcome::unknown;
  });
}

std::vector<SendResult> same_for_all(size_t n, SendResult result) { return std::vector<SendResult>(n, result); }

}  // namespace jiaoying
