#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "daemon/engine_fixture.h"
#include "daemon/http_api.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const char* kBody = R"({"identifier":"w-9","sender":"wucheng-met@jinhua.zj","sent":"2026-06-15T02:00:00+08:00",
  "source":"meteorology","hazard":"rainstorm","level":"red","areas":["330702102"],"headline":"暴雨红色预警"})";

ServerRequest post(std::string body, std::string type = "application/json",
                   std::string token = "test-push-token-0123456789") {
  ServerRequest r;
  r.method = "POST";
  r.path = r.target = "/api/v1/warnings";
  r.headers["content-type"] = std::move(type);
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  r.body = std::move(body);
  r.peer = "127.0.0.1:5000";
  return r;
}

ServerRequest get(const std::string& target) {
  ServerRequest r;
  r.method = "GET";
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  r.peer = "127.0.0.1:5001";
  return r;
}

struct ApiFixture : EngineFixture {
  ApiFixture() {
    after_restart = [this] { open_api(); };
    open_api();
  }
  // The API on the engine as it is now (made again when the engine is, on another store).
  void open_api() {
    // As the daemon's engine loop does when told something changed: tick (and then send).
    api = std::make_unique<HttpApi>(*engine, *views, clock, [this] {
      ++changed;
      engine->tick();
    });
    api->set_push_tokens({{"wucheng-met", "test-push-token-0123456789"}});
  }
  // The warning kBody posts, once stored (and from then on among `made`).
  std::optional<int64_t> posted() {
    auto id = kept().find_warning("wucheng-met@jinhua.zj", "w-9");
    if (id && std::find(made.begin(), made.end(), *id) == made.end()) made.push_back(*id);
    return id;
  }
  int64_t events_by(const std::string& kind, const std::string& actor_prefix) {
    posted();
    int64_t n = 0;
    for (const EventRow& e : events_anywhere(kind)) n += e.actor.starts_with(actor_prefix);
    return n;
  }
  int changed = 0;
  std::unique_ptr<HttpApi> api;
};

}  // namespace

TEST_CASE("a posted warning is stored and answered 201 with its callouts") {
  on_both_stores_of<ApiFixture>([](ApiFixture& f) {
    auto resp = f.api->handle_public(post(kBody));
    CHECK(resp.status == 201);
    auto v = boost::json::parse(resp.body);
    CHECK(v.at("callouts").as_int64() == 3);
    CHECK(f.changed == 1);
  });
}

TEST_CASE("bad bodies are refused naming the field, and nothing is stored") {
  on_both_stores_of<ApiFixture>([](ApiFixture& f) {
    std::string bad_level = kBody;
    bad_level.replace(bad_level.find("\"red\""), 5, "\"crimson\"");
    auto r1 = f.api->handle_public(post(bad_level));
    CHECK(r1.status == 400);
    CHECK(boost::json::parse(r1.body).at("field") == "level");
    CHECK(f.api->handle_public(post("{\"identifier\": ")).status == 400);
    std::string bad_area = kBody;
    bad_area.replace(bad_area.find("330702102"), 9, "330702777");
    auto r3 = f.api->handle_public(post(bad_area));
    CHECK(r3.status == 400);
    CHECK(boost::json::parse(r3.body).at("field") == "areas[0]");  // inside 安地镇's county, not in the directory
    CHECK(f.api->handle_public(post(kBody, "text/plain")).status == 415);
    CHECK_FALSE(f.posted());
    CHECK(f.events_by("ingest_refused", "") == 4);
    CHECK(f.events_anywhere("").size() == 4);  // and nothing else
  });
}

TEST_CASE("a push without a known bearer token is refused 401 and stored nowhere") {
  on_both_stores_of<ApiFixture>([](ApiFixture& f) {
    CHECK(f.api->handle_public(post(kBody, "application/json", "")).status == 401);
    CHECK(f.api->handle_public(post(kBody, "application/json", "test-push-token-012345678X")).status == 401);
    CHECK_FALSE(f.posted());
    CHECK(f.events_by("ingest_refused", "push@") == 2);
    CHECK(f.api->handle_public(post(kBody)).status == 201);
    REQUIRE(f.posted());
    CHECK(f.events_by("warning_received", "feed:wucheng-met") == 1);
  });
}

TEST_CASE("an ack link with a forged token is refused 401 and changes no callout") {
  on_both_stores_of<ApiFixture>([](ApiFixture& f) {
    f.api->handle_public(post(kBody));
    f.send_all();
    std::string url = f.channel.sent[0].ack_url;
    std::string target = url.substr(url.find("/api/v1/ack"));
    std::string forged = target.substr(0, target.size() - 4) + "AAAA";
    CHECK(f.api->handle_public(get(forged)).status == 401);
    CHECK(f.api->handle_public(get("/api/v1/ack?c=1")).status == 401);
    CHECK(f.api->handle_public(get("/api/v1/ack?c=x&t=y")).status == 401);
    const int64_t w = *f.posted();
    auto answered = [&] {
      std::vector<std::string> via;
      for (const CalloutRow& c : f.kept().callouts_of(w))
        if (c.state == CalloutState::answered) via.push_back(c.answered_via);
      return via;
    };
    CHECK(answered().empty());
    auto ok = f.api->handle_public(get(target));
    CHECK(ok.status == 200);
    CHECK(ok.body.find("已确认收到") != std::string::npos);
    CHECK(answered() == std::vector<std::string>{"zzd"});
  });
}

// The admin API's views read SQLite (store_sqlite_views.cc): these cases run there only.
TEST_CASE("the admin API lists warnings and shows one with whole phone numbers: the duty room phones people") {
  ApiFixture f;
  f.api->handle_public(post(kBody));
  auto list = boost::json::parse(f.api->handle_admin(get("/api/v1/warnings")).body);
  CHECK(list.at("warnings").as_array().size() == 1);
  auto by_identifier = f.api->handle_admin(get("/api/v1/warnings/w-9"));
  REQUIRE(by_identifier.status == 200);
  auto detail = boost::json::parse(by_identifier.body);
  CHECK(detail.at("counts").at("total").as_int64() == 3);
  bool whole = false;
  for (const auto& c : detail.at("callouts").as_array())
    if (c.at("person") == "钱某一") whole = c.at("mobile") == "19900000002";
  CHECK(whole);
  CHECK(f.api->handle_admin(get("/api/v1/warnings/nope")).status == 404);
  auto events = boost::json::parse(f.api->handle_admin(get("/api/v1/warnings/1/events?after=0")).body);
  CHECK(events.at("events").as_array().size() >= 5);
}

TEST_CASE("the admin API is not reachable from the public side") {
  on_both_stores_of<ApiFixture>([](ApiFixture& f) {
    CHECK(f.api->handle_public(get("/api/v1/warnings")).status == 404);
  });
}

TEST_CASE("a view narrows by area, tier, role and state, lists the trouble first when cut, and counts all") {
  ApiFixture f;
  f.api->handle_public(post(kBody));
  f.engine->ack(f.callout_in(*f.posted(), "county-leader"), "zzd", "test");
  auto view = [&](const std::string& query) {
    auto r = f.api->handle_admin(get("/api/v1/warnings/1" + query));
    REQUIRE(r.status == 200);
    return boost::json::parse(r.body);
  };
  auto township = view("?tier=township");
  CHECK(township.at("callouts_total").as_int64() == 1);
  CHECK(township.at("callouts").as_array()[0].at("person") == "钱某一");
  CHECK(view("?area=330702102201").at("callouts_total").as_int64() == 1);  // 岩头村 and below
  CHECK(view("?state=calling").at("callouts_total").as_int64() == 2);
  CHECK(view("?role=leader_on_duty&state=answered").at("callouts_total").as_int64() == 1);
  auto cut = view("?limit=1");
  CHECK(cut.at("callouts_total").as_int64() == 3);
  REQUIRE(cut.at("callouts").as_array().size() == 1);
  CHECK(cut.at("callouts").as_array()[0].at("state") == "calling");  // not the answered county leader
  REQUIRE(cut.at("townships").as_array().size() == 1);
  CHECK(cut.at("townships").as_array()[0].at("name") == "安地镇");
  CHECK(cut.at("townships").as_array()[0].at("total").as_int64() == 2);
  auto bad = f.api->handle_admin(get("/api/v1/warnings/1?state=silent"));
  CHECK(bad.status == 400);
  CHECK(bad.body.find("state 'silent' must be one of pending, calling") != std::string::npos);
}

TEST_CASE("a push feed with signed_by takes only CAP signed by a trusted certificate; a forgery calls nobody") {
  on_both_stores_of<ApiFixture>([](ApiFixture& f) {
    const std::filesystem::path dir = std::filesystem::path(JIAOYING_SOURCE_DIR) / "tests/data/cap/signed";
    TrustedSigner signer;
    std::string error;
    REQUIRE(load_trusted_signer((dir / "signer.pem").string(), signer, error));
    f.api->set_feed_signers({{"wucheng-met", {signer}}});
    auto bytes = [&](const std::filesystem::path& p) {
      std::ifstream in(p, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const auto altered = f.api->handle_public(post(bytes(dir / "tampered.xml"), "application/cap+xml"));
    CHECK(altered.status == 403);
    CHECK(altered.body.find("altered after signing") != std::string::npos);
    const auto unsigned_cap = f.api->handle_public(
        post(bytes(std::filesystem::path(JIAOYING_SOURCE_DIR) / "tests/data/cap/valid/rainstorm-red-11B03-geocodes.xml"),
             "application/cap+xml"));
    CHECK(unsigned_cap.status == 403);
    CHECK(unsigned_cap.body.find("not signed") != std::string::npos);
    CHECK(f.api->handle_public(post(bytes(dir / "signed-by-other.xml"), "application/cap+xml")).status == 403);
    CHECK(f.api->handle_public(post(kBody)).status == 403);  // JSON carries no signature
    CHECK_FALSE(f.kept().find_warning("wucheng-met@jinhua.zj", "33070241600000_20260615020000"));
    CHECK(f.events_by("signature_refused", "feed:wucheng-met") == 4);
    // The alert as signed is taken, and called out.
    const auto taken = f.api->handle_public(post(bytes(dir / "signed.xml"), "application/cap+xml"));
    CHECK_MESSAGE(taken.status == 201, taken.body);
    CHECK(f.kept().find_warning("wucheng-met@jinhua.zj", "33070241600000_20260615020000"));
  });
}
