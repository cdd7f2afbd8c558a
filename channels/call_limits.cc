#include "channels/call_limits.h"

#include <algorithm>

namespace jiaoying {

std::string CallLimits::township_of(const std::string& area) { return area.size() > 9 ? area.substr(0, 9) : area; }

void CallLimits::expire(TimePoint now) {
  for (auto it = ringing_.begin(); it != ringing_.end();) {
    if (now - it->second.since >= settings_.call_time) {
      if (--per_township_[it->second.township] <= 0) per_township_.erase(it->second.township);
      it = ringing_.erase(it);
    } else {
      ++it;
    }
  }
}

int CallLimits::ringing(const std::string& area, TimePoint now) {
  expire(now);
  auto it = per_township_.find(township_of(area));
  return it == per_township_.end() ? 0 : it->second;
}

std::optional<TimePoint> CallLimits::next_allowed(const std::string& number, const std::string& area, TimePoint now) {
  using std::chrono::hours;
  using std::chrono::minutes;
  std::optional<TimePoint> later;
  auto wait_until = [&](TimePoint t) {
    if (t > now && (!later || t > *later)) later = t;
  };
  if (auto it = placed_.find(number); it != placed_.end()) {
    std::deque<TimePoint>& calls = it->second;
    while (!calls.empty() && now - calls.front() >= hours(24)) calls.pop_front();
    // Over a cap of N in a window: free again when the N-th most recent call leaves the window.
    auto cap = [&](int n, Millis window) {
      if (n <= 0) return;
      const auto in_window = std::count_if(calls.begin(), calls.end(), [&](TimePoint t) { return now - t < window; });
      if (in_window >= n) wait_until(*(calls.end() - n) + window);
    };
    cap(settings_.per_minute, minutes(1));
    cap(settings_.per_hour, hours(1));
    cap(settings_.per_day, hours(24));
  }
  if (settings_.per_township > 0 && ringing(area, now) >= settings_.per_township) {
    // A line frees when a report comes; look again shortly rather than guess when.
    wait_until(now + Millis(2'000));
  }
  return later;
}

void CallLimits::placed(int64_t message_id, const std::string& number, const std::string& area, TimePoint at) {
  if (!number.empty()) placed_[number].push_back(at);
  if (ringing_.emplace(message_id, Ringing{township_of(area), at}).second) ++per_township_[township_of(area)];
}

void CallLimits::ended(int64_t message_id) {
  auto it = ringing_.find(message_id);
  if (it == ringing_.end()) return;
  if (--per_township_[it->second.township] <= 0) per_township_.erase(it->second.township);
  ringing_.erase(it);
}

}  // namespace jiaoying
