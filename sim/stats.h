// What the simulated providers took, for benchmarks and tests (GET /sim/stats): per provider the
// requests, the messages taken (one per person or number), duplicates and the faults played, and
// a count of messages taken per second since the simulator started; and the people's taps (done,
// failed, how long the daemon took to answer them: p50, p99, max). Thread-safe: the platforms
// run on the io thread, the taps on their own.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace jiaoying::sim {

class Stats {
 public:
  explicit Stats(std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now()) : start_(start) {}

  void request(std::string_view provider);
  void taken(std::string_view provider, int64_t messages = 1);
  void duplicate(std::string_view provider);
  void fault(std::string_view provider, std::string_view kind);
  void tap(bool ok, std::chrono::microseconds latency);
  std::chrono::milliseconds since_start() const;

  // {"zzd": {"requests", "taken", "duplicates", "faults": {kind: n}, "per_second": [...]}, …,
  //  "taps": {"done", "failed", "p50_ms", "p99_ms", "max_ms"}, "uptime_ms"}
  std::string json() const;

 private:
  struct Provider {
    int64_t requests = 0, taken = 0, duplicates = 0;
    std::map<std::string, int64_t> faults;
    std::vector<int64_t> per_second;
  };
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::map<std::string, Provider, std::less<>> providers_;  // protected by mutex_
  int64_t taps_done_ = 0, taps_failed_ = 0;                 // protected by mutex_
  std::vector<int64_t> tap_latency_us_;                     // protected by mutex_
};

}  // namespace jiaoying::sim
