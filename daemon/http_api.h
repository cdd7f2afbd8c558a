// jiaoyingd's HTTP surface, as plain request → response functions (no sockets: testable as
// they are). The public side (TCP) takes warnings, the ack and report-back links people open, and
// the voice platform's call reports and the SMS platform's receipts and replies — each behind its
// own token — and the broadcast platform's
// playback reports (SM2-signed); the admin side (the Unix socket,
// for the CLI) adds the read views. Both run on the io thread with the engine.
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "channels/http_server.h"
#include "daemon/engine.h"
#include "daemon/metrics.h"
#include "daemon/storage_watch.h"
#include "rules/cap_signature.h"
#include "daemon/provider_board.h"
#include "daemon/views.h"

namespace jiaoying {

class HttpApi {
 public:
  // `changed` is called after anything that may have queued messages (the dispatcher's pump);
  // `reload` re-reads the directory, plans and templates and says what happened (ok, message).
  using Reload = std::function<std::pair<bool, std::string>()>;
  HttpApi(Engine& engine, Views& views, const Clock& clock, std::function<void()> changed, Reload reload = {});

  // The bearer token of each push feed, by feed name. No token, no push ingest.
  void set_push_tokens(std::map<std::string, std::string> tokens) { push_tokens_ = std::move(tokens); }
  // The path token of the voice platform's report callback; empty = no such endpoint.
  void set_voice_report_token(std::string token) { voice_report_token_ = std::move(token); }
  // The path token of the SMS platform's receipt and reply pushes; empty = no such endpoints.
  void set_sms_callback_token(std::string token) { sms_token_ = std::move(token); }
  // Receipts of texts sent outside the record (message 0: a heartbeat, an alarm about jiaoying
  // itself) go here, not to the engine: (phone, delivered, the carrier's code).
  using UnrecordedReceipt = std::function<void(const std::string&, bool, const std::string&)>;
  void set_unrecorded_sms_receipt(UnrecordedReceipt hook) { unrecorded_receipt_ = std::move(hook); }
  // The broadcast channel, which opens the platform's playback reports; null = no such endpoint.
  void set_broadcast(const BroadcastChannel* broadcast) { broadcast_ = broadcast; }
  // Told of every call whose report arrived (the dispatcher frees its township's line).
  void set_call_ended(std::function<void(int64_t message_id)> call_ended) { call_ended_ = std::move(call_ended); }

  ServerResponse handle_public(const ServerRequest& request);
  ServerResponse handle_admin(const ServerRequest& request);
  // The admin API's read-only views (health, warnings, one warning, its events, its report) on
  // any connection to the store — the daemon answers them on their own thread with a reading
  // connection, so a duty officer's look never waits for the engine. nullopt: not a view.
  // `board` (may be null) adds the providers' state to the warning list.
  // `storage` (may be null) adds a storage fault to the health and the list.
  // `metrics` (may be null) gives GET /api/v1/status the engine loop's lag and the start.
  static std::optional<ServerResponse> read_admin(Views& views, const Clock& clock, const ServerRequest& request,
                                                  const ProviderBoard* board = nullptr,
                                                  const StorageWatch* storage = nullptr,
                                                  const Metrics* metrics = nullptr);
  // The watch on the store's disk: a write refused for a storage fault is answered 503 naming it,
  // and /healthz fails while it lasts.
  void set_storage_watch(StorageWatch* watch) { storage_ = watch; }
  // The push feeds that take only signed CAP, by name, with the certificates each trusts.
  void set_feed_signers(std::map<std::string, std::vector<TrustedSigner>> signers) { feed_signers_ = std::move(signers); }

 private:
  std::optional<ServerResponse> desk_action(const ServerRequest& req);
  ServerResponse post_warning(const ServerRequest& request, const std::string& actor);
  ServerResponse ack_link(const ServerRequest& request);
  ServerResponse report_link(const ServerRequest& request);
  ServerResponse voice_report(const ServerRequest& request);
  ServerResponse broadcast_report(const ServerRequest& request);
  ServerResponse sms_push(const ServerRequest& request);
  std::optional<std::string> push_source(const ServerRequest& request) const;

  ServerResponse failed(const ServerRequest& request, const std::exception& e, const char* side);

  Engine& engine_;
  StorageWatch* storage_ = nullptr;
  std::map<std::string, std::vector<TrustedSigner>> feed_signers_;
  Views& views_;
  const Clock& clock_;
  std::function<void()> changed_;
  Reload reload_;
  std::map<std::string, std::string> push_tokens_;
  std::string voice_report_token_;
  const BroadcastChannel* broadcast_ = nullptr;
  std::function<void(int64_t)> call_ended_;
  std::string sms_token_;
  UnrecordedReceipt unrecorded_receipt_;
};

}  // namespace jiaoying
