// A carrier's SMS gateway over CMPP 2.0 or 3.0 as a provider of the sms medium: what still
// reaches phones when the cloud SMS platform cannot be reached (a county's own line to the
// carrier). One TCP link, logged in with the AuthenticatorSource and checked by the gateway's
// AuthenticatorISMG; each text goes as UCS2 SUBMITs (long ones in parts behind a UDH), at most
// `window` unanswered at once; status reports and people's replies arrive as DELIVERs and become
// receipts and replies, as the cloud platform's pushes do. ACTIVE_TEST keeps the link alive; a
// lost link is reopened with back-off (1 s doubling to 60 s, with jitter).
//
// At most once, like every SMS provider here (LESSONS.md): a text whose SUBMIT was written and
// never answered (link lost, no SUBMIT_RESP in time) is `unknown` and never sent again; only what
// was never written is `retry`. Flow control (Result 8) is `deferred`. docs/protocols/cmpp.md.
//
// Configuration and counters are this object's; the link's state lives on the network thread
// that start() was given, which every other call must be made on.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "channels/channel.h"
#include "channels/sms/cmpp.h"

namespace jiaoying {

struct CmppSettings {
  std::string name = "cmpp";  // the provider's name, for the log
  std::string host;           // the gateway (ISMG)
  std::string port = "7890";  // CMPP's usual port
  cmpp::Version version = cmpp::Version::v30;
  std::string sp_id;          // Source_Addr and Msg_src: the SP's 6-character id
  std::string secret;         // the shared secret of the login
  std::string service_id;     // Service_Id (≤ 10), as the carrier assigned
  std::string src_id;         // the service number people see and text back (1069…, ≤ 21)
  std::string sign_name;      // shown as 【sign】 before every text, as carriers require
  size_t window = 16;         // SUBMITs unanswered at once
  size_t batch = 1;           // texts the dispatcher hands over at once (each is its own SUBMIT)
  std::chrono::milliseconds timeout{10'000};    // for CONNECT_RESP and each SUBMIT_RESP
  std::chrono::milliseconds keepalive{60'000};  // idle this long: ACTIVE_TEST; three unanswered end the link
  std::chrono::milliseconds reconnect_min{1'000}, reconnect_max{60'000};
  std::chrono::hours receipt_wait{48};  // how long a sent text's Msg_Id is remembered for its report
};

class CmppProvider final : public LinkProvider {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  CmppProvider(CmppSettings settings, WallClock wall_clock);
  ~CmppProvider() override;

  const Medium& medium() const override { return *find_medium("sms"); }
  size_t max_batch() const override { return settings_.batch; }
  std::optional<SendResult> refuse(const OutboundMessage& message) const override;
  void start(boost::asio::io_context& io, LinkEvents events) const override;
  void stop() const override;
  void submit(std::vector<OutboundMessage> batch, Done done) const override;

  const CmppSettings& settings() const { return settings_; }
  // The text as it goes to the phone: 【sign】 and the message's text.
  std::string text_of(const OutboundMessage& message) const;

 private:
  class Session;
  const CmppSettings settings_;
  const WallClock wall_clock_;
  mutable std::shared_ptr<Session> session_;  // set by start(), used on its thread only
};

}  // namespace jiaoying
