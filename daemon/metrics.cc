#include "daemon/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace jiaoying {

namespace {

// A label value as the format wants it: backslash, double quote and newline escaped.
std::string escaped(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string number(double v) { return fmt::format("{}", v); }

}  // namespace

void Metrics::observe(Histogram& h, const double* bounds, size_t n, double value) {
  if (h.counts.empty()) h.counts.assign(n + 1, 0);
  const size_t i = static_cast<size_t>(std::lower_bound(bounds, bounds + n, value) - bounds);
  ++h.counts[i];
  h.sum += value;
  ++h.count;
}

void Metrics::message_result(std::string_view channel, std::string_view provider, std::string_view result,
                             uint64_t n) {
  std::lock_guard lock(mutex_);
  results_[{std::string(channel), std::string(provider), std::string(result)}] += n;
}

void Metrics::provider_request(std::string_view provider, double seconds) {
  std::lock_guard lock(mutex_);
  observe(requests_[std::string(provider)], kRequestBuckets.data(), kRequestBuckets.size(), seconds);
}

void Metrics::answered(std::string_view tier, double seconds) {
  std::lock_guard lock(mutex_);
  observe(answers_[std::string(tier)], kAnswerBuckets.data(), kAnswerBuckets.size(), std::max(0.0, seconds));
}

void Metrics::loop_lag(double seconds) {
  std::lock_guard lock(mutex_);
  loop_lag_ = std::max(0.0, seconds);
  loop_lag_max_ = std::max(loop_lag_max_, loop_lag_);
  ++loop_samples_;
}

double Metrics::last_loop_lag() const {
  std::lock_guard lock(mutex_);
  return loop_lag_;
}

double Metrics::worst_loop_lag() const {
  std::lock_guard lock(mutex_);
  return loop_lag_max_;
}

std::string Metrics::render(const StoreGauges& store, const std::vector<ProviderStatus>& providers) const {
  std::string out;
  auto histograms = [&](std::string_view name, std::string_view label, const std::map<std::string, Histogram>& all,
                        const double* bounds, size_t n) {
    for (const auto& [key, h] : all) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < n; ++i) {
        cumulative += h.counts[i];
        out += fmt::format("{}_bucket{{{}=\"{}\",le=\"{}\"}} {}\n", name, label, escaped(key), number(bounds[i]),
                           cumulative);
      }
      out += fmt::format("{}_bucket{{{}=\"{}\",le=\"+Inf\"}} {}\n", name, label, escaped(key), h.count);
      out += fmt::format("{}_sum{{{}=\"{}\"}} {}\n", name, label, escaped(key), number(h.sum));
      out += fmt::format("{}_count{{{}=\"{}\"}} {}\n", name, label, escaped(key), h.count);
    }
  };
  {
    std::lock_guard lock(mutex_);
    family(out, "jiaoying_messages_total", "counter",
           "Messages whose provider answered (or that failed before a request), by channel, provider and result.");
    for (const auto& [key, n] : results_)
      out += fmt::format("jiaoying_messages_total{{channel=\"{}\",provider=\"{}\",result=\"{}\"}} {}\n",
                         escaped(std::get<0>(key)), escaped(std::get<1>(key)), escaped(std::get<2>(key)), n);
    family(out, "jiaoying_provider_request_seconds", "histogram",
           "How long each request to a provider took, from sent to answered.");
    histograms("jiaoying_provider_request_seconds", "provider", requests_, kRequestBuckets.data(),
               kRequestBuckets.size());
    family(out, "jiaoying_time_to_answer_seconds", "histogram",
           "From a person's first notice to their answer (plan clock), by tier.");
    histograms("jiaoying_time_to_answer_seconds", "tier", answers_, kAnswerBuckets.data(), kAnswerBuckets.size());
    family(out, "jiaoying_engine_loop_lag_seconds", "gauge",
           "How late the engine's loop ran its last 1-second timer: the wait of everything queued on it.");
    out += fmt::format("jiaoying_engine_loop_lag_seconds {}\n", number(loop_lag_));
    family(out, "jiaoying_engine_loop_lag_max_seconds", "gauge", "The most the engine's loop lagged since the start.");
    out += fmt::format("jiaoying_engine_loop_lag_max_seconds {}\n", number(loop_lag_max_));
  }
  family(out, "jiaoying_warnings", "gauge", "Warnings on file, by state.");
  for (const auto& [state, n] : store.warnings) out += fmt::format("jiaoying_warnings{{state=\"{}\"}} {}\n", escaped(state), n);
  family(out, "jiaoying_open_callouts", "gauge", "The callouts of the active warnings, by state and tier.");
  for (const auto& [key, n] : store.open_callouts)
    out += fmt::format("jiaoying_open_callouts{{state=\"{}\",tier=\"{}\"}} {}\n", escaped(key.first),
                       escaped(key.second), n);
  family(out, "jiaoying_outbox_messages", "gauge", "Messages queued or being sent, by channel.");
  for (const auto& [channel, n] : store.queued)
    out += fmt::format("jiaoying_outbox_messages{{channel=\"{}\"}} {}\n", escaped(channel), n);
  family(out, "jiaoying_outbox_oldest_seconds", "gauge",
         "How long the oldest message still queued has waited to go out (0 when none waits).");
  out += fmt::format("jiaoying_outbox_oldest_seconds {}\n", number(store.oldest_queued_seconds));
  family(out, "jiaoying_database_bytes", "gauge", "The size of the database file.");
  out += fmt::format("jiaoying_database_bytes {}\n", store.database_bytes);
  if (store.database_free_bytes >= 0) {
    family(out, "jiaoying_database_free_bytes", "gauge", "Space left to an unprivileged writer on the database's disk.");
    out += fmt::format("jiaoying_database_free_bytes {}\n", store.database_free_bytes);
  }
  family(out, "jiaoying_provider_state", "gauge",
         "Each provider's circuit breaker: 1 for the state it is in (up, probing, down), 0 for the others.");
  for (const ProviderStatus& p : providers)
    for (const char* state : {"up", "probing", "down"})
      out += fmt::format("jiaoying_provider_state{{provider=\"{}\",medium=\"{}\",state=\"{}\"}} {}\n", escaped(p.name),
                         escaped(p.medium), state, p.state == state ? 1 : 0);
  family(out, "jiaoying_provider_in_flight", "gauge", "Requests to each provider not yet answered.");
  for (const ProviderStatus& p : providers)
    out += fmt::format("jiaoying_provider_in_flight{{provider=\"{}\"}} {}\n", escaped(p.name), p.in_flight);
  return out;
}

}  // namespace jiaoying
