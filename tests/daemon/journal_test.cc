// The journal (daemon/journal.h): an entry's fields from the line's scope, phone numbers masked
// in what leaves the duty room, and the trail mirror — only what was committed after it started,
// only the events of note, each with its warning's and callout's ids.
#include <doctest/doctest.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include <unistd.h>

#include "daemon/journal.h"
#include "daemon/schema.h"
#include "daemon/sqlite.h"
#include "daemon/store_sqlite_views.h"
#include "rules/names.h"

using namespace jiaoying;

namespace {

bool has(const std::vector<std::string>& entry, const std::string& field) {
  return std::find(entry.begin(), entry.end(), field) != entry.end();
}

// What the daemon's sink would send: each line's journal entry, taken on the thread that logs it.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::vector<std::string>> entries;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    entries.push_back(journal_entry(msg.level, std::string_view(msg.payload.data(), msg.payload.size()),
                                    current_log_fields()));
  }
  void flush_() override {}
};

struct Captured {
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();
  std::shared_ptr<spdlog::logger> before = spdlog::default_logger();
  Captured() { spdlog::set_default_logger(std::make_shared<spdlog::logger>("journal-test", sink)); }
  ~Captured() { spdlog::set_default_logger(before); }
};

void add_event(Db& db, int64_t warning, int64_t callout, const std::string& kind, const std::string& detail) {
  Stmt s = db.prepare("INSERT INTO events(at, warning_id, callout_id, message_id, kind, actor, detail) "
                      "VALUES (0, ?, ?, NULL, ?, 'engine', ?)");
  s.bind(1, warning).bind(2, callout).bind(3, kind).bind(4, detail);
  s.step();
}

}  // namespace

TEST_CASE("journal: mobiles in a text are masked; codes, landlines and longer numbers are not") {
  CHECK(mask_mobiles_in("call 19900000013 now") == "call 199****0013 now");
  CHECK(mask_mobiles_in("19900000013,19900000014") == "199****0013,199****0014");
  CHECK(mask_mobiles_in("area 330702102201, landline 0579-00000001, 2990000001") ==
        "area 330702102201, landline 0579-00000001, 2990000001");
  CHECK(mask_mobiles_in("199000000131") == "199000000131");  // 12 digits: not a mobile
}

TEST_CASE("journal: an entry has its priority, the identifier and the fields of the line's scope") {
  const std::vector<std::string> bare = journal_entry(spdlog::level::warn, "to 19900000001", nullptr);
  CHECK(has(bare, "MESSAGE=to 199****0001"));
  CHECK(has(bare, "PRIORITY=4"));
  CHECK(has(bare, "SYSLOG_IDENTIFIER=jiaoyingd"));
  CHECK(bare.size() == 3);

  Captured captured;
  {
    LogFields outer;
    outer.warning_id = 42;
    LogScope a(outer);
    spdlog::info("the warning's");
    {
      LogFields inner;
      inner.warning_id = 42;
      inner.callout_id = 7;
      inner.channel = "sms";
      inner.provider = "aliyun-sms";
      LogScope b(inner);
      spdlog::error("a callout's");
    }
    spdlog::critical("the warning's again");
  }
  spdlog::info("nobody's");
  REQUIRE(captured.sink->entries.size() == 4);
  const auto& e = captured.sink->entries;
  CHECK(has(e[0], "WARNING_ID=42"));
  CHECK(has(e[0], "PRIORITY=6"));
  CHECK_FALSE(has(e[0], "CALLOUT_ID=7"));
  CHECK(has(e[1], "CALLOUT_ID=7"));
  CHECK(has(e[1], "CHANNEL=sms"));
  CHECK(has(e[1], "PROVIDER=aliyun-sms"));
  CHECK(has(e[1], "PRIORITY=3"));
  CHECK(has(e[2], "WARNING_ID=42"));
  CHECK_FALSE(has(e[2], "CALLOUT_ID=7"));  // the inner scope ended
  CHECK(has(e[2], "PRIORITY=2"));
  CHECK(e[3].size() == 3);
}

TEST_CASE("journal: the trail mirror logs what was committed after its start, the events of note only") {
  char tmpl[] = "/tmp/jiaoying-journal-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  const std::filesystem::path dir = tmpl;
  {
    Db db((dir / "db.sqlite").string());
    migrate(db);
    add_event(db, 1, 0, "warning_received", "before the start: history, not replayed");
    SqliteViews views(db);
    boost::asio::io_context io;
    TrailMirror mirror(io, views);
    mirror.start();

    add_event(db, 1, 5, "notified", "a card to 19900000005");  // per person: the record's, not the log's
    add_event(db, 1, 5, "exhausted", "no answer from 赵某一 (19900000005) after 3 steps");
    add_event(db, 1, 0, "warning_closed", "14 of 15 answered");
    Captured captured;
    CHECK(mirror.drain() == 2);
    CHECK(mirror.drain() == 0);  // each once
    add_event(db, 2, 0, "warning_received", "from feed:met");
    CHECK(mirror.drain() == 1);
    mirror.stop();

    const auto& e = captured.sink->entries;
    REQUIRE(e.size() == 3);
    CHECK(has(e[0], "WARNING_ID=1"));
    CHECK(has(e[0], "CALLOUT_ID=5"));
    CHECK(has(e[0], "JIAOYING_EVENT=exhausted"));
    CHECK(has(e[0], "PRIORITY=4"));  // asks for attention
    CHECK(e[0][0].find("199****0005") != std::string::npos);
    CHECK(e[0][0].find("19900000005") == std::string::npos);
    CHECK(has(e[1], "JIAOYING_EVENT=warning_closed"));
    CHECK(has(e[1], "PRIORITY=6"));
    CHECK(has(e[2], "WARNING_ID=2"));
  }
  std::filesystem::remove_all(dir);
}
