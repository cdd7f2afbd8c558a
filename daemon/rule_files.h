// Where the rules come from on disk: the directory file, the plans folder, any YAML or text
// file. rules/ takes text and gives values (it never touches a file); this layer reads the files
// and hands their text over, so a missing or unreadable file is an error at its path like any
// other, and the daemon, the CLI and the tests load the same way.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/directory.h"
#include "rules/load_error.h"
#include "rules/plan.h"
#include "rules/spot_check.h"

namespace jiaoying {

// The whole file, or nullopt with "cannot open" at `path`.
std::optional<std::string> read_rule_file(const std::string& path, LoadErrors& errors);

// The directory (YAML, or CSV when the name ends in .csv), validated.
std::optional<Directory> load_directory_file(const std::string& path, LoadErrors& errors);

// Every *.yaml / *.yml file of a folder, in name order, as one plan set (rules/plan
// plan_set: names unique, all or nothing).
std::optional<std::vector<Plan>> load_plans_folder(const std::string& dir, const std::set<std::string>& channels,
                                                   LoadErrors& errors);

// The 六问 questions of a templates folder: spot_check.yaml (the default) and each family
// folder's own (<family>/spot_check.yaml), each validated. A folder without them has none (the
// spot check then refuses to run, saying which file to add).
std::optional<SpotCheckSet> load_spot_checks(const std::string& templates_dir, LoadErrors& errors);

}  // namespace jiaoying
