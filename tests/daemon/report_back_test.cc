// The report-back duty (回报): owed per township, asked for on the cards, chased and escalated
// when missing, filed on its form (engine and HTTP).
#include <doctest/doctest.h>

#include "daemon/engine_fixture.h"
#include "daemon/http_api.h"

using namespace jiaoying;
using namespace jiaoying::testing;

namespace {

const char* kReportPlan = R"(plan: heavy-rain
title: 强降雨叫应方案
match: { hazards: [rainstorm], levels: [orange, red] }
recipients:
  - { tier: county, roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village, roles: [village_head] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
deadline: 30m
report_back: { tier: township, within: 15m }
)";

struct ReportFixture : EngineFixture {
  explicit ReportFixture(const char* plan = kReportPlan) : EngineFixture(":memory:", plan) {}

  // The report-back `area` owes under the newest warning that has one for it.
  std::optional<FiledReport> report(const std::string& area = "330702102") {
    for (auto w = made.rbegin(); w != made.rend(); ++w)
      for (FiledReport& r : kept().reports_of(*w))
        if (r.area_code == area) return r;
    return std::nullopt;
  }
  std::string report_state(const std::string& area = "330702102") {
    auto r = report(area);
    return r ? std::string(state_name(r->state)) : "none";
  }
  int64_t reports_in(ReportState state) {
    int64_t n = 0;
    for (int64_t w : made)
      for (const FiledReport& r : kept().reports_of(w)) n += r.state == state;
    return n;
  }
  ReportFiling filing() { return {"钱某一 镇长", 3, 120, ""}; }
  const OutboundMessage* last_to(const std::string& account) {
    for (auto it = channel.sent.rbegin(); it != channel.sent.rend(); ++it)
      if (it->zzd_account == account) return &*it;
    return nullptr;
  }
  int64_t events(const std::string& kind) { return static_cast<int64_t>(events_anywhere(kind).size()); }
};

ServerRequest request(const std::string& method, const std::string& url, std::string body = "") {
  ServerRequest r;
  r.method = method;
  std::string target = url.substr(url.find("/api/"));
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  if (method == "POST") r.headers["content-type"] = "application/x-www-form-urlencoded";
  r.body = std::move(body);
  r.peer = "127.0.0.1:5002";
  return r;
}

}  // namespace

TEST_CASE("report_back is read from a plan, and a tier nobody is called at is refused at its line") {
  LoadErrors errors;
  auto plan = load_plan(kReportPlan, "p.yaml", {"zzd"}, errors);
  REQUIRE(plan);
  REQUIRE(plan->report_back);
  CHECK(plan->report_back->tier == Tier::township);
  CHECK(plan->report_back->within == Millis(15 * 60'000));
  CHECK(plan->report_back->notify == Notify::duty_officer);

  std::string bad = kReportPlan;
  bad.replace(bad.find("report_back: { tier: township, within: 15m }"), 44,
              "report_back: { tier: city, within: 15m, notify: mayor }");
  errors.clear();
  CHECK_FALSE(load_plan(bad, "p.yaml", {"zzd"}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text() == "p.yaml:12: notify 'mayor' must be superior or duty_officer");

  bad = kReportPlan;
  bad.replace(bad.find("report_back: { tier: township, within: 15m }"), 44, "report_back: { tier: city }");
  errors.clear();
  CHECK_FALSE(load_plan(bad, "p.yaml", {"zzd"}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text().find("no recipient rule calls that tier") != std::string::npos);
}

TEST_CASE("each called township owes one report, and only its posts' cards carry the 回报 button") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    f.ingest(f.warning({"330702102", "330702100"}));
    f.send_all();
    CHECK(f.reports_in(ReportState::due) == 2);
    CHECK(f.events("report_due") == 2);
    REQUIRE(f.last_to("100002"));  // 安地镇 township head
    CHECK(f.last_to("100002")->report_url.find("/api/v1/report?c=") != std::string::npos);
    CHECK_FALSE(f.last_to("100005")->report_url.empty());  // 罗店镇 township head
    CHECK(f.last_to("100001")->report_url.empty());        // the county leader owes none
    CHECK(f.last_to("100004")->report_url.empty());        // nor a village head
  });
}

TEST_CASE("a missing report is chased on the township's cards and the duty officer is told") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    for (const char* person : {"county-leader", "anding-head", "yantou-head"})
      f.engine->ack(f.callout_in(f.last_warning, person), "zzd", "test");
    // Everyone answered, but the township has not reported: the warning stays open.
    CHECK(f.kept().warning(f.last_warning)->state == WarningState::active);
    f.advance(14 * kMinute);
    CHECK(f.report_state() == "due");
    f.advance(kMinute);
    CHECK(f.report_state() == "overdue");
    CHECK(f.events("report_overdue") == 1);
    const OutboundMessage* chase = f.last_to("100002");
    REQUIRE(chase);
    CHECK(chase->text.find("催报：安地镇已超过15m未回报") != std::string::npos);
    CHECK_FALSE(chase->report_url.empty());
    CHECK(f.state_in(f.last_warning, "duty-officer", "duty_officer") == CalloutState::calling);
    // Chased once: later ticks do not chase again.
    size_t sent = f.channel.sent.size();
    f.advance(5 * kMinute);
    CHECK(f.channel.sent.size() == sent);
  });
}

TEST_CASE("filing records the three answers and answers the caller; a late one is marked late") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.clock.advance(5 * kMinute);
    const int64_t head = f.callout_in(f.last_warning, "anding-head");
    ReportOutcome out = f.engine->file_report(head, f.filing(), "test");
    CHECK(out.kind == ReportOutcome::Kind::filed);
    CHECK_FALSE(out.late);
    auto filed = f.report();
    REQUIRE(filed);
    CHECK(filed->state == ReportState::filed);
    CHECK(filed->commander == "钱某一 镇长");
    CHECK(filed->villages == 3);
    CHECK(filed->people_moved == 120);
    CHECK(filed->filed_at == to_epoch_ms(f.clock.now()));
    CHECK_FALSE(filed->late);
    CHECK(f.state_in(f.last_warning, "anding-head") == CalloutState::answered);
    CHECK(f.kept().callout(head)->answered_via == "report");
    // The B seat (same post) amends it rather than filing a second one.
    f.advance(3 * kMinute);  // step 2 calls nobody new; the B seat is not in this plan's ladder
    ReportFiling amended = f.filing();
    amended.people_moved = 150;
    CHECK(f.engine->file_report(head, amended, "test").kind == ReportOutcome::Kind::amended);
    CHECK(f.report()->people_moved == 150);
    CHECK(f.kept().reports_of(f.last_warning).size() == 1);
  });

  on_both_stores_of<ReportFixture>([](ReportFixture& g) {
    g.ingest(g.warning());
    g.send_all();
    g.advance(16 * kMinute);
    CHECK(g.report_state() == "overdue");
    ReportOutcome late = g.engine->file_report(g.callout_in(g.last_warning, "anding-head"), g.filing(), "test");
    CHECK(late.kind == ReportOutcome::Kind::filed);
    CHECK(late.late);
    CHECK(g.report()->late);
  });
}

TEST_CASE("a cancelled warning owes no report, and nobody outside a report tier can file one") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    IngestOutcome first = f.ingest(f.warning());
    f.send_all();
    CHECK(f.engine->file_report(f.callout_in(first.warning_id, "yantou-head"), f.filing(), "test").kind ==
          ReportOutcome::Kind::not_owed);
    Warning cancel = f.warning({}, "w-2");
    cancel.msg_type = MsgType::cancel;
    cancel.has_info = false;
    cancel.references = {{cancel.sender, "w-1", f.clock.now()}};
    f.ingest(cancel);
    CHECK(f.report_state() == "cancelled");
    CHECK(f.engine->file_report(f.callout_in(first.warning_id, "anding-head"), f.filing(), "test").kind ==
          ReportOutcome::Kind::ended);
    f.advance(20 * kMinute);
    CHECK(f.events("report_overdue") == 0);
    CHECK(f.events("report_cancelled") == 1);
  });
}

TEST_CASE("notify: superior sends a missing report to the posts above instead") {
  struct SuperiorFixture : ReportFixture {
    static const char* plan() {
      static const std::string text = [] {
        std::string p = kReportPlan;
        return p.replace(p.find("within: 15m }"), 13, "within: 15m, notify: superior }");
      }();
      return text.c_str();
    }
    SuperiorFixture() : ReportFixture(plan()) {}
  };
  on_both_stores_of<SuperiorFixture>([](SuperiorFixture& f) {
    f.ingest(f.warning());
    f.send_all();
    f.advance(3 * kMinute);  // the ladder's last step
    f.advance(12 * kMinute);
    CHECK(f.report_state() == "overdue");
    const OutboundMessage* boss = f.last_to("100001");
    REQUIRE(boss);
    CHECK(boss->text.find("督办：安地镇超过15分钟未回报") != std::string::npos);
    for (const CalloutRow& c : f.kept().callouts_of(f.last_warning)) CHECK(c.kind != "duty_officer");
    CHECK(f.kept().callouts_of(f.last_warning).size() > f.kept().primaries(f.last_warning).size());  // the superior's
  });
}

TEST_CASE("the report form: shown behind the card's link, filed by POST, refused with a forged token") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    HttpApi api{*f.engine, *f.views, f.clock, [] {}};
    f.ingest(f.warning());
    f.send_all();
    const std::string url = f.last_to("100002")->report_url;

    auto form = api.handle_public(request("GET", url));
    CHECK(form.status == 200);
    CHECK(form.body.find("谁在指挥") != std::string::npos);
    CHECK(form.body.find("name=\"villages\"") != std::string::npos);

    // An ack link's token does not open the report form, nor does a forged one.
    std::string ack = f.last_to("100002")->ack_url;
    std::string with_ack_token = url.substr(0, url.find("&t=")) + ack.substr(ack.find("&t="));
    CHECK(api.handle_public(request("GET", with_ack_token)).status == 401);
    CHECK(api.handle_public(request("POST", url.substr(0, url.size() - 2) + "xx", "commander=x&villages=1&moved=0"))
              .status == 401);
    CHECK(f.report_state() == "due");

    auto bad = api.handle_public(request("POST", url, "commander=%E9%92%B1&villages=many&moved=0"));
    CHECK(bad.status == 400);
    CHECK(bad.body.find("影响村数须为 0 或正整数") != std::string::npos);
    CHECK(f.report_state() == "due");

    auto ok = api.handle_public(request("POST", url, "commander=%E9%92%B1%E6%9F%90%E4%B8%80&villages=3&moved=120"));
    CHECK(ok.status == 200);
    CHECK(ok.body.find("回报已收到") != std::string::npos);
    CHECK(f.report_state() == "filed");
    auto filed = f.report();
    REQUIRE(filed);
    CHECK(filed->commander == "钱某一");
    CHECK(filed->villages == 3);
    CHECK(filed->people_moved == 120);

    // The village head's card has no report link; a made-up one for their callout finds no duty.
    CHECK(f.last_to("100004")->report_url.empty());
  });
}

TEST_CASE("pages never echo a warning's text as markup") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    HttpApi api{*f.engine, *f.views, f.clock, [] {}};
    Warning w = f.warning();
    w.headline = "<script>alert(1)</script>暴雨";
    f.ingest(w);
    f.send_all();
    auto form = api.handle_public(request("GET", f.last_to("100002")->report_url));
    CHECK(form.body.find("<script>") == std::string::npos);
    CHECK(form.body.find("&lt;script&gt;") != std::string::npos);
    auto ack = api.handle_public(request("GET", f.last_to("100004")->ack_url));
    CHECK(ack.status == 200);
    CHECK(ack.body.find("<script>") == std::string::npos);
  });
}

TEST_CASE("an Update carries the reports over: a newly warned township starts owing, a dropped one is let off") {
  on_both_stores_of<ReportFixture>([](ReportFixture& f) {
    f.ingest(f.warning({"330702102"}));  // 安地镇
    f.send_all();
    f.clock.advance(5 * kMinute);
    Warning update = f.warning({"330702100"}, "w-2");  // now 罗店镇 only
    update.msg_type = MsgType::update;
    update.references = {{update.sender, "w-1", f.clock.now()}};
    IngestOutcome out = f.ingest(update);
    REQUIRE(out.kind == IngestOutcome::Kind::created);
    f.send_all();
    CHECK(f.report_state("330702102") == "cancelled");
    CHECK(f.report_state("330702100") == "due");
    CHECK(f.kept().reports_of(out.warning_id).size() == 2);
    CHECK(f.kept().reports_of(f.made.front()).empty());  // carried over, not copied
    // 罗店镇's clock starts at the update: due 15 minutes later, not 10.
    f.advance(14 * kMinute);
    CHECK(f.report_state("330702100") == "due");
    f.advance(kMinute);
    CHECK(f.report_state("330702100") == "overdue");
    const OutboundMessage* luodian = f.last_to("100005");
    REQUIRE(luodian);
    CHECK_FALSE(luodian->report_url.empty());
  });
}
