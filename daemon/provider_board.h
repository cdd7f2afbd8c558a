// What the duty officer's views show of the providers: each one's state (up, down, probing),
// since when, requests in flight and its last fault. The dispatcher (engine thread) publishes it;
// the admin thread reads it. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "rules/time.h"

namespace jiaoying {

struct ProviderStatus {
  std::string name, medium;
  std::string state;  // up | down | probing
  TimePoint since{};  // when it last changed state (plan clock)
  size_t in_flight = 0;
  double rate = 0;
  int64_t requests = 0, faults = 0;  // since jiaoyingd started
  std::string last_fault;
};

class ProviderBoard {
 public:
  void publish(std::vector<ProviderStatus> providers) {
    std::lock_guard lock(mutex_);
    providers_ = std::move(providers);
  }
  std::vector<ProviderStatus> read() const {
    std::lock_guard lock(mutex_);
    return providers_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ProviderStatus> providers_;  // protected by mutex_
};

}  // namespace jiaoying
