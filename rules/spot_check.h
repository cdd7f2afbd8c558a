// The 六问 spot check (source document, task 13): the questions a sampled post is asked by phone
// to prove the warning reached them and prevention is in place, each with the key that means
// yes; and how a call's keys score. One set per hazard family (templates/<family>/
// spot_check.yaml) and a default (templates/spot_check.yaml). Pure; any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/load_error.h"

namespace jiaoying {

struct SpotCheckQuestion {
  std::string ask;  // read out: 您是否清楚本村的危险区域在哪里？
  std::string yes;  // the key that means yes: "1"
  int line = 0;
};

struct SpotCheckQuestions {
  std::string intro;  // read first: who calls, and which keys mean yes and no
  std::vector<SpotCheckQuestion> questions;
  std::string file;
};

// Reads one file's text; nullopt with `file:line` errors. 1 to 9 questions, each a single key
// (0-9, * or #).
std::optional<SpotCheckQuestions> parse_spot_check(const std::string& text, const std::string& file, LoadErrors& errors);

// The sets a templates folder holds: the default, and each family's own.
struct SpotCheckSet {
  std::optional<SpotCheckQuestions> fallback;
  std::map<std::string, SpotCheckQuestions, std::less<>> by_family;
  // The family's set, else the default; nullptr when there is neither.
  const SpotCheckQuestions* for_family(std::string_view family) const;
};

// What a call's keys (one a question, in order) say.
struct SpotCheckScore {
  enum class Verdict { passed, failed, silent } verdict = Verdict::silent;
  size_t answered = 0;  // keys given
  int first_no = 0;     // the first question answered with another key (1-based); 0 when none
};
SpotCheckScore score_spot_check(const SpotCheckQuestions& q, std::string_view keys);

// The questionnaire as a message carries it (rules/…, the outbox, the voice providers): the
// intro, then each question, one a line. And back.
std::string questionnaire_text(const SpotCheckQuestions& q);
struct Questionnaire {
  std::string intro;
  std::vector<std::string> questions;
};
Questionnaire parse_questionnaire(std::string_view text);

// The idempotency key part that marks a message as a spot check's call (w…-c…-spotcheck-ivr).
inline constexpr std::string_view kSpotCheckKey = "spotcheck";
bool is_spot_check_key(std::string_view idem_key);

}  // namespace jiaoying
