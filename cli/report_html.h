// The record of one warning (一事一档) as one self-contained HTML file a duty room prints (A4)
// and archives: the warning as received, the plans that ran, the service levels by tier and by
// township, a chart of answers over time per tier, the recipients, report-backs, loudspeakers,
// what was done by hand and by whom, and the timeline. No external assets; every text escaped.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace jiaoying {

// `report` is GET /api/v1/warnings/<id>/report. Phone numbers are masked unless `unmask`.
std::string render_report_html(const boost::json::value& report, bool unmask);

// The chart alone: cumulative share of each tier's people answered, minute by minute, with the
// 30-minute mark (R10: answered within 30 minutes).
std::string answers_chart_svg(const boost::json::value& report);

}  // namespace jiaoying
