// Callout plans (叫应方案): which warnings a plan answers, who it calls, and the ladder of steps
// each person climbs until they answer. Loaded from the YAML files duty offices edit; a loaded
// plan is immutable, and a running warning keeps the snapshot (YAML text) it started with.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/directory.h"
#include "rules/load_error.h"
#include "rules/time.h"
#include "rules/warning.h"

namespace jiaoying {

// Who a plan reaches: the posts with these roles at this tier, among the warned areas, what lies
// below them and the chain above them.
struct RecipientRule {
  Tier tier = Tier::village;
  std::vector<std::string> roles;
  // warned: the warned areas, the chain above them and all below (the default);
  // neighbours: the counties next to the warned areas' counties, and all below them
  // (区域联动: regional linkage tells the neighbours).
  enum class Scope { warned, neighbours } scope = Scope::warned;
  int line = 0;
};

// Which seat of the post a step calls (AB岗): the A holder, the B deputy, or both.
enum class SeatChoice { A, B, both };

// Who else a step tells that the post has not answered.
enum class Notify {
  none,
  superior,      // the posts above in the tree (the plan's roles of the parent area's tier)
  duty_officer,  // the duty_officer post of the nearest area above (值班员)
};

// One rung: at `after` (from the callout's start), unless the post has answered, send on
// `channels` to the chosen seat, and/or raise the superior or the duty officer.
struct LadderStep {
  Millis after{0};
  std::vector<std::string> channels;  // may be empty on a pure notify step
  SeatChoice seat = SeatChoice::A;
  Notify notify = Notify::none;
  int line = 0;
};

std::string_view notify_name(Notify notify);

// What counts as an answer. confirm: an explicit one (收到, key 1, a filed report-back). read: a
// read receipt is enough as well — a phone call heard to the end (cards give no receipts; a plan
// with ack: read must ring someone).
enum class AckMode { confirm, read };

// The report-back duty (回报): within `within` of the warning's start, each area of this tier
// among the called ones reports who is in command, how many villages are affected and whether
// people are being moved. Missing at the deadline: the area's posts are reminded (【催报】) and
// `notify` (the duty officer, or the posts above) is told.
struct ReportDuty {
  Tier tier = Tier::township;
  Millis within{15 * 60 * 1000};
  Notify notify = Notify::duty_officer;
  int line = 0;
};

// The night rule (夜间先电话): a first step that runs between `from` and `to` (China time; the
// span may cross midnight) also goes out on `first` — a card nobody sees at 02:00 is backed by
// a ring that wakes them.
struct NightRule {
  int from_minute = 22 * 60;  // minutes after midnight
  int to_minute = 7 * 60;
  std::vector<std::string> first;
  int line = 0;
};
// Whether `at` falls in the rule's night.
bool is_night(const NightRule& rule, TimePoint at);

// The broadcast rule (应急广播): for a warning of one of `levels` (empty = every level the plan
// answers), the loudspeakers of every warned area of `tier` play it `repeat` times; the
// platform's playback report is due `within` — missing or failed, the duty officer is told.
struct BroadcastRule {
  std::vector<Level> levels;
  Tier tier = Tier::village;
  int repeat = 3;
  Millis within{10 * 60 * 1000};
  int line = 0;
};
bool broadcast_applies(const BroadcastRule& rule, Level level);

// The 六问 spot check rule (task 13): `after` the warning's start, `sample` posts (or `percent`
// of them) of those that answered, of `tier` and `roles` when given, are phoned the questions.
struct SpotCheckRule {
  Millis after{30 * 60 * 1000};
  int sample = 0;
  int percent = 10;
  std::optional<Tier> tier;
  std::vector<std::string> roles;
  int line = 0;
};

struct Plan {
  std::string name;   // the plan's id, unique across files
  std::string title;  // 强降雨叫应方案
  std::string file;   // where it came from
  std::vector<std::string> hazards;  // empty = any hazard
  std::vector<Level> levels;         // empty = any level
  std::vector<std::string> sources;  // empty = any source (meteorology, water, …)
  // Actual warnings and drills (Exercise) by default; a plan may leave drills out, or answer
  // only drills. Test, System and Draft messages never call anyone.
  std::vector<WarningStatus> statuses{WarningStatus::actual, WarningStatus::exercise};
  std::vector<RecipientRule> recipients;
  std::vector<LadderStep> ladder;
  Millis deadline{30 * 60 * 1000};  // unanswered past this → exhausted, the duty officer is told
  AckMode ack = AckMode::confirm;
  std::optional<ReportDuty> report_back;
  std::optional<NightRule> night;
  std::optional<BroadcastRule> broadcast;
  std::optional<SpotCheckRule> spot_check;
  // The duty room told of every exhaustion, overdue report-back and `notify: duty_officer`: the
  // duty_officer post of this tier above the post concerned (the county's, in a county's
  // deployment), or the nearest above it when that area has none (`duty_room: township`).
  Tier duty_room = Tier::county;
  // The hazard family whose templates its messages use (templates/<family>/…); empty = the
  // warning's own hazard's family (rules/names.h).
  std::string templates;
  int duty_room_line = 0;
  bool fallback = false;  // used only when no other plan matches (the default red/orange plan)
  // Set for a plan read from one `levels:` section of a file (its name is "<plan>[<level>]").
  std::optional<Level> section;
  std::string yaml;  // the source text, kept as the snapshot
};

bool plan_matches(const Plan& plan, const Warning& warning);

// The plans a warning runs under: every matching plan that is not a fallback, in the order
// given (file name order); only when there is none, the matching fallback plans.
std::vector<const Plan*> plans_for(const std::vector<Plan>& plans, const Warning& warning);

// Loads one plan file. `channels` lists the channels the daemon has configured; a plan naming
// another one is refused (it would silently reach nobody). A file with `levels:` sections (one
// file from blue to red) gives one Plan per section, named "<plan>[<level>]", each the top level
// with its section's recipients / ladder / deadline / ack / report_back / night /
// broadcast / spot_check laid over it and
// answering only its level; otherwise one Plan.
std::optional<std::vector<Plan>> load_plan_file(const std::string& text, const std::string& file,
                                                const std::set<std::string>& channels, LoadErrors& errors);

// A file without level sections, as one Plan.
std::optional<Plan> load_plan(const std::string& text, const std::string& file,
                              const std::set<std::string>& channels, LoadErrors& errors);

// The family whose templates a plan's warning of `hazard` speaks in: the plan's own
// (`templates:`), else the hazard's (rules/names hazard_family).
std::string template_family(const Plan& plan, std::string_view hazard);

// One plan file's name and text.
struct PlanFile {
  std::string name;
  std::string text;
};

// The plans of a set of files (a plans folder, in name order: daemon/rule_files reads it);
// plan names must be unique across them. Returns nullopt (with every error) if any file is bad:
// plans load all or nothing. `where` names the set in the error when it holds no plan.
std::optional<std::vector<Plan>> plan_set(const std::vector<PlanFile>& files, const std::string& where,
                                          const std::set<std::string>& channels, LoadErrors& errors);

}  // namespace jiaoying
