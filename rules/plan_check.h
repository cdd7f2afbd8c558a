// The checks a duty office runs long before a warning arrives (`jiaoying plan check`,
// `jiaoying directory check`): plans against the directory and the templates, and the
// directory against what the plans need. Pure; any thread. LESSONS.md: nobody may be
// skipped in silence because a post is empty or a person has no working contact.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "rules/directory.h"
#include "rules/plan.h"

namespace jiaoying {

struct Finding {
  enum class Severity { error, warning } severity = Severity::error;
  std::string file;  // the plan file, or the directory file
  int line = 0;
  std::string message;
  std::string text() const;  // "file:line: error: message"
};

// Plans against the directory and the templates: roles nobody holds, channels without
// templates, B-seat steps where no post of the plan has a B seat, superior steps at the top
// of the tree.
std::vector<Finding> check_plans(const std::vector<Plan>& plans, const Directory& directory,
                                 const std::set<std::string>& template_names);

// The directory against the plans: posts a plan calls that have no A holder (or no B holder
// when a plan calls the B seat), holders without a contact for a channel a plan uses, counties
// without a duty officer, one mobile number on two people.
std::vector<Finding> check_directory(const Directory& directory, const std::string& directory_file,
                                     const std::vector<Plan>& plans);

// Both of the above: what `jiaoying reload` (and the daemon's start) applies. Any error means
// someone a plan calls would be skipped, so a reload with one is refused.
std::vector<Finding> check_rules(const std::vector<Plan>& plans, const Directory& directory,
                                 const std::string& directory_file, const std::set<std::string>& template_names);

// The notices and duty rooms' lines jiaoying says of its own accord (rules/notices.h): each must
// have its template, or that notice would go out empty.
std::vector<Finding> check_notice_templates(const std::set<std::string>& template_names);

// "2 error(s), 1 warning(s)" and the findings a line each, errors first.
std::string findings_text(const std::vector<Finding>& findings);
int error_count(const std::vector<Finding>& findings);

}  // namespace jiaoying
