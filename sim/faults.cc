#include "sim/faults.h"

#include <algorithm>

#include <boost/json.hpp>

#include "channels/ivr/aliyun_vms.h"
#include "channels/sms/aliyun_sms.h"
#include "channels/zzd/open_platform.h"
#include "sim/scenario.h"

namespace jiaoying::sim {

namespace json = boost::json;

std::string_view fault_kind_name(FaultDecision::Kind kind) {
  switch (kind) {
    case FaultDecision::Kind::none: return "none";
    case FaultDecision::Kind::error: return "error";
    case FaultDecision::Kind::throttled: return "throttled";
    case FaultDecision::Kind::malformed: return "malformed";
    case FaultDecision::Kind::reset: return "reset";
    case FaultDecision::Kind::lost_answer: return "lost_answer";
  }
  return "?";
}

void Faults::set(const std::string& provider, FaultSettings settings) {
  State& s = providers_[provider];
  s.settings = std::move(settings);
  s.tokens = s.settings.rate_limit;
  s.started = false;
}

const FaultSettings* Faults::find(std::string_view provider) const {
  auto it = providers_.find(provider);
  return it == providers_.end() ? nullptr : &it->second.settings;
}

bool Faults::chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

FaultDecision Faults::decide(std::string_view provider, Millis since_start) {
  FaultDecision d;
  auto it = providers_.find(provider);
  if (it == providers_.end()) return d;
  State& s = it->second;
  const FaultSettings& f = s.settings;
  d.delay = f.latency;
  if (f.jitter.count() > 0) d.delay += Millis(std::uniform_int_distribution<int64_t>(0, f.jitter.count())(rng_));
  if (in_outage(provider, since_start)) {
    d.kind = FaultDecision::Kind::reset;
    return d;
  }
  if (f.rate_limit > 0) {
    // A token bucket of one second's worth: over it, the provider's own "slow down".
    if (!s.started) {
      s.started = true;
      s.last = since_start;
      s.tokens = f.rate_limit;
    }
    s.tokens = std::min(f.rate_limit, s.tokens + static_cast<double>((since_start - s.last).count()) * f.rate_limit / 1000);
    s.last = since_start;
    if (s.tokens < 1) {
      d.kind = FaultDecision::Kind::throttled;
      return d;
    }
    s.tokens -= 1;
  }
  if (chance(f.resets)) d.kind = FaultDecision::Kind::reset;
  else if (chance(f.error_rate)) d.kind = FaultDecision::Kind::error;
  else if (chance(f.malformed)) d.kind = FaultDecision::Kind::malformed;
  else if (chance(f.lost_answers)) d.kind = FaultDecision::Kind::lost_answer;
  return d;
}

bool Faults::in_outage(std::string_view provider, Millis since_start) const {
  const FaultSettings* f = find(provider);
  if (!f) return false;
  return std::any_of(f->outages.begin(), f->outages.end(),
                     [&](const Outage& o) { return since_start >= o.from && since_start < o.from + o.length; });
}

bool Faults::lose_receipt(std::string_view provider) {
  auto it = providers_.find(provider);
  return it != providers_.end() && chance(it->second.settings.lost_receipts);
}

ServerResponse fault_answer(std::string_view provider, FaultDecision::Kind kind) {
  const std::string json_type = "application/json;charset=utf-8";
  if (kind == FaultDecision::Kind::malformed)
    return {200, "text/html", "<html><body><h1>502 Bad Gateway</h1><p>upstream sent an invalid response</p></body></html>"};
  const bool throttled = kind == FaultDecision::Kind::throttled;
  if (provider == "zzd" || provider == "zzd-ding")
    return throttled ? ServerResponse{200, json_type, zzd::error_envelope("sim-fault", zzd::kErrorRateLimited, "请求频率超过限制")}
                     : ServerResponse{503, json_type, zzd::error_envelope("sim-fault", "ServiceUnavailable", "服务暂不可用")};
  if (provider == "sms" || provider == "sms_backup")
    return throttled ? ServerResponse{200, json_type, sms::answer_json({std::string(sms::kThrottled),
                                                                         "Request was denied due to user flow control.", "", "sim-fault"})}
                     : ServerResponse{500, json_type, sms::answer_json({"isp.SYSTEM_ERROR", "系统错误", "", "sim-fault"})};
  if (provider == "voice")
    return throttled ? ServerResponse{200, json_type, vms::answer_json({std::string(vms::kThrottled),
                                                                         "Request was denied due to user flow control.", "sim-fault", ""})}
                     : ServerResponse{500, json_type, vms::answer_json({"InternalError", "系统错误", "sim-fault", ""})};
  if (provider == "webhook")
    return throttled ? ServerResponse{429, json_type, R"({"error":"too many requests"})"}
                     : ServerResponse{503, json_type, R"({"error":"unavailable"})"};
  return {503, "text/plain", "unavailable"};  // the broadcast platform: no throttling code of its own
}

std::optional<FaultSettings> parse_fault_settings(std::string_view text, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    error = "faults must be a JSON object";
    return std::nullopt;
  }
  FaultSettings f;
  for (const auto& [key, value] : v.as_object()) {
    auto duration = [&](const json::value& x, Millis& out) {
      auto d = x.is_string() ? parse_duration(std::string(x.as_string())) : std::nullopt;
      if (!d) error = std::string(key) + " must be a duration like \"50ms\"";
      else out = *d;
      return d.has_value();
    };
    auto share = [&](double& out) {
      if (!value.is_number() || value.to_number<double>() < 0 || value.to_number<double>() > 1) {
        error = std::string(key) + " must be a share from 0 to 1";
        return false;
      }
      out = value.to_number<double>();
      return true;
    };
    bool ok = true;
    if (key == "latency") ok = duration(value, f.latency);
    else if (key == "jitter") ok = duration(value, f.jitter);
    else if (key == "error_rate") ok = share(f.error_rate);
    else if (key == "lost_answers") ok = share(f.lost_answers);
    else if (key == "malformed") ok = share(f.malformed);
    else if (key == "resets") ok = share(f.resets);
    else if (key == "lost_receipts") ok = share(f.lost_receipts);
    else if (key == "rate_limit") {
      ok = value.is_number() && value.to_number<double>() >= 0;
      if (ok) f.rate_limit = value.to_number<double>();
      else error = "rate_limit must be requests a second (0 = none)";
    } else if (key == "outages") {
      ok = value.is_array();
      if (!ok) error = "outages must be a list of {from, for}";
      for (const json::value& o : ok ? value.as_array() : json::array{}) {
        Outage out;
        const json::object* obj = o.is_object() ? &o.as_object() : nullptr;
        if (!obj || !obj->contains("from") || !obj->contains("for") || !duration(obj->at("from"), out.from) ||
            !duration(obj->at("for"), out.length)) {
          if (error.empty()) error = "each outage is {\"from\": \"10s\", \"for\": \"30s\"}";
          ok = false;
          break;
        }
        f.outages.push_back(out);
      }
    } else {
      error = "unknown fault '" + std::string(key) +
              "' (latency, jitter, error_rate, rate_limit, outages, lost_answers, malformed, resets, lost_receipts)";
      ok = false;
    }
    if (!ok) return std::nullopt;
  }
  return f;
}

}  // namespace jiaoying::sim
