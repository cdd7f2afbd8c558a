// End to end: jiaoyingd and jiaoying-sim as real processes on free loopback ports, speaking
// the real Zhezhengding wire format. The scenario decides who answers when; the test checks
// who was answered, who was notified again and who was exhausted, from the daemon's admin API
// and from the simulator's own request log. Waits are bounded; nothing asserts on speed.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <atomic>
#include <deque>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/un.h>

#include "channels/broadcast/ebd.h"
#include "channels/http_client.h"
#include "cli/admin_client.h"
#include "cli/process.h"
#include "cli/views.h"
#include "rules/time.h"

using namespace jiaoying;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path kSource = JIAOYING_SOURCE_DIR;
const fs::path kBin = JIAOYING_BIN_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

constexpr const char* kVoiceToken = "e2e-voice-report-token-0123456789";
constexpr const char* kSmsToken = "e2e-sms-callback-token-0123456789";
constexpr const char* kOurEbrid = "10433070200000001030101";
constexpr const char* kCountyEbrid = "10433070200000000010101";

struct System {
  fs::path work;
  unsigned short daemon_port = free_loopback_port();
  unsigned short sim_port = 0;
  ChildProcess sim, daemon;
  CurlHttpClient http;
  std::unique_ptr<AdminClient> admin;

  // With own_plans, the plans are copied into the work folder so a test may edit them.
  // `database`: where the database lives (a small file system of a test's own); else the work folder.
  explicit System(bool own_plans = false, std::string database = "") {
    char tmpl[] = "/tmp/jiaoying-e2e-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    work = tmpl;
    fs::path plans = kSource / "tests/e2e/data/plans";
    fs::create_directories(work / "feed");
    if (own_plans) {
      fs::copy(plans, work / "plans");
      plans = work / "plans";
    }
    do sim_port = free_loopback_port(); while (sim_port == daemon_port);
    // jiaoyingd and the county broadcast platform sign with keys made for this run.
    fs::create_directories(work / "keys");
    for (const char* who : {"jiaoying", "platform"}) {
      ebd::Sm2Key key = ebd::Sm2Key::generate();
      std::ofstream(work / "keys" / fmt::format("{}.pem", who)) << key.private_pem();
      std::ofstream(work / "keys" / fmt::format("{}.pub.pem", who)) << key.public_pem();
    }
    std::ofstream(work / "jiaoyingd.yaml") << fmt::format(
        "listen: 127.0.0.1:{}\nadmin_socket: {}\ndatabase: {}\nplans: {}\ndirectory: {}\ntemplates: {}\n"
        "callback_secret: e2e-callback-secret-0123456789\nbody_limit: 65536\n"
        "engine: {{ tick: 50ms, retry_backoff: 1s }}\n"
        "feeds:\n  - {{ name: wucheng-met, type: push, token: e2e-push-token-0123456789 }}\n"
        "  - {{ name: water, type: spool, dir: {}, interval: 100ms }}\n"
        "  - {{ name: province, type: poll, url: \"http://127.0.0.1:{}/feed/index.atom\", interval: 200ms }}\n"
        "channels:\n  zzd: {{ base_url: \"http://127.0.0.1:{}\", api_key: e2e-api-key, "
        "secret_key: e2e-secret-key, tenant_id: \"196729\" }}\n"
        "  ivr: {{ base_url: \"http://127.0.0.1:{}\", access_key_id: e2e-voice-id, access_key_secret: e2e-voice-secret, "
        "show_number: \"057100000000\", start_code: TTS_E2E, confirm_code: TTS_E2E_OK, report_token: {} }}\n"
        "  sms: {{ base_url: \"http://127.0.0.1:{}\", access_key_id: e2e-voice-id, access_key_secret: e2e-voice-secret, "
        "sign_name: 婺城防汛, template_code: SMS_E2E, callback_token: {} }}\n"
        "  broadcast: {{ url: \"http://127.0.0.1:{}/ebd\", ebrid: \"{}\", platform_ebrid: \"{}\", sender_name: 婺城区防指, "
        "cert_sn: E2E-1, key: keys/jiaoying.pem, platform_key: keys/platform.pub.pem }}\n",
        daemon_port, (work / "sock").string(), database.empty() ? (work / "db.sqlite").string() : database,
        plans.string(), (kSource / "packaging/demo/directory.yaml").string(),
        (kSource / "templates").string(), (work / "spool").string(), sim_port, sim_port, sim_port, kVoiceToken,
        sim_port, kSmsToken, sim_port, kOurEbrid, kCountyEbrid);
    admin = std::make_unique<AdminClient>((work / "sock").string());
    sim = ChildProcess({(kBin / "jiaoying-sim").string(), "--listen", fmt::format("127.0.0.1:{}", sim_port),
                        "--scenario", (kSource / "tests/e2e/data/scenario.yaml").string(), "--log",
                        (work / "sim.jsonl").string(), "--time-scale", "60", "--feed-dir", (work / "feed").string(),
                        "--voice-report-url",
                        fmt::format("http://127.0.0.1:{}/api/v1/callbacks/voice/{}", daemon_port, kVoiceToken),
                        "--sms-callback-url",
                        fmt::format("http://127.0.0.1:{}/api/v1/callbacks/sms/{}", daemon_port, kSmsToken),
                        "--broadcast-key", (work / "keys/platform.pem").string(), "--broadcast-sender-key",
                        (work / "keys/jiaoying.pub.pem").string(), "--broadcast-report-url",
                        fmt::format("http://127.0.0.1:{}/api/v1/callbacks/broadcast", daemon_port)},
                       (work / "sim.log").string());
    start_daemon();
    REQUIRE(wait_for([&] { return get(fmt::format("http://127.0.0.1:{}/sim/health", sim_port)).status == 200; }));
  }

  ~System() {
    daemon.stop();
    sim.stop();
    fs::remove_all(work);
  }

  void start_daemon() {
    daemon = ChildProcess({(kBin / "jiaoyingd").string(), "--config", (work / "jiaoyingd.yaml").string(),
                           "--time-scale", "60"},
                          (work / "jiaoyingd.log").string());
    std::string error;
    bool up = wait_for([&] { return admin->get("/api/v1/health", error).has_value() || !daemon.running(); }) &&
              daemon.running();
    if (!up) {
      std::ifstream log(work / "jiaoyingd.log");
      std::string text(std::istreambuf_iterator<char>(log), {});
      FAIL("jiaoyingd did not start: " << error << "\n" << text);
    }
  }

  template <class Pred>
  bool wait_for(Pred pred, std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  HttpResponse get(const std::string& url) {
    return http.perform({"GET", url, {}, "", std::chrono::seconds(5), ""});
  }

  HttpResponse post_warning(const std::string& body, const std::string& type = "application/json",
                            const std::string& token = "e2e-push-token-0123456789") {
    return http.perform({"POST", fmt::format("http://127.0.0.1:{}/api/v1/warnings", daemon_port),
                         {{"Content-Type", type}, {"Authorization", "Bearer " + token}}, body,
                         std::chrono::seconds(10), ""});
  }

  json::value detail(int64_t id) {
    std::string error;
    auto v = admin->get(fmt::format("/api/v1/warnings/{}", id), error);
    REQUIRE_MESSAGE(v, error);
    return *v;
  }

  // Posts a warning and waits (up to 2 minutes of real time) for it to close; returns its id.
  int64_t post_and_wait_closed(const std::string& body) {
    auto posted = post_warning(body);
    REQUIRE_MESSAGE(posted.status == 201, posted.body);
    const int64_t id = json::parse(posted.body).at("id").as_int64();
    REQUIRE_MESSAGE(wait_for([&] { return detail(id).at("warning").at("state") == "closed"; },
                             std::chrono::seconds(120)),
                    "the warning did not close");
    return id;
  }

  // Rewrites the work folder's plan (System(true) only) and reloads the daemon.
  void edit_plan_and_reload(const std::function<void(std::string&)>& edit) {
    const fs::path path = work / "plans/e2e-rain.yaml";
    std::string text;
    {
      std::ifstream in(path);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    edit(text);
    std::ofstream(path) << text;
    std::string error;
    REQUIRE_MESSAGE(admin->post("/api/v1/reload", "{}", error), error);
  }

  // Accepted work notifications per account, from the simulator's log.
  std::map<std::string, int> notices() {
    std::map<std::string, int> out;
    std::ifstream in(work / "sim.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto v = json::parse(line);
      if (v.at("endpoint") != "/message/workNotification" || v.at("duplicate").as_bool()) continue;
      for (const auto& r : v.at("receivers").as_array()) ++out[std::string(r.as_string())];
    }
    return out;
  }
};

std::string warning_body(const std::string& identifier) {
  return fmt::format(R"({{"identifier":"{}","sender":"wucheng-met@jinhua.zj","sent":"2026-06-15T02:00:00+08:00",
    "source":"meteorology","hazard":"rainstorm","level":"red","areas":["330702102","330702204"],
    "headline":"婺城区气象台发布暴雨红色预警","description":"安地镇、箬阳乡3小时雨量将达100毫米以上"}})",
                     identifier);
}

// A CAP 1.2 alert of the China profile; msg_type Alert, Update or Cancel.
std::string cap_alert(const std::string& identifier, const std::string& msg_type, const std::string& references,
                      const std::vector<std::string>& areas) {
  using namespace std::chrono;
  auto now = time_point_cast<Millis>(system_clock::now());
  std::string info;
  if (msg_type != "Cancel") {
    std::string area_xml;
    for (const auto& code : areas)
      area_xml += fmt::format("<area><areaDesc>{}</areaDesc><geocode><valueName>行政区划代码</valueName><value>{}"
                              "</value></geocode></area>",
                              code, code);
    info = fmt::format(
        "<info><language>zh-CN</language><category>Met</category><event>暴雨</event><urgency>Immediate</urgency>"
        "<severity>Extreme</severity><certainty>Likely</certainty><eventCode><valueName>国家预警信息发布中心预警类型"
        "</valueName><value>11B03</value></eventCode><expires>{}</expires><senderName>婺城区气象台</senderName>"
        "<headline>婺城区气象台发布暴雨红色预警信号</headline><description>山区可能引发山洪。</description>{}</info>",
        format_china_time(now + hours(6)), area_xml);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
      "<identifier>{}</identifier><sender>wucheng-met@jinhua.zj</sender><sent>{}</sent><status>Actual</status>"
      "<msgType>{}</msgType><scope>Public</scope>{}{}</alert>",
      identifier, format_china_time(now), msg_type,
      references.empty() ? "" : "<references>" + references + "</references>", info);
}

}  // namespace

TEST_CASE("CAP over push: an alert, an update that widens it and a cancel, end to end") {
  System sys;
  auto alert = sys.post_warning(cap_alert("cap-1", "Alert", "", {"330702102"}), "application/cap+xml");
  REQUIRE_MESSAGE(alert.status == 201, alert.body);
  CHECK(json::parse(alert.body).at("callouts").as_int64() == 11);  // county 3, 安地镇 2, its villages 6
  REQUIRE(sys.wait_for([&] { return sys.notices().size() == 11; }));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // most answer after 30 s of plan time

  auto detail = sys.detail(json::parse(alert.body).at("id").as_int64());
  std::string ref = fmt::format("wucheng-met@jinhua.zj,cap-1,{}", std::string(detail.at("warning").at("sent").as_string()));
  auto update = sys.post_warning(cap_alert("cap-2", "Update", ref, {"330702102", "330702204"}), "application/cap+xml");
  REQUIRE_MESSAGE(update.status == 201, update.body);
  CHECK(json::parse(update.body).at("callouts").as_int64() == 8);  // only 箬阳乡 and its villages are new
  const int64_t update_id = json::parse(update.body).at("id").as_int64();
  REQUIRE(sys.wait_for([&] { return sys.notices().size() == 19; }));

  auto update_detail = sys.detail(update_id);
  std::string ref2 = fmt::format("wucheng-met@jinhua.zj,cap-2,{}", std::string(update_detail.at("warning").at("sent").as_string()));
  auto cancel = sys.post_warning(cap_alert("cap-3", "Cancel", ref2, {}), "application/cap+xml");
  REQUIRE_MESSAGE(cancel.status == 201, cancel.body);
  REQUIRE(sys.wait_for([&] { return sys.detail(update_id).at("warning").at("state") == "cancelled"; }));
  CHECK(sys.detail(json::parse(alert.body).at("id").as_int64()).at("warning").at("state") == "superseded");

  // The simulator saw 【更新】 notices for those who had answered before the update, and a
  // 【解除】 notice for everyone reached.
  int updates = 0, ends = 0;
  std::set<std::string> ended;
  REQUIRE(sys.wait_for([&] {
    updates = 0, ends = 0;
    ended.clear();
    std::ifstream in(sys.work / "sim.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto v = json::parse(line);
      if (v.at("endpoint") != "/message/workNotification") continue;
      std::string title(v.at("title").as_string());
      updates += title.find("【更新】") != std::string::npos;
      if (title.find("【解除】") != std::string::npos) {
        ++ends;
        ended.insert(std::string(v.at("receivers").as_array()[0].as_string()));
      }
    }
    return ended.size() == 19;
  }));
  CHECK(updates >= 1);
  CHECK(ends == 19);
}

TEST_CASE("a red rainstorm warning is called out end to end: answers, re-notices and exhaustion follow the scenario") {
  System sys;
  auto posted = sys.post_warning(warning_body("e2e-1"));
  REQUIRE_MESSAGE(posted.status == 201, posted.body);
  int64_t id = json::parse(posted.body).at("id").as_int64();
  CHECK(json::parse(posted.body).at("callouts").as_int64() == 19);

  REQUIRE_MESSAGE(sys.wait_for([&] { return sys.detail(id).at("warning").at("state") == "closed"; },
                               std::chrono::seconds(120)),
                  "the warning did not close");
  std::map<std::string, std::string> state_of, raised;
  const json::value final_detail = sys.detail(id);
  for (const auto& c : final_detail.at("callouts").as_array()) {
    auto& into = c.at("kind") == "primary" ? state_of : raised;
    into[std::string(c.at("zzd_account").as_string())] = std::string(c.at("state").as_string());
  }
  auto notices = sys.notices();

  CHECK(state_of.size() == 19);
  CHECK(state_of["100001"] == "answered");
  CHECK(notices["100001"] == 1);
  CHECK(state_of["100003"] == "answered");  // answered after the 3-minute re-notice
  CHECK(notices["100003"] == 2);
  CHECK(state_of["100009"] == "answered");
  CHECK(notices["100009"] == 2);
  CHECK(state_of["100005"] == "exhausted");  // never answered: every step, then exhaustion
  CHECK(notices["100005"] == 3);
  CHECK(state_of["100013"] == "exhausted");
  CHECK(notices["100013"] == 3);
  int answered_once = 0;
  for (const auto& [account, state] : state_of)
    if (account != "100001" && account != "100003" && account != "100005" && account != "100009" &&
        account != "100013")
      answered_once += state == "answered" && notices[account] == 1;
  CHECK(answered_once == 14);
  // The exhaustions reached the county duty officer: one card for the warning, confirmed.
  CHECK(raised == std::map<std::string, std::string>{{"100007", "answered"}});
  CHECK(notices["100007"] == 1);
  // The B seats and 罗店镇, outside the warned townships, were never called.
  for (const char* account : {"100002", "100012", "100016", "100017", "100019", "100045", "100056"})
    CHECK_MESSAGE(notices.count(account) == 0, account);
  CHECK(sys.daemon.stop() == 0);  // a clean SIGTERM
}

TEST_CASE("hostile input over the wire is refused and changes nothing") {
  System sys;
  CHECK(sys.post_warning("{\"identifier\": 42").status == 400);
  CHECK(sys.post_warning(warning_body("e2e-2"), "text/plain").status == 415);
  CHECK(sys.post_warning(warning_body("e2e-2"), "text/xml").status == 400);  // JSON is not CAP
  std::string unknown_area = warning_body("e2e-3");
  // Areas inside the county the directory lacks (and no area it holds): nobody could be called.
  unknown_area.replace(unknown_area.find("330702204"), 9, "330702999");
  unknown_area.replace(unknown_area.find("330702102"), 9, "330702998");
  auto refused = sys.post_warning(unknown_area);
  CHECK(refused.status == 400);
  CHECK(refused.body.find("areas[0]") != std::string::npos);
  CHECK(sys.post_warning(std::string(70'000, '{')).status == 413);
  CHECK(sys.post_warning(warning_body("e2e-6"), "application/json", "not-the-token").status == 401);
  CHECK(sys.post_warning(warning_body("e2e-7"), "application/json", "").status == 401);
  auto forged = sys.get(fmt::format("http://127.0.0.1:{}/api/v1/ack?c=1&t=forgedforgedforgedforg", sys.daemon_port));
  CHECK(forged.status == 401);
  std::string error;
  auto list = sys.admin->get("/api/v1/warnings", error);
  REQUIRE(list);
  CHECK(list->at("warnings").as_array().empty());
  CHECK(sys.daemon.running());
}

namespace {

// A hostile client's socket to the daemon's port or its admin socket: plain POSIX, every read
// bounded by a receive timeout, so a daemon that stops answering fails the test, not hangs it.
struct RawClient {
  int fd = -1;

  explicit RawClient(unsigned short port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_to(reinterpret_cast<sockaddr*>(&at), sizeof at);
  }
  explicit RawClient(const std::string& unix_path) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un at{};
    at.sun_family = AF_UNIX;
    unix_path.copy(at.sun_path, sizeof at.sun_path - 1);
    connect_to(reinterpret_cast<sockaddr*>(&at), sizeof at);
  }
  ~RawClient() {
    if (fd >= 0) ::close(fd);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd >= 0; }
  // As a hostile client sends: the daemon may have dropped it already.
  void send(const std::string& bytes) {
    if (fd >= 0) (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // The response's headers and Content-Length body; what came by EOF or the timeout.
  std::string response() {
    std::string got;
    char buf[4096];
    while (fd >= 0) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      const size_t end = got.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const size_t at = got.find("Content-Length: ");
      const size_t length = at == std::string::npos ? 0 : std::stoul(got.substr(at + 16));
      if (got.size() >= end + 4 + length) break;
    }
    return got;
  }

 private:
  void connect_to(sockaddr* at, socklen_t size) {
    timeval tv{5, 0};  // also bounds connect(2) when the daemon's accept queue is full
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, at, size) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
};

// A request line and one header, never finished.
const std::string kHalfSent = "POST /api/v1/warnings HTTP/1.1\r\nHost: jiaoying\r\nContent-Length: 900\r\n";

// Keeps `count` half-sent connections open on the daemon's port and its admin socket for as long
// as it lives, renewing them faster than the daemon's 15-second read deadline drops them, with
// a line of garbage now and then: the flood does not thin out while the test waits.
class Flood {
 public:
  Flood(unsigned short port, std::string admin_socket, size_t count)
      : port_(port), admin_(std::move(admin_socket)), count_(count), thread_([this] { run(); }) {}
  ~Flood() {
    stop_ = true;
    thread_.join();
  }
  size_t opened() const { return opened_; }

 private:
  void run() {
    std::deque<std::unique_ptr<RawClient>> open;
    while (!stop_) {
      for (int i = 0; i < 100 && !stop_; ++i) {
        auto c = (opened_ % 8 == 7) ? std::make_unique<RawClient>(admin_) : std::make_unique<RawClient>(port_);
        c->send(opened_ % 50 == 49 ? std::string("\x16\x03\x01 NOT HTTP\r\n\r\n") : kHalfSent);
        if (c->connected()) open.push_back(std::move(c));
        ++opened_;
      }
      while (open.size() > count_) open.pop_front();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  unsigned short port_;
  std::string admin_;
  size_t count_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> opened_{0};
  std::thread thread_;
};

// Raises this process's open-file limit to `want` where the hard limit allows; what it is now.
rlim_t open_files(rlim_t want) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = std::max(limit.rlim_cur, std::min(want, limit.rlim_max));
  ::setrlimit(RLIMIT_NOFILE, &limit);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

}  // namespace

TEST_CASE("a flood of hostile connections: a warning posted during it is stored and called out, answers get through") {
  // More half-sent connections than the daemon's cap (1,024 on its port), where the machine
  // gives this test the descriptors; renewed while the warning's whole ladder runs.
  const size_t flood = open_files(8192) >= 8192 ? 2000 : 400;
  System sys;
  Flood hostile(sys.daemon_port, (sys.work / "sock").string(), flood);
  REQUIRE(sys.wait_for([&] { return hostile.opened() >= flood; }));

  RawClient garbage(sys.daemon_port);
  garbage.send("NOT HTTP AT ALL\r\n\r\n");
  CHECK(garbage.response().starts_with("HTTP/1.1 400"));
  RawClient huge(sys.daemon_port);
  huge.send("POST /api/v1/warnings HTTP/1.1\r\nHost: jiaoying\r\nX-Padding: " + std::string(64 << 10, 'a') + "\r\n\r\n");
  CHECK(huge.response().starts_with("HTTP/1.1 431"));

  // The warning is stored and every one of its callouts made while the flood goes on; the
  // simulator's answers (收到 links, on the same port) get through it, so the ladder runs as on
  // a quiet night: the same people answered, the same two exhausted and raised.
  auto posted = sys.post_warning(warning_body("e2e-flood"));
  REQUIRE_MESSAGE(posted.status == 201, posted.body);
  const int64_t id = json::parse(posted.body).at("id").as_int64();
  CHECK(json::parse(posted.body).at("callouts").as_int64() == 19);
  std::string error;
  CHECK_MESSAGE(sys.admin->get("/api/v1/health", error), error);  // the admin socket answers too
  REQUIRE_MESSAGE(sys.wait_for([&] { return sys.detail(id).at("warning").at("state") == "closed"; },
                               std::chrono::seconds(120)),
                  "the warning did not close during the flood");
  std::map<std::string, int> states;
  const json::value closed = sys.detail(id);
  for (const auto& c : closed.at("callouts").as_array())
    if (c.at("kind") == "primary") ++states[std::string(c.at("state").as_string())];
  CHECK(states == std::map<std::string, int>{{"answered", 17}, {"exhausted", 2}});
  CHECK(sys.notices().size() == 20);  // the 19 and the county duty officer told of the exhaustions
  CHECK(sys.daemon.running());
}

TEST_CASE("the database's disk fills up: warnings refused 503, the duty room told, and all goes on when space returns") {
  // A 2 MiB tmpfs of the test's own, where the machine lets it mount one (root, outside a
  // locked-down container); else the in-process tests (storage_fault_test) stand alone.
  char tmpl[] = "/tmp/jiaoying-smallfs-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  const fs::path small = tmpl;
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m") != 0) {
    MESSAGE("skipped: cannot mount a small tmpfs here (" << std::strerror(errno) << ")");
    fs::remove(small);
    return;
  }
  struct Unmount {
    fs::path at;
    ~Unmount() {
      ::umount2(at.c_str(), MNT_DETACH);
      fs::remove(at);
    }
  } unmount{small};
  {
    System sys(false, (small / "db.sqlite").string());
    // Fill what is left of the disk.
    {
      std::ofstream filler(small / "filler", std::ios::binary);
      const std::string block(64 << 10, 'x');
      while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) && filler.flush()) {
      }
    }
    // Warnings are stored while the database's own file still has room; then refused, each 503.
    int stored = 0;
    HttpResponse refused;
    for (int i = 0; i < 200; ++i) {
      refused = sys.post_warning(warning_body(fmt::format("e2e-full-{}", i)));
      if (refused.status != 201) break;
      ++stored;
    }
    REQUIRE_MESSAGE(refused.status == 503, refused.body);
    CHECK(refused.body.find("is full") != std::string::npos);
    CHECK(refused.header("retry-after") == "30");
    CHECK(sys.get(fmt::format("http://127.0.0.1:{}/healthz", sys.daemon_port)).status == 503);
    std::string error;
    auto health = sys.admin->get("/api/v1/health", error);
    REQUIRE_MESSAGE(health, error);
    CHECK(health->at("ok") == false);
    CHECK(health->at("storage").at("reason").as_string().find("is full") != std::string::npos);
    // The county duty room (both seats) is told on Zhezhengding, outside the store.
    REQUIRE_MESSAGE(sys.wait_for([&] {
      int told = 0;
      std::ifstream in(sys.work / "sim.jsonl");
      for (std::string line; std::getline(in, line);) {
        auto v = json::parse(line);
        if (v.at("endpoint") == "/message/workNotification" &&
            std::string(v.at("title").as_string()).find("【系统告警】") != std::string::npos)
          ++told;
      }
      return told == 2;
    }), read_text(sys.work / "jiaoyingd.log"));
    CHECK(sys.daemon.running());

    // Space returns: within the probe's few seconds writing works again, and the refused warning
    // sent again is stored and called out like the others.
    fs::remove(small / "filler");
    REQUIRE(sys.wait_for([&] { return sys.get(fmt::format("http://127.0.0.1:{}/healthz", sys.daemon_port)).status == 200; }));
    auto again = sys.post_warning(warning_body(fmt::format("e2e-full-{}", stored)));
    CHECK_MESSAGE(again.status == 201, again.body);
    // Every stored warning was called out: all 19 got a card for each.
    REQUIRE(sys.wait_for([&] {
      auto n = sys.notices();
      return n.size() >= 19 && std::all_of(n.begin(), n.end(), [&](const auto& kv) {
        return kv.first == "100007" || kv.first == "100008" || kv.second >= stored + 1;
      });
    }, std::chrono::seconds(60)));
    auto list = sys.admin->get("/api/v1/warnings", error);
    REQUIRE(list);
    CHECK(static_cast<int>(list->at("warnings").as_array().size()) == stored + 1);
    CHECK(sys.daemon.stop() == 0);
  }
}

TEST_CASE("under systemd's watchdog the daemon says READY=1 and pings WATCHDOG=1; stopped, it pings no more") {
  // systemd's side of it: a datagram socket named by NOTIFY_SOCKET, and WATCHDOG_USEC (200 ms).
  const std::string path = fmt::format("/tmp/jiaoying-notify-{}.sock", ::getpid());
  ::unlink(path.c_str());
  const int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(notify >= 0);
  sockaddr_un at{};
  at.sun_family = AF_UNIX;
  path.copy(at.sun_path, sizeof at.sun_path - 1);
  REQUIRE(::bind(notify, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
  timeval tv{10, 0};
  ::setsockopt(notify, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  struct Cleanup {
    int fd;
    std::string path;
    ~Cleanup() {
      ::unsetenv("NOTIFY_SOCKET");
      ::unsetenv("WATCHDOG_USEC");
      ::close(fd);
      ::unlink(path.c_str());
    }
  } cleanup{notify, path};
  System sys;
  ::unsetenv("NOTIFY_SOCKET");  // only the daemon under test is "under systemd"
  ::unsetenv("WATCHDOG_USEC");
  auto next = [&](int flags = 0) {
    char buf[512];
    const ssize_t n = ::recv(notify, buf, sizeof buf, flags);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  };
  bool ready = false;
  int pings = 0;
  for (int i = 0; i < 200 && (!ready || pings < 3); ++i) {
    const std::string state = next();
    ready = ready || state.find("READY=1") != std::string::npos;
    pings += state.find("WATCHDOG=1") != std::string::npos;
  }
  CHECK(ready);
  CHECK(pings >= 3);
  // Stopped (as a hung process is, to the outside), it pings no more; let go, it pings again.
  ::kill(sys.daemon.pid(), SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  while (!next(MSG_DONTWAIT).empty()) {
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(next(MSG_DONTWAIT).empty());
  ::kill(sys.daemon.pid(), SIGCONT);
  CHECK(next().find("WATCHDOG=1") != std::string::npos);
  CHECK(sys.daemon.stop() == 0);
}

TEST_CASE("a restart mid-callout resumes the ladder from the database without repeating a step") {
  System sys;
  auto posted = sys.post_warning(warning_body("e2e-4"));
  REQUIRE(posted.status == 201);
  int64_t id = json::parse(posted.body).at("id").as_int64();
  // Wait until step 1 went out to everyone, then stop the daemon before the 3-minute step.
  REQUIRE(sys.wait_for([&] {
    auto n = sys.notices();
    return n.size() == 19;
  }));
  CHECK(sys.daemon.stop() == 0);
  sys.start_daemon();
  REQUIRE(sys.wait_for([&] { return sys.detail(id).at("warning").at("state") == "closed"; },
                       std::chrono::seconds(120)));
  auto notices = sys.notices();
  CHECK(notices["100001"] == 1);
  CHECK(notices["100005"] == 3);  // not 4: step 1 was not replayed after the restart
  CHECK(notices["100013"] == 3);
}

TEST_CASE("a reload with a broken plan is refused with file:line and the running plans stay") {
  System sys(true);
  const fs::path plan = sys.work / "plans/e2e-rain.yaml";
  const std::string good = read_text(plan);
  std::string bad = good;
  bad.replace(bad.find("after: 3m"), 9, "after: 3 minutes");
  std::ofstream(plan) << bad;
  std::string error;
  CHECK_FALSE(sys.admin->post("/api/v1/reload", "{}", error));
  CHECK(error.find(plan.string() + ":11: 'after': '3 minutes' is not a duration") != std::string::npos);
  // The old plans still work.
  auto posted = sys.post_warning(warning_body("e2e-5"));
  REQUIRE(posted.status == 201);
  CHECK(json::parse(posted.body).at("callouts").as_int64() == 19);
  // Mended, the reload goes through.
  std::ofstream(plan) << good;
  auto ok = sys.admin->post("/api/v1/reload", "{}", error);
  REQUIRE_MESSAGE(ok, error);
  CHECK(std::string(ok->at("message").as_string()).starts_with("reloaded: 56 people"));
}

TEST_CASE("a reload with a role nobody holds is refused as plan check refuses it, and the running plans stay") {
  System sys(true);
  const fs::path plan = sys.work / "plans/e2e-rain.yaml";
  const std::string good = read_text(plan);
  std::string bad = good;
  bad.replace(bad.find("flood_chief"), 11, "flood_chef");
  std::ofstream(plan) << bad;
  std::string error;
  CHECK_FALSE(sys.admin->post("/api/v1/reload", "{}", error));
  CHECK(error.find("reload refused (someone would be skipped)") != std::string::npos);
  CHECK(error.find(plan.string() + ":8: error: role 'flood_chef' is held by nobody in the directory") !=
        std::string::npos);
  // Nobody is skipped: the next warning still reaches every flood chief of the running plan.
  auto posted = sys.post_warning(warning_body("e2e-typo"));
  REQUIRE(posted.status == 201);
  CHECK(json::parse(posted.body).at("callouts").as_int64() == 19);
}

TEST_CASE("the township report-back: filed behind the card's 回报 button, or chased and escalated when missing") {
  System sys(true);
  sys.edit_plan_and_reload([](std::string& plan) { plan += "report_back: { tier: township, within: 12m }\n"; });
  const int64_t id = sys.post_and_wait_closed(warning_body("e2e-report"));
  std::map<std::string, json::object> reports;
  const json::value detail = sys.detail(id);
  for (const auto& r : detail.at("reports").as_array())
    reports[std::string(r.at("area_name").as_string())] = r.as_object();
  REQUIRE(reports.size() == 2);
  // 安地镇's township head filed it through the simulated messenger, in time.
  CHECK(reports["安地镇"].at("state") == "filed");
  CHECK(reports["安地镇"].at("commander") == "褚某一 镇长");
  CHECK(reports["安地镇"].at("villages").as_int64() == 3);
  CHECK(reports["安地镇"].at("people_moved").as_int64() == 120);
  CHECK_FALSE(reports["安地镇"].at("late").as_bool());
  // Nobody in 箬阳乡 reports: chased on its posts' cards, and the duty officer told.
  CHECK(reports["箬阳乡"].at("state") == "overdue");
  int chased = 0, with_button = 0;
  std::ifstream in(sys.work / "sim.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line);
    if (v.at("endpoint") == "report") CHECK(v.at("status").as_int64() == 200);
    if (v.at("endpoint") != "/message/workNotification") continue;
    if (std::string(v.at("title").as_string()).find("【催报】") != std::string::npos) ++chased;
    if (v.as_object().contains("report_url")) ++with_button;
  }
  CHECK(chased == 2);  // 箬阳乡's party secretary and township head
  CHECK(with_button >= 4);
  bool duty_officer = false;
  for (const auto& c : detail.at("callouts").as_array())
    duty_officer = duty_officer || c.at("kind") == "duty_officer";
  CHECK(duty_officer);
}

TEST_CASE("the 3-minute wake-up call: the phone rings through the voice platform and key 1 answers") {
  System sys(true);
  sys.edit_plan_and_reload([](std::string& plan) {
    plan.replace(plan.find("  - { after: 3m,  channels: [zzd] }"), 35, "  - { after: 3m,  channels: [zzd, ivr] }");
  });
  const int64_t id = sys.post_and_wait_closed(warning_body("e2e-phone"));
  std::map<std::string, std::string> via;
  const json::value detail = sys.detail(id);
  for (const auto& c : detail.at("callouts").as_array())
    if (c.at("kind") == "primary" && !c.at("answered_via").is_null())
      via[std::string(c.at("zzd_account").as_string())] = std::string(c.at("answered_via").as_string());
  // The water bureau head never taps 收到; the phone at 3 minutes wakes them and key 1 confirms.
  CHECK(via["100005"] == "ivr");
  // 箬阳乡's party secretary does not pick up: the call is recorded, the ladder goes on.
  CHECK(via.count("100013") == 0);
  int calls = 0, reports = 0;
  std::ifstream in(sys.work / "sim.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line);
    if (v.at("endpoint") == "IvrCall") ++calls;
    if (v.at("endpoint") == "voice_report") {
      ++reports;
      CHECK(v.at("status").as_int64() == 200);
    }
  }
  CHECK(calls >= 3);  // everyone still silent at 3 minutes
  CHECK(reports == calls);
}

TEST_CASE("the 3-minute text: the SMS platform sends it with a reply code, and the reply answers") {
  System sys(true);
  sys.edit_plan_and_reload([](std::string& plan) {
    plan.replace(plan.find("  - { after: 3m,  channels: [zzd] }"), 35, "  - { after: 3m,  channels: [zzd, sms] }");
  });
  const int64_t id = sys.post_and_wait_closed(warning_body("e2e-sms"));
  std::string via;
  const json::value detail = sys.detail(id);  // kept: a range-for over a temporary's member dangles
  for (const auto& c : detail.at("callouts").as_array())
    if (c.at("zzd_account") == "100003" && c.at("kind") == "primary" && !c.at("answered_via").is_null())
      via = std::string(c.at("answered_via").as_string());
  // The emergency bureau head never taps 收到 in time; they text the code back 20 s after the SMS.
  CHECK(via == "sms");
  int texts = 0, replies = 0, receipts = 0;
  std::ifstream in(sys.work / "sim.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line);
    if (v.at("endpoint") == "SendSms" || v.at("endpoint") == "SendBatchSms") {
      ++texts;
      CHECK(std::string(v.at("text").as_string()).find("确认收到") != std::string::npos);
    }
    if (v.at("endpoint") == "sms_reply") {
      ++replies;
      CHECK(v.at("status").as_int64() == 200);
    }
    if (v.at("endpoint") == "sms_report") ++receipts;
  }
  CHECK(texts >= 3);  // everyone still silent at 3 minutes
  CHECK(replies == 1);
  CHECK(receipts == texts);
  // The after-action report counts the posts, and says how each channel's messages ended.
  std::string error;
  auto report = sys.admin->get(fmt::format("/api/v1/warnings/{}/report", id), error);
  REQUIRE_MESSAGE(report, error);
  const json::value& service = report->at("service");
  CHECK(service.at("posts").as_int64() == detail.at("counts").at("total").as_int64());
  CHECK(service.at("answered").as_int64() + service.at("exhausted").as_int64() == service.at("posts").as_int64());
  CHECK(report->at("channels").at("sms").at("sent").as_int64() == texts);
  const std::string printed = render_report(*report);
  CHECK(printed.find("service levels") != std::string::npos);
  CHECK(printed.find("叫应结束") != std::string::npos);  // the timeline ends with the close (warning_closed)
  // A push with a wrong token is refused.
  HttpResponse forged = sys.http.perform({"POST", fmt::format("http://127.0.0.1:{}/api/v1/callbacks/sms/not-the-token/reply",
                                                               sys.daemon_port),
                                          {{"Content-Type", "application/json"}},
                                          R"([{"phone_number":"19900000001","content":"1"}])", std::chrono::seconds(5), ""});
  CHECK(forged.status == 401);
}

TEST_CASE("the red warning plays on the village loudspeakers: a signed EBM out, a signed playback report back") {
  System sys(true);
  sys.edit_plan_and_reload([](std::string& plan) {
    plan += "broadcast: { levels: [red], tier: village, repeat: 2, within: 10m }\n";
  });
  const int64_t id = sys.post_and_wait_closed(warning_body("e2e-broadcast"));
  const json::value detail = sys.detail(id);
  const auto& broadcasts = detail.at("broadcasts").as_array();
  REQUIRE(broadcasts.size() == 1);
  CHECK(broadcasts[0].at("state") == "played");
  CHECK(broadcasts[0].at("areas").as_array().size() == 6);  // the villages of 安地镇 and 箬阳乡
  CHECK(broadcasts[0].at("not_played").as_array().empty());
  int ebms = 0, reports = 0;
  std::ifstream in(sys.work / "sim.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line);
    if (v.at("endpoint") == "EBM") {
      ++ebms;
      CHECK(v.at("severity").as_int64() == 1);
      CHECK(v.at("event_type") == "11B03");
      const std::string text(v.at("text").as_string());
      CHECK(text.find('\n') != std::string::npos);  // played twice
    }
    if (v.at("endpoint") == "broadcast_report") {
      ++reports;
      CHECK(v.at("status").as_int64() == 200);
    }
  }
  CHECK(ebms == 1);
  CHECK(reports == 1);

  // A report signed by anyone but the platform is refused with ResultCode 4, and kept on file.
  ebd::Document forged;
  forged.envelope = {std::string(kCountyEbrid) + "0000000000009999", "EBMStateResponse", kCountyEbrid, kOurEbrid,
                     "2026-06-15 02:10:00", ""};
  forged.state = ebd::StateReport{"2026-06-15 02:10:00", std::string(broadcasts[0].at("ebm_id").as_string()),
                                  ebd::kPlayFailed, "forged", "", {}};
  auto form = ebd::multipart_file("file", "EBDT.tar",
                                  ebd::pack(ebd::seal(forged, ebd::Sm2Key::generate(), "X", "t")));
  HttpResponse r = sys.http.perform({"POST", fmt::format("http://127.0.0.1:{}/api/v1/callbacks/broadcast", sys.daemon_port),
                                     {{"Content-Type", form.content_type}}, form.body, std::chrono::seconds(5), ""});
  REQUIRE(r.status == 200);
  std::string error;
  std::ifstream pub_in(sys.work / "keys/jiaoying.pub.pem");
  auto pub = ebd::Sm2Key::from_pem(std::string(std::istreambuf_iterator<char>(pub_in), {}), error);
  REQUIRE(pub);
  auto answer = ebd::open(r.body, *pub, error);
  REQUIRE_MESSAGE(answer, error);
  CHECK(answer->signature_ok);
  CHECK(answer->doc.response->code == ebd::kSignatureFailed);
  CHECK(sys.detail(id).at("broadcasts").as_array()[0].at("state") == "played");  // unchanged
}

TEST_CASE("a warning dropped into a spool folder is called out; a bad one lands in failed/ with the reason") {
  System sys;
  const fs::path inbox = sys.work / "spool/inbox";
  REQUIRE(sys.wait_for([&] { return fs::exists(inbox); }));
  std::ofstream(inbox / ".writing.json") << "{";  // a file still being written is left alone
  std::string bad = warning_body("e2e-8");
  bad.replace(bad.find("\"red\""), 5, "\"scarlet\"");
  std::ofstream(inbox / "bad.json") << bad;
  std::ofstream(inbox / "good.json") << warning_body("e2e-9");
  REQUIRE(sys.wait_for([&] { return fs::exists(sys.work / "spool/done/good.json"); }));
  REQUIRE(sys.wait_for([&] { return fs::exists(sys.work / "spool/failed/bad.json.error"); }));
  std::ifstream why(sys.work / "spool/failed/bad.json.error");
  std::string reason;
  std::getline(why, reason);
  CHECK(reason == "level: 'scarlet' must be one of blue, yellow, orange, red");
  CHECK(fs::exists(inbox / ".writing.json"));
  std::string error;
  auto list = sys.admin->get("/api/v1/warnings", error);
  REQUIRE(list);
  REQUIRE(list->at("warnings").as_array().size() == 1);
  CHECK(list->at("warnings").as_array()[0].at("total").as_int64() == 19);
}

TEST_CASE("a polled Atom feed of CAP entries is called out, and no entry is taken twice") {
  System sys;
  auto write_index = [&](const std::vector<std::string>& entries) {
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
                      "<title>浙江省预警信息</title><id>urn:test:feed</id><updated>2026-06-15T02:00:00+08:00</updated>";
    for (const auto& e : entries)
      xml += fmt::format("<entry><id>urn:test:{0}</id><title>{0}</title><updated>2026-06-15T02:00:00+08:00</updated>"
                         "<link rel=\"alternate\" href=\"{0}.xml\"/></entry>",
                         e);
    std::ofstream(sys.work / "feed/index.atom.tmp") << xml << "</feed>\n";
    fs::rename(sys.work / "feed/index.atom.tmp", sys.work / "feed/index.atom");
  };
  std::ofstream(sys.work / "feed/poll-1.xml") << cap_alert("poll-1", "Alert", "", {"330702102"});
  write_index({"poll-1"});
  std::string error;
  auto count = [&] {
    auto list = sys.admin->get("/api/v1/warnings", error);
    return list ? list->at("warnings").as_array().size() : size_t{0};
  };
  REQUIRE(sys.wait_for([&] { return count() == 1; }));
  std::ofstream(sys.work / "feed/poll-2.xml") << cap_alert("poll-2", "Alert", "", {"330702204"});
  write_index({"poll-2", "poll-1"});
  REQUIRE(sys.wait_for([&] { return count() == 2; }));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // a few more rounds
  std::map<std::string, int> gets, not_modified;
  std::ifstream in(sys.work / "sim.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line);
    if (v.at("provider") != "feed") continue;
    std::string path(v.at("endpoint").as_string());
    ++gets[path];
    if (v.at("status").as_int64() == 304) ++not_modified[path];
  }
  CHECK(gets["/feed/poll-1.xml"] == 1);
  CHECK(gets["/feed/poll-2.xml"] == 1);
  CHECK(not_modified["/feed/index.atom"] >= 1);  // the ETag spares the index, too
}

// Runs the jiaoying CLI against this system's admin socket; its exit status and what it printed.
struct CliRun {
  int status;
  std::string output;
};
CliRun run_cli(System& sys, std::vector<std::string> args) {
  static int n = 0;
  const std::string log = (sys.work / fmt::format("cli-{}.log", ++n)).string();
  args.insert(args.begin(), {(kBin / "jiaoying").string(), "--socket", (sys.work / "sock").string()});
  ChildProcess cli(args, log);
  REQUIRE(sys.wait_for([&] { return !cli.running(); }, std::chrono::seconds(20)));
  const int status = cli.stop();
  return {status, read_text(log)};
}

TEST_CASE("a night at the duty desk from the CLI: a warning phoned in, answers and calls by hand, a note, a cancel") {
  System sys;
  CliRun warn = run_cli(sys, {"warn", "--hazard", "rainstorm", "--level", "red", "--area", "330702204", "--headline",
                              "箬阳乡暴雨红色预警（电话报告）"});
  REQUIRE_MESSAGE(warn.status == 0, warn.output);
  CHECK(warn.output.starts_with("warning 1 is called out: "));
  // 箬阳乡's party secretary (100013) never answers: the duty officer rings them by hand (by
  // mobile), and they call back to the duty room.
  CliRun call = run_cli(sys, {"call", "1", "19900000013", "--via", "ivr"});
  CHECK_MESSAGE(call.output.find("is being reached on 电话") != std::string::npos, call.output);
  CliRun ack = run_cli(sys, {"ack", "1", "p013", "--note", "本人来电确认，02:14"});
  CHECK(ack.status == 0);
  CHECK(ack.output.find("is answered") != std::string::npos);
  CliRun again = run_cli(sys, {"ack", "1", "p013", "--note", "again"});
  CHECK(again.status == 1);
  CHECK(again.output.find("has answered already") != std::string::npos);
  CHECK(run_cli(sys, {"resend", "1", "--unanswered"}).status == 0);
  CHECK(run_cli(sys, {"note", "1", "乡防指已组织转移"}).output == "noted on warning 1\n");
  CliRun show = run_cli(sys, {"show", "1"});
  CHECK(show.output.find("by hand at the duty desk:") != std::string::npos);
  CHECK(show.output.find("人工确认 duty:") != std::string::npos);  // the Unix user who acted
  // watch in a pipe: a plain line per change, and it ends with the warning.
  const std::string watch_log = (sys.work / "watch.log").string();
  ChildProcess watch({(kBin / "jiaoying").string(), "--socket", (sys.work / "sock").string(), "watch", "1"}, watch_log);
  REQUIRE(sys.wait_for([&] { return read_text(watch_log).find("warning 1 active: people answered") != std::string::npos; }));
  CliRun cancel = run_cli(sys, {"cancel", "1", "--reason", "报告有误，已核实"});
  CHECK(cancel.status == 0);
  CHECK(cancel.output.find("warning 1 is cancelled") != std::string::npos);
  REQUIRE(sys.wait_for([&] { return !watch.running(); }, std::chrono::seconds(10)));
  CHECK(watch.stop() == 0);
  CHECK(read_text(watch_log).find("warning 1 cancelled: people answered") != std::string::npos);
  CliRun late = run_cli(sys, {"call", "1", "p013"});
  CHECK(late.status == 1);
  CHECK(late.output.find("has ended (cancelled)") != std::string::npos);
  const std::string html = (sys.work / "record.html").string();
  CliRun filed = run_cli(sys, {"report", "1", "--format", "html", "-o", html});
  CHECK_MESSAGE(filed.status == 0, filed.output);
  {
    const std::string page = read_text(html);
    CHECK(page.starts_with("<!DOCTYPE html>"));
    CHECK(page.find("<svg") != std::string::npos);
    CHECK(page.find("人工处置") != std::string::npos);
    CHECK(page.find("19900000013") == std::string::npos);  // a file leaves the duty room masked
  }
  CliRun report = run_cli(sys, {"report", "1"});
  CHECK(report.output.find("值班记录") != std::string::npos);
  CHECK(report.output.find("乡防指已组织转移") != std::string::npos);
}

TEST_CASE("a backup taken mid-callout and restored on a fresh server resumes every ladder without a step twice") {
  System sys;
  auto posted = sys.post_warning(warning_body("e2e-backup"));
  REQUIRE(posted.status == 201);
  const int64_t id = json::parse(posted.body).at("id").as_int64();
  REQUIRE(sys.wait_for([&] { return sys.notices().size() == 19; }));  // step 1 is out to everyone
  const std::string config = (sys.work / "jiaoyingd.yaml").string();
  const std::string copy = (sys.work / "backup.sqlite").string();
  CliRun backup = run_cli(sys, {"backup", copy, "--config", config});
  REQUIRE_MESSAGE(backup.status == 0, backup.output);
  CHECK_MESSAGE(backup.output.find("1 warning(s) (1 open)") != std::string::npos, backup.output);
  CHECK(fs::exists(copy));
  CHECK_FALSE(fs::exists(copy + "-wal"));  // one self-contained file
  CHECK_FALSE(fs::exists(copy + ".partial"));
  CliRun again = run_cli(sys, {"backup", copy, "--config", config});
  CHECK(again.status == 1);
  CHECK(again.output.find("exists already") != std::string::npos);

  // Neither a restore nor a second daemon may touch the database the running one sends from.
  auto run = [&](std::vector<std::string> argv, const std::string& log) {
    ChildProcess p(argv, log);
    REQUIRE(sys.wait_for([&] { return !p.running(); }, std::chrono::seconds(20)));
    return std::pair<int, std::string>(p.stop(), read_text(log));
  };
  const std::string daemon = (kBin / "jiaoyingd").string();
  auto [refused, refusal] = run({daemon, "--config", config, "--restore", copy}, (sys.work / "restore-1.log").string());
  CHECK(refused == 1);
  CHECK_MESSAGE(refusal.find("is in use by pid") != std::string::npos, refusal);
  auto [second, second_log] = run({daemon, "--config", config}, (sys.work / "second.log").string());
  CHECK(second == 1);
  CHECK_MESSAGE(second_log.find("another jiaoyingd is running on it") != std::string::npos, second_log);

  // The server dies mid-ladder and its disk with it.
  ::kill(sys.daemon.pid(), SIGKILL);
  sys.daemon.stop();
  for (const char* tail : {"", "-wal", "-shm"}) fs::remove(sys.work / (std::string("db.sqlite") + tail));
  std::ofstream(sys.work / "garbage.sqlite") << "not a database at all, but long enough to be read as one's header";
  auto [bad, bad_log] =
      run({daemon, "--config", config, "--restore", (sys.work / "garbage.sqlite").string()}, (sys.work / "restore-2.log").string());
  CHECK(bad == 1);
  CHECK_MESSAGE(bad_log.find("restore refused, nothing changed") != std::string::npos, bad_log);
  CHECK_FALSE(fs::exists(sys.work / "db.sqlite"));
  auto [restored, restore_log] = run({daemon, "--config", config, "--restore", copy}, (sys.work / "restore-3.log").string());
  REQUIRE_MESSAGE(restored == 0, restore_log);
  CHECK_MESSAGE(restore_log.find("callout(s) to resume") != std::string::npos, restore_log);

  sys.start_daemon();
  REQUIRE(sys.wait_for([&] { return sys.detail(id).at("warning").at("state") == "closed"; },
                       std::chrono::seconds(120)));
  // As after a restart: the steps the backup had recorded are not given again, and a step the dead
  // server sent after the copy was taken goes again under its own key, which the platform takes once.
  auto notices = sys.notices();
  CHECK(notices.size() == 19);
  CHECK(notices["100001"] == 1);
  CHECK(notices["100005"] == 3);
  CHECK(notices["100013"] == 3);
}
