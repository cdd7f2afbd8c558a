// The report-back duty (回报): a plan's `report_back` makes each called area of its tier owe one
// report within `within`; the form behind the card's 回报 button files it; a missing one is
// chased and escalated at its deadline, and the warning stays open until then.
#pragma once

#include "daemon/duty.h"
#include "daemon/engine_types.h"

namespace jiaoying {

class ReportBackDuty final : public Duty {
 public:
  explicit ReportBackDuty(DutyHost& host) : host_(host) {}

  std::string_view name() const override { return "report_back"; }
  void start(const DutyStart& start) override;
  int tick() override;
  void end(const DutyEnd& end) override;
  bool blocks_close(int64_t warning_id) override;

  // What the form behind the 回报 button shows before it is filed (kind filed = already in).
  ReportOutcome report_status(int64_t callout_id);
  // Files (or amends) the report its area owes; counts as the caller's answer too. One transaction.
  ReportOutcome file_report(int64_t callout_id, const ReportFiling& filing, std::string_view actor);

 private:
  void start_for(Store::Tx& tx, int64_t warning_id);
  // What is still owed is let off (every area, or those no callout covers any more).
  void let_off(Store::Tx& tx, int64_t warning_id, std::string_view why, bool only_abandoned_areas);

  DutyHost& host_;
};

}  // namespace jiaoying
