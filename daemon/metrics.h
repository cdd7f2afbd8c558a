// GET /metrics: what the daemon does, in the Prometheus text format (version 0.0.4), on a listen
// address of its own (`metrics: { listen: host:port }`, off by default) so a scraper never shares
// the public port the phones use.
//
// Two sources. What happens — messages' results by channel, provider and result, how long each
// provider's requests took, how long people took to answer, how late the engine's loop runs — is
// counted here as it happens, on the engine's thread (counters start at zero with the process, as
// Prometheus expects). What is — warnings by state, the open warnings' callouts by state and tier,
// the outbox's depth and the age of its oldest queued message — is read from the store at each
// scrape, on the admin thread's own connection, and the providers' breakers from the board.
//
// No Prometheus client library is packaged for C++ in Debian 12; the format is a few lines per
// family, written here and checked by `promtool check metrics` in the tests.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "daemon/provider_board.h"

namespace jiaoying {

// What the store holds now, for the gauges (read by SqliteViews::gauges).
struct StoreGauges {
  std::map<std::string, int64_t> warnings;                             // by state
  std::map<std::pair<std::string, std::string>, int64_t> open_callouts;  // (state, tier), of active warnings
  std::map<std::string, int64_t> queued;                               // by channel: queued or sending
  double oldest_queued_seconds = 0;                                    // the longest a queued message has waited
  int64_t database_bytes = 0;
  int64_t database_free_bytes = -1;                                   // on its disk; -1: unknown
};

class Metrics {
 public:
  // Seconds. Requests: a card or a text is tens of milliseconds, a call's start a second or two.
  static constexpr std::array<double, 11> kRequestBuckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  // Seconds. Answers: the plan's steps are minutes apart (3-minute wake-up, 15-minute deadline).
  static constexpr std::array<double, 10> kAnswerBuckets{30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200};

  // The engine's thread tells these as things happen.
  void message_result(std::string_view channel, std::string_view provider, std::string_view result, uint64_t n = 1);
  void provider_request(std::string_view provider, double seconds);
  void answered(std::string_view tier, double seconds);
  void loop_lag(double seconds);

  // For `jiaoying status`: the loop's last and worst lag, and when counting began (the start).
  double last_loop_lag() const;
  double worst_loop_lag() const;
  std::chrono::system_clock::time_point started() const { return started_; }

  // The exposition: the counted families, then the store's and the providers' gauges.
  std::string render(const StoreGauges& store, const std::vector<ProviderStatus>& providers) const;

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; the last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  static void observe(Histogram& h, const double* bounds, size_t n, double value);

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> results_;  // guarded by mutex_
  std::map<std::string, Histogram> requests_;                                     // by provider
  std::map<std::string, Histogram> answers_;                                      // by tier
  const std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  double loop_lag_ = 0, loop_lag_max_ = 0;
  uint64_t loop_samples_ = 0;
};

}  // namespace jiaoying
