// What the duty officer's views show of the providers: each one's state (up, down, probing),
// since when, requests in flight and its last fault, and its last heartbeat (daemon/heartbeat.h).
// The dispatcher and the heartbeats (engine thread) publish it; the admin thread reads it.
// Thread-safe.
#pragma once

#include <map>
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
  // The last heartbeat, when the provider has one: when it was answered, whether it was taken.
  bool heartbeat = false;
  TimePoint heartbeat_at{};
  bool heartbeat_ok = false;
  std::string heartbeat_detail;
};

struct HeartbeatResult {
  TimePoint at{};
  bool ok = false;
  std::string detail;
};

class ProviderBoard {
 public:
  void publish(std::vector<ProviderStatus> providers) {
    std::lock_guard lock(mutex_);
    providers_ = std::move(providers);
  }
  void heartbeat(const std::string& provider, HeartbeatResult result) {
    std::lock_guard lock(mutex_);
    heartbeats_[provider] = std::move(result);
  }
  std::vector<ProviderStatus> read() const {
    std::lock_guard lock(mutex_);
    std::vector<ProviderStatus> out = providers_;
    for (ProviderStatus& p : out)
      if (auto it = heartbeats_.find(p.name); it != heartbeats_.end()) {
        p.heartbeat = true;
        p.heartbeat_at = it->second.at;
        p.heartbeat_ok = it->second.ok;
        p.heartbeat_detail = it->second.detail;
      }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ProviderStatus> providers_;                // protected by mutex_
  std::map<std::string, HeartbeatResult> heartbeats_;   // by provider; protected by mutex_
};

}  // namespace jiaoying
