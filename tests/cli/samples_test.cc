// The shipped sample plans against a generated 金华 directory, through the same verbs a duty
// office runs: they must pass `plan check`; a deliberately broken copy must fail at its line.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/directory_generator.h"
#include "cli/plan_commands.h"
#include "text_edit.h"

using namespace jiaoying;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = JIAOYING_SOURCE_DIR;

// Runs `fn` with std::cout and std::cerr captured; returns what it printed on both.
template <class Fn>
std::string captured(Fn fn, int& status) {
  std::ostringstream out;
  auto* old = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(out.rdbuf());
  status = fn();
  std::cout.rdbuf(old);
  std::cerr.rdbuf(old_err);
  return out.str();
}

struct Samples {
  fs::path work;
  OfflineOptions options;

  Samples() {
    char tmpl[] = "/tmp/jiaoying-samples-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    work = tmpl;
    GeneratorOptions g;
    g.divisions_csv = (kSource / "packaging/data/jinhua-divisions.csv").string();
    g.county = "330702";
    g.villages_per_township = 2;
    g.csv = true;
    std::ofstream dir(work / "directory.csv");
    std::string error;
    REQUIRE_MESSAGE(generate_directory(g, dir, error) > 0, error);
    dir.close();
    fs::copy(kSource / "packaging/plans", work / "plans");
    std::ofstream(work / "jiaoyingd.yaml")
        << "plans: plans\ndirectory: directory.csv\ntemplates: " << (kSource / "templates").string()
        << "\ncallback_secret: samples-test-secret-0123\n"
           "channels:\n  zzd: { base_url: \"http://127.0.0.1:1\", api_key: k, secret_key: s, tenant_id: \"1\" }\n"
           "  ivr: { base_url: \"http://127.0.0.1:1\", access_key_id: a, access_key_secret: b, show_number: \"0571\", "
           "start_code: T1, confirm_code: T2, report_token: samples-voice-token-0123456789 }\n"
           "  sms: { base_url: \"http://127.0.0.1:1\", access_key_id: a, access_key_secret: b, sign_name: 婺城防汛, "
           "template_code: SMS_1, callback_token: samples-sms-token-0123456789 }\n";
    options.config_path = (work / "jiaoyingd.yaml").string();
  }
  ~Samples() { fs::remove_all(work); }
};

}  // namespace

TEST_CASE("the sample plans pass plan check against a generated directory of 婺城区") {
  Samples s;
  int status = -1;
  std::string out = captured([&] { return run_plan_check(s.options); }, status);
  CHECK_MESSAGE(status == 0, out);
  CHECK(out.find("7 plan(s) OK") != std::string::npos);  // heavy-rain is one file of three level sections
  out = captured([&] { return run_directory_check(s.options); }, status);
  CHECK_MESSAGE(status == 0, out);
}

TEST_CASE("a county without SMS is told which step of the shipped plans to mend, and how") {
  Samples s;
  std::ofstream(s.options.config_path)
      << "plans: plans\ndirectory: directory.csv\ntemplates: " << (kSource / "templates").string()
      << "\ncallback_secret: samples-test-secret-0123\n"
         "channels:\n  zzd: { base_url: \"http://127.0.0.1:1\", api_key: k, secret_key: s, tenant_id: \"1\" }\n";
  int status = -1;
  std::string out = captured([&] { return run_plan_check(s.options); }, status);
  CHECK(status == 1);
  CHECK_MESSAGE(out.find("heavy-rain.yaml:18: channel 'sms' is not configured in the daemon (configured: zzd): configure "
                 "channels.sms in jiaoyingd.yaml, or drop sms from this step") != std::string::npos, out);
}

TEST_CASE("a deliberately broken plan fails plan check with the right file and line") {
  Samples s;
  fs::path plan = s.work / "plans/forest-fire.yaml";
  std::string text;
  {
    std::ifstream in(plan);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(plan) << replaced(text, "roles: [village_head, forest_ranger]", "roles: [village_head, forest_rangr]");
  int status = -1;
  std::string out = captured([&] { return run_plan_check(s.options); }, status);
  CHECK(status == 1);
  CHECK(out.find(plan.string() + ":8: error: role 'forest_rangr' is held by nobody in the directory") !=
        std::string::npos);
}

TEST_CASE("plan test on a red rainstorm for one county lists county, township and village recipients") {
  Samples s;
  std::ofstream(s.work / "warning.json")
      << R"({"identifier":"t1","sender":"wucheng-met","sent":"2026-06-15T02:00:00+08:00","source":"meteorology",
             "hazard":"rainstorm","level":"red","areas":["330702"],"headline":"暴雨红色预警"})";
  int status = -1;
  std::string out = captured([&] { return run_plan_test(s.options, (s.work / "warning.json").string(), ""); }, status);
  CHECK(status == 0);
  CHECK(out.find("plan heavy-rain") != std::string::npos);
  CHECK(out.find("  county (3):") != std::string::npos);
  CHECK(out.find("  township (") != std::string::npos);
  CHECK(out.find("  village (") != std::string::npos);
  CHECK(out.find("02:03:00  +3m     step 2: zzd+sms+ivr to both seats") != std::string::npos);
  CHECK(out.find("default-red-orange") == std::string::npos);  // a fallback: not used when a plan matches
  CHECK(out.find("02:15:00  +15m    report-back due from each township (") != std::string::npos);
}

TEST_CASE("plan test says how long each step takes at the providers' limits, and warns when one cannot finish in time") {
  Samples s;
  std::ofstream(s.work / "jiaoyingd.yaml")
      << "plans: plans\ndirectory: directory.csv\ntemplates: " << (kSource / "templates").string()
      << "\ncallback_secret: samples-test-secret-0123\n"
         "channels:\n  zzd: { base_url: \"http://127.0.0.1:1\", api_key: k, secret_key: s, tenant_id: \"1\", rate: 1 }\n"
         "  ivr: { base_url: \"http://127.0.0.1:1\", access_key_id: a, access_key_secret: b, show_number: \"0571\", "
         "start_code: T1, confirm_code: T2, report_token: samples-voice-token-0123456789 }\n"
         "  sms: { base_url: \"http://127.0.0.1:1\", access_key_id: a, access_key_secret: b, sign_name: 婺城防汛, "
         "template_code: SMS_1, callback_token: samples-sms-token-0123456789 }\n";
  std::ofstream(s.work / "warning.json")
      << R"({"identifier":"t1","sender":"wucheng-met","sent":"2026-06-15T12:00:00+08:00","source":"meteorology",
             "hazard":"rainstorm","level":"red","areas":["330702"],"headline":"暴雨红色预警"})";
  int status = -1;
  std::string out = captured([&] { return run_plan_test(s.options, (s.work / "warning.json").string(), ""); }, status);
  CHECK(status == 0);
  INFO(out);
  CHECK(out.find("fan-out at the configured provider limits") != std::string::npos);
  // At one card a second, the county's first step takes minutes: longer than the 3 minutes to step 2.
  CHECK(out.find("! step 1 on zzd reaches ") != std::string::npos);
  CHECK(out.find("at 1/s (zzd: 1 requests/s) — longer than the 3m before step 2") != std::string::npos);
}
