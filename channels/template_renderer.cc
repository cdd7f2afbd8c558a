#include "channels/template_renderer.h"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <mutex>
#include <sstream>

namespace jiaoying {

namespace mustache = kainjow::mustache;

struct TemplateRenderer::Parsed {
  explicit Parsed(const std::string& text) : source(text), tmpl(text) {
    // Markdown and plain text, not HTML: no HTML escaping of the values.
    tmpl.set_custom_escape([](const std::string& s) { return s; });
  }
  std::string source;
  std::mutex mutex;
  mustache::mustache tmpl;  // protected by mutex (rendering keeps state in it)
};

std::optional<TemplateRenderer> TemplateRenderer::from_strings(std::map<std::string, std::string> templates,
                                                               LoadErrors& errors) {
  size_t before = errors.size();
  TemplateRenderer r;
  for (const auto& [name, text] : templates) {
    auto parsed = std::make_shared<Parsed>(text);
    if (!parsed->tmpl.is_valid()) errors.push_back({name + ".mustache", 0, parsed->tmpl.error_message()});
    r.templates_.emplace(name, std::move(parsed));
  }
  if (errors.size() != before) return std::nullopt;
  return r;
}

std::optional<TemplateRenderer> TemplateRenderer::load(const std::string& dir, LoadErrors& errors) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors.push_back({dir, 0, "is not a folder of templates"});
    return std::nullopt;
  }
  std::map<std::string, std::string> templates;
  // The folder's own files, and one level of family folders ("forest-fire/ivr.body").
  auto read_folder = [&](const fs::path& folder, const std::string& prefix) {
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".mustache") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      templates[prefix + entry.path().stem().string()] = text.str();
    }
  };
  read_folder(dir, "");
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory()) read_folder(entry.path(), entry.path().filename().string() + "/");
  return from_strings(std::move(templates), errors);
}

std::set<std::string> TemplateRenderer::variables(const std::string& name) const {
  std::set<std::string> out;
  auto it = templates_.find(name);
  if (it == templates_.end()) return out;
  const std::string& text = it->second->source;
  for (size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 2)) {
    const size_t end = text.find("}}", at + 2);
    if (end == std::string::npos) break;
    std::string tag = text.substr(at + 2, end - at - 2);
    if (!tag.empty() && tag.front() == '{') tag.erase(0, 1);
    if (!tag.empty() && std::string_view("#^/&").find(tag.front()) != std::string_view::npos) tag.erase(0, 1);
    if (!tag.empty() && tag.front() == '!') continue;  // a comment
    while (!tag.empty() && tag.front() == ' ') tag.erase(0, 1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '}')) tag.pop_back();
    if (!tag.empty()) out.insert(tag);
  }
  return out;
}

const std::set<std::string>& known_template_values() {
  static const std::set<std::string> names{
      "headline", "description", "hazard_zh", "level_zh", "areas_zh", "sender", "sender_zh", "sent", "sent_zh",
      "person_name", "area_name", "role", "role_zh", "seat", "room_zh", "attempt", "repeat", "notice", "details",
      "tag", "drill", "report_due", "sms_code", "cancel"};
  return names;
}

std::string TemplateRenderer::render(const std::string& name, const TemplateValues& values) const {
  return render(std::vector<std::string>{name}, values).front();
}

std::vector<std::string> TemplateRenderer::render(const std::vector<std::string>& names,
                                                  const TemplateValues& values) const {
  mustache::data data;
  // An empty value is false in a section ({{#repeat}}…{{/repeat}}), as Mustache users expect.
  for (const auto& [k, v] : values) {
    if (v.empty())
      data.set(k, mustache::data(false));
    else
      data.set(k, v);
  }
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    auto it = templates_.find(name);
    if (it == templates_.end()) {
      out.emplace_back();
      continue;
    }
    std::string text;
    {
      std::lock_guard lock(it->second->mutex);
      text = it->second->tmpl.render(data);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace jiaoying
