// Limits on ringing phones, kept by the dispatcher before a call is placed: the carriers' caps
// per called number (by default 1 call a minute, 5 an hour, 20 a day — over them the voice
// platform refuses, so asking is wasted and the person is not rung) and a cap on calls ringing
// at once in one township (a rural exchange saturates long before the provider does; LESSONS.md,
// Everbridge). A call holds its township's line from placement until its report arrives, or at
// most `call_time`. Plan time (the engine's clock), as the carriers' caps are per person; not
// thread-safe: the dispatcher's thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "rules/time.h"

namespace jiaoying {

struct CallLimitSettings {
  int per_minute = 1;        // calls to one number; 0 = no cap
  int per_hour = 5;
  int per_day = 20;
  int per_township = 30;     // calls ringing at once in one township; 0 = no cap
  Millis call_time{180'000};  // a placed call counts as ringing until its report, at most this long
};

class CallLimits {
 public:
  explicit CallLimits(CallLimitSettings settings = {}) : settings_(settings) {}

  // nullopt when `number` may be rung now in `area`'s township; else when to ask again.
  std::optional<TimePoint> next_allowed(const std::string& number, const std::string& area, TimePoint now);
  // A call was placed (or may have been) for message `message_id`.
  void placed(int64_t message_id, const std::string& number, const std::string& area, TimePoint at);
  // Its report came: the line is free.
  void ended(int64_t message_id);
  // Calls ringing in `area`'s township now.
  int ringing(const std::string& area, TimePoint now);

  // The township of an area: its first 9 digits (a county or city is its own).
  static std::string township_of(const std::string& area);

 private:
  void expire(TimePoint now);

  CallLimitSettings settings_;
  std::map<std::string, std::deque<TimePoint>> placed_;  // by number, the last day's calls, oldest first
  struct Ringing {
    std::string township;
    TimePoint since;
  };
  std::map<int64_t, Ringing> ringing_;        // by message id
  std::map<std::string, int> per_township_;   // count of ringing_ by township
};

}  // namespace jiaoying
