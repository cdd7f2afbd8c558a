// The offline verbs a duty office runs before any warning arrives: `plan check`, `plan test`
// (a dry run: who would be called, when, on what) and `directory check`. They read the
// daemon's config for the paths and the configured channels, and send nothing.
#pragma once

#include <optional>
#include <string>

#include "channels/template_renderer.h"
#include "rules/directory.h"
#include "rules/plan_check.h"
#include "rules/recipients.h"
#include "rules/warning.h"

namespace jiaoying {

struct OfflineOptions {
  std::string config_path = "/etc/jiaoying/jiaoyingd.yaml";
  std::string plans_dir;       // overrides the config's plans folder
  std::string directory_file;  // overrides the config's directory
  bool config_given = false;   // --config was said: then it must load
};

int run_plan_check(const OfflineOptions& options);
int run_directory_check(const OfflineOptions& options);
// The warning file may be CAP 1.2 or JSON. `at` is the arrival time to assume ("2026-06-15T02:00:00+08:00"); empty = the warning's sent.
int run_plan_test(const OfflineOptions& options, const std::string& warning_file, const std::string& at);

// The warning's areas as the directory sees them (what jiaoyingd calls out, what is another
// county's); `refusal` is set, as jiaoyingd would refuse it, when a new warning has none of ours.
AreaSplit split_warning_areas(const Warning& w, const Directory& directory, std::string& refusal);
// Every template a plan can send, rendered for a sample warning of each hazard family the plan
// answers (part of `plan check`): a body that renders empty is an error, a value no message fills
// ({{rolezh}}) a warning. `dir` names the files in the findings.
std::vector<Finding> check_templates(const std::vector<Plan>& plans, const TemplateRenderer& templates,
                                     const std::string& dir);

// The directory of the options (their file, else the config's), its faults printed to stderr.
std::optional<Directory> load_directory(const OfflineOptions& options);

}  // namespace jiaoying
