// A database that cannot be written (tests/daemon/faulty_vfs.h fails its writes as a full disk
// does): a warning is refused with 503 naming the cause and nothing of it is kept — not even in
// what the engine cached, so the next warning is told in its own words; what providers answered
// meanwhile is recorded once writing works again, none of it lost and nothing sent twice; the
// StorageWatch names the spell once, has the highest duty room told outside the store,
// and ends the spell at the first commit.
#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "daemon/dispatcher.h"
#include "daemon/engine_fixture.h"
#include "daemon/faulty_vfs.h"
#include "daemon/http_api.h"
#include "daemon/storage_watch.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

// A database file of its own, opened through the faulty VFS; writes work until a test says.
struct FaultyFile {
  std::string path;
  FaultyFile() {
    faulty_vfs().fail_with = 0;
    path = (std::filesystem::temp_directory_path() / ("jiaoying-storage-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(++count) + ".db"))
               .string();
  }
  ~FaultyFile() {
    faulty_vfs().fail_with = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  static inline int count = 0;
};

ServerRequest post_warning(const std::string& identifier, const std::string& headline) {
  ServerRequest r;
  r.method = "POST";
  r.path = r.target = "/api/v1/warnings";
  r.headers["content-type"] = "application/json";
  r.headers["authorization"] = "Bearer test-push-token-0123456789";
  r.body = R"({"identifier":")" + identifier +
           R"(","sender":"wucheng-met@jinhua.zj","sent":"2026-06-15T02:00:00+08:00","source":"meteorology",)"
           R"("hazard":"rainstorm","level":"red","areas":["330702102"],"headline":")" +
           headline + R"("})";
  r.peer = "127.0.0.1:5000";
  return r;
}

ServerRequest get(const std::string& path) {
  ServerRequest r;
  r.method = "GET";
  r.path = r.target = path;
  r.peer = "127.0.0.1:5001";
  return r;
}

struct StorageFixture : EngineFixture {
  explicit StorageFixture(const std::string& path) : EngineFixture(path, kPlanYaml, "faulty") {
    api = std::make_unique<HttpApi>(*engine, *views, clock, [this] { engine->tick(); });
    api->set_push_tokens({{"wucheng-met", "test-push-token-0123456789"}});
    api->set_storage_watch(&watch);
    db->observe(&watch);
  }
  ~StorageFixture() { db->observe(nullptr); }
  void run_io() {
    io.restart();
    io.poll();
  }
  boost::asio::io_context io;
  std::vector<StorageFault> began, ended;
  // On the test's temporary folder (it has room), probing every few milliseconds.
  StorageWatch watch{io, (std::filesystem::temp_directory_path() / "jiaoying.db").string(),
                     {[this](const StorageFault& f) { began.push_back(f); },
                      [this](const StorageFault& f, std::chrono::system_clock::time_point) { ended.push_back(f); },
                      [this] { engine->probe_store(); }},
                     std::chrono::milliseconds(5)};
  // Runs the io for a while: the probe's timer fires.
  void probe() {
    for (int i = 0; i < 5; ++i) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
  }
  std::unique_ptr<HttpApi> api;
};

}  // namespace

TEST_CASE("a full disk: the warning is refused 503 naming it, nothing is kept, and the next warning is told in its own words") {
  FaultyFile file;
  StorageFixture f(file.path);
  const int64_t first = f.ingest(f.warning({"330702102"}, "w-1")).warning_id;
  f.send_all();
  REQUIRE(f.engine->ack(f.callout_in(first, "anding-head"), "zzd", "test").kind == AckOutcome::Kind::answered);
  f.channel.sent.clear();

  faulty_vfs().fail_with = SQLITE_FULL;
  ServerResponse refused = f.api->handle_public(post_warning("w-full", "被拒收的预警"));
  CHECK(refused.status == 503);
  CHECK(refused.body.find("disk holding the database") != std::string::npos);
  CHECK(refused.body.find("is full") != std::string::npos);
  CHECK(refused.body.find("send it again later") != std::string::npos);
  CHECK(std::any_of(refused.headers.begin(), refused.headers.end(),
                    [](const auto& h) { return h.first == "Retry-After"; }));
  REQUIRE(f.watch.faulty());
  CHECK(f.watch.fault()->cause_zh == "磁盘已满");
  CHECK(f.watch.fault()->refused == 1);
  CHECK(f.api->handle_public(get("/healthz")).status == 503);
  f.run_io();
  CHECK(f.began.size() == 1);  // said once, however many writes fail
  // An update refused the same way, after the engine had worded its 【更新】 notice to the one
  // who answered (and cached the update's words under the id it was being given).
  Warning update = f.warning({"330702102"}, "w-2");
  update.msg_type = MsgType::update;
  update.headline = "被拒收的更新";
  update.references.push_back({update.sender, "w-1", f.warning().sent});
  CHECK_THROWS_AS(f.engine->ingest(update, "{}", "test"), SqliteError);
  f.run_io();
  CHECK(f.began.size() == 1);

  // Space returns: the probe's next write ends the spell. A new warning is stored and told in its
  // own words: nothing of the refused ones (cached while they were being refused) reaches anyone.
  faulty_vfs().fail_with = 0;
  f.probe();
  CHECK_FALSE(f.watch.faulty());
  REQUIRE(f.ended.size() == 1);
  ServerResponse stored = f.api->handle_public(post_warning("w-after", "恢复后的暴雨红色预警"));
  CHECK(stored.status == 201);
  CHECK(f.ended[0].refused == 1);
  CHECK(f.api->handle_public(get("/healthz")).status == 200);
  CHECK(!f.kept().find_warning("wucheng-met@jinhua.zj", "w-full"));
  CHECK(!f.kept().find_warning("wucheng-met@jinhua.zj", "w-2"));
  CHECK(f.kept().warning(first)->state == WarningState::active);
  CHECK(f.send_all() > 0);
  for (const OutboundMessage& m : f.channel.sent) {
    CHECK(m.title.find("恢复后的暴雨红色预警") != std::string::npos);
    CHECK(m.title.find("拒收") == std::string::npos);
    CHECK(m.text.find("拒收") == std::string::npos);
  }
}

TEST_CASE("the disk fails mid fan-out: what providers answered is recorded when it returns, nothing lost, nothing sent twice") {
  FaultyFile file;
  StorageFixture f(file.path);
  struct Answering final : Transport {
    std::vector<std::pair<std::vector<OutboundMessage>, Done>> pending;
    void send(const Provider&, std::vector<OutboundMessage> batch, Done done) override {
      pending.emplace_back(std::move(batch), std::move(done));
    }
    void send(const BroadcastChannel&, BroadcastOrder, Done) override {}
  } transport;
  struct Zzd final : HttpProvider {
    const Medium& medium() const override { return *find_medium("zzd"); }
    std::optional<SendResult> refuse(const OutboundMessage&) const override { return std::nullopt; }
    HttpRequest encode(std::span<const OutboundMessage>) const override { return {}; }
    std::vector<SendResult> decode(std::span<const OutboundMessage> b, const HttpResponse&) const override {
      return same_for_all(b.size(), {SendOutcome::sent, "", ""});
    }
  } zzd;
  Dispatcher dispatcher(f.io, *f.engine, f.clock, transport, {{"zzd", "zzd", &zzd, nullptr, {}}});
  f.ingest(f.warning({"330702102"}));
  dispatcher.pump();
  REQUIRE(!transport.pending.empty());
  size_t claimed = 0;
  for (const auto& [batch, done] : transport.pending) claimed += batch.size();

  // The provider takes them while the disk is full: the results cannot be recorded.
  faulty_vfs().fail_with = SQLITE_IOERR_WRITE;
  auto answered = std::move(transport.pending);
  transport.pending.clear();
  for (auto& [batch, done] : answered) {
    Delivery d;
    for (const auto& m : batch) d.results.push_back({SendOutcome::sent, "ref-" + m.idem_key, ""});
    done(std::move(d));
  }
  for (int i = 0; i < 5; ++i) f.io.run_for(std::chrono::milliseconds(20)), f.io.restart();
  CHECK(f.watch.faulty());
  CHECK(f.watch.fault()->cause_zh == "磁盘读写错误");
  CHECK(transport.pending.empty());  // nothing new claimed or sent while nothing can be kept
  CHECK(f.began.size() == 1);
  faulty_vfs().fail_with = 0;
  for (int i = 0; i < 100; ++i) {
    f.io.run_for(std::chrono::milliseconds(20));
    f.io.restart();
    bool any_sending = false;
    for (const auto& [c, m] : f.messages_anywhere()) any_sending = any_sending || m.state == MessageState::sending;
    if (!any_sending) break;
  }
  size_t sent = 0;
  for (const auto& [c, m] : f.messages_anywhere()) {
    CHECK_MESSAGE(m.state != MessageState::sending, "message ", m.id, " left sending");
    sent += m.state == MessageState::sent;
  }
  CHECK(sent == claimed);
  CHECK_FALSE(f.watch.faulty());
  CHECK(transport.pending.empty());  // none of them went again
}

TEST_CASE("the storage alarm goes to the highest duty rooms, worded for the start and the end of the spell") {
  LoadErrors errors;
  auto directory = Directory::load_string(kTestDirectory, "dir.yaml", errors);
  REQUIRE(directory);
  StorageFault fault{from_epoch_ms(1'781'460'000'000), "the disk … is full", "磁盘已满", "database or disk is full", 3};
  auto start = storage_alarm(*directory, fault, std::nullopt);
  REQUIRE(start.size() == 1);
  CHECK(start[0].person_id == "duty-officer");
  CHECK(start[0].zzd_account == "100009");
  CHECK(start[0].title == "【系统告警】叫应系统无法写入数据库");
  CHECK(start[0].text.find("06月15日02:00:00") != std::string::npos);
  CHECK(start[0].text.find("磁盘已满") != std::string::npos);
  auto end = storage_alarm(*directory, fault, fault.since + std::chrono::minutes(28));
  REQUIRE(end.size() == 1);
  CHECK(end[0].title == "【系统恢复】叫应系统恢复写入数据库");
  CHECK(end[0].text.find("约28分钟") != std::string::npos);
  CHECK(end[0].text.find("拒收预警3条") != std::string::npos);
  CHECK(end[0].idem_key != start[0].idem_key);
}
