// The 六问 questions: the shipped files read, a bad one is refused at its line, and keys score.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "rules/spot_check.h"

using namespace jiaoying;

namespace {

std::string shipped(const std::string& name) {
  std::ifstream in(std::filesystem::path(JIAOYING_SOURCE_DIR) / "templates" / name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("the shipped 六问 files read: six questions each, 1 means yes") {
  for (const char* name : {"spot_check.yaml", "flood/spot_check.yaml", "forest-fire/spot_check.yaml"}) {
    CAPTURE(name);
    LoadErrors errors;
    auto q = parse_spot_check(shipped(name), name, errors);
    REQUIRE_MESSAGE(q, (errors.empty() ? "" : errors[0].text()));
    CHECK(q->questions.size() == 6);
    CHECK_FALSE(q->intro.empty());
    for (const SpotCheckQuestion& question : q->questions) CHECK(question.yes == "1");
  }
}

TEST_CASE("a 六问 file with a bad key, too many questions or an unknown field is refused at its line") {
  LoadErrors errors;
  CHECK_FALSE(parse_spot_check("intro: 你好\nquestions:\n  - { ask: 知道吗？, yes: \"12\" }\n", "q.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "q.yaml:3: yes must be the one key that means yes (0-9, * or #), not '12'");
  errors.clear();
  std::string ten = "intro: 你好\nquestions:\n";
  for (int i = 0; i < 10; ++i) ten += "  - { ask: 问题？, yes: \"1\" }\n";
  CHECK_FALSE(parse_spot_check(ten, "q.yaml", errors));
  CHECK(errors.at(0).text().find("1 to 9") != std::string::npos);
  errors.clear();
  CHECK_FALSE(parse_spot_check("intro: 你好\nquestions:\n  - { ask: 知道吗？, yes: \"1\", no: \"2\" }\n", "q.yaml", errors));
  CHECK(errors.at(0).text().find("no") != std::string::npos);
}

TEST_CASE("keys score a spot check: all yes passes, the first other key fails it, too few keys are silence") {
  LoadErrors errors;
  auto q = parse_spot_check(shipped("spot_check.yaml"), "spot_check.yaml", errors);
  REQUIRE(q);
  CHECK(score_spot_check(*q, "111111").verdict == SpotCheckScore::Verdict::passed);
  const SpotCheckScore no = score_spot_check(*q, "112121");
  CHECK(no.verdict == SpotCheckScore::Verdict::failed);
  CHECK(no.first_no == 3);
  const SpotCheckScore silent = score_spot_check(*q, "11");
  CHECK(silent.verdict == SpotCheckScore::Verdict::silent);
  CHECK(silent.answered == 2);
  CHECK(score_spot_check(*q, "").verdict == SpotCheckScore::Verdict::silent);
  CHECK(score_spot_check(*q, "12").verdict == SpotCheckScore::Verdict::failed);  // a no before the silence
  // The questionnaire a message carries reads back as it was written.
  const Questionnaire back = parse_questionnaire(questionnaire_text(*q));
  CHECK(back.intro == q->intro);
  REQUIRE(back.questions.size() == 6);
  CHECK(back.questions[2] == q->questions[2].ask);
  CHECK(is_spot_check_key("w1-c7-spotcheck-ivr"));
  CHECK_FALSE(is_spot_check_key("w1-c7-s0-ivr"));
}
