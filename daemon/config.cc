#include "daemon/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "channels/http_server.h"
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

// channels.ivr: the voice platform (IvrCall) and where its call reports arrive.
void read_ivr(YamlReader& yr, const YAML::Node& v, Config& c) {
  if (!yr.only_keys(v, {"base_url", "access_key_id", "access_key_secret", "show_number", "start_code",
                        "confirm_code", "play_times", "key_timeout", "timeout", "report_token"},
                    "channels.ivr"))
    return;
  IvrSettings s;
  auto url = yr.scalar(v, "base_url");
  auto id = yr.scalar(v, "access_key_id");
  auto secret = yr.scalar(v, "access_key_secret");
  auto show = yr.scalar(v, "show_number");
  auto start = yr.scalar(v, "start_code");
  auto confirm = yr.scalar(v, "confirm_code");
  auto token = yr.scalar(v, "report_token");
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (auto t = yr.duration(v, "key_timeout", false)) s.key_timeout = *t;
  if (auto n = yr.scalar(v, "play_times", false)) {
    if (*n == "1" || *n == "2" || *n == "3") s.play_times = std::stoi(*n);
    else yr.error(v["play_times"], "play_times must be 1, 2 or 3");
  }
  if (!url || !id || !secret || !show || !start || !confirm || !token) return;
  s.base_url = provider_url(yr, v, "base_url", *url);
  check_token(yr, v, "report_token", *token);
  s.key = {*id, *secret};
  s.show_number = *show;
  s.start_code = *start;
  s.confirm_code = *confirm;
  c.ivr = s;
  c.ivr_report_token = *token;
}

// channels.sms: the SMS platform (SendSms) and where its receipts and replies arrive.
void read_sms(YamlReader& yr, const YAML::Node& v, Config& c) {
  if (!yr.only_keys(v, {"base_url", "access_key_id", "access_key_secret", "sign_name", "template_code",
                        "callback_token", "timeout"},
                    "channels.sms"))
    return;
  SmsSettings s;
  auto url = yr.scalar(v, "base_url");
  auto id = yr.scalar(v, "access_key_id");
  auto secret = yr.scalar(v, "access_key_secret");
  auto sign = yr.scalar(v, "sign_name");
  auto code = yr.scalar(v, "template_code");
  auto token = yr.scalar(v, "callback_token");
  if (auto t = yr.duration(v, "timeout", false)) s.timeout = *t;
  if (!url || !id || !secret || !sign || !code || !token) return;
  s.base_url = provider_url(yr, v, "base_url", *url);
  check_token(yr, v, "callback_token", *token);
  s.key = {*id, *secret};
  s.sign_name = *sign;
  s.template_code = *code;
  c.sms = s;
  c.sms_callback_token = *token;
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
void read_broadcast(YamlReader& yr, const YAML::Node& v, const std::filesystem::path& base, Config& c) {
  if (!yr.only_keys(v, {"url", "ebrid", "platform_ebrid", "sender_name", "key", "cert_sn", "platform_key",
                        "event_types", "timeout"},
                    "channels.broadcast"))
    return;
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
  if (!url || !ebrid || !platform || !sender || !cert || !key || !platform_key) return;
  if (!is_ebrid(*ebrid)) yr.error(v["ebrid"], "ebrid '" + *ebrid + "' must be a 23-digit resource id");
  if (!is_ebrid(*platform))
    yr.error(v["platform_ebrid"], "platform_ebrid '" + *platform + "' must be a 23-digit resource id");
  s.url = provider_url(yr, v, "url", *url);
  s.ebrid = *ebrid;
  s.dest_ebrid = *platform;
  s.sender_name = *sender;
  s.cert_sn = *cert;
  c.broadcast = s;
  c.broadcast_key_pem = *key;
  c.broadcast_platform_key_pem = *platform_key;
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

std::optional<Config> read_config(const std::string& path, LoadErrors& errors) {
  size_t before = errors.size();
  YamlReader yr(path, errors);
  auto root = yr.load();
  if (!root) return std::nullopt;
  Config c;
  c.file = path;
  const auto base = std::filesystem::absolute(path).parent_path();
  yr.only_keys(*root,
               {"listen", "public_url", "admin_socket", "database", "plans", "directory", "templates",
                "callback_secret", "body_limit", "engine", "feeds", "channels"},
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

  if (YAML::Node engine = (*root)["engine"]; engine.IsDefined()) {
    if (yr.only_keys(engine, {"tick", "collapse_after", "retry_backoff", "max_attempts", "senders"},
                     "engine")) {
      if (auto d = yr.duration(engine, "tick", false)) c.tick = *d;
      if (auto d = yr.duration(engine, "collapse_after", false)) c.collapse_after = *d;
      if (auto d = yr.duration(engine, "retry_backoff", false)) c.retry_backoff = *d;
      for (auto [key, field] : {std::pair{"max_attempts", &c.max_attempts}, std::pair{"senders", &c.senders}}) {
        if (auto v = yr.scalar(engine, key, false)) {
          try {
            *field = std::stoi(*v);
            if (*field < 1 || *field > 1000) throw std::out_of_range(key);
          } catch (...) {
            yr.error(engine[key], std::string(key) + " must be a number from 1 to 1000");
          }
        }
      }
      if (c.tick.count() < 10) yr.error(engine["tick"], "tick must be at least 10ms");
    }
  }

  if (YAML::Node feeds = (*root)["feeds"]; feeds.IsDefined()) {
    if (!feeds.IsSequence()) yr.error(feeds, "feeds must be a list");
    for (const auto& f : feeds.IsSequence() ? feeds : YAML::Node()) {
      if (!yr.only_keys(f, {"name", "type", "token", "dir", "url", "interval"}, "a feed")) continue;
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
      c.feeds.push_back(std::move(feed));
    }
  }

  if (YAML::Node channels = (*root)["channels"]; channels.IsDefined()) {
    if (yr.only_keys(channels, {"zzd", "ivr", "sms", "broadcast"}, "channels")) {
      if (YAML::Node v = channels["ivr"]; v.IsDefined()) read_ivr(yr, v, c);
      if (YAML::Node v = channels["sms"]; v.IsDefined()) read_sms(yr, v, c);
      if (YAML::Node b = channels["broadcast"]; b.IsDefined())
        read_broadcast(yr, b, base, c);
      if (YAML::Node z = channels["zzd"]; z.IsDefined()) {
        if (yr.only_keys(z, {"base_url", "api_key", "secret_key", "tenant_id", "timeout"}, "channels.zzd")) {
          ZzdSettings s;
          auto url = yr.scalar(z, "base_url");
          auto key = yr.scalar(z, "api_key");
          auto secret = yr.scalar(z, "secret_key");
          auto tenant = yr.scalar(z, "tenant_id");
          if (auto t = yr.duration(z, "timeout", false)) s.timeout = *t;
          if (url && key && secret && tenant) {
            s.base_url = provider_url(yr, z, "base_url", *url);
            s.credentials = {*key, *secret};
            s.tenant_id = *tenant;
            c.zzd = s;
          }
        }
      }
    }
  }
  if (errors.size() != before) return std::nullopt;
  return c;
}

}  // namespace

}  // namespace jiaoying
