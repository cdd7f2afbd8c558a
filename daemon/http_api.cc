#include "daemon/http_api.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>

#include "channels/form.h"
#include "channels/ivr/aliyun_vms.h"
#include "channels/sms/aliyun_sms.h"
#include "channels/zzd/signature.h"
#include "daemon/ingest.h"
#include "daemon/journal.h"
#include "daemon/provider_json.h"
#include "daemon/states.h"
#include "rules/directory.h"
#include "rules/html.h"
#include "rules/json_text.h"
#include "daemon/views.h"
#include "rules/names.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

ServerResponse json_response(int status, json::object body) {
  return {status, "application/json; charset=utf-8", json_text(body)};
}

ServerResponse error_response(int status, std::string_view message, std::string_view field = {}) {
  json::object o{{"error", message}};
  if (!field.empty()) o["field"] = field;
  return json_response(status, std::move(o));
}

bool parse_int64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string html_document(std::string_view title, std::string_view body_html) {
  // Opened on a phone inside the messenger: large type, full-width fields, nothing to load.
  return fmt::format("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{0}</title>"
                     "<style>body{{font:18px/1.5 sans-serif;margin:1em;max-width:40em}}h1{{font-size:1.4em}}"
                     "input,textarea{{width:100%;font-size:1em;padding:.4em;box-sizing:border-box}}"
                     "button{{font-size:1.1em;padding:.6em 1.4em}}strong{{color:#b00}}</style>"
                     "<h1>{0}</h1>{1}</html>",
                     html_escape(title), body_html);
}

// A page of one paragraph: the words of `page.<title>.title` and `page.<text>` (templates/),
// both escaped.
ServerResponse html_page(const Engine& engine, int status, const std::string& title, const std::string& text,
                         const TemplateValues& values = {}) {
  return {status, "text/html; charset=utf-8",
          html_document(engine.words("page." + title + ".title", values),
                        "<p>" + html_escape(engine.words("page." + text, values)) + "</p>")};
}

// The report-back form (回报, templates/page.report_form): three questions, answerable on a
// phone in under a minute. What it shows is escaped before it is filled in.
std::string report_form(const Engine& engine, const ReportOutcome& r, int64_t callout_id, std::string_view token,
                        const std::string& error_page) {
  const TemplateValues values{{"area_name", r.area_name},
                              {"headline", html_escape(r.headline)},
                              {"due", html_escape(r.due)},
                              {"late", r.late ? "yes" : ""},
                              {"error", error_page.empty() ? "" : html_escape(engine.words("page." + error_page))},
                              {"c", std::to_string(callout_id)},
                              {"t", html_escape(token)}};
  return html_document(engine.words("page.report_form.title", values), engine.words("page.report_form", values));
}

bool parse_count(std::string_view s, int64_t& out) {
  return parse_int64(s, out) && out >= 0 && out <= 10'000'000;
}

}  // namespace

HttpApi::HttpApi(Engine& engine, Views& views, const Clock& clock, std::function<void()> changed, Reload reload)
    : engine_(engine), views_(views), clock_(clock), changed_(std::move(changed)), reload_(std::move(reload)) {}

ServerResponse HttpApi::post_warning(const ServerRequest& req, const std::string& actor) {
  WarningFormat format = format_of(req.header("content-type"));
  if (format == WarningFormat::unknown || format == WarningFormat::sniff) {
    engine_.record_refusal("ingest_refused", actor,
                           "Content-Type '" + req.header("content-type") + "' is not a warning format");
    return error_response(415, "Content-Type must be application/json (or application/cap+xml, text/xml)");
  }
  const auto signers = actor.starts_with("feed:") ? feed_signers_.find(actor.substr(5)) : feed_signers_.end();
  IngestResult r = ingest_bytes(engine_, req.body, format, actor, signers == feed_signers_.end() ? nullptr : &signers->second);
  switch (r.kind) {
    case IngestResult::Kind::unsupported:
      return error_response(415, r.reason);
    case IngestResult::Kind::unsigned_:
      spdlog::warn("refused a warning from {}: {}", actor, r.reason);
      return error_response(403, r.reason, r.field);
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
  LogFields fields;
  fields.warning_id = out.warning_id;
  fields.event = "warning_received";
  LogScope scope(fields);
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
    return html_page(engine_, 401, "invalid", "ack_invalid");
  }
  AckOutcome out = engine_.ack(callout_id, "zzd", "link@" + req.peer);
  switch (out.kind) {
    case AckOutcome::Kind::answered:
      changed_();
      return html_page(engine_, 200, "answered", "answered",
                       {{"person_name", out.person_name}, {"headline", out.headline}});
    case AckOutcome::Kind::already_answered:
      return html_page(engine_, 200, "answered", "already_answered");
    case AckOutcome::Kind::ended:
      return html_page(engine_, 200, "ended", "ack_ended");
    case AckOutcome::Kind::unknown:
      break;
  }
  return html_page(engine_, 404, "unknown", "unknown");
}

// GET shows the form; POST (form-encoded: c, t, commander, villages, moved, note) files it.
// The link's token is the report purpose's HMAC: an ack link's token does not open it.
ServerResponse HttpApi::report_link(const ServerRequest& req) {
  const bool post = req.method == "POST";
  FormParams params;
  int64_t callout_id = 0;
  if (post && !req.header("content-type").starts_with("application/x-www-form-urlencoded"))
    return html_page(engine_, 415, "not_form", "not_form");
  // The form posts c and t as hidden fields; a client posting to the link itself keeps them in
  // the query. Either way they are checked the same.
  FormParams query;
  const bool decoded = form_decode(req.query, query) && (!post || form_decode(req.body, params));
  params.insert(params.end(), query.begin(), query.end());
  if (!decoded || !parse_int64(form_get(params, "c"), callout_id) ||
      !engine_.verify_report_token(callout_id, form_get(params, "t"))) {
    engine_.record_refusal("callback_refused", "link@" + req.peer, "report link with a bad or missing token");
    spdlog::warn("refused a report link from {}: bad token", req.peer);
    return html_page(engine_, 401, "invalid", "report_invalid");
  }
  const std::string token = form_get(params, "t");
  ReportOutcome status = engine_.report_status(callout_id);
  switch (status.kind) {
    case ReportOutcome::Kind::unknown: return html_page(engine_, 404, "unknown", "unknown");
    case ReportOutcome::Kind::not_owed: return html_page(engine_, 404, "not_owed", "not_owed");
    case ReportOutcome::Kind::ended: return html_page(engine_, 200, "ended", "report_ended");
    default: break;
  }
  if (!post) {
    if (status.kind == ReportOutcome::Kind::filed)
      return {200, "text/html; charset=utf-8",
              report_form(engine_, status, callout_id, token, "report_filed_before")};
    return {200, "text/html; charset=utf-8", report_form(engine_, status, callout_id, token, "")};
  }
  ReportFiling filing;
  filing.commander = form_get(params, "commander");
  filing.note = form_get(params, "note");
  std::string why;
  if (filing.commander.empty() || filing.commander.size() > 300)
    why = "need_commander";
  else if (!parse_count(form_get(params, "villages"), filing.villages))
    why = "bad_villages";
  else if (!parse_count(form_get(params, "moved"), filing.people_moved))
    why = "bad_moved";
  else if (filing.note.size() > 1500)
    why = "note_too_long";
  if (!why.empty()) return {400, "text/html; charset=utf-8", report_form(engine_, status, callout_id, token, why)};
  ReportOutcome out = engine_.file_report(callout_id, filing, "link@" + req.peer);
  changed_();
  if (out.kind == ReportOutcome::Kind::amended)
    return html_page(engine_, 200, "amended", "amended", {{"area_name", out.area_name}});
  if (out.kind != ReportOutcome::Kind::filed) return html_page(engine_, 409, "refused", "report_ended");
  return html_page(engine_, 200, "filed", "filed", {{"area_name", out.area_name}, {"late", out.late ? "yes" : ""}});
}

// The broadcast platform's EBMStateResponse: a signed EBDT tar in the multipart field `file`.
// Every package gets a signed EBDResponse tar back: 1 taken, 2 unreadable, 3 not a report,
// 4 bad signature, 5 an EBMID we never sent.
ServerResponse HttpApi::broadcast_report(const ServerRequest& req) {
  const std::string actor = "broadcast@" + req.peer;
  if (!broadcast_) return {404, "application/json; charset=utf-8", R"({"error":"no broadcast channel"})"};
  BroadcastChannel::Received received = broadcast_->receive(req.header("content-type"), req.body);
  int code = received.code;
  std::string desc = received.error;
  if (received.report) {
    if (engine_.broadcast_report(*received.report, actor)) {
      desc = "已接收";
      changed_();
    } else {
      code = ebd::kUnknownEbm;
      desc = "EBMID " + received.report->ebm_id + " 不存在";
    }
  } else {
    engine_.record_refusal("callback_refused", actor, "broadcast report refused: " + received.error);
    spdlog::warn("refused a broadcast report from {}: {}", req.peer, received.error);
  }
  return {200, "application/x-tar", broadcast_->answer(received, code, desc)};
}

// The SMS platform's pushes, at /api/v1/callbacks/sms/<token>/report (SmsReport: delivery
// receipts) and …/reply (SmsUpReport: texts people sent back). Answered {"code":0,…} once
// recorded; anything else makes the platform push again.
ServerResponse HttpApi::sms_push(const ServerRequest& req) {
  const std::string actor = "sms@" + req.peer;
  std::string_view rest = std::string_view(req.path).substr(std::string_view("/api/v1/callbacks/sms/").size());
  const auto slash = rest.rfind('/');
  const std::string_view token = slash == std::string_view::npos ? rest : rest.substr(0, slash);
  const std::string_view kind = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (sms_token_.empty() || !zzd::equal_constant_time(sms_token_, token) || (kind != "report" && kind != "reply")) {
    engine_.record_refusal("callback_refused", actor, "SMS push with a wrong path token");
    spdlog::warn("refused an SMS push from {}: wrong token or path", req.peer);
    return error_response(401, "unknown callback");
  }
  if (kind == "report") {
    auto reports = sms::parse_delivery_reports(req.body);
    if (!reports) {
      engine_.record_refusal("callback_refused", actor, "SMS receipts are not a JSON array of reports");
      return error_response(400, "the body must be a JSON array of delivery reports (phone_number, success, out_id, …)");
    }
    for (const auto& r : *reports) {
      auto id = vms::message_id_of(r.out_id);
      if (!id) {
        engine_.record_refusal("callback_refused", actor, "an SMS receipt without an out_id of ours");
        continue;
      }
      if (*id == 0) {  // sent outside the record: its receipt is the heartbeat's, or nobody's to file
        if (unrecorded_receipt_) unrecorded_receipt_(r.phone_number, r.success, r.err_code);
        continue;
      }
      engine_.sms_delivery(*id, r.phone_number, r.biz_id, r.success, r.err_code, actor);
    }
    return {200, "application/json; charset=utf-8", sms::push_ack()};
  }
  auto replies = sms::parse_replies(req.body);
  if (!replies) {
    engine_.record_refusal("callback_refused", actor, "SMS replies are not a JSON array of texts");
    return error_response(400, "the body must be a JSON array of replies (phone_number, content, …)");
  }
  for (const auto& r : *replies) engine_.sms_reply(r.phone_number, r.content, actor);
  changed_();
  return {200, "application/json; charset=utf-8", sms::push_ack()};
}

// The voice platform's VoiceReport push: a JSON array of call outcomes. Answered
// {"code":0,…} once recorded; a 5xx makes the platform push again later.
ServerResponse HttpApi::voice_report(const ServerRequest& req) {
  const std::string prefix = "/api/v1/callbacks/voice/";
  if (voice_report_token_.empty() ||
      !zzd::equal_constant_time(voice_report_token_, std::string_view(req.path).substr(prefix.size()))) {
    engine_.record_refusal("callback_refused", "voice@" + req.peer, "voice report with a wrong path token");
    spdlog::warn("refused a voice report from {}: wrong token", req.peer);
    return error_response(401, "unknown callback");
  }
  auto reports = vms::parse_voice_report(req.body);
  if (!reports) {
    engine_.record_refusal("callback_refused", "voice@" + req.peer, "voice report is not a JSON array of calls");
    return error_response(400, "the body must be a JSON array of call reports (call_id, status_code, out_id, …)");
  }
  int unknown = 0;
  for (const vms::CallReport& r : *reports) {
    auto id = vms::message_id_of(r.out_id);
    CallResult result{id.value_or(0), r.call_id, r.status_code, r.dtmf, r.duration};
    if (id && call_ended_) call_ended_(*id);
    if (!id || !engine_.call_result(result, "voice@" + req.peer)) {
      ++unknown;
      engine_.record_refusal("callback_refused", "voice@" + req.peer,
                             fmt::format("call {} (out_id '{}') is not a call jiaoyingd placed", r.call_id, r.out_id));
    }
  }
  if (unknown < static_cast<int>(reports->size())) changed_();
  return {200, "application/json; charset=utf-8", vms::voice_report_ack()};
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
    if (req.path == "/api/v1/report" && (req.method == "GET" || req.method == "POST")) return report_link(req);
    if (req.path.starts_with("/api/v1/callbacks/voice/") && req.method == "POST") return voice_report(req);
    if (req.path == "/api/v1/callbacks/broadcast" && req.method == "POST") return broadcast_report(req);
    if (req.path.starts_with("/api/v1/callbacks/sms/") && req.method == "POST") return sms_push(req);
    if (req.path == "/healthz" && req.method == "GET") {
      if (auto fault = storage_ ? storage_->fault() : std::nullopt)
        return json_response(503, {{"ok", false}, {"storage", fault->reason}});
      return json_response(200, {{"ok", true}});
    }
    return error_response(404, "no such endpoint: " + req.method + " " + req.path);
  } catch (const std::exception& e) {
    return failed(req, e, "");
  }
}

// A request whose work threw: 503 naming the fault when the database could not be written (the
// transaction rolled back; the sender is asked to send it again), else 500. Nothing was changed.
ServerResponse HttpApi::failed(const ServerRequest& req, const std::exception& e, const char* side) {
  if (auto why = storage_fault_text(e, storage_)) {
    const bool warning = req.method == "POST" && req.path == "/api/v1/warnings";
    if (warning && storage_) storage_->refused_warning();
    spdlog::error("{}{} {} refused: the database cannot be written: {}", side, req.method, req.path, e.what());
    ServerResponse r = error_response(
        503, fmt::format("{} not stored: {}. Nothing was changed; send it again later{}", warning ? "the warning was" : "it was",
                         *why, warning ? " (a feed retries by itself)" : ""));
    r.headers.emplace_back("Retry-After", "30");
    return r;
  }
  spdlog::error("{}{} {} failed: {}", side, req.method, req.path, e.what());
  return error_response(500, "internal error; nothing was changed");
}

namespace {

// GET /api/v1/status: the daemon's health in one look (`jiaoying status`): what the disk, the
// engine, the outbox and each provider are doing, and "problems" — each thing red, in words; the
// CLI exits 1 while there is one.
json::object status_json(Views& views, const Clock& clock, const ProviderBoard* board,
                         const std::optional<StorageFault>& fault, const Metrics* metrics) {
  constexpr double kOutboxLate = 300;                // seconds the oldest queued message may wait
  constexpr double kLoopLate = 2;                    // seconds the engine's loop may run late
  constexpr int64_t kDiskLow = int64_t{512} << 20;   // bytes left on the database's disk
  const TimePoint now = clock.now();
  const StoreGauges g = views.gauges(now);
  json::array problems;
  if (fault)
    problems.emplace_back(fmt::format("the database cannot be written since {}: {}",
                                      format_china_clock(std::chrono::time_point_cast<Millis>(fault->since)),
                                      fault->reason));
  if (g.database_free_bytes >= 0 && g.database_free_bytes < kDiskLow)
    problems.emplace_back(fmt::format("only {} MiB left on the database's disk", g.database_free_bytes >> 20));
  if (g.oldest_queued_seconds > kOutboxLate)
    problems.emplace_back(fmt::format("the oldest queued message has waited {:.0f} s to go out", g.oldest_queued_seconds));
  json::array providers;
  if (board)
    for (const ProviderStatus& p : board->read()) {
      if (p.state != "up")
        problems.emplace_back(fmt::format("provider {} ({}) is {} since {}{}", p.name, p.medium, p.state,
                                          format_china_clock(p.since),
                                          p.last_fault.empty() ? "" : ": " + p.last_fault));
      if (p.heartbeat && !p.heartbeat_ok)
        problems.emplace_back(fmt::format("provider {} ({}) failed its heartbeat at {}: {}", p.name, p.medium,
                                          format_china_clock(p.heartbeat_at), p.heartbeat_detail));
      providers.push_back(provider_json(p, g.queued.count(p.medium) ? g.queued.at(p.medium) : 0));
    }
  json::object engine;
  if (metrics) {
    engine = {{"loop_lag_seconds", metrics->last_loop_lag()},
              {"loop_lag_max_seconds", metrics->worst_loop_lag()},
              {"up_since", format_china_time(std::chrono::time_point_cast<Millis>(metrics->started()))}};
    if (metrics->last_loop_lag() > kLoopLate)
      problems.emplace_back(fmt::format("the engine's loop runs {:.1f} s late", metrics->last_loop_lag()));
  }
  json::object warnings, outbox;
  for (const auto& [state, n] : g.warnings) warnings[state] = n;
  for (const auto& [channel, n] : g.queued) outbox[channel] = n;
  int64_t calling = 0;
  for (const auto& [key, n] : g.open_callouts)
    if (key.first == state_name(CalloutState::calling) || key.first == state_name(CalloutState::pending)) calling += n;
  return {{"ok", problems.empty()},
          {"now", format_china_time(now)},
          {"problems", std::move(problems)},
          {"storage", fault ? json::value(json::string(fault->reason)) : json::value(nullptr)},
          {"database", json::object{{"bytes", g.database_bytes}, {"free_bytes", g.database_free_bytes}}},
          {"engine", std::move(engine)},
          {"warnings", std::move(warnings)},
          {"still_calling", calling},
          {"outbox", std::move(outbox)},
          {"outbox_oldest_seconds", g.oldest_queued_seconds},
          {"providers", std::move(providers)}};
}

}  // namespace

std::optional<ServerResponse> HttpApi::read_admin(Views& views, const Clock& clock, const ServerRequest& req,
                                                  const ProviderBoard* board, const StorageWatch* storage,
                                                  const Metrics* metrics) {
  if (req.method != "GET") return std::nullopt;
  try {
    const std::string prefix = "/api/v1/warnings/";
    const std::optional<StorageFault> fault = storage ? storage->fault() : std::nullopt;
    auto fault_json = [&] {
      return json::object{{"reason", fault->reason},
                          {"since", format_china_time(std::chrono::time_point_cast<Millis>(fault->since))},
                          {"refused", fault->refused},
                          {"sqlite", fault->sqlite}};
    };
    if (req.path == "/api/v1/status") return json_response(200, status_json(views, clock, board, fault, metrics));
    if (req.path == "/api/v1/health") {
      json::object o{{"ok", !fault}, {"now", format_china_time(clock.now())}};
      if (fault) o["storage"] = fault_json();
      return json_response(200, std::move(o));
    }
    if (req.path == "/api/v1/warnings") {
      std::string list = views.warnings(board ? board->read() : std::vector<ProviderStatus>{});
      if (fault) {
        json::value v = json::parse(list);
        v.as_object()["storage"] = fault_json();
        list = json::serialize(v);
      }
      return ServerResponse{200, "application/json; charset=utf-8", std::move(list)};
    }
    if (req.path == "/api/v1/summary") {  // ?from=2026-06-01&to=2026-07-01[&drills=1], China dates, `to` excluded
      FormParams params;
      form_decode(req.query, params);
      auto day = [](const std::string& date) { return parse_iso8601(date + "T00:00:00+08:00"); };
      const auto from = day(form_get(params, "from")), to = day(form_get(params, "to"));
      if (!from || !to) return error_response(400, "from and to must be dates like 2026-06-01", !from ? "from" : "to");
      if (*to <= *from) return error_response(400, "to must be after from (to is not included)", "to");
      return ServerResponse{200, "application/json; charset=utf-8",
                            views.summary(*from, *to, form_get(params, "drills") == "1")};
    }
    if (req.path.starts_with(prefix)) {
      std::string rest = req.path.substr(prefix.size());
      bool events = rest.ends_with("/events");
      if (events) rest.resize(rest.size() - 7);
      bool report = rest.ends_with("/report");
      if (report) rest.resize(rest.size() - 7);
      auto id = views.find_warning_id(rest);
      if (!id) return error_response(404, "no warning '" + rest + "'");
      // ?area=&tier=&role=&state= narrow the callouts; at most `limit` are listed (500 for a
      // view, 200 in a report) unless all=1 (an export).
      FormParams view_params;
      form_decode(req.query, view_params);
      const bool all = form_get(view_params, "all") == "1";
      int64_t limit = 0;
      if (!parse_int64(form_get(view_params, "limit"), limit) || limit <= 0) limit = report ? 200 : 500;
      if (report)
        return ServerResponse{200, "application/json; charset=utf-8",
                              views.report(*id, clock.now(), all ? 0 : static_cast<size_t>(limit))};
      if (!events) {
        CalloutQuery query{form_get(view_params, "area"), form_get(view_params, "tier"), form_get(view_params, "role"),
                           form_get(view_params, "state"), all ? 0 : static_cast<size_t>(limit)};
        static const std::vector<std::string_view> tiers = [] {
          std::vector<std::string_view> out;
          for (Tier t : {Tier::city, Tier::county, Tier::township, Tier::village}) out.push_back(tier_name(t));
          return out;
        }();
        static const std::vector<std::string_view> states = [] {
          std::vector<std::string_view> out;
          for (CalloutState c : all_states<CalloutState>()) out.push_back(state_name(c));
          return out;
        }();
        for (const auto& [name, value] : std::vector<std::pair<const char*, std::string*>>{
                 {"tier", &query.tier}, {"state", &query.state}}) {
          const auto& allowed = std::string_view(name) == "tier" ? tiers : states;
          if (!value->empty() && std::find(allowed.begin(), allowed.end(), *value) == allowed.end())
            return error_response(400, fmt::format("{} '{}' must be one of {}", name, *value, fmt::join(allowed, ", ")),
                                  name);
        }
        return ServerResponse{200, "application/json; charset=utf-8", views.warning(*id, clock.now(), query)};
      }
      FormParams params;
      int64_t after = 0;
      form_decode(req.query, params);
      parse_int64(form_get(params, "after"), after);
      int64_t latest = 0;
      if (!parse_int64(form_get(params, "latest"), latest) || latest > 100) latest = 0;
      return ServerResponse{200, "application/json; charset=utf-8",
                            views.events(*id, after, 1000, static_cast<int>(latest))};
    }
    return std::nullopt;
  } catch (const std::exception& e) {
    spdlog::error("admin {} {} failed: {}", req.method, req.path, e.what());
    return error_response(500, "internal error; nothing was changed");
  }
}

namespace {

// Who acted at the duty desk: the Unix user the kernel names on the admin socket ("duty:alice").
std::string desk_actor(const ServerRequest& req) {
  return req.peer.starts_with("unix:") ? "duty:" + req.peer.substr(5) : std::string("duty:unknown");
}

std::string body_string(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

// POST /api/v1/warnings/<id or identifier>/<ack|call|resend|cancel|note|escalate|unmask|spotcheck> with a
// JSON body.
std::optional<ServerResponse> HttpApi::desk_action(const ServerRequest& req) {
  constexpr std::string_view prefix = "/api/v1/warnings/";
  if (req.method != "POST" || !req.path.starts_with(prefix)) return std::nullopt;
  const std::string rest = req.path.substr(prefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const std::string ref = rest.substr(0, slash), verb = rest.substr(slash + 1);
  if (verb != "ack" && verb != "call" && verb != "resend" && verb != "cancel" && verb != "note" && verb != "escalate" &&
      verb != "unmask" && verb != "spotcheck")
    return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(req.body.empty() ? std::string_view("{}") : std::string_view(req.body), ec);
  if (ec || !parsed.is_object()) return error_response(400, "the body must be a JSON object");
  const json::object& body = parsed.as_object();
  auto id = views_.find_warning_id(ref);
  if (!id) return error_response(404, "there is no warning '" + ref + "' (jiaoying warnings lists them)");
  const std::string actor = desk_actor(req);
  Engine::DeskOutcome out;
  if (verb == "ack") out = engine_.desk_ack(*id, body_string(body, "person"), body_string(body, "note"), actor);
  else if (verb == "call") out = engine_.desk_call(*id, body_string(body, "person"), body_string(body, "via"), actor);
  else if (verb == "resend") {
    const json::value* u = body.if_contains("unanswered");
    out = engine_.desk_resend(*id, u && u->is_bool() && u->as_bool(), actor);
  } else if (verb == "cancel") out = engine_.desk_cancel(*id, body_string(body, "reason"), actor);
  else if (verb == "escalate") {
    std::vector<std::string> roles;
    if (const json::value* r = body.if_contains("roles"); r && r->is_array())
      for (const auto& role : r->as_array())
        if (role.is_string()) roles.emplace_back(role.as_string());
    out = engine_.desk_escalate(*id, body_string(body, "to"), roles, body_string(body, "reason"), actor);
  }
  else if (verb == "unmask") out = engine_.desk_unmasked(*id, body_string(body, "what"), actor);
  else if (verb == "spotcheck") {
    // {"sample": 10} or {"percent": 10}, and optionally "tier" and "roles".
    Engine::SpotCheckAsk ask;
    auto number = [&](const char* key) -> int {
      const json::value* v = body.if_contains(key);
      return v && v->is_int64() && v->as_int64() > 0 && v->as_int64() <= 100000 ? static_cast<int>(v->as_int64()) : 0;
    };
    ask.sample = number("sample");
    ask.percent = number("percent");
    ask.tier = body_string(body, "tier");
    if (const json::value* r = body.if_contains("roles"); r && r->is_array())
      for (const auto& role : r->as_array())
        if (role.is_string()) ask.roles.emplace_back(role.as_string());
    out = engine_.desk_spot_check(*id, ask, actor);
  }
  else out = engine_.desk_note(*id, body_string(body, "text"), actor);
  if (!out.ok()) return error_response(out.status, out.message);
  changed_();
  LogFields fields;
  fields.warning_id = *id;
  LogScope scope(fields);
  spdlog::info("duty desk: {} {} on warning {}: {}", actor, verb, *id, out.message);
  return json_response(200, {{"ok", true}, {"message", out.message}, {"affected", out.affected}});
}

ServerResponse HttpApi::handle_admin(const ServerRequest& req) {
  if (auto view = read_admin(views_, clock_, req, nullptr, storage_)) return *view;
  try {
    if (auto done = desk_action(req)) return *done;
    if (req.method == "POST" && req.path == "/api/v1/drills") {
      boost::system::error_code ec;
      json::value parsed = json::parse(req.body, ec);
      if (ec || !parsed.is_object()) return error_response(400, "the body must be a JSON object");
      std::vector<std::string> areas;
      if (const json::value* a = parsed.as_object().if_contains("areas"); a && a->is_array())
        for (const auto& code : a->as_array())
          if (code.is_string()) areas.emplace_back(code.as_string());
      int64_t warning_id = 0;
      const auto out = engine_.desk_drill(body_string(parsed.as_object(), "plan"), areas,
                                          body_string(parsed.as_object(), "level"), desk_actor(req), warning_id);
      if (!out.ok()) return error_response(out.status, out.message);
      changed_();
      LogFields fields;
      fields.warning_id = warning_id;
      fields.event = "drill_started";
      LogScope scope(fields);
      spdlog::info("duty desk: {} started drill {}: {}", desk_actor(req), warning_id, out.message);
      return json_response(200, {{"ok", true}, {"message", out.message}, {"id", warning_id}});
    }
    if (req.method == "POST" && req.path == "/api/v1/warnings") return post_warning(req, desk_actor(req));
    if (req.method == "POST" && req.path == "/api/v1/reload") {
      if (!reload_) return error_response(501, "reload is not available");
      auto [ok, message] = reload_();
      return ok ? json_response(200, {{"ok", true}, {"message", message}}) : error_response(422, message);
    }
    return error_response(404, "no such endpoint: " + req.method + " " + req.path);
  } catch (const std::exception& e) {
    return failed(req, e, "admin ");
  }
}

}  // namespace jiaoying
