#include "rules/yaml_reader.h"

#include <fmt/format.h>


namespace jiaoying {

namespace {

// yaml-cpp's words ("end of sequence not found") turned into what to fix. `text` is the file,
// when there is one, to find tabs and to quote the line.
std::string syntax_hint(const std::string& msg, const std::string& text, int line) {
  std::string hint;
  // Tabs in the indentation are the commonest cause of every other message.
  int tab_line = 0, n = 1;
  for (size_t i = 0, start = 0; i <= text.size() && !tab_line; ++i) {
    if (i == text.size() || text[i] == '\n') {
      const std::string_view l(text.data() + start, i - start);
      const size_t first = l.find_first_not_of(' ');
      if (first != std::string_view::npos && l[first] == '\t') tab_line = n;
      start = i + 1, ++n;
    }
  }
  if (tab_line)
    hint = fmt::format("line {} is indented with a tab: YAML indents with spaces only", tab_line);
  else if (msg == YAML::ErrorMsg::END_OF_SEQ_FLOW || msg == YAML::ErrorMsg::END_OF_MAP_FLOW ||
           msg == YAML::ErrorMsg::FLOW_END)
    hint = "a [ or { here is not closed, or a value in it holds a comma, colon or bracket: close it, or quote the "
           "value (\"22:00\")";
  else if (msg == YAML::ErrorMsg::END_OF_SEQ || msg == YAML::ErrorMsg::END_OF_MAP ||
           msg == YAML::ErrorMsg::BLOCK_ENTRY || msg == YAML::ErrorMsg::MAP_KEY)
    hint = "the indentation does not line up: the entries of one list (\"- \") or map must start in the same "
           "column, each level two spaces in";
  else if (msg == YAML::ErrorMsg::MAP_VALUE)
    hint = "a ':' where no key can be: quote a value that holds \": \", or check the indentation of this line and "
           "the one before";
  else if (msg == YAML::ErrorMsg::UNKNOWN_TOKEN || msg == YAML::ErrorMsg::CHAR_IN_SCALAR ||
           msg == YAML::ErrorMsg::EOF_IN_SCALAR)
    hint = "a value YAML cannot read as it stands: put it in double quotes (and close any quote opened)";
  std::string quoted;
  if (line > 0) {  // the line as written, so the fix is found without opening the file
    size_t start = 0;
    for (int k = 1; k < line && start != std::string::npos; ++k) {
      start = text.find('\n', start);
      if (start != std::string::npos) ++start;
    }
    if (start != std::string::npos && start < text.size()) {
      std::string l = text.substr(start, text.find('\n', start) - start);
      if (l.size() > 80) l = l.substr(0, 77) + "...";
      if (!l.empty()) quoted = " — the line: `" + l + "`";
    }
  }
  std::string out = "YAML syntax: " + (hint.empty() ? msg : hint + " (" + msg + ")");
  return out + quoted;
}

}  // namespace

LoadError yaml_exception_error(const std::string& file, const YAML::Exception& e) {
  return {file, e.mark.line >= 0 ? e.mark.line + 1 : 0, std::string("cannot be read: ") + e.what()};
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
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    errors_.push_back({file_, line, syntax_hint(e.msg, text, line)});
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
