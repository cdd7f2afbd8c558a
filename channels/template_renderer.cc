#include "channels/template_renderer.h"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

namespace jiaoying {

namespace mustache = kainjow::mustache;

std::optional<TemplateRenderer> TemplateRenderer::from_strings(
    std::map<std::string, std::string> templates, LoadErrors& errors) {
  size_t before = errors.size();
  for (const auto& [name, text] : templates) {
    mustache::mustache tmpl(text);
    if (!tmpl.is_valid()) errors.push_back({name + ".mustache", 0, tmpl.error_message()});
  }
  if (errors.size() != before) return std::nullopt;
  TemplateRenderer r;
  r.templates_ = std::move(templates);
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
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".mustache") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    templates[entry.path().stem().string()] = text.str();
  }
  return from_strings(std::move(templates), errors);
}

std::string TemplateRenderer::render(const std::string& name, const TemplateValues& values) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) return {};
  mustache::mustache tmpl(it->second);
  mustache::data data;
  // An empty value is false in a section ({{#repeat}}…{{/repeat}}), as Mustache users expect.
  for (const auto& [k, v] : values) {
    if (v.empty())
      data.set(k, mustache::data(false));
    else
      data.set(k, v);
  }
  // Markdown and plain text, not HTML: no HTML escaping of the values.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(data);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace jiaoying
