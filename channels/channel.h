// A provider carries one medium (rules/media.h) for people: the Zhezhengding open platform for
// zzd, an Alibaba Cloud SMS account or a carrier's CMPP gateway for sms, the voice platform for
// ivr, a county system's endpoint for webhook. Two kinds, told apart by http() and link():
// - an HttpProvider is only its wire: encode() builds the HTTP request that sends a batch of
//   messages, decode() reads the answer into one result per message. It holds no connection and
//   never blocks: the transport (channels/async_http.h, or HttpClient in tests and tools) carries
//   the request. encode/decode may be called from any thread at once (the only shared state, a
//   nonce generator, is locked).
// - a LinkProvider keeps one long-lived connection of its own (CMPP to a carrier's SMS gateway):
//   it is started on the network thread's loop, submits batches over its link, and reports what
//   arrives on the link (receipts, replies) as events.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "channels/http_client.h"
#include "rules/media.h"

namespace boost::asio {
class io_context;
}

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

// What came of one request (or one batch submitted over a link).
struct Delivery {
  std::vector<SendResult> results;  // one per message, in order
  // The provider itself failed (no answer, 5xx, an answer that could not be read, its link down):
  // what its circuit breaker counts. A refusal of one message or a rate limit is not a fault.
  bool fault = false;
  std::string fault_detail;
};

class HttpProvider;
class LinkProvider;

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
  // Exactly one of these is not null: how the provider's messages travel.
  virtual const HttpProvider* http() const { return nullptr; }
  virtual const LinkProvider* link() const { return nullptr; }
};

class HttpProvider : public Provider {
 public:
  const HttpProvider* http() const final { return this; }
  // The request that sends `batch` (1..max_batch() messages none of which refuse()).
  virtual HttpRequest encode(std::span<const OutboundMessage> batch) const = 0;
  // One result per message of `batch`, in order, from the provider's answer (or its absence:
  // response.transport_failed()).
  virtual std::vector<SendResult> decode(std::span<const OutboundMessage> batch, const HttpResponse& response) const = 0;
};

// How one call ended, as a link (an Asterisk PBX) reports it.
struct CallEnd {
  int64_t message_id = 0;
  std::string call_id;      // the provider's
  std::string status_code;  // the voice platform's vocabulary (above)
  std::string dtmf;         // keys pressed
  std::string duration;     // seconds, when known
};

// What arrives on a link besides the answers to our submits, called on the link's thread. Each
// is acknowledged to the far end only once `filed` is told true (on the link's thread again):
// told false (the store could not take it), the far end is asked to send it again.
struct LinkEvents {
  using Filed = std::function<void(bool)>;
  // A delivery receipt for a message we sent (message_id 0: one sent outside the record).
  std::function<void(int64_t message_id, const std::string& phone, const std::string& ref, bool delivered,
                     const std::string& code, Filed filed)>
      receipt;
  // A text a person sent to our service number.
  std::function<void(const std::string& phone, const std::string& text, Filed filed)> reply;
  // How a call we placed ended, in the voice platform's words (status_code 200000 heard to the
  // end, 300000 a key pressed, 200002 busy, 200003 no answer, 200005 failed: docs/protocols/voice.md).
  std::function<void(const CallEnd& call, Filed filed)> call_ended;
};

class LinkProvider : public Provider {
 public:
  const LinkProvider* link() const final { return this; }
  // Opens the link on `io` and keeps it open (reconnecting with back-off) until stop(). Every
  // call below, every `done` and every event happens on the thread running `io`.
  virtual void start(boost::asio::io_context& io, LinkEvents events) const = 0;
  // Closes the link; what is still queued or unanswered is answered first (retry: nothing was
  // sent; unknown: it may have been).
  virtual void stop() const = 0;
  // Sends `batch` (1..max_batch() messages none of which refuse()); `done` hears one result per
  // message once each is answered, timed out, or lost with the link.
  using Done = std::function<void(Delivery)>;
  virtual void submit(std::vector<OutboundMessage> batch, Done done) const = 0;
};

// Sends one message and waits: refuse, encode, perform, decode (tests and tools; the daemon sends
// through the dispatcher, many at a time).
SendResult send_now(const HttpProvider& provider, HttpClient& http, const OutboundMessage& message);

// Whether no result says the provider answered: each is retry or unknown (a provider failing,
// not a message refused), which its circuit breaker counts.
bool all_doubtful(const std::vector<SendResult>& results);

// The same result for every message of a batch (a request that failed as a whole).
std::vector<SendResult> same_for_all(size_t n, SendResult result);

}  // namespace jiaoying
