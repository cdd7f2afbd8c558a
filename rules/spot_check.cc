#include "rules/spot_check.h"

#include <fmt/format.h>

#include "rules/yaml_reader.h"

namespace jiaoying {

std::optional<SpotCheckQuestions> parse_spot_check(const std::string& text, const std::string& file, LoadErrors& errors) {
  const size_t before = errors.size();
  YamlReader yr(file, errors);
  auto root = yr.load_string(text);
  if (!root) return std::nullopt;
  if (!root->IsMap()) {
    yr.error(*root, "a spot check is a mapping with intro and questions");
    return std::nullopt;
  }
  yr.only_keys(*root, {"intro", "questions"}, "a spot check");
  SpotCheckQuestions out;
  out.file = file;
  if (auto intro = yr.scalar(*root, "intro")) out.intro = *intro;
  const YAML::Node list = (*root)["questions"];
  if (!list.IsSequence() || list.size() == 0 || list.size() > 9) {
    yr.error(list.IsDefined() ? list : *root, "questions must be a list of 1 to 9 { ask, yes } (六问: six)");
    return std::nullopt;
  }
  for (const YAML::Node& q : list) {
    if (!q.IsMap()) {
      yr.error(q, "each question is { ask: 问题, yes: \"1\" }");
      continue;
    }
    if (!yr.only_keys(q, {"ask", "yes"}, "a question")) continue;
    auto ask = yr.scalar(q, "ask");
    auto yes = yr.scalar(q, "yes");
    if (!ask || !yes) continue;
    if (yes->size() != 1 || std::string_view("0123456789*#").find((*yes)[0]) == std::string_view::npos) {
      yr.error(q["yes"], "yes must be the one key that means yes (0-9, * or #), not '" + *yes + "'");
      continue;
    }
    if (ask->find('\n') != std::string::npos) {
      yr.error(q["ask"], "a question is one line");
      continue;
    }
    out.questions.push_back({*ask, *yes, YamlReader::line_of(q)});
  }
  if (errors.size() != before) return std::nullopt;
  return out;
}

const SpotCheckQuestions* SpotCheckSet::for_family(std::string_view family) const {
  if (auto it = by_family.find(family); it != by_family.end()) return &it->second;
  return fallback ? &*fallback : nullptr;
}

SpotCheckScore score_spot_check(const SpotCheckQuestions& q, std::string_view keys) {
  SpotCheckScore s;
  s.answered = std::min(keys.size(), q.questions.size());
  for (size_t i = 0; i < s.answered; ++i)
    if (keys[i] != q.questions[i].yes[0]) {
      s.first_no = static_cast<int>(i) + 1;
      break;
    }
  if (s.first_no) s.verdict = SpotCheckScore::Verdict::failed;
  else if (s.answered < q.questions.size()) s.verdict = SpotCheckScore::Verdict::silent;
  else s.verdict = SpotCheckScore::Verdict::passed;
  return s;
}

std::string questionnaire_text(const SpotCheckQuestions& q) {
  std::string out = q.intro;
  for (const SpotCheckQuestion& question : q.questions) out += "\n" + question.ask;
  return out;
}

Questionnaire parse_questionnaire(std::string_view text) {
  Questionnaire out;
  bool first = true;
  while (!text.empty() || first) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (first) out.intro = std::string(line);
    else if (!line.empty()) out.questions.emplace_back(line);
    first = false;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool is_spot_check_key(std::string_view idem_key) {
  return idem_key.find(fmt::format("-{}-", kSpotCheckKey)) != std::string_view::npos;
}

}  // namespace jiaoying
