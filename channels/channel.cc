#include "channels/channel.h"

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

std::vector<SendResult> same_for_all(size_t n, SendResult result) { return std::vector<SendResult>(n, result); }

}  // namespace jiaoying
