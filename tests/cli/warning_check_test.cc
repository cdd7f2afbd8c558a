#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/plan_commands.h"
#include "cli/warning_check.h"
#include "daemon/rule_files.h"

using namespace jiaoying;
namespace fs = std::filesystem;

namespace {

const fs::path kCap = fs::path(JIAOYING_SOURCE_DIR) / "tests/data/cap";

struct Run {
  int status;
  std::string out, err;
};

Run check(const std::vector<std::string>& files, bool json = false) {
  std::ostringstream out, err;
  int status = run_warning_check(files, json, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("warning check prints a CAP warning normalised and exits 0") {
  const std::string file = (kCap / "valid/rainstorm-red-11B03-geocodes.xml").string();
  Run r = check({file});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.starts_with(file + ": ok (CAP 1.2)\n"));
  CHECK(r.out.find("  hazard      暴雨 rainstorm\n") != std::string::npos);
  CHECK(r.out.find("  level       红色 red\n") != std::string::npos);
  CHECK(r.out.find("  areas       330702102 330702204\n") != std::string::npos);
  CHECK(r.out.find("  expires     2026-06-15T08:00:00+08:00\n") != std::string::npos);
}

TEST_CASE("warning check shows blocks of one language merged into the warning, and other languages' words") {
  Run merged = check({(kCap / "valid/two-infos-one-hazard-by-area.xml").string()});
  CHECK(merged.status == 0);
  CHECK(merged.out.find("  level       红色 red\n") != std::string::npos);
  CHECK(merged.out.find("  areas       330702204 330702102\n") != std::string::npos);
  CHECK(merged.out.find("  other infos zh-CN (merged: same hazard) 婺城区气象台发布暴雨橙色预警信号\n") !=
        std::string::npos);
  Run two = check({(kCap / "valid/en-US-before-zh-CN-infos.xml").string()});
  CHECK(two.out.find("  language    zh-CN\n") != std::string::npos);
  CHECK(two.out.find("  other infos en-US ") != std::string::npos);
  CHECK(two.out.find("merged") == std::string::npos);
}

TEST_CASE("warning check says loudly that an exercise is a drill") {
  Run r = check({(kCap / "valid/exercise-drill.xml").string()});
  CHECK(r.out.find("Exercise (演练) — a drill, not a real warning") != std::string::npos);
}

TEST_CASE("warning check -o json prints one JSON warning per line") {
  Run r = check({(kCap / "valid/cancel-without-info.xml").string(), (kCap / "valid/utf8-bom.xml").string()}, true);
  CHECK(r.status == 0);
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    CHECK(parse_warning_json(line).warning);
  }
  CHECK(n == 2);
}

TEST_CASE("warning check names the file and the fault, goes on, and exits 1") {
  const std::string bad = (kCap / "invalid/sent-utc-written-z.xml").string();
  const std::string good = (kCap / "valid/one-line.xml").string();
  Run r = check({bad, good, "/nonexistent/warning.xml"});
  CHECK(r.status == 1);
  CHECK(r.err.starts_with(bad + ": error: line 5: alert/sent: '2026-06-14T18:00:00Z' is not a CAP time"));
  CHECK(r.err.find("/nonexistent/warning.xml: error: cannot be read") != std::string::npos);
  CHECK(r.out.find(good + ": ok") != std::string::npos);
}

TEST_CASE("warning check tells CAP from JSON by the first byte") {
  CHECK(parse_warning_bytes("  \n{\"identifier\": 1}").error.field == "identifier");
  CHECK(parse_warning_bytes("\xEF\xBB\xBF{}").error.message.find("byte-order mark") != std::string::npos);
  CHECK(parse_warning_bytes("hello").error.message == "is neither CAP (starts with '<') nor JSON (starts with '{')");
  CHECK(parse_warning_bytes("").error.message == "is empty");
  CHECK(parse_warning_bytes("<x/>").error.message.find("not a CAP <alert>") != std::string::npos);
}

TEST_CASE("warning check refuses a directory rather than reading it") {
  Run r = check({kCap.string()});
  CHECK(r.status == 1);
  CHECK(r.err.find("is a directory") != std::string::npos);
}

TEST_CASE("warning check against a directory reads the areas as jiaoyingd does: ours, not ours, none of ours") {
  LoadErrors errors;
  auto directory = load_directory_file((fs::path(JIAOYING_SOURCE_DIR) / "packaging/demo/directory.yaml").string(), errors);
  REQUIRE(directory);
  const fs::path dir = fs::temp_directory_path() / "jiaoying-warning-check-areas";
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& areas) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << R"({"identifier": "w-areas", "sender": "jinhua-met@zj", "sent": "2026-06-15T02:00:00+08:00",
      "source": "meteorology", "hazard": "rainstorm", "level": "red", "headline": "暴雨红色预警", "areas": )"
                        << areas << "}";
    return path;
  };
  // The city's warning for 义乌市 and 婺城区's 安地镇: 安地镇 is ours, 义乌市 another county's.
  Run both = [&] {
    std::ostringstream out, err;
    int status = run_warning_check({write("two.json", R"(["330782", "330702102"])")}, false, out, err, &*directory);
    return Run{status, out.str(), err.str()};
  }();
  CHECK(both.status == 0);
  CHECK(both.out.find("  called out  330702102 安地镇\n") != std::string::npos);
  CHECK(both.out.find("  not ours    330782 (another county's to call)\n") != std::string::npos);
  std::ostringstream out, err;
  CHECK(run_warning_check({write("none.json", R"(["330782", "330783"])")}, false, out, err, &*directory) == 1);
  CHECK(err.str().find("error: areas: none of the warning's 2 area(s) (330782 330783) is in the directory") !=
        std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("warning check --verify shows who signed a CAP file, and fails an altered, a wrongly signed or an unsigned one") {
  TrustedSigner signer;
  std::string error;
  REQUIRE(load_trusted_signer((kCap / "signed/signer.pem").string(), signer, error));
  const std::vector<TrustedSigner> trusted{signer};
  std::ostringstream out, err;
  CHECK(run_warning_check({(kCap / "signed/signed.xml").string()}, false, out, err, nullptr, &trusted) == 0);
  CHECK(out.str().find("  verified    signed") != std::string::npos);
  CHECK(err.str().empty());
  for (const char* name : {"signed/tampered.xml", "signed/signed-by-other.xml", "valid/rainstorm-red-11B03-geocodes.xml"}) {
    std::ostringstream o, e;
    CHECK(run_warning_check({(kCap / name).string()}, false, o, e, nullptr, &trusted) == 1);
    CHECK_MESSAGE(e.str().find(": error: signature: ") != std::string::npos, e.str());
    CHECK(o.str().empty());
  }
  // Without --verify the signature is only said to be there.
  Run plain = check({(kCap / "signed/signed.xml").string()});
  CHECK(plain.status == 0);
  CHECK(plain.out.find("--verify CERT checks it") != std::string::npos);
}
