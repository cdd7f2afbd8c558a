#include "daemon/rule_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace jiaoying {

std::optional<std::string> read_rule_file(const std::string& path, LoadErrors& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({path, 0, "cannot open"});
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    errors.push_back({path, 0, "cannot be read"});
    return std::nullopt;
  }
  return text.str();
}

std::optional<Directory> load_directory_file(const std::string& path, LoadErrors& errors) {
  auto text = read_rule_file(path, errors);
  if (!text) return std::nullopt;
  return Directory::load_string(*text, path, errors);
}

std::optional<std::vector<Plan>> load_plans_folder(const std::string& dir, const std::set<std::string>& channels,
                                                   LoadErrors& errors) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors.push_back({dir, 0, "is not a folder of plans"});
    return std::nullopt;
  }
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  const size_t before = errors.size();
  std::vector<PlanFile> files;
  for (const auto& path : paths)
    if (auto text = read_rule_file(path.string(), errors)) files.push_back({path.string(), std::move(*text)});
  auto plans = plan_set(files, dir, channels, errors);
  if (errors.size() != before) return std::nullopt;
  return plans;
}

std::optional<SpotCheckSet> load_spot_checks(const std::string& templates_dir, LoadErrors& errors) {
  namespace fs = std::filesystem;
  const size_t before = errors.size();
  SpotCheckSet set;
  auto load = [&](const fs::path& file) -> std::optional<SpotCheckQuestions> {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    auto text = read_rule_file(file.string(), errors);
    return text ? parse_spot_check(*text, file.string(), errors) : std::nullopt;
  };
  set.fallback = load(fs::path(templates_dir) / "spot_check.yaml");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(templates_dir, ec)) {
    if (!entry.is_directory()) continue;
    if (auto q = load(entry.path() / "spot_check.yaml")) set.by_family[entry.path().filename().string()] = std::move(*q);
  }
  if (errors.size() != before) return std::nullopt;
  return set;
}

}  // namespace jiaoying
