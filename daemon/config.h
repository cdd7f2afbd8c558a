// jiaoyingd's configuration: parsed once from YAML into plain structs (STYLE.md habit 5).
// Relative paths are resolved against the config file's folder. Nothing below main() sees YAML.
#pragma once

#include "rules/cap_signature.h"

#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "channels/broadcast/broadcast_channel.h"
#include "channels/call_limits.h"
#include "channels/ivr/ami_provider.h"
#include "channels/ivr/ivr_provider.h"
#include "channels/provider_limits.h"
#include "channels/sms/cmpp_provider.h"
#include "channels/sms/sms_provider.h"
#include "channels/webhook/webhook_provider.h"
#include "channels/zzd/ding_provider.h"
#include "channels/zzd/zzd_provider.h"
#include "rules/load_error.h"
#include "rules/time.h"

namespace jiaoying {

// A source of warnings. push: POST /api/v1/warnings with `Authorization: Bearer <token>`;
// spool: files dropped into <dir>/inbox, looked at every `interval`; poll: an Atom/RSS index
// of CAP entries, or one CAP alert, fetched from `url` every `interval`.
struct FeedConfig {
  std::string name;
  enum class Type { push, spool, poll } type = Type::push;
  std::string token;      // push
  std::string dir;        // spool
  std::string url;        // poll
  Millis interval{5000};  // spool, poll
  // `signed_by: [certs/met.pem, …]`: the feed takes only CAP alerts whose XML signature verifies
  // against one of these certificates (rules/cap_signature.h); empty: signatures are not required.
  std::vector<TrustedSigner> signed_by;
  int line = 0;
};

struct Config {
  std::string file;  // where it was read from
  // "file:line: key …" for each value still the packaged example's `CHANGE-ME…`: the offline
  // checks read such a config, jiaoyingd refuses to start on it.
  std::vector<std::string> placeholders;

  std::string listen = "127.0.0.1:8640";  // ingest and provider callbacks (TCP)
  std::string public_url;                 // how phones reach the ack links; default http://<listen>
  std::string admin_socket = "/run/jiaoying/jiaoying.sock";  // the CLI's admin API
  std::string metrics_listen;  // `metrics: { listen: host:port }`: GET /metrics there; empty: off
  std::string database = "/var/lib/jiaoying/jiaoying.db";
  std::string plans = "/etc/jiaoying/plans";        // folder of plan YAML files
  std::string directory = "/etc/jiaoying/directory.yaml";
  std::string templates = "/usr/share/jiaoying/templates";
  std::string callback_secret;  // HMAC key of the ack links; required, ≥ 16 characters
  size_t body_limit = 1 << 20;  // larger request bodies get 413

  // The engine.
  Millis tick{200};                     // how often due steps are looked for (real time)
  Millis collapse_after{2 * 60 * 1000};  // overdue steps beyond this are collapsed
  Millis retry_backoff{10'000};
  int max_attempts = 5;
  // A step's next rung waits for the step's notice to leave its provider, at most this long.
  Millis hold_limit{15 * 60 * 1000};

  // Where warnings come from. Without a push feed, nothing may post warnings over TCP.
  std::vector<FeedConfig> feeds;

  // Channels: under `channels:`, one section per medium (rules/media.h); an absent section means
  // the medium is not configured. A section is one provider, or `providers:` lists several in
  // order of preference (the first that is up takes the traffic; failover to the next). Every
  // provider takes the limits of ProviderLimits (rate, burst, concurrency, batch, min_level,
  // breaker) besides its own wire settings.
  struct Provider {
    std::string name;    // unique; a single provider is named after its medium
    std::string medium;  // zzd | sms | ivr | broadcast | webhook
    ProviderLimits limits;
    std::variant<ZzdSettings, DingSettings, SmsSettings, CmppSettings, IvrSettings, AmiSettings, WebhookSettings,
                 BroadcastSettings>
        settings;
    int line = 0;
    // `heartbeat: { to: <a test account>, every: 15m }`: a test message through this provider at
    // that interval (daemon/heartbeat.h); `to` is a Zhezhengding account (zzd), a mobile (sms,
    // ivr), and not asked for by a webhook (its url is the receiver). Empty `every`: none.
    std::string heartbeat_to;
    Millis heartbeat_every{0};
  };
  std::vector<Provider> providers;  // media in the order of rules/media.h, each in preference order

  // The voice platform pushes call reports to <public_url>/api/v1/callbacks/voice/<this>; it
  // signs nothing, so the unguessable path is what keeps forged reports out (≥ 16 characters).
  std::string ivr_report_token;
  // Calls: the carriers' per-number caps and the per-township cap on calls ringing at once
  // (channels.ivr.calls).
  CallLimitSettings call_limits;
  // The SMS platforms push delivery receipts to <public_url>/api/v1/callbacks/sms/<token>/report
  // and people's replies to …/reply; like the voice platform they sign nothing (≥ 16 characters).
  std::string sms_callback_token;
  // The county emergency-broadcast platform's playback reports arrive at
  // /api/v1/callbacks/broadcast, trusted because they verify with `platform_key`.
  std::string broadcast_key_pem;           // ours, SM2 private (PEM text, read from `key`)
  std::string broadcast_platform_key_pem;  // the platform's, SM2 public

  // The media with at least one provider.
  std::set<std::string> media() const;
  // The first provider of `medium` with settings of type S, or nullptr.
  template <class S>
  const S* first(std::string_view medium) const {
    for (const Provider& p : providers)
      if (p.medium == medium)
        if (const S* s = std::get_if<S>(&p.settings)) return s;
    return nullptr;
  }
};

// Reads and validates; on error returns nullopt with `file:line: message` entries.
std::optional<Config> load_config(const std::string& path, LoadErrors& errors);

}  // namespace jiaoying
