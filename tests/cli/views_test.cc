// What the duty officer reads: the warnings list and one warning in detail, from the admin
// API's JSON (the CLI renders; it computes nothing).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "cli/report_html.h"
#include "cli/table.h"
#include "cli/views.h"
#include "cli/watch.h"

using namespace jiaoying;

TEST_CASE("the warnings list shows report-backs filed of owed, and marks overdue ones") {
  auto list = boost::json::parse(R"({"warnings":[
    {"id":2,"identifier":"w2","sender":"wucheng-met","hazard":"rainstorm","level":"red","headline":"暴雨红色预警",
     "state":"active","received_at":"2026-06-15T02:00:00+08:00","total":19,"answered":17,"exhausted":0,"calling":2,
     "reports":2,"reports_filed":1,"reports_overdue":1,"broadcast":"partial"},
    {"id":1,"identifier":"w1","sender":"wucheng-met","hazard":"thunderstorm_gale","level":"orange","headline":"雷雨大风橙色预警",
     "state":"closed","received_at":"2026-06-14T20:00:00+08:00","total":5,"answered":5,"exhausted":0,"calling":0,
     "reports":0,"reports_filed":0,"reports_overdue":0,"broadcast":null}]})");
  const std::string out = render_warning_list(list, false);
  CHECK(out.find("回报") != std::string::npos);
  CHECK(out.find("1/2 !") != std::string::npos);
  CHECK(out.find("17/19") != std::string::npos);
  CHECK(out.find("partial !") != std::string::npos);  // a village's loudspeakers did not play
  CHECK(out.find("—") != std::string::npos);  // a warning whose plans ask no report-back
  CHECK(render_warning_list(list, true).find("\x1b[31m") != std::string::npos);  // the overdue row is red
}

TEST_CASE("one warning in detail lists each area's report-back with its three answers") {
  auto detail = boost::json::parse(R"({"warning":{"id":2,"identifier":"w2","sender":"wucheng-met","hazard":"rainstorm",
     "level":"red","headline":"暴雨红色预警","state":"active","sent":"2026-06-15T02:00:00+08:00",
     "received_at":"2026-06-15T02:00:01+08:00","plans":["heavy-rain"],"flags":[]},
    "counts":{"total":0,"answered":0,"calling":0,"exhausted":0,"covered":0,"raised":0},
    "callouts":[],
    "reports":[{"area_code":"330702102","area_name":"安地镇","tier":"township","state":"filed",
       "due_at":"2026-06-15T02:15:00+08:00","filed_at":"2026-06-15T02:08:00+08:00","filed_by":"褚某一","late":false,
       "commander":"褚某一 镇长","villages":3,"people_moved":120,"note":null},
      {"area_code":"330702204","area_name":"箬阳乡","tier":"township","state":"overdue",
       "due_at":"2026-06-15T02:15:00+08:00","filed_at":null,"filed_by":null,"late":false,
       "commander":null,"villages":null,"people_moved":null,"note":null}]})");
  const std::string out = render_warning_detail(detail, false);
  CHECK(out.find("report-back (回报") != std::string::npos);
  CHECK(out.find("褚某一 镇长") != std::string::npos);
  CHECK(out.find("02:15:00") != std::string::npos);
  CHECK(out.find("overdue") != std::string::npos);
}

TEST_CASE("one warning in detail lists each EBM, its state and the villages that did not play") {
  auto detail = boost::json::parse(R"({"warning":{"id":2,"identifier":"w2","sender":"wucheng-met","hazard":"rainstorm",
     "level":"red","headline":"暴雨红色预警","state":"active","sent":"2026-06-15T02:00:00+08:00",
     "received_at":"2026-06-15T02:00:01+08:00","plans":["heavy-rain"],"flags":[]},
    "counts":{"total":0,"answered":0,"calling":0,"exhausted":0,"covered":0,"raised":0},
    "callouts":[],"reports":[],
    "broadcasts":[{"ebm_id":"10433070200000001030101202606150001","kind":"broadcast","state":"partial","attempts":1,
       "areas":[{"code":"330702204202","name":"坑口村"},{"code":"330702204203","name":"下宅村"}],
       "not_played":["下宅村"],"coverage_rate":"0.50","brd_state":3,"queued_at":"2026-06-15T02:00:01+08:00",
       "sent_at":"2026-06-15T02:00:02+08:00","reported_at":"2026-06-15T02:01:02+08:00",
       "report_due_at":"2026-06-15T02:10:02+08:00","error":null,"repeat":3}]})");
  const std::string out = render_warning_detail(detail, false);
  CHECK(out.find("emergency broadcast (应急广播") != std::string::npos);
  CHECK(out.find("play ×3") != std::string::npos);
  CHECK(out.find("坑口村、下宅村") != std::string::npos);
  CHECK(out.find("02:01:02") != std::string::npos);
  CHECK(render_warning_detail(detail, true).find("\x1b[33m") != std::string::npos);  // partial: yellow
}

TEST_CASE("the after-action report prints service levels by tier, who did not answer, and the timeline") {
  auto report = boost::json::parse(R"({"warning":{"id":2,"identifier":"w2","sender":"wucheng-met","hazard":"rainstorm",
     "level":"red","headline":"暴雨红色预警","state":"closed","sent":"2026-06-15T02:00:00+08:00",
     "received_at":"2026-06-15T02:00:01+08:00","plans":["heavy-rain"],"flags":["no B seat"]},
    "generated_at":"2026-06-15T03:00:00+08:00",
    "service":{"posts":4,"answered":3,"within_deadline":2,"exhausted":1,"open":0,"median_ms":61000,"p90_ms":200000,
       "by_tier":[{"tier":"county","posts":1,"answered":1,"within_deadline":1,"exhausted":0,"open":0,"median_ms":40000,
                   "p90_ms":40000}],
       "raised":{"deputy":1,"superior":0,"duty_officer":1}},
    "callouts":[{"kind":"primary","state":"exhausted","area_name":"喻斯村","role":"flood_chief","seat":"A",
                 "person":"严某一","mobile":"199****0027","notified":4},
                {"kind":"primary","state":"answered","area_name":"岩头村","role":"village_head","seat":"A",
                 "person":"何某一","mobile":"199****0021","notified":1}],
    "channels":{"zzd":{"sent":6,"cancelled":1},"sms":{"sent":2,"unknown":1}},
    "reports":[],"broadcasts":[],
    "timeline":[{"at":"2026-06-15T02:30:00+08:00","kind":"exhausted","detail":"no answer within 30m","person":"严某一",
                 "post":"喻斯村 flood_chief"}]})");
  const std::string out = render_report(report);
  CHECK(out.find("叫应报告") != std::string::npos);
  CHECK(out.find("3 (75.0%)") != std::string::npos);   // answered of posts
  CHECK(out.find("2 (50.0%)") != std::string::npos);   // within the deadline
  CHECK(out.find("1m01s") != std::string::npos);       // the median
  CHECK(out.find("not answered (1)") != std::string::npos);
  CHECK(out.find("严某一") != std::string::npos);
  CHECK(out.find("何某一") == std::string::npos);      // answered people are not listed
  CHECK(out.find("raised: 1 B seat(s), 0 superior(s), 1 duty officer(s)") != std::string::npos);
  CHECK(out.find("note        no B seat") != std::string::npos);
  CHECK(out.find("02:30:00  叫应用尽") != std::string::npos);  // event kinds in words
}

TEST_CASE("a warning larger than the list shows its townships first, the most silent at the top, and says how to narrow") {
  auto detail = boost::json::parse(R"({"warning":{"id":7,"identifier":"w7","sender":"jinhua-met","hazard":"rainstorm",
     "level":"red","headline":"暴雨红色预警","state":"active","sent":"2026-06-15T02:00:00+08:00",
     "received_at":"2026-06-15T02:00:01+08:00","plans":["heavy-rain"],"flags":[]},
    "counts":{"total":100329,"answered":90000,"calling":10000,"exhausted":329,"covered":0,"raised":0},
    "callouts_total":100329,
    "townships":[{"code":"330702102","name":"安地镇","total":300,"answered":300,"calling":0,"exhausted":0},
                 {"code":"330702204","name":"箬阳乡","total":200,"answered":150,"calling":30,"exhausted":20}],
    "callouts":[{"id":5,"area_code":"330702204201","area_name":"箬阳村","tier":"village","role":"flood_chief","seat":"A",
       "person":"严某一","mobile":"19900000027","zzd_account":"1","state":"exhausted","notified":5,"first_sent_at":null,
       "answered_at":null,"answered_via":null,"answer_ms":null,"waiting_ms":null,"late":false,"kind":"primary",
       "escalated_from":null}],
    "reports":[],"broadcasts":[]})");
  const std::string out = render_warning_detail(detail, false);
  const size_t ruoyang = out.find("箬阳乡"), anding = out.find("安地镇");
  REQUIRE(ruoyang != std::string::npos);
  CHECK(ruoyang < anding);  // exhausted posts first
  CHECK(out.find("1 of 100329 callouts listed, those needing action first") != std::string::npos);
  CHECK(out.find("19900000027") != std::string::npos);  // the duty room phones people: whole numbers
  const std::string csv = render_callouts_csv(detail, false);
  CHECK(csv.starts_with("callout,kind,tier,area_code"));
  CHECK(csv.find("5,primary,village,330702204201,箬阳村,flood_chief,防汛责任人,A,严某一,199****0027,exhausted") !=
        std::string::npos);  // an exported file is masked…
  CHECK(render_callouts_csv(detail, true).find("19900000027") != std::string::npos);  // …unless asked
}

TEST_CASE("watch draws progress overall and per tier, the silent townships and the last events; in a pipe, a line") {
  auto detail = boost::json::parse(R"({"warning":{"id":3,"identifier":"w3","sender":"s","hazard":"rainstorm",
     "level":"red","headline":"暴雨红色预警","state":"active","sent":"2026-06-15T02:00:00+08:00",
     "received_at":"2026-06-15T02:00:01+08:00","plans":[],"flags":[]},
    "counts":{"total":4,"answered":1,"calling":2,"exhausted":1,"covered":1,"raised":0},
    "by_tier":[{"tier":"county","total":1,"answered":1,"calling":0,"exhausted":0},
               {"tier":"village","total":3,"answered":1,"calling":1,"exhausted":1}],
    "callouts_total":4,
    "townships":[{"code":"330702204","name":"箬阳乡","total":3,"answered":1,"calling":1,"exhausted":1}],
    "callouts":[],
    "reports":[{"area_code":"330702204","area_name":"箬阳乡","tier":"township","state":"overdue","due_at":null,
       "filed_at":null,"filed_by":null,"late":false,"commander":null,"villages":null,"people_moved":null,"note":null}],
    "broadcasts":[]})");
  auto list = boost::json::parse(R"({"warnings":[]})");
  auto events = boost::json::parse(R"({"events":[{"id":9,"at":"2026-06-15T02:30:00+08:00","kind":"exhausted",
     "actor":"engine","detail":"no answer within 30m","person":"严某一","post":"箬阳村 防汛责任人"}]})");
  const std::string screen = render_watch(detail, list, events, false);
  CHECK(screen.find("people   [") != std::string::npos);
  CHECK(screen.find("2/4 answered") != std::string::npos);  // answered + covered
  CHECK(screen.find("村（社区）") != std::string::npos);
  CHECK(screen.find("回报 0/1 (1 overdue): overdue 箬阳乡") != std::string::npos);
  CHECK(screen.find("still silent, by township") != std::string::npos);
  CHECK(screen.find("叫应用尽") != std::string::npos);
  CHECK(watch_line(detail, false) ==
        "warning 3 active: people answered 2/4 · still calling 2 · exhausted 1 · 回报 0/1 (1 overdue)");
  CHECK(boost::json::parse(watch_line(detail, true)).at("reports_overdue").as_int64() == 1);
}

TEST_CASE("the record as HTML: one file, every text escaped, numbers masked, the chart drawn, a drill labelled") {
  auto report = boost::json::parse(R"({"warning":{"id":4,"identifier":"w4","sender":"s<x>","hazard":"rainstorm",
     "level":"red","headline":"暴雨<script>alert(1)</script>","state":"closed","status":"exercise",
     "sent":"2026-06-15T02:00:00+08:00","received_at":"2026-06-15T02:00:01+08:00","areas":["330702102"],
     "description":"d","source":"drill","plans":["heavy-rain"],"flags":[],"desk":[]},
    "service":{"posts":2,"answered":1,"within_deadline":1,"exhausted":1,"open":0,"median_ms":90000,"p90_ms":90000,
       "by_tier":[{"tier":"village","posts":2,"answered":1,"within_deadline":1,"exhausted":1,"open":0,
                   "median_ms":90000,"p90_ms":90000}]},
    "answers_by_minute":[{"tier":"village","minute":1,"count":1}],
    "callouts_total":2,"townships":[],
    "callouts":[{"id":1,"tier":"village","area_name":"岩头村","role":"village_head","seat":"A","person":"李某一",
       "mobile":"19900000004","state":"answered","notified":1,"answered_via":"zzd","answer_ms":90000,"late":false}],
    "reports":[],"broadcasts":[],"timeline":[],"plan_snapshots":[{"name":"heavy-rain","file":"p.yaml","yaml":"plan: <x>"}],
    "generated_at":"2026-06-15T03:00:00+08:00"})");
  const std::string html = render_report_html(report, false);
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("暴雨&lt;script&gt;") != std::string::npos);
  CHECK(html.find("199****0004") != std::string::npos);
  CHECK(html.find("19900000004") == std::string::npos);
  CHECK(html.find("<polyline") != std::string::npos);
  CHECK(html.find("演练") != std::string::npos);
  CHECK(html.find("@page { size: A4") != std::string::npos);
  CHECK(html.find("http") == html.find("http://www.w3.org/2000/svg"));  // no external assets
  CHECK(render_report_html(report, true).find("19900000004") != std::string::npos);
}

TEST_CASE("jiaoying status: the problems first, then the disk, the engine, the warnings, the outbox and providers") {
  auto red = boost::json::parse(R"({"ok":false,"now":"2026-06-15T02:10:00+08:00",
    "problems":["provider sms_backup (sms) is down since 02:05: HTTP 503"],
    "storage":null,"database":{"bytes":12300000,"free_bytes":41200000000},
    "engine":{"loop_lag_seconds":0.002,"loop_lag_max_seconds":0.31,"up_since":"2026-06-14T20:00:00.000+08:00"},
    "warnings":{"active":2,"closed":5,"cancelled":0},"still_calling":40,
    "outbox":{"sms":12},"outbox_oldest_seconds":4.2,
    "providers":[{"name":"sms_backup","medium":"sms","state":"down","since":"2026-06-15T02:05:00+08:00",
                  "in_flight":0,"waiting":12,"requests":30,"faults":7,"last_fault":"HTTP 503"}]})");
  const std::string text = render_status(red, false);
  CHECK(text.starts_with("✗ provider sms_backup (sms) is down since 02:05: HTTP 503\n"));
  CHECK(text.find("database   12.3 MB · 41.2 GB free on its disk") != std::string::npos);
  CHECK(text.find("engine     loop 0.002 s late (worst 0.310 s) · up since 2026-06-14T20:00:00") != std::string::npos);
  CHECK(text.find("warnings   2 active · 5 closed · 40 people still being called") != std::string::npos);
  CHECK(text.find("outbox     sms 12 (oldest waiting 4 s)") != std::string::npos);
  CHECK(text.find("sms_backup") != std::string::npos);

  auto well = boost::json::parse(R"({"ok":true,"problems":[],"database":{"bytes":0,"free_bytes":-1},"engine":{},
    "warnings":{},"still_calling":0,"outbox":{},"outbox_oldest_seconds":0,"providers":[]})");
  const std::string quiet = render_status(well, false);
  CHECK(quiet.starts_with("✓ all well\n"));
  CHECK(quiet.find("warnings   none") != std::string::npos);
  CHECK(quiet.find("outbox     empty") != std::string::npos);
  CHECK(quiet.find("free on its disk") == std::string::npos);
}

TEST_CASE("a long cell is clipped between characters, never inside one, and says it was") {
  CHECK(clip("HTTP 503", 60) == "HTTP 503");
  const std::string fault = "transport: 浙政钉开放平台暂时无法连接，请稍后重试（HTTP 503）";
  const std::string cut = clip(fault, 20);
  CHECK(cut.ends_with("…"));
  CHECK(display_width(cut) <= 20);
  CHECK(cut.starts_with("transport: 浙政钉"));
  CHECK(fault.starts_with(cut.substr(0, cut.size() - std::string("…").size())));  // whole characters only
  CHECK(clip("一二三四五", 5) == "一二…");  // wide characters take two columns
}
