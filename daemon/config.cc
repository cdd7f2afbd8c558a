#include "daemon/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "channels/http_server.h"
#include "daemon/rule_files.h"
#include "rules/yaml_reader.h"

namespace jiaoying {

namespace {

std::string resolve(const std::filesystem::path& base, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

}  // namespace

namespace {

// A provider's address as configured under `key`: http(s), trailing slashes dropped.
std::string provider_url(YamlReader& yr, const YAML::Node& v, const char* key, std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    yr.error(v[key], std::string(key) + " must start with http:// or https://");
  return url;
}

// A callback's path token: what keeps forged pushes out, so not short.
void check_token(YamlReader& yr, const YAML::Node& v, const char* key, const std::string& token) {
  if (token.size() < 16) yr.error(v[key], std::string(key) + " must be at least 16 characters");
}

// The keys every provider takes besides its wire settings (ProviderLimits).
constexpr std::string_view kLimitKeys[] = {"rate", "burst", "concurrency", "batch", "min_level", "breaker",
                                           "heartbeat"};

void read_heartbeat(YamlReader& yr, const YAML::Node& v, const std::string& what, const std::string& medium,
                    Config::Provider& p) {
  const YAML::Node h = v["heartbeat"];
  if (!h.IsDefined()) return;
  const std::string where = what + " heartbeat";
  if (medium == "broadcast")
    return yr.error(h, "the broadcast platform has no heartbeat (a test EBM would play on the loudspeakers)");
  if (medium == "zzd-ding")
    return yr.error(h, "DING has no heartbeat (it would ring a person's app at every beat): the zzd provider's tests the platform");
  if (!h.IsMap()) return yr.error(h, where + " must be a mapping: { to: <test account>, every: 15m }");
  if (!yr.only_keys(h, {"to", "every"}, where)) return;
  const auto every = yr.duration(h, "every", true);
  if (!every) return;
  if (*every < Millis(1000)) return yr.error(h["every"], where + ": every must be 1s or more");
  if (medium != "webhook") {
    const auto to = yr.scalar(h, "to", true);
    if (!to) return;
    const bool digits = !to->empty() && std::all_of(to->begin(), to->end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (medium != "zzd" && (!digits || to->size() != 11))
      return yr.error(h["to"], where + ": to must be the test phone's 11-digit mobile, not '" + *to + "'");
    if (medium == "zzd" && to->empty()) return yr.error(h["to"], where + ": to must be a Zhezhengding account id");
    p.heartbeat_to = *to;
  }
  p.heartbeat_every = *every;
}

ProviderLimits read_limits(YamlReader& yr, const YAML::Node& v, const std::string& what, size_t max_batch) {
  ProviderLimits l;
  auto number = [&](const char* key, double lo, double hi) -> std::optional<double> {
    auto text = yr.scalar(v, key, false);
    if (!text) return std::nullopt;
    try {
      size_t used = 0;
      double n = std::stod(*text, &used);
      if (used != text->size() || n < lo || n > hi) throw std::out_of_range(key);
      return n;
    } catch (...) {
      yr.error(v[key], fmt::format("{}.{} must be a number from {} to {}", what, key, lo, hi));
      return std::nullopt;
    }
  };
  if (auto n = number("rate", 0, 1e6)) l.rate = *n;
  if (auto n = number("burst", 1, 1e6)) l.burst = *n;
  if (auto n = number("concurrency", 1, 10000)) l.concurrency = static_cast<size_t>(*n);
  if (auto n = number("batch", 1, static_cast<double>(max_batch))) l.batch = static_cast<size_t>(*n);
  if (auto level = yr.scalar(v, "min_level", false)) {
    if (auto parsed = parse_level(*level)) l.min_level = *parsed;
    else yr.error(v["min_level"], what + ".min_level '" + *level + "' must be red, orange, yellow or blue");
  }
  if (YAML::Node b = v["breaker"]; b.IsDefined()) {
    if (yr.only_keys(b, {"failures", "cool_down", "max_cool_down"}, what + ".breaker")) {
      if (auto f = yr.scalar(b, "failures", false)) {
        try {
          l.breaker.failures = std::stoi(*f);
          if (l.breaker.failures < 1 || l.breaker.failures > 1000) throw std::out_of_range("failures");
        } catch (...) {
          yr.error(b["failures"], what + ".breaker.failures must be a number from 1 to 1000");
        }
      }
      if (auto d = yr.duration(b, "cool_down", false)) l.breaker.cool_down = *d;
      if (auto d = yr.duration(b, "max_cool_down", false)) l.breaker.max_cool_down = *d;
      if (l.breaker.max_cool_down < l.breaker.cool_down) l.breaker.max_cool_down = l.breaker.cool_down;
    }
  }
  return l;
}

std::optional<ZzdSettings> read_zzd(YamlReader& yr, const YAML::Node& v) {
  ZzdSettings s;
  auto url = yr.scalar(v, "base_url");
  auto key = yr.scalar(v, "api_key");
  auto secret = yr.scalar(v, "secret_key");
  auto tenant = yr.scalar(v, "tenant_id");
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (!url || !key || !secret || !tenant) return std::nullopt;
  s.base_url = provider_url(yr, v, "base_url", *url);
  s.credentials = {*key, *secret};
  s.tenant_id = *tenant;
  return s;
}

// DING on the Zhezhengding open platform (/gov/ding/isv/send.json): the same app's credentials,
// and the account the DINGs are sent in the name of.
std::optional<DingSettings> read_ding(YamlReader& yr, const YAML::Node& v, const std::string& what) {
  DingSettings s;
  auto url = yr.scalar(v, "base_url");
  auto key = yr.scalar(v, "api_key");
  auto secret = yr.scalar(v, "secret_key");
  auto tenant = yr.scalar(v, "tenant_id");
  auto creator = yr.scalar(v, "creator");
  if (auto notify = yr.scalar(v, "notify", false)) {
    if (*notify != "app" && *notify != "sms")
      yr.error(v["notify"], what + ": notify must be app (it rings the app) or sms (the platform texts it), not '" +
                                *notify + "'");
    else s.notify_type = *notify;
  }
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (!url || !key || !secret || !tenant || !creator) return std::nullopt;
  s.base_url = provider_url(yr, v, "base_url", *url);
  s.credentials = {*key, *secret};
  s.tenant_id = *tenant;
  s.creator = *creator;
  return s;
}

// The voice platform (IvrCall).
std::optional<IvrSettings> read_ivr(YamlReader& yr, const YAML::Node& v) {
  IvrSettings s;
  auto url = yr.scalar(v, "base_url");
  auto id = yr.scalar(v, "access_key_id");
  auto secret = yr.scalar(v, "access_key_secret");
  auto show = yr.scalar(v, "show_number");
  auto start = yr.scalar(v, "start_code");
  auto confirm = yr.scalar(v, "confirm_code");
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (auto t = yr.duration(v, "key_timeout", false)) s.key_timeout = *t;
  if (auto n = yr.scalar(v, "play_times", false)) {
    if (*n == "1" || *n == "2" || *n == "3") s.play_times = std::stoi(*n);
    else yr.error(v["play_times"], "play_times must be 1, 2 or 3");
  }
  if (!url || !id || !secret || !show || !start || !confirm) return std::nullopt;
  s.base_url = provider_url(yr, v, "base_url", *url);
  s.key = {*id, *secret};
  s.show_number = *show;
  s.start_code = *start;
  s.confirm_code = *confirm;
  if (auto code = yr.scalar(v, "spot_check_code", false)) s.spot_check_code = *code;
  return s;
}

// The SMS platform (SendSms, SendBatchSms).
std::optional<SmsSettings> read_sms(YamlReader& yr, const YAML::Node& v, const ProviderLimits& limits) {
  SmsSettings s;
  auto url = yr.scalar(v, "base_url");
  auto id = yr.scalar(v, "access_key_id");
  auto secret = yr.scalar(v, "access_key_secret");
  auto sign = yr.scalar(v, "sign_name");
  auto code = yr.scalar(v, "template_code");
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (limits.batch) s.batch = limits.batch;
  if (!url || !id || !secret || !sign || !code) return std::nullopt;
  s.base_url = provider_url(yr, v, "base_url", *url);
  s.key = {*id, *secret};
  s.sign_name = *sign;
  s.template_code = *code;
  return s;
}

// A link provider's `address` (host:port) into host and port; false (with the error at its line)
// when it is not one.
bool read_address(YamlReader& yr, const YAML::Node& v, const std::string& what, const std::string& address,
                  const char* example, std::string& host, std::string& port) {
  const auto colon = address.rfind(':');
  port = colon == std::string::npos ? "" : address.substr(colon + 1);
  if (colon == std::string::npos || colon == 0 || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    yr.error(v["address"], what + ": address must be host:port, e.g. " + example);
    return false;
  }
  host = address.substr(0, colon);
  return true;
}

// The county PBX over its manager interface (`protocol: ami`, channels/ivr/ami_provider.h).
std::optional<AmiSettings> read_ami(YamlReader& yr, const YAML::Node& v, const std::string& name, const std::string& what) {
  AmiSettings s;
  s.name = name;
  auto address = yr.scalar(v, "address");
  auto user = yr.scalar(v, "username");
  auto secret = yr.scalar(v, "secret");
  if (auto channel = yr.scalar(v, "channel", false)) {
    if (channel->find("{number}") == std::string::npos || channel->find('/') == std::string::npos)
      yr.error(v["channel"], what + ": channel must dial {number} out of a trunk, e.g. PJSIP/{number}@county-trunk");
    else s.channel = *channel;
  }
  if (auto context = yr.scalar(v, "context", false)) s.context = *context;
  if (auto context = yr.scalar(v, "spot_check_context", false)) s.spot_check_context = *context;
  if (auto caller = yr.scalar(v, "caller_id", false)) s.caller_id = *caller;
  if (auto n = yr.scalar(v, "max_calls", false)) {
    try {
      const int calls = std::stoi(*n);
      if (calls < 1 || calls > 10000) throw std::out_of_range("max_calls");
      s.max_calls = static_cast<size_t>(calls);
    } catch (...) {
      yr.error(v["max_calls"], what + ": max_calls must be the trunk's calls at once, 1 to 10000");
    }
  }
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (auto t = yr.duration(v, "ring_timeout", false)) s.ring_timeout = *t;
  if (auto t = yr.duration(v, "call_time", false)) s.call_time = *t;
  if (auto k = yr.duration(v, "keepalive", false)) {
    if (*k < Millis(1000)) yr.error(v["keepalive"], what + ": keepalive must be 1s or more");
    else s.keepalive = *k;
  }
  if (!address || !user || !secret) return std::nullopt;
  if (!read_address(yr, v, what, *address, "10.0.0.2:5038", s.host, s.port)) return std::nullopt;
  s.username = *user;
  s.secret = *secret;
  return s;
}

// A carrier's SMS gateway over CMPP (`protocol: cmpp`, channels/sms/cmpp_provider.h).
std::optional<CmppSettings> read_cmpp(YamlReader& yr, const YAML::Node& v, const ProviderLimits& limits,
                                      const std::string& name, const std::string& what) {
  CmppSettings s;
  s.name = name;
  auto address = yr.scalar(v, "address");
  auto sp = yr.scalar(v, "sp_id");
  auto secret = yr.scalar(v, "shared_secret");
  auto service = yr.scalar(v, "service_id");
  auto src = yr.scalar(v, "src_id");
  auto sign = yr.scalar(v, "sign_name");
  if (auto version = yr.scalar(v, "version", false)) {
    if (*version == "2.0") s.version = cmpp::Version::v20;
    else if (*version != "3.0") yr.error(v["version"], what + ": version must be \"2.0\" or \"3.0\", not '" + *version + "'");
  }
  if (auto w = yr.scalar(v, "window", false)) {
    try {
      const int n = std::stoi(*w);
      if (n < 1 || n > 256) throw std::out_of_range("window");
      s.window = static_cast<size_t>(n);
    } catch (...) {
      yr.error(v["window"], what + ": window must be a number of SUBMITs from 1 to 256 (16 is usual)");
    }
  }
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (auto k = yr.duration(v, "keepalive", false)) {
    if (*k < Millis(1000)) yr.error(v["keepalive"], what + ": keepalive must be 1s or more (the specification's is 180s)");
    else s.keepalive = *k;
  }
  if (limits.batch) s.batch = limits.batch;
  if (!address || !sp || !secret || !service || !src || !sign) return std::nullopt;
  if (!read_address(yr, v, what, *address, "10.0.0.1:7890 (the carrier's gateway)", s.host, s.port)) return std::nullopt;
  if (sp->size() != 6) yr.error(v["sp_id"], what + ": sp_id must be the 6-character SP id the carrier assigned");
  if (service->size() > 10) yr.error(v["service_id"], what + ": service_id is at most 10 characters");
  if (src->size() > 21 || src->empty() ||
      !std::all_of(src->begin(), src->end(), [](char c) { return c >= '0' && c <= '9'; }))
    yr.error(v["src_id"], what + ": src_id must be the service number (digits, at most 21), e.g. 1069000");
  s.sp_id = *sp;
  s.secret = *secret;
  s.service_id = *service;
  s.src_id = *src;
  s.sign_name = *sign;
  return s;
}

// A signed JSON webhook (channels/webhook).
std::optional<WebhookSettings> read_webhook(YamlReader& yr, const YAML::Node& v, const ProviderLimits& limits) {
  WebhookSettings s;
  auto url = yr.scalar(v, "url");
  auto secret = yr.scalar(v, "secret");
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (limits.batch) s.batch = limits.batch;
  if (!url || !secret) return std::nullopt;
  s.url = provider_url(yr, v, "url", *url);
  check_token(yr, v, "secret", *secret);
  s.secret = *secret;
  return s;
}

// channels.ivr.calls: the carriers' caps and the township exchange's.
void read_call_limits(YamlReader& yr, const YAML::Node& v, CallLimitSettings& out) {
  if (!yr.only_keys(v, {"per_minute", "per_hour", "per_day", "per_township", "call_time"}, "channels.ivr.calls")) return;
  for (auto [key, field] : {std::pair{"per_minute", &out.per_minute}, std::pair{"per_hour", &out.per_hour},
                            std::pair{"per_day", &out.per_day}, std::pair{"per_township", &out.per_township}}) {
    if (auto n = yr.scalar(v, key, false)) {
      try {
        *field = std::stoi(*n);
        if (*field < 0 || *field > 100000) throw std::out_of_range(key);
      } catch (...) {
        yr.error(v[key], std::string("channels.ivr.calls.") + key + " must be a number from 0 (no cap) to 100000");
      }
    }
  }
  if (auto d = yr.duration(v, "call_time", false)) out.call_time = *d;
}

// A 23-digit resource id (EBRID).
bool is_ebrid(const std::string& s) {
  return s.size() == 23 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An SM2 key file: its PEM text, or an error at the key's line.
std::optional<std::string> read_sm2_key(YamlReader& yr, const YAML::Node& v, const char* key,
                                        const std::filesystem::path& base, bool need_private) {
  auto path = yr.scalar(v, key);
  if (!path) return std::nullopt;
  const std::string file = resolve(base, *path);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    yr.error(v[key], std::string(key) + ": cannot read " + file);
    return std::nullopt;
  }
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string error;
  auto k = ebd::Sm2Key::from_pem(pem, error);
  if (!k) {
    yr.error(v[key], std::string(key) + ": " + file + " is " + error);
    return std::nullopt;
  }
  if (need_private && !k->has_private()) {
    yr.error(v[key], std::string(key) + ": " + file + " is a public key; signing needs the private key");
    return std::nullopt;
  }
  return pem;
}

// channels.broadcast: the county emergency-broadcast platform (GY/T EBD over HTTP).
std::optional<BroadcastSettings> read_broadcast(YamlReader& yr, const YAML::Node& v, const std::filesystem::path& base,
                                                Config& c) {
  BroadcastSettings s;
  auto url = yr.scalar(v, "url");
  auto ebrid = yr.scalar(v, "ebrid");
  auto platform = yr.scalar(v, "platform_ebrid");
  auto sender = yr.scalar(v, "sender_name");
  auto cert = yr.scalar(v, "cert_sn");
  auto key = read_sm2_key(yr, v, "key", base, true);
  auto platform_key = read_sm2_key(yr, v, "platform_key", base, false);
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (YAML::Node types = v["event_types"]; types.IsDefined()) {
    if (!types.IsMap()) {
      yr.error(types, "event_types must map hazards to event classes: { rainstorm: \"11B03\" }");
    } else {
      for (auto it = types.begin(); it != types.end(); ++it) {
        const std::string hazard = it->first.as<std::string>(), code = it->second.as<std::string>("");
        if (!find_hazard(hazard)) yr.error(it->first, "event_types: unknown hazard '" + hazard + "'");
        else if (code.size() != 5) yr.error(it->second, "event_types: '" + code + "' must be a 5-character class, e.g. 11B03");
        else s.event_types[hazard] = code;
      }
    }
  }
  if (!url || !ebrid || !platform || !sender || !cert || !key || !platform_key) return std::nullopt;
  if (!is_ebrid(*ebrid)) yr.error(v["ebrid"], "ebrid '" + *ebrid + "' must be a 23-digit resource id");
  if (!is_ebrid(*platform))
    yr.error(v["platform_ebrid"], "platform_ebrid '" + *platform + "' must be a 23-digit resource id");
  s.url = provider_url(yr, v, "url", *url);
  s.ebrid = *ebrid;
  s.dest_ebrid = *platform;
  s.sender_name = *sender;
  s.cert_sn = *cert;
  c.broadcast_key_pem = *key;
  c.broadcast_platform_key_pem = *platform_key;
  return s;
}

// The wire settings each medium's providers take.
std::vector<std::string_view> wire_keys(std::string_view medium) {
  if (medium == "zzd") return {"base_url", "api_key", "secret_key", "tenant_id", "timeout"};
  if (medium == "zzd-ding") return {"base_url", "api_key", "secret_key", "tenant_id", "creator", "notify", "timeout"};
  if (medium == "sms") return {"base_url", "access_key_id", "access_key_secret", "sign_name", "template_code", "timeout"};
  if (medium == "ivr")
    return {"base_url", "access_key_id", "access_key_secret", "show_number", "start_code", "confirm_code",
            "spot_check_code", "play_times", "key_timeout", "timeout"};
  if (medium == "webhook") return {"url", "secret", "timeout"};
  if (medium == "ivr-ami")
    return {"protocol", "address", "username", "secret", "channel", "context", "spot_check_context", "caller_id",
            "max_calls", "timeout", "ring_timeout", "call_time", "keepalive"};
  if (medium == "sms-cmpp")
    return {"protocol", "address", "version", "sp_id", "shared_secret", "service_id", "src_id", "sign_name", "window",
            "timeout", "keepalive"};
  if (medium == "broadcast")
    return {"url", "ebrid", "platform_ebrid", "sender_name", "key", "cert_sn", "platform_key", "event_types", "timeout"};
  return {};
}

// What a medium's section holds for all its providers (callback tokens, call limits).
std::vector<std::string_view> medium_keys(std::string_view medium) {
  if (medium == "sms") return {"callback_token"};
  if (medium == "ivr") return {"report_token", "calls"};
  return {};
}

void read_provider(YamlReader& yr, const YAML::Node& v, const Medium& medium, std::string name, bool alone,
                   const std::filesystem::path& base, Config& c) {
  const std::string what = alone ? "channels." + std::string(medium.name) : "channels." + std::string(medium.name) + " provider '" + name + "'";
  // An SMS or voice provider speaks the cloud platform's API unless it names another protocol:
  // `cmpp` (a carrier's SMS gateway) or `ami` (the county's Asterisk PBX).
  const YAML::Node protocol = v["protocol"];
  const std::string wire = protocol.IsDefined() ? protocol.as<std::string>("") : "";
  const bool cmpp = medium.name == "sms" && wire == "cmpp";
  const bool ami = medium.name == "ivr" && wire == "ami";
  if (protocol.IsDefined() && !cmpp && !ami) {
    yr.error(protocol, what + ": protocol '" + wire + "' is not known" +
                           (medium.name == "sms"   ? " (cmpp, or leave it out for the cloud SMS API)"
                            : medium.name == "ivr" ? " (ami, or leave it out for the cloud voice API)"
                                                   : " for this medium"));
    return;
  }
  std::vector<std::string_view> allowed = wire_keys(cmpp ? "sms-cmpp" : ami ? "ivr-ami" : medium.name);
  allowed.insert(allowed.end(), std::begin(kLimitKeys), std::end(kLimitKeys));
  if (alone) {
    auto more = medium_keys(medium.name);
    allowed.insert(allowed.end(), more.begin(), more.end());
  } else {
    allowed.push_back("name");
  }
  if (!yr.only_keys(v, allowed, what)) return;
  Config::Provider p;
  p.name = std::move(name);
  p.medium = std::string(medium.name);
  p.line = YamlReader::line_of(v);
  p.limits = read_limits(yr, v, what, medium.max_batch);
  read_heartbeat(yr, v, what, std::string(medium.name), p);
  bool ok = false;
  if (medium.name == "zzd") {
    if (auto s = read_zzd(yr, v)) p.settings = *s, ok = true;
  } else if (medium.name == "zzd-ding") {
    if (auto s = read_ding(yr, v, what)) p.settings = *s, ok = true;
  } else if (cmpp) {
    if (auto s = read_cmpp(yr, v, p.limits, p.name, what)) p.settings = *s, ok = true;
  } else if (ami) {
    if (auto s = read_ami(yr, v, p.name, what)) p.settings = *s, ok = true;
  } else if (medium.name == "sms") {
    if (auto s = read_sms(yr, v, p.limits)) p.settings = *s, ok = true;
  } else if (medium.name == "ivr") {
    if (auto s = read_ivr(yr, v)) p.settings = *s, ok = true;
  } else if (medium.name == "webhook") {
    if (auto s = read_webhook(yr, v, p.limits)) p.settings = *s, ok = true;
  } else if (medium.name == "broadcast") {
    if (!alone) yr.error(v, "the broadcast channel has one county platform: no providers list");
    else if (auto s = read_broadcast(yr, v, base, c)) p.settings = *s, ok = true;
  }
  for (const Config::Provider& other : c.providers)
    if (other.name == p.name) {
      yr.error(v, "provider '" + p.name + "' is defined twice (each provider needs its own name)");
      ok = false;
    }
  if (ok) c.providers.push_back(std::move(p));
}

// One medium's section: its own keys, and one provider inline or a `providers:` list.
void read_medium(YamlReader& yr, const YAML::Node& v, const Medium& medium, const std::filesystem::path& base,
                 Config& c) {
  const std::string what = "channels." + std::string(medium.name);
  if (!v.IsMap()) return yr.error(v, what + " must be a mapping");
  YAML::Node list = v["providers"];
  if (!list.IsDefined()) {
    read_provider(yr, v, medium, std::string(medium.name), true, base, c);
  } else {
    std::vector<std::string_view> allowed = medium_keys(medium.name);
    allowed.push_back("providers");
    if (!yr.only_keys(v, allowed, what + " (with a providers list, the providers' settings go in the list)")) return;
    if (!list.IsSequence() || list.size() == 0) return yr.error(list, what + ".providers must be a non-empty list");
    for (const YAML::Node& p : list) {
      if (!p.IsMap()) {
        yr.error(p, what + ".providers: each provider is a mapping with a name");
        continue;
      }
      if (auto name = yr.scalar(p, "name")) read_provider(yr, p, medium, *name, false, base, c);
    }
  }
  // What the medium's providers share: where their pushes arrive, the calls' limits.
  if (medium.name == "sms") {
    if (auto token = yr.scalar(v, "callback_token")) {
      check_token(yr, v, "callback_token", *token);
      c.sms_callback_token = *token;
    }
  }
  if (medium.name == "ivr") {
    if (auto token = yr.scalar(v, "report_token")) {
      check_token(yr, v, "report_token", *token);
      c.ivr_report_token = *token;
    }
    if (YAML::Node calls = v["calls"]; calls.IsDefined()) read_call_limits(yr, calls, c.call_limits);
  }
}

}  // namespace

namespace {
std::optional<Config> read_config(const std::string& path, LoadErrors& errors);
}  // namespace

// yaml-cpp throws on some shapes the checks do not foresee: an error at the file, never a crash.
std::optional<Config> load_config(const std::string& path, LoadErrors& errors) {
  try {
    return read_config(path, errors);
  } catch (const YAML::Exception& e) {
    errors.push_back(yaml_exception_error(path, e));
    return std::nullopt;
  }
}

namespace {

// The packaged example's values to be replaced (`CHANGE-ME…`), wherever they are left: an
// installed but unconfigured jiaoyingd must not start and look like it works.
void find_placeholders(const std::string& path, const YAML::Node& node, const std::string& where,
                       std::vector<std::string>& out) {
  if (node.IsScalar()) {
    if (node.Scalar().starts_with("CHANGE-ME"))
      out.push_back(fmt::format("{}:{}: {} is still the example's '{}': put in the real value", path,
                                YamlReader::line_of(node), where.empty() ? "a value" : where, node.Scalar()));
  } else if (node.IsMap()) {
    for (const auto& kv : node)
      find_placeholders(path, kv.second, where.empty() ? kv.first.Scalar() : where + "." + kv.first.Scalar(), out);
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) find_placeholders(path, node[i], fmt::format("{}[{}]", where, i), out);
  }
}

std::optional<Config> read_config(const std::string& path, LoadErrors& errors) {
  size_t before = errors.size();
  auto text = read_rule_file(path, errors);
  if (!text) return std::nullopt;
  YamlReader yr(path, errors);
  auto root = yr.load_string(*text);
  if (!root) return std::nullopt;
  Config c;
  c.file = path;
  find_placeholders(path, *root, "", c.placeholders);
  const auto base = std::filesystem::absolute(path).parent_path();
  yr.only_keys(*root,
               {"listen", "public_url", "admin_socket", "database", "plans", "directory", "templates",
                "callback_secret", "body_limit", "engine", "metrics", "feeds", "channels"},
               "the config");
  auto set = [&](const char* key, std::string& field, bool is_path) {
    if (auto v = yr.scalar(*root, key, false)) field = is_path ? resolve(base, *v) : *v;
  };
  set("listen", c.listen, false);
  set("public_url", c.public_url, false);
  set("admin_socket", c.admin_socket, true);
  set("database", c.database, true);
  set("plans", c.plans, true);
  set("directory", c.directory, true);
  set("templates", c.templates, true);
  set("callback_secret", c.callback_secret, false);
  std::string host;
  unsigned short port;
  if (!split_host_port(c.listen, host, port))
    yr.error((*root)["listen"].IsDefined() ? (*root)["listen"] : *root,
             "listen '" + c.listen + "' must be host:port");
  if (c.public_url.empty()) c.public_url = "http://" + c.listen;
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  if (c.callback_secret.size() < 16)
    yr.error((*root)["callback_secret"].IsDefined() ? (*root)["callback_secret"] : *root,
             "callback_secret must be set, at least 16 characters (it signs the ack links)");
  if (auto v = yr.scalar(*root, "body_limit", false)) {
    try {
      c.body_limit = std::stoul(*v);
    } catch (...) {
      yr.error((*root)["body_limit"], "body_limit must be a number of bytes");
    }
  }

  if (YAML::Node metrics = (*root)["metrics"]; metrics.IsDefined()) {
    if (yr.only_keys(metrics, {"listen"}, "metrics")) {
      if (auto v = yr.scalar(metrics, "listen", true)) {
        c.metrics_listen = *v;
        std::string metrics_host;
        unsigned short metrics_port = 0;
        if (!split_host_port(c.metrics_listen, metrics_host, metrics_port) || metrics_port == 0)
          yr.error(metrics["listen"], "metrics listen '" + c.metrics_listen + "' must be host:port (e.g. 127.0.0.1:9464)");
        else if (c.metrics_listen == c.listen)
          yr.error(metrics["listen"], "metrics listen must differ from listen: the metrics have an address of their own");
      }
    }
  }
  if (YAML::Node engine = (*root)["engine"]; engine.IsDefined()) {
    if (yr.only_keys(engine, {"tick", "collapse_after", "retry_backoff", "max_attempts", "hold_limit"}, "engine")) {
      if (auto d = yr.duration(engine, "tick", false)) c.tick = *d;
      if (auto d = yr.duration(engine, "collapse_after", false)) c.collapse_after = *d;
      if (auto d = yr.duration(engine, "retry_backoff", false)) c.retry_backoff = *d;
      if (auto d = yr.duration(engine, "hold_limit", false)) c.hold_limit = *d;
      if (auto v = yr.scalar(engine, "max_attempts", false)) {
        try {
          c.max_attempts = std::stoi(*v);
          if (c.max_attempts < 1 || c.max_attempts > 1000) throw std::out_of_range("max_attempts");
        } catch (...) {
          yr.error(engine["max_attempts"], "max_attempts must be a number from 1 to 1000");
        }
      }
      if (c.tick.count() < 10) yr.error(engine["tick"], "tick must be at least 10ms");
    }
  }

  if (YAML::Node feeds = (*root)["feeds"]; feeds.IsDefined()) {
    if (!feeds.IsSequence()) yr.error(feeds, "feeds must be a list");
    for (const auto& f : feeds.IsSequence() ? feeds : YAML::Node()) {
      if (!yr.only_keys(f, {"name", "type", "token", "dir", "url", "interval", "signed_by"}, "a feed")) continue;
      FeedConfig feed;
      feed.line = YamlReader::line_of(f);
      auto name = yr.scalar(f, "name");
      auto type = yr.scalar(f, "type");
      if (!name || !type) continue;
      feed.name = *name;
      for (const auto& other : c.feeds)
        if (other.name == feed.name) yr.error(f, "feed '" + feed.name + "' is defined twice");
      if (*type == "push") {
        feed.type = FeedConfig::Type::push;
        auto token = yr.scalar(f, "token");
        if (token && token->size() < 16) yr.error(f["token"], "a push token must be at least 16 characters");
        feed.token = token.value_or("");
      } else if (*type == "spool") {
        feed.type = FeedConfig::Type::spool;
        feed.dir = resolve(base, yr.scalar(f, "dir").value_or(""));
        if (auto d = yr.duration(f, "interval", false)) feed.interval = *d;
        if (feed.interval.count() < 100) yr.error(f, "a spool interval must be at least 100ms");
      } else if (*type == "poll") {
        feed.type = FeedConfig::Type::poll;
        feed.url = yr.scalar(f, "url").value_or("");
        if (!feed.url.starts_with("http://") && !feed.url.starts_with("https://"))
          yr.error(f, "a poll feed needs a url starting with http:// or https://");
        feed.interval = Millis(60'000);
        if (auto d = yr.duration(f, "interval", false)) feed.interval = *d;
        if (feed.interval.count() < 100) yr.error(f, "a poll interval must be at least 100ms");
      } else {
        yr.error(f["type"], "feed type '" + *type + "' must be push, spool or poll");
        continue;
      }
      if (f["signed_by"].IsDefined()) {
        auto files = yr.scalars(f, "signed_by");
        if (files && files->empty())
          yr.error(f["signed_by"], "signed_by lists the certificates (PEM) whose signatures the feed takes; it is empty");
        for (const std::string& path : files.value_or(std::vector<std::string>{})) {
          TrustedSigner signer;
          std::string error;
          if (load_trusted_signer(resolve(base, path), signer, error)) feed.signed_by.push_back(std::move(signer));
          else yr.error(f["signed_by"], error);
        }
      }
      c.feeds.push_back(std::move(feed));
    }
  }

  if (YAML::Node channels = (*root)["channels"]; channels.IsDefined()) {
    std::vector<std::string_view> names;
    for (const Medium& m : media()) names.push_back(m.name);
    if (yr.only_keys(channels, names, "channels"))
      for (const Medium& m : media())
        if (YAML::Node v = channels[std::string(m.name)]; v.IsDefined()) read_medium(yr, v, m, base, c);
  }
  if (errors.size() != before) return std::nullopt;
  return c;
}

}  // namespace

std::set<std::string> Config::media() const {
  std::set<std::string> out;
  for (const Provider& p : providers) out.insert(p.medium);
  return out;
}

}  // namespace jiaoying
