// The 六问 spot check rule (a plan's `spot_check`): `after` the warning's start, a sample of the
// posts that answered is phoned the questions (daemon/engine_spot_check.cc does the phoning, as
// the duty desk's `jiaoying spotcheck` does). Due once a warning, kept in the store, so a restart
// neither loses nor repeats it; a warning that is cancelled or expires before lets it off. It
// does not hold its warning open: a closed warning's answered posts are checked all the same.
#pragma once

#include "daemon/duty.h"

namespace jiaoying {

class SpotCheckDuty final : public Duty {
 public:
  explicit SpotCheckDuty(DutyHost& host) : host_(host) {}

  std::string_view name() const override { return "spot_check"; }
  void start(const DutyStart& start) override;
  int tick() override;
  void end(const DutyEnd& end) override;
  bool blocks_close(int64_t) override { return false; }

 private:
  DutyHost& host_;
};

}  // namespace jiaoying
