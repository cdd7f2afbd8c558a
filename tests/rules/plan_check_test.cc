#include <doctest/doctest.h>

#include <algorithm>

#include "rules/notices.h"
#include "rules/plan_check.h"
#include "rules/test_directory.h"
#include "text_edit.h"

using namespace jiaoying;

namespace {

const char* kPlan = R"(plan: p
match: {}
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head, flood_chief] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd], seat: B }
  - { after: 5m, notify: superior }
)";

const std::set<std::string> kTemplates{"zzd.title", "zzd.body"};

struct Fixture {
  LoadErrors errors;
  Directory dir = *Directory::load_string(kTestDirectory, "dir.yaml", errors);

  std::vector<Plan> plans(const std::string& text) {
    auto plan = load_plan(text, "p.yaml", {"zzd"}, errors);
    REQUIRE_MESSAGE(plan, (errors.empty() ? "" : errors[0].text()));
    return {*plan};
  }
};

bool has(const std::vector<Finding>& findings, const std::string& text) {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.text() == text; });
}

}  // namespace

TEST_CASE("a role nobody holds is an error at the rule's line") {
  Fixture f;
  auto findings = check_plans(f.plans(replaced(kPlan, "[township_head]", "[township_heda]")), f.dir, kTemplates);
  CHECK(has(findings, "p.yaml:5: error: role 'township_heda' is held by nobody in the directory: this rule reaches nobody"));
}

TEST_CASE("a channel without its templates is an error") {
  Fixture f;
  auto findings = check_plans(f.plans(kPlan), f.dir, {"zzd.title"});
  CHECK(has(findings, "p.yaml:1: error: channel 'zzd' has no template zzd.body.mustache"));
}

TEST_CASE("a good plan over a directory that has what it needs has no findings") {
  Fixture f;
  CHECK(check_plans(f.plans(kPlan), f.dir, kTemplates).empty());
}

TEST_CASE("the directory check names empty posts, missing B seats and missing contacts") {
  Fixture f;
  auto findings = check_directory(f.dir, "dir.yaml", f.plans(kPlan));
  CHECK(has(findings, "dir.yaml: error: 330702100201 后溪村 flood_chief: post has no holder (plan p)"));
  CHECK(has(findings, "dir.yaml: warning: 330702 婺城区 leader_on_duty: no B seat, which plan p calls when A is silent"));
  // 孙某一 holds the B seat of 安地镇's township head and has a Zhezhengding account: no finding.
  CHECK_FALSE(std::any_of(findings.begin(), findings.end(),
                          [](const Finding& x) { return x.message.find("孙某一") != std::string::npos; }));
}

TEST_CASE("a county without a duty officer is an error: exhaustion would reach nobody") {
  Fixture f;
  std::string text = replaced(kTestDirectory, "role: duty_officer", "role: duty_clerk");
  f.dir = *Directory::load_string(text, "dir.yaml", f.errors);
  auto findings = check_directory(f.dir, "dir.yaml", f.plans(kPlan));
  CHECK(has(findings, "dir.yaml: error: 330702 婺城区: no duty_officer post here or above: exhausted callouts would "
                      "reach nobody"));
}

TEST_CASE("a holder with no contact for a channel the plan uses is an error at their line") {
  Fixture f;
  std::string text = replaced(kTestDirectory, "    zzd: \"100004\"\n", "    mobile: \"19900000004\"\n");
  f.dir = *Directory::load_string(text, "dir.yaml", f.errors);
  auto findings = check_directory(f.dir, "dir.yaml", f.plans(kPlan));
  CHECK(has(findings, "dir.yaml:24: error: 李某一 (yantou-head, 岩头村 village_head) has no contact for channel zzd (plan p)"));
}

TEST_CASE("a templates folder without a notice's template is refused, naming the file and what would go out empty") {
  std::set<std::string> names;
  for (const NoticeTemplate& n : notice_templates()) names.insert(std::string(n.name));
  CHECK(check_notice_templates(names).empty());
  names.erase("notice.chase");
  const auto findings = check_notice_templates(names);
  REQUIRE(findings.size() == 1);
  CHECK(findings.front().severity == Finding::Severity::error);
  CHECK(findings.front().file == "notice.chase.mustache");
  CHECK(findings.front().message.find("report-back") != std::string::npos);
}
