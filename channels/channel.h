// One interface for every way of reaching a person (Zhezhengding, SMS, voice, broadcast).
// send() blocks on the provider and is called on a sender thread, never the engine's; an
// adapter must be safe to call from several sender threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jiaoying {

// One attempt on one channel for one callout at one step, rendered and ready to go.
struct OutboundMessage {
  int64_t message_id = 0;
  std::string idem_key;     // stable across retries and restarts; the provider dedups on it
  std::string person_name;
  std::string zzd_account;
  std::string mobile;
  std::string landline;     // a fixed line, for channels that ring when there is no mobile
  std::string title;        // short: the card title, the SMS lead
  std::string text;         // the body (markdown for ZZD)
  std::string ack_url;      // opening it confirms (the card's 收到 button)
  std::string report_url;   // the report-back form (回报), when the person's area owes one
};

enum class SendOutcome {
  sent,       // the provider took it
  duplicate,  // the provider already had this idempotency key: it was sent before (counts as sent)
  retry,      // temporary: network, 5xx, rate limit; try again after a back-off
  failed,     // permanent: bad account, refused; the ladder moves on and the duty officer sees it
  unknown,    // the provider may or may not have acted (a call request that timed out): never
              // retried — phones are at-most-once — and the duty officer sees it
};
std::string_view outcome_name(SendOutcome outcome);

struct SendResult {
  SendOutcome outcome = SendOutcome::failed;
  std::string provider_ref;  // the provider's message id when sent
  std::string detail;        // why, for the audit trail
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual std::string_view name() const = 0;  // "zzd"
  // Whether this person can be reached here at all (e.g. has a ZZD account).
  virtual bool can_reach(const OutboundMessage& message) const = 0;
  virtual SendResult send(const OutboundMessage& message) = 0;
};

}  // namespace jiaoying
