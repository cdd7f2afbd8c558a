// Message text from Mustache templates (templates/*.mustache), so duty offices can change the
// wording without a rebuild. Loaded and parsed once at start (a city-wide fan-out renders two
// templates per message: parsing each time was a seventh of the engine's cost). render() is const
// and thread-safe (each parsed template renders under its own lock).
#pragma once

#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/load_error.h"

namespace jiaoying {

using TemplateValues = std::map<std::string, std::string>;

// The values the engine fills in a message (docs/plans.md, "Words and templates"); a template
// naming another would print nothing there.
const std::set<std::string>& known_template_values();

class TemplateRenderer {
 public:
  // Loads every *.mustache file of `dir`; the name is the file name without the extension
  // ("zzd.title"), and the files of its sub-folders are named by folder ("forest-fire/ivr.body":
  // a hazard family's own words). Fails with file-level errors on a template that does not parse.
  static std::optional<TemplateRenderer> load(const std::string& dir, LoadErrors& errors);
  static std::optional<TemplateRenderer> from_strings(std::map<std::string, std::string> templates,
                                                      LoadErrors& errors);

  bool has(const std::string& name) const { return templates_.count(name) != 0; }
  // The value names a template refers to ({{x}}, {{#x}}, {{^x}}, {{/x}}), for the plan checks.
  std::set<std::string> variables(const std::string& name) const;
  // The family's template of that name if it has one, else the common one: "forest-fire/ivr.body"
  // or "ivr.body".
  std::string pick(const std::string& family, const std::string& name) const {
    std::string own = family + "/" + name;
    return !family.empty() && has(own) ? own : name;
  }
  // Every template's name ("zzd.title", "forest-fire/zzd.body"), for the plan checks.
  std::set<std::string> names() const {
    std::set<std::string> out;
    for (const auto& entry : templates_) out.insert(entry.first);
    return out;
  }
  // Renders `name` with `values` (an empty value is false in a section); trailing blank lines
  // are dropped; a missing template renders as empty text.
  std::string render(const std::string& name, const TemplateValues& values) const;
  // Several templates with the same values (a message's title and body), the values read once.
  std::vector<std::string> render(const std::vector<std::string>& names, const TemplateValues& values) const;

 private:
  struct Parsed;
  std::map<std::string, std::shared_ptr<Parsed>> templates_;
};

}  // namespace jiaoying
