// Helpers for strict YAML loading with file:line errors. Internal to the loaders in rules/
// and daemon/config; nothing else should see a YAML node (STYLE.md habit 5).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/load_error.h"
#include "rules/time.h"

namespace jiaoying {

// What yaml-cpp threw, as an error at `file` (its line when it knows one). Every loader catches
// YAML::Exception around its reading: a shape its checks did not foresee is an error, never a crash.
LoadError yaml_exception_error(const std::string& file, const YAML::Exception& e);

class YamlReader {
 public:
  YamlReader(std::string file, LoadErrors& errors) : file_(std::move(file)), errors_(errors) {}

  // Parses the text of the file this reader names (daemon/rule_files reads files); records an
  // error and returns nullopt if it can't.
  std::optional<YAML::Node> load_string(const std::string& text);

  static int line_of(const YAML::Node& node) { return node.Mark().line + 1; }
  void error(const YAML::Node& at, std::string message);
  void error(int line, std::string message);

  // Errors for keys not in `allowed`; true when all keys are known.
  bool only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                 std::string_view what);
  bool only_keys(const YAML::Node& map, std::span<const std::string_view> allowed, std::string_view what);
  // The map's child `key` must exist and be a scalar; records an error otherwise.
  std::optional<std::string> scalar(const YAML::Node& map, const char* key, bool required = true);
  // A scalar or a list of scalars, as a list. Missing and optional → empty.
  std::optional<std::vector<std::string>> scalars(const YAML::Node& map, const char* key,
                                                  bool required = true);
  std::optional<Millis> duration(const YAML::Node& map, const char* key, bool required = true);

  const std::string& file() const { return file_; }
  size_t error_count() const { return errors_.size(); }

 private:
  std::string file_;
  LoadErrors& errors_;
};

}  // namespace jiaoying
