#include "rules/yaml_reader.h"

#include <fstream>
#include <sstream>

namespace jiaoying {

LoadError yaml_exception_error(const std::string& file, const YAML::Exception& e) {
  return {file, e.mark.line >= 0 ? e.mark.line + 1 : 0, std::string("cannot be read: ") + e.what()};
}

std::optional<YAML::Node> YamlReader::load() {
  std::ifstream in(file_);
  if (!in) {
    errors_.push_back({file_, 0, "cannot open"});
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_string(buffer.str());
}

std::optional<YAML::Node> YamlReader::load_string(const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) {
      errors_.push_back({file_, root.IsDefined() ? line_of(root) : 0, "expected a mapping at the top"});
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    errors_.push_back({file_, e.mark.line + 1, e.msg});
    return std::nullopt;
  }
}

void YamlReader::error(const YAML::Node& at, std::string message) {
  errors_.push_back({file_, line_of(at), std::move(message)});
}

void YamlReader::error(int line, std::string message) {
  errors_.push_back({file_, line, std::move(message)});
}

bool YamlReader::only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           std::string_view what) {
  return only_keys(map, std::span<const std::string_view>(allowed.begin(), allowed.size()), what);
}

bool YamlReader::only_keys(const YAML::Node& map, std::span<const std::string_view> allowed, std::string_view what) {
  if (!map.IsMap()) {
    error(map, std::string(what) + " must be a mapping");
    return false;
  }
  bool ok = true;
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(kv.first, "unknown key '" + key + "' in " + std::string(what) + " (known: " + list + ")");
      ok = false;
    }
  }
  return ok;
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& map, const char* key, bool required) {
  YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) error(map, std::string("'") + key + "' is required");
    return std::nullopt;
  }
  if (!v.IsScalar()) {
    error(v, std::string("'") + key + "' must be a single value");
    return std::nullopt;
  }
  return v.Scalar();
}

std::optional<std::vector<std::string>> YamlReader::scalars(const YAML::Node& map, const char* key,
                                                            bool required) {
  YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) {
      error(map, std::string("'") + key + "' is required");
      return std::nullopt;
    }
    return std::vector<std::string>{};
  }
  if (v.IsScalar()) return std::vector<std::string>{v.Scalar()};
  if (!v.IsSequence()) {
    error(v, std::string("'") + key + "' must be a value or a list of values");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.IsScalar()) {
      error(item, std::string("each entry of '") + key + "' must be a single value");
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<Millis> YamlReader::duration(const YAML::Node& map, const char* key, bool required) {
  auto text = scalar(map, key, required);
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d) error(map[key], std::string("'") + key + "': '" + *text + "' is not a duration like 90s, 3m or 1h");
  return d;
}

}  // namespace jiaoying
