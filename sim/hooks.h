// What a simulated platform tells the simulator's stats, and asks of its faults. Both may be
// absent (the platform tests drive platforms without them).
#pragma once

#include <string_view>

#include "sim/faults.h"
#include "sim/stats.h"

namespace jiaoying::sim {

struct PlatformHooks {
  Stats* stats = nullptr;
  Faults* faults = nullptr;

  void taken(std::string_view provider, int64_t messages = 1) const {
    if (stats) stats->taken(provider, messages);
  }
  void duplicate(std::string_view provider) const {
    if (stats) stats->duplicate(provider);
  }
  // A receipt or report of something taken that never comes (the scenario's lost_receipts).
  bool lose_receipt(std::string_view provider) const {
    if (!faults || !faults->lose_receipt(provider)) return false;
    if (stats) stats->fault(provider, "lost_receipt");
    return true;
  }
};

}  // namespace jiaoying::sim
