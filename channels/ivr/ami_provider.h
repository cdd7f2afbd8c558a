// The county's own PBX (Asterisk) as a provider of the ivr medium, over its manager interface
// (AMI, channels/ivr/ami.h): what still rings phones when the cloud voice platform cannot be
// reached. One TCP link, logged in with the manager's username and secret; each call is an
// asynchronous Originate into a dialplan context that reads the warning (the text in JY_TEXT),
// reads a key and reports it with UserEvent(JiaoyingResult) — packaging/asterisk has the
// context. The dial's outcome (OriginateResponse: busy, no answer, failed) and the dialplan's
// events become call results as the voice platform's reports do. At most `max_calls` calls are
// on the trunk at once; more wait their turn in the link.
//
// At most once, like every phone call here (LESSONS.md): an Originate written and never answered
// is `unknown`, never placed again; only what was never written is `retry`. docs/protocols/asterisk.md.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "channels/channel.h"

namespace jiaoying {

struct AmiSettings {
  std::string name = "asterisk";       // the provider's name, for the log
  std::string host;                    // the PBX
  std::string port = "5038";           // the manager interface's usual port
  std::string username, secret;        // a manager.conf user with originate (write) and call, user (read)
  std::string channel = "PJSIP/{number}@county-trunk";  // how a number is dialled out of the trunk
  std::string context = "jiaoying-warning";             // the dialplan that plays and reads the key
  std::string spot_check_context = "jiaoying-spotcheck";  // the 六问: each question read, a key after each
  std::string exten = "s";
  std::string caller_id;               // the number people see ringing
  size_t max_calls = 30;               // calls on the trunk at once (its channels)
  std::chrono::milliseconds timeout{10'000};       // for each action's Response
  std::chrono::milliseconds ring_timeout{45'000};  // the Originate's Timeout: how long it rings
  std::chrono::milliseconds call_time{300'000};    // a call never heard to end frees its line after this
  std::chrono::milliseconds keepalive{60'000};     // idle this long: Ping; three unanswered end the link
  std::chrono::milliseconds reconnect_min{1'000}, reconnect_max{60'000};
};

class AmiProvider final : public LinkProvider {
 public:
  explicit AmiProvider(AmiSettings settings);
  ~AmiProvider() override;

  const Medium& medium() const override { return *find_medium("ivr"); }
  std::optional<SendResult> refuse(const OutboundMessage& message) const override;
  void start(boost::asio::io_context& io, LinkEvents events) const override;
  void stop() const override;
  void submit(std::vector<OutboundMessage> batch, Done done) const override;

  const AmiSettings& settings() const { return settings_; }
  // The number dialled: the mobile, else the fixed line (its digits); "" when neither.
  static std::string number_of(const OutboundMessage& message);

 private:
  class Session;
  const AmiSettings settings_;
  mutable std::shared_ptr<Session> session_;  // set by start(), used on its thread only
};

}  // namespace jiaoying
