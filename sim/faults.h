// A provider's bad day, as jiaoying-sim plays it: latency (fixed plus jitter), a share of
// requests answered with the provider's own system error, a rate limit answered with its real
// throttling code, outage windows (connections reset), answers lost after the request was taken
// (the caller cannot know whether it went), malformed answers, connections reset before the
// request was read, and receipts or reports that never come. Set per provider from the scenario's
// `faults:` section, and changeable while running (POST /sim/faults). Time is an input (real
// time since the simulator started). Not thread-safe: the simulator's io thread owns it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "channels/http_server.h"

namespace jiaoying::sim {

using Millis = std::chrono::milliseconds;

// The providers the simulator plays, by the names faults and stats use.
inline constexpr std::string_view kProviders[] = {"zzd", "zzd-ding", "sms", "sms_backup", "cmpp", "voice", "asterisk", "broadcast", "webhook"};

struct Outage {
  Millis from{0};    // after the simulator started
  Millis length{0};
};

struct FaultSettings {
  Millis latency{0};          // every answer waits this long
  Millis jitter{0};           // plus up to this much more, at random
  double error_rate = 0;      // share answered with the provider's system error (5xx)
  double rate_limit = 0;      // requests a second taken; above it, the provider's throttling code (0 = none)
  std::vector<Outage> outages;  // connections reset while one lasts
  double lost_answers = 0;    // share taken, then the connection reset before the answer
  double malformed = 0;       // share answered 200 with a body that is not the provider's
  double resets = 0;          // share whose connection is reset before the request is taken
  double lost_receipts = 0;   // share taken and answered whose receipt / report never comes
};

// What becomes of one request.
struct FaultDecision {
  enum class Kind {
    none,         // served as usual (after `delay`)
    error,        // the provider's system error, not taken
    throttled,    // the provider's rate-limit answer, not taken
    malformed,    // garbage, not taken
    reset,        // the connection reset, not taken (a reset, or an outage)
    lost_answer,  // taken, and the connection reset instead of the answer
  } kind = Kind::none;
  Millis delay{0};
};
std::string_view fault_kind_name(FaultDecision::Kind kind);

class Faults {
 public:
  explicit Faults(uint32_t seed = 20261201) : rng_(seed) {}

  void set(const std::string& provider, FaultSettings settings);
  const FaultSettings* find(std::string_view provider) const;
  // `since_start` is real time since the simulator started.
  FaultDecision decide(std::string_view provider, Millis since_start);
  // Whether one of the provider's outages lasts at `since_start` (a link provider's port refuses
  // and cuts connections then).
  bool in_outage(std::string_view provider, Millis since_start) const;
  // Whether a receipt or report of a request taken should never come.
  bool lose_receipt(std::string_view provider);

 private:
  struct State {
    FaultSettings settings;
    double tokens = 0;
    Millis last{0};
    bool started = false;
  };
  bool chance(double p);

  std::map<std::string, State, std::less<>> providers_;
  std::mt19937 rng_;
};

// The answer a provider gives when it fails (error), asks us to slow down (throttled) or
// answers garbage (malformed), in its own wire format: the Zhezhengding envelope with its
// rate-limit code 143103, Alibaba Cloud's {"Code": "Throttling.User"}, a webhook's 429, …
ServerResponse fault_answer(std::string_view provider, FaultDecision::Kind kind);

// Reads one provider's settings from JSON ({"latency": "50ms", "error_rate": 0.1, "outages":
// [{"from": "10s", "for": "30s"}], …}); nullopt with `error` naming the field when malformed.
std::optional<FaultSettings> parse_fault_settings(std::string_view json, std::string& error);

}  // namespace jiaoying::sim
