// What the duty officer reads: the admin API's JSON turned into text (list of warnings, one
// warning's callout table, one audit event per line). Pure functions; used by the commands
// and by the demo.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace jiaoying {

std::string render_warning_list(const boost::json::value& list, bool colour);
std::string render_warning_detail(const boost::json::value& detail, bool colour);
// The printable after-action report of one warning (一事一档): service levels by tier, who did not
// answer, messages by channel, report-backs, the loudspeakers, and the timeline worth filing.
std::string render_report(const boost::json::value& report);
// The 六问 spot checks of a warning's detail or report: each post checked, and the share passed.
std::string render_spot_checks(const boost::json::value& detail, bool colour);
// "02:03:15  answered       赵某一 answered via zzd"
std::string render_event(const boost::json::value& event);
// The providers under the warnings list: state, in flight, waiting (empty when none are listed).
std::string render_providers(const boost::json::value& list, bool colour);
// `jiaoying status`: the problems first (red), then the disk, the engine, the outbox, the warnings
// and the providers.
std::string render_status(const boost::json::value& status, bool colour);
// "answered 12/19 · calling 5 · exhausted 2"
std::string render_counts(const boost::json::value& counts);

// One CSV row per callout (a spreadsheet's view of `show -o csv`); mobiles masked unless `unmask`.
std::string render_callouts_csv(const boost::json::value& detail, bool unmask);
// The period summary (GET /api/v1/summary) as text, csv or html: per county and township the
// R10 figures, and the warnings by hazard and level.
std::string render_summary(const boost::json::value& summary, const std::string& format);

// A warning phoned in to the duty room, as the JSON ingest format (source duty-desk; the
// identifier from the time, so two are never one).
std::string desk_warning_json(const std::string& hazard, const std::string& level,
                              const std::vector<std::string>& areas, const std::string& headline,
                              const std::string& text);
// What jiaoyingd said of a posted warning: its number, the people called, the flags.
std::string render_posted(const boost::json::value& posted);

}  // namespace jiaoying
