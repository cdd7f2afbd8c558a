#include "sim/stats.h"

#include <algorithm>
#include <boost/json.hpp>

namespace jiaoying::sim {

namespace json = boost::json;

std::chrono::milliseconds Stats::since_start() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
}

void Stats::request(std::string_view provider) {
  std::lock_guard lock(mutex_);
  ++providers_[std::string(provider)].requests;
}

void Stats::taken(std::string_view provider, int64_t messages) {
  const auto second = static_cast<size_t>(since_start().count() / 1000);
  std::lock_guard lock(mutex_);
  Provider& p = providers_[std::string(provider)];
  p.taken += messages;
  if (p.per_second.size() <= second) p.per_second.resize(second + 1, 0);
  p.per_second[second] += messages;
}

void Stats::duplicate(std::string_view provider) {
  std::lock_guard lock(mutex_);
  ++providers_[std::string(provider)].duplicates;
}

void Stats::fault(std::string_view provider, std::string_view kind) {
  std::lock_guard lock(mutex_);
  ++providers_[std::string(provider)].faults[std::string(kind)];
}

void Stats::tap(bool ok, std::chrono::microseconds latency) {
  std::lock_guard lock(mutex_);
  ++(ok ? taps_done_ : taps_failed_);
  tap_latency_us_.push_back(latency.count());
}

std::string Stats::json() const {
  std::lock_guard lock(mutex_);
  json::object out;
  for (const auto& [name, p] : providers_) {
    json::object faults;
    for (const auto& [kind, n] : p.faults) faults[kind] = n;
    json::array per_second(p.per_second.begin(), p.per_second.end());
    out[name] = json::object{{"requests", p.requests}, {"taken", p.taken}, {"duplicates", p.duplicates},
                             {"faults", std::move(faults)}, {"per_second", std::move(per_second)}};
  }
  std::vector<int64_t> sorted = tap_latency_us_;
  std::sort(sorted.begin(), sorted.end());
  auto at = [&](double q) {
    if (sorted.empty()) return 0.0;
    return static_cast<double>(sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())))]) / 1000;
  };
  out["taps"] = json::object{{"done", taps_done_}, {"failed", taps_failed_}, {"p50_ms", at(0.5)},
                             {"p99_ms", at(0.99)}, {"max_ms", sorted.empty() ? 0.0 : static_cast<double>(sorted.back()) / 1000}};
  out["uptime_ms"] = since_start().count();
  return json::serialize(out);
}

}  // namespace jiaoying::sim
