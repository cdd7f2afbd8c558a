// A provider carries one medium (rules/media.h) for people: the Zhezhengding open platform for
// zzd, an Alibaba Cloud SMS account (or a second SMS gateway) for sms, the voice platform for
// ivr, a county system's endpoint for webhook. A provider here is only its wire: encode() builds
// the HTTP request that sends a batch of messages, decode() reads the answer into one result per
// message. It holds no connection and never blocks: the transport (channels/async_http.h, or
// HttpClient in tests and tools) carries the request. encode/decode may be called from any
// thread at once (the only shared state, a nonce generator, is locked).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "channels/http_client.h"
#include "rules/media.h"

namespace jiaoying {

// One attempt on one medium for one callout at one step, rendered and ready to go.
struct OutboundMessage {
  int64_t message_id = 0;
  std::string idem_key;     // stable across retries and restarts; the provider dedups on it
  std::string person_id;    // the directory's id (a webhook names the person by it)
  std::string person_name;
  std::string zzd_account;
  std::string mobile;
  std::string landline;     // a fixed line, for channels that ring when there is no mobile
  std::string area_code;    // the post's area (per-area call caps count by its township)
  std::string title;        // short: the card title, the SMS lead
  std::string text;         // the body (markdown for ZZD)
  std::string ack_url;      // opening it confirms (the card's 收到 button)
  std::string report_url;   // the report-back form (回报), when the person's area owes one
  int64_t warning_id = 0;
  std::string level;        // red, orange, … (a webhook passes it on)
};

enum class SendOutcome {
  sent,       // the provider took it
  duplicate,  // the provider already had this idempotency key: it was sent before (counts as sent)
  retry,      // temporary: network, 5xx; tried again after a back-off (counts against the provider)
  deferred,   // the provider asked us to slow down (its rate limit): queued again after a pause,
              // the attempt not counted, the provider not thought down
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

class Provider {
 public:
  virtual ~Provider() = default;
  // The medium it carries.
  virtual const Medium& medium() const = 0;
  // The most messages one request carries (≤ medium().max_batch).
  virtual size_t max_batch() const { return 1; }
  // A message this provider cannot take at all (no contact, a text over the length limit):
  // failed at once, without a request. nullopt when it can go.
  virtual std::optional<SendResult> refuse(const OutboundMessage& message) const = 0;
  // The request that sends `batch` (1..max_batch() messages none of which refuse()).
  virtual HttpRequest encode(std::span<const OutboundMessage> batch) const = 0;
  // One result per message of `batch`, in order, from the provider's answer (or its absence:
  // response.transport_failed()).
  virtual std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const = 0;
};

// Sends one message and waits: refuse, encode, perform, decode (tests and tools; the daemon sends
// through the dispatcher, many at a time).
SendResult send_now(const Provider& provider, HttpClient& http, const OutboundMessage& message);

// The same result for every message of a batch (a request that failed as a whole).
std::vector<SendResult> same_for_all(size_t n, SendResult result);

}  // namespace jiaoying
