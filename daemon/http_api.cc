#include "daemon/http_api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "channels/form.h"
#include "channels/zzd/signature.h"
#include "daemon/ingest.h"
#include "daemon/admin_views.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

ServerResponse json_response(int status, json::object body) {
  return {status, "application/json; charset=utf-8", json::serialize(body)};
}

ServerResponse error_response(int status, std::string_view message, std::string_view field = {}) {
  json::object o{{"error", message}};
  if (!field.empty()) o["field"] = field;
  return json_response(status, std::move(o));
}

ServerResponse html_page(int status, std::string_view title, std::string_view text) {
  return {status, "text/html; charset=utf-8",
          fmt::format("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width\"><title>{0}</title>"
                      "<h1>{0}</h1><p>{1}</p></html>",
                      title, text)};
}

bool parse_int64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

HttpApi::HttpApi(Engine& engine, Db& db, const Clock& clock, std::function<void()> changed, Reload reload)
    : engine_(engine), db_(db), clock_(clock), changed_(std::move(changed)), reload_(std::move(reload)) {}

ServerResponse HttpApi::post_warning(const ServerRequest& req, const std::string& actor) {
  WarningFormat format = format_of(req.header("content-type"));
  if (format == WarningFormat::unknown || format == WarningFormat::sniff) {
    engine_.record_refusal("ingest_refused", actor,
                           "Content-Type '" + req.header("content-type") + "' is not a warning format");
    return error_response(415, "Content-Type must be application/json (or application/cap+xml, text/xml)");
  }
  IngestResult r = ingest_bytes(engine_, req.body, format, actor);
  switch (r.kind) {
    case IngestResult::Kind::unsupported:
      return error_response(415, r.reason);
    case IngestResult::Kind::refused:
      return error_response(400, r.reason, r.field);
    case IngestResult::Kind::duplicate:
      return json_response(200, {{"id", r.outcome.warning_id}, {"duplicate", true}});
    case IngestResult::Kind::created:
      break;
  }
  const IngestOutcome& out = r.outcome;
  changed_();
  json::array plans, unfilled, flags;
  for (const auto& p : out.plans) plans.emplace_back(p);
  for (const auto& f : out.flags) flags.emplace_back(f);
  for (const auto& u : out.unfilled)
    unfilled.push_back(json::object{{"area", u.area}, {"role", u.role}, {"why", u.why}});
  spdlog::info("warning {} accepted from {}: {} callouts, plans [{}]", out.warning_id, actor,
               out.callouts, fmt::join(out.plans, ", "));
  return json_response(201, {{"id", out.warning_id},
                             {"callouts", out.callouts},
                             {"plans", std::move(plans)},
                             {"unfilled", std::move(unfilled)},
                             {"flags", std::move(flags)}});
}

// Push feeds authenticate with `Authorization: Bearer <token>`; the token names the source.
std::optional<std::string> HttpApi::push_source(const ServerRequest& req) const {
  std::string auth = req.header("authorization");
  if (!auth.starts_with("Bearer ")) return std::nullopt;
  std::string token = auth.substr(7);
  for (const auto& [name, expected] : push_tokens_)
    if (zzd::equal_constant_time(expected, token)) return name;
  return std::nullopt;
}

ServerResponse HttpApi::ack_link(const ServerRequest& req) {
  FormParams params;
  int64_t callout_id = 0;
  if (!form_decode(req.query, params) || !parse_int64(form_get(params, "c"), callout_id) ||
      !engine_.verify_ack_token(callout_id, form_get(params, "t"))) {
    engine_.record_refusal("callback_refused", "link@" + req.peer, "ack link with a bad or missing token");
    spdlog::warn("refused an ack link from {}: bad token", req.peer);
    return html_page(401, "链接无效", "此确认链接无效或已被篡改。Invalid confirmation link.");
  }
  AckOutcome out = engine_.ack(callout_id, "zzd", "link@" + req.peer);
  switch (out.kind) {
    case AckOutcome::Kind::answered:
      changed_();
      return html_page(200, "已确认收到", fmt::format("{}，您已确认收到：{}", out.person_name, out.headline));
    case AckOutcome::Kind::already_answered:
      return html_page(200, "已确认收到", "您此前已确认，无需重复操作。");
    case AckOutcome::Kind::ended:
      return html_page(200, "预警已结束", "该预警的叫应已结束。");
    case AckOutcome::Kind::unknown:
      break;
  }
  return html_page(404, "未找到", "没有这条叫应记录。");
}

ServerResponse HttpApi::handle_public(const ServerRequest& req) {
  try {
    if (req.path == "/api/v1/warnings" && req.method == "POST") {
      auto source = push_source(req);
      if (!source) {
        engine_.record_refusal("ingest_refused", "push@" + req.peer, "missing or unknown bearer token");
        spdlog::warn("refused a warning from {}: missing or unknown bearer token", req.peer);
        return error_response(401, "a push feed's bearer token is required (Authorization: Bearer …)");
      }
      return post_warning(req, "feed:" + *source);
    }
    if (req.path == "/api/v1/ack" && req.method == "GET") return ack_link(req);
    if (req.path == "/healthz" && req.method == "GET") return json_response(200, {{"ok", true}});
    return error_response(404, "no such endpoint: " + req.method + " " + req.path);
  } catch (const std::exception& e) {
    spdlog::error("{} {} failed: {}", req.method, req.path, e.what());
    return error_response(500, "internal error; nothing was changed");
  }
}

ServerResponse HttpApi::handle_admin(const ServerRequest& req) {
  try {
    const std::string prefix = "/api/v1/warnings/";
    if (req.method == "GET" && req.path == "/api/v1/health")
      return json_response(200, {{"ok", true}, {"now", format_china_time(clock_.now())}});
    if (req.method == "GET" && req.path == "/api/v1/warnings")
      return {200, "application/json; charset=utf-8", warnings_view(db_)};
    if (req.method == "POST" && req.path == "/api/v1/warnings") return post_warning(req, "cli");
    if (req.method == "POST" && req.path == "/api/v1/reload") {
      if (!reload_) return error_response(501, "reload is not available");
      auto [ok, message] = reload_();
      return ok ? json_response(200, {{"ok", true}, {"message", message}}) : error_response(422, message);
    }
    if (req.method == "GET" && req.path.starts_with(prefix)) {
      std::string rest = req.path.substr(prefix.size());
      bool events = rest.ends_with("/events");
      if (events) rest.resize(rest.size() - 7);
      auto id = find_warning_id(db_, rest);
      if (!id) return error_response(404, "no warning '" + rest + "'");
      if (!events) return {200, "application/json; charset=utf-8", warning_view(db_, *id, clock_.now())};
      FormParams params;
      int64_t after = 0;
      form_decode(req.query, params);
      parse_int64(form_get(params, "after"), after);
      return {200, "application/json; charset=utf-8", events_view(db_, *id, after, 1000)};
    }
    return error_response(404, "no such endpoint: " + req.method + " " + req.path);
  } catch (const std::exception& e) {
    spdlog::error("admin {} {} failed: {}", req.method, req.path, e.what());
    return error_response(500, "internal error; nothing was changed");
  }
}

}  // namespace jiaoying
