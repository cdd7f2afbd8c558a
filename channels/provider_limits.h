// A provider's limits as jiaoyingd.yaml gives them (daemon/config.h reads them; the dispatcher
// keeps to them): how many requests a second, how many at once, how many messages a request,
// which levels it carries (a backup that takes only the urgent ones), when to think it down.
#pragma once

#include <cstddef>
#include <optional>

#include "channels/breaker.h"
#include "rules/warning.h"

namespace jiaoying {

struct ProviderLimits {
  double rate = 0;            // requests a second; 0 = no limit of ours (the provider's own applies)
  double burst = 0;           // requests at once after a quiet spell; 0 = a tenth of a second's worth
  size_t concurrency = 128;   // requests in flight at once
  size_t batch = 0;           // messages a request; 0 = as many as its wire takes
  // The least urgent level it carries: a backup with `min_level: orange` takes red and orange
  // when the provider before it is down; yellow and blue wait for a provider that carries them.
  std::optional<Level> min_level;
  BreakerSettings breaker;
};

}  // namespace jiaoying
