#include <doctest/doctest.h>

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
  ApiFixture() { api.set_push_tokens({{"wucheng-met", "test-push-token-0123456789"}}); }
  int changed = 0;
  // As the daemon's engine loop does when told something changed: tick (and then send).
  HttpApi api{*engine, *views, clock, [this] {
                ++changed;
                engine->tick();
              }};
};

}  // namespace

TEST_CASE("a posted warning is stored and answered 201 with its callouts") {
  ApiFixture f;
  auto resp = f.api.handle_public(post(kBody));
  CHECK(resp.status == 201);
  auto v = boost::json::parse(resp.body);
  CHECK(v.at("callouts").as_int64() == 3);
  CHECK(f.changed == 1);
}

TEST_CASE("bad bodies are refused naming the field, and nothing is stored") {
  ApiFixture f;
  std::string bad_level = kBody;
  bad_level.replace(bad_level.find("\"red\""), 5, "\"crimson\"");
  auto r1 = f.api.handle_public(post(bad_level));
  CHECK(r1.status == 400);
  CHECK(boost::json::parse(r1.body).at("field") == "level");
  CHECK(f.api.handle_public(post("{\"identifier\": ")).status == 400);
  std::string bad_area = kBody;
  bad_area.replace(bad_area.find("330702102"), 9, "330702777");
  auto r3 = f.api.handle_public(post(bad_area));
  CHECK(r3.status == 400);
  CHECK(boost::json::parse(r3.body).at("field") == "areas[0]");  // inside 安地镇's county, not in the directory
  CHECK(f.api.handle_public(post(kBody, "text/plain")).status == 415);
  CHECK(f.count("SELECT COUNT(*) FROM warnings") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM callouts") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'ingest_refused'") == 4);
}

TEST_CASE("a push without a known bearer token is refused 401 and stored nowhere") {
  ApiFixture f;
  CHECK(f.api.handle_public(post(kBody, "application/json", "")).status == 401);
  CHECK(f.api.handle_public(post(kBody, "application/json", "test-push-token-012345678X")).status == 401);
  CHECK(f.count("SELECT COUNT(*) FROM warnings") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'ingest_refused' AND actor LIKE 'push@%'") == 2);
  CHECK(f.api.handle_public(post(kBody)).status == 201);
  CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'warning_received' AND actor = 'feed:wucheng-met'") == 1);
}

TEST_CASE("an ack link with a forged token is refused 401 and changes no callout") {
  ApiFixture f;
  f.api.handle_public(post(kBody));
  f.send_all();
  std::string url = f.channel.sent[0].ack_url;
  std::string target = url.substr(url.find("/api/v1/ack"));
  std::string forged = target.substr(0, target.size() - 4) + "AAAA";
  CHECK(f.api.handle_public(get(forged)).status == 401);
  CHECK(f.api.handle_public(get("/api/v1/ack?c=1")).status == 401);
  CHECK(f.api.handle_public(get("/api/v1/ack?c=x&t=y")).status == 401);
  CHECK(f.count("SELECT COUNT(*) FROM callouts WHERE state = 'answered'") == 0);
  auto ok = f.api.handle_public(get(target));
  CHECK(ok.status == 200);
  CHECK(ok.body.find("已确认收到") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM callouts WHERE state = 'answered' AND answered_via = 'zzd'") == 1);
}

TEST_CASE("the admin API lists warnings and shows one with whole phone numbers: the duty room phones people") {
  ApiFixture f;
  f.api.handle_public(post(kBody));
  auto list = boost::json::parse(f.api.handle_admin(get("/api/v1/warnings")).body);
  CHECK(list.at("warnings").as_array().size() == 1);
  auto by_identifier = f.api.handle_admin(get("/api/v1/warnings/w-9"));
  REQUIRE(by_identifier.status == 200);
  auto detail = boost::json::parse(by_identifier.body);
  CHECK(detail.at("counts").at("total").as_int64() == 3);
  bool whole = false;
  for (const auto& c : detail.at("callouts").as_array())
    if (c.at("person") == "钱某一") whole = c.at("mobile") == "19900000002";
  CHECK(whole);
  CHECK(f.api.handle_admin(get("/api/v1/warnings/nope")).status == 404);
  auto events = boost::json::parse(f.api.handle_admin(get("/api/v1/warnings/1/events?after=0")).body);
  CHECK(events.at("events").as_array().size() >= 5);
}

TEST_CASE("the admin API is not reachable from the public side") {
  ApiFixture f;
  CHECK(f.api.handle_public(get("/api/v1/warnings")).status == 404);
}

TEST_CASE("a view narrows by area, tier, role and state, lists the trouble first when cut, and counts all") {
  ApiFixture f;
  f.api.handle_public(post(kBody));
  f.engine->ack(f.callout_of("county-leader"), "zzd", "test");
  auto view = [&](const std::string& query) {
    auto r = f.api.handle_admin(get("/api/v1/warnings/1" + query));
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
  auto bad = f.api.handle_admin(get("/api/v1/warnings/1?state=silent"));
  CHECK(bad.status == 400);
  CHECK(bad.body.find("state 'silent' must be one of pending, calling") != std::string::npos);
}
