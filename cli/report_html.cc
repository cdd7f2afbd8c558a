#include "cli/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <vector>

#include "rules/html.h"
#include "rules/names.h"
#include "rules/warning.h"

namespace jiaoying {

namespace json = boost::json;

namespace {

std::string str(const json::value& v, std::string_view key) {
  const json::value* p = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  if (!p || p->is_null()) return "";
  if (p->is_string()) return std::string(p->as_string());
  return json::serialize(*p);
}

int64_t num(const json::value& v, std::string_view key) {
  const json::value* p = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return p && p->is_int64() ? p->as_int64() : 0;
}

const json::array& arr(const json::value& v, std::string_view key) {
  static const json::array empty;
  const json::value* p = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return p && p->is_array() ? p->as_array() : empty;
}

std::string e(std::string_view text) { return html_escape(text); }

std::string pct(int64_t part, int64_t whole) {
  return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "—";
}

std::string minutes_of(const json::value& ms) {
  if (!ms.is_int64()) return "—";
  const int64_t s = ms.as_int64() / 1000;
  return s >= 60 ? fmt::format("{}分{:02}秒", s / 60, s % 60) : fmt::format("{}秒", s);
}

// A table from a header and rows of already-escaped cells.
std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows,
                  const std::vector<std::string>& row_classes = {}) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : head) out += "<th>" + e(h) + "</th>";
  out += "</tr></thead><tbody>";
  for (size_t i = 0; i < rows.size(); ++i) {
    out += i < row_classes.size() && !row_classes[i].empty() ? "<tr class=\"" + row_classes[i] + "\">" : "<tr>";
    for (const auto& cell : rows[i]) out += "<td>" + cell + "</td>";
    out += "</tr>";
  }
  return out + "</tbody></table>\n";
}

constexpr const char* kStyle = R"(
  @page { size: A4; margin: 16mm 14mm; }
  body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
         font-size: 10.5pt; color: #111; max-width: 190mm; margin: 0 auto; }
  h1 { font-size: 17pt; margin: 0 0 4pt; } h2 { font-size: 12.5pt; border-bottom: 1.5pt solid #333;
       margin: 14pt 0 6pt; padding-bottom: 2pt; page-break-after: avoid; }
  .drill { color: #b00; font-weight: bold; }
  dl { display: grid; grid-template-columns: 7em 1fr; gap: 2pt 8pt; margin: 0; } dt { color: #555; }
  table { border-collapse: collapse; width: 100%; margin: 4pt 0; page-break-inside: auto; }
  th, td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
  th { background: #eee; } tr { page-break-inside: avoid; }
  tr.bad td { background: #fde8e8; } tr.warn td { background: #fff6dc; } tr.good td { background: #eaf6ea; }
  .figures { display: flex; gap: 8pt; flex-wrap: wrap; } .figure { border: 0.5pt solid #999; padding: 4pt 8pt; }
  .figure b { display: block; font-size: 15pt; } pre { white-space: pre-wrap; font-size: 8.5pt; background: #f6f6f6;
  padding: 4pt; } .muted { color: #666; } .sign { margin-top: 24pt; display: flex; gap: 40pt; }
  @media print { a { color: inherit; text-decoration: none; } }
)";

}  // namespace

std::string answers_chart_svg(const json::value& report) {
  // Cumulative answered share per tier, by minute since the warning arrived.
  std::map<std::string, int64_t> totals;
  for (const auto& t : arr(report.at("service"), "by_tier")) totals[str(t, "tier")] = num(t, "posts");
  std::map<std::string, std::map<int64_t, int64_t>> per_minute;
  int64_t last = 30;
  for (const auto& a : arr(report, "answers_by_minute")) {
    per_minute[str(a, "tier")][num(a, "minute")] += num(a, "count");
    last = std::max(last, num(a, "minute") + 1);
  }
  last = std::min<int64_t>(last, 24 * 60);
  constexpr double W = 640, H = 240, L = 44, R = 120, T = 14, B = 30;
  auto x = [&](double minute) { return L + (W - L - R) * minute / static_cast<double>(last); };
  auto y = [&](double share) { return T + (H - T - B) * (1.0 - share); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" "
      "aria-label=\"answers over time per tier\" font-size=\"10\">",
      W, H);
  for (int p = 0; p <= 100; p += 25)
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}%</text>",
                       L, y(p / 100.0), W - R, y(p / 100.0), L - 4, y(p / 100.0) + 3, p);
  const int64_t step = last <= 60 ? 10 : last <= 240 ? 30 : 120;
  for (int64_t m = 0; m <= last; m += step)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}分</text>", x(static_cast<double>(m)),
                       H - B + 14, m);
  svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#b00\" "
                     "stroke-dasharray=\"4 3\"/><text x=\"{0:.1f}\" y=\"{3:.1f}\" fill=\"#b00\" "
                     "text-anchor=\"end\">30分钟 </text>",
                     x(30), y(1.0), y(0.0), T - 4);
  const std::map<std::string, std::string> colours{
      {"city", "#6a3d9a"}, {"county", "#1f78b4"}, {"township", "#33a02c"}, {"village", "#e6550d"}};
  const std::map<std::string, std::string> short_names{
      {"city", "市级"}, {"county", "县级"}, {"township", "乡镇"}, {"village", "村"}};
  int legend = 0;
  for (const char* tier : {"city", "county", "township", "village"}) {
    auto total = totals.find(tier);
    if (total == totals.end() || total->second == 0) continue;
    const auto& minutes = per_minute[tier];
    std::string points = fmt::format("{:.1f},{:.1f}", x(0), y(0));
    int64_t sum = 0;
    for (int64_t m = 0; m <= last; ++m) {
      auto it = minutes.find(m);
      if (it == minutes.end()) continue;
      sum += it->second;
      points += fmt::format(" {:.1f},{:.1f} {:.1f},{:.1f}", x(static_cast<double>(m)),
                            y(static_cast<double>(sum - it->second) / static_cast<double>(total->second)),
                            x(static_cast<double>(m + 1)), y(static_cast<double>(sum) / static_cast<double>(total->second)));
    }
    points += fmt::format(" {:.1f},{:.1f}", x(static_cast<double>(last)),
                          y(static_cast<double>(sum) / static_cast<double>(total->second)));
    const std::string colour = colours.at(tier);
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" points=\"{}\"/>", colour, points);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1f}\" "
                       "y=\"{:.1f}\">{} {}</text>",
                       W - R + 10, T + 14.0 * legend, colour, W - R + 24, T + 14.0 * legend + 9,
                       short_names.at(tier), pct(sum, total->second));
    ++legend;
  }
  return svg + "</svg>";
}

std::string render_report_html(const json::value& report, bool unmask) {
  const json::value& w = report.at("warning");
  const json::value& service = report.at("service");
  const bool drill = str(w, "status") == "exercise";
  const HazardInfo* h = find_hazard(str(w, "hazard"));
  const auto level = parse_level(str(w, "level"));
  const std::string kind = fmt::format("{}{}预警", h ? h->zh : str(w, "hazard"), level ? level_zh(*level) : "");
  std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">";
  out += fmt::format("<title>叫应报告 · 预警 {} · {}</title><style>{}</style></head><body>\n", num(w, "id"), e(kind), kStyle);
  out += fmt::format("<h1>叫应报告（一事一档）· 预警 {}</h1>\n", num(w, "id"));
  if (drill) out += "<p class=\"drill\">演练 — a drill through the real channels; not counted in real figures.</p>\n";
  out += fmt::format("<p><b>{}</b> · {}</p>\n", e(str(w, "headline")), e(kind));

  out += "<h2>预警 · the warning as received</h2><dl>";
  std::string areas;
  for (const auto& a : arr(w, "areas")) areas += (areas.empty() ? "" : " ") + std::string(a.as_string());
  for (const auto& [label, value] :
       std::vector<std::pair<std::string, std::string>>{{"发布单位", str(w, "sender")},
                                                        {"标识", str(w, "identifier")},
                                                        {"发布时间", str(w, "sent")},
                                                        {"收到时间", str(w, "received_at")},
                                                        {"来源", str(w, "source")},
                                                        {"区域", areas},
                                                        {"状态", str(w, "state")},
                                                        {"内容", str(w, "description")}})
    out += "<dt>" + e(label) + "</dt><dd>" + e(value) + "</dd>";
  out += "</dl>\n";
  for (const auto& f : arr(w, "flags")) out += "<p class=\"muted\">! " + e(f.as_string()) + "</p>";

  out += "<h2>服务水平 · service levels</h2><div class=\"figures\">";
  const int64_t posts = num(service, "posts");
  for (const auto& [label, value] : std::vector<std::pair<std::string, std::string>>{
           {"叫应人数", std::to_string(posts)},
           {"已确认", fmt::format("{} ({})", num(service, "answered"), pct(num(service, "answered"), posts))},
           {"期限内确认", pct(num(service, "within_deadline"), posts)},
           {"叫应用尽", std::to_string(num(service, "exhausted"))},
           {"中位用时", minutes_of(service.at("median_ms"))},
           {"90%用时", minutes_of(service.at("p90_ms"))}})
    out += "<div class=\"figure\">" + e(label) + "<b>" + e(value) + "</b></div>";
  out += "</div>\n";
  std::vector<std::vector<std::string>> tier_rows;
  for (const auto& t : arr(service, "by_tier"))
    tier_rows.push_back({e(tier_zh(str(t, "tier"))), std::to_string(num(t, "posts")),
                         fmt::format("{} ({})", num(t, "answered"), pct(num(t, "answered"), num(t, "posts"))),
                         pct(num(t, "within_deadline"), num(t, "posts")), std::to_string(num(t, "exhausted")),
                         e(minutes_of(t.at("median_ms"))), e(minutes_of(t.at("p90_ms")))});
  out += table({"层级", "人数", "已确认", "期限内", "用尽", "中位用时", "90%用时"}, tier_rows);
  out += "<h2>确认曲线 · answers over time</h2>" + answers_chart_svg(report) + "\n";

  if (!arr(report, "townships").empty()) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> classes;
    for (const auto& t : arr(report, "townships")) {
      rows.push_back({e(str(t, "name")), e(str(t, "code")), std::to_string(num(t, "total")),
                      fmt::format("{} ({})", num(t, "answered"), pct(num(t, "answered"), num(t, "total"))),
                      std::to_string(num(t, "calling")), std::to_string(num(t, "exhausted"))});
      classes.push_back(num(t, "exhausted") ? "bad" : num(t, "calling") ? "warn" : "good");
    }
    out += "<h2>分乡镇 · by township</h2>" + table({"乡镇", "代码", "人数", "已确认", "未确认", "用尽"}, rows, classes);
  }

  {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> classes;
    for (const auto& c : arr(report, "callouts")) {
      const std::string state = str(c, "state");
      const std::string mobile = str(c, "mobile");
      rows.push_back({std::to_string(num(c, "id")), e(tier_zh(str(c, "tier"))), e(str(c, "area_name")),
                      e(role_zh(str(c, "role"))), e(str(c, "seat")), e(str(c, "person")),
                      e(unmask ? mobile : mask_mobile(mobile)), e(state), std::to_string(num(c, "notified")),
                      e(str(c, "answered_via")), e(minutes_of(c.at("answer_ms")))});
      classes.push_back(state == "exhausted" ? "bad" : state == "answered" || state == "covered" ? "" : "warn");
    }
    const int64_t total = num(report, "callouts_total");
    out += "<h2>叫应对象 · recipients</h2>";
    if (total > static_cast<int64_t>(rows.size()))
      out += fmt::format("<p class=\"muted\">{} of {} listed, those not answered first (jiaoying report --all lists "
                         "everyone).</p>",
                         rows.size(), total);
    out += table({"#", "层级", "区域", "岗位", "席位", "姓名", "手机", "状态", "通知次数", "确认方式", "确认用时"}, rows,
                 classes);
  }

  if (!arr(report, "reports").empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : arr(report, "reports"))
      rows.push_back({e(str(r, "area_name")), e(str(r, "state")) + (r.at("late").as_bool() ? "（迟报）" : ""),
                      e(str(r, "due_at")), e(str(r, "filed_at")), e(str(r, "filed_by")), e(str(r, "commander")),
                      e(str(r, "villages")), e(str(r, "people_moved")), e(str(r, "note"))});
    out += "<h2>回报 · report-backs</h2>" +
           table({"区域", "状态", "应报", "报送", "报送人", "指挥", "影响村数", "转移人数", "备注"}, rows);
  }
  if (!arr(report, "spot_checks").empty()) {
    std::vector<std::vector<std::string>> rows;
    int64_t passed = 0, scored = 0;
    for (const auto& k : arr(report, "spot_checks")) {
      const std::string state = str(k, "state");
      if (state != "calling" && state != "cancelled") ++scored, passed += state == "passed";
      std::string why;
      if (state == "failed") why = fmt::format("第{}问答否", num(k, "first_no"));
      else if (state == "silent") why = "未答完";
      else if (state == "unreached") why = "未接通";
      rows.push_back({e(str(k, "area_name")), e(std::string(role_zh(str(k, "role")))), e(str(k, "person_name")), e(state),
                      e(str(k, "keys")), e(why)});
    }
    out += fmt::format("<h2>六问抽查 · spot check</h2><p>{} checked, {} passed</p>", scored, passed) +
           table({"区域", "岗位", "姓名", "结果", "按键", "说明"}, rows);
  }
  if (!arr(report, "broadcasts").empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : arr(report, "broadcasts")) {
      std::string missing;
      for (const auto& n : arr(b, "not_played")) missing += (missing.empty() ? "" : "、") + std::string(n.is_string() ? n.as_string() : "");
      rows.push_back({e(str(b, "ebm_id")), e(str(b, "kind")), e(str(b, "state")), std::to_string(arr(b, "areas").size()),
                      e(str(b, "sent_at")), e(str(b, "reported_at")), e(missing)});
    }
    out += "<h2>应急广播 · loudspeakers</h2>" + table({"EBM", "类型", "状态", "区域数", "发送", "回执", "未播出"}, rows);
  }
  if (!arr(w, "desk").empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : arr(w, "desk"))
      rows.push_back({e(str(a, "at")), e(event_zh(str(a, "kind"))), e(str(a, "actor")), e(str(a, "person")),
                      e(str(a, "detail"))});
    out += "<h2>人工处置 · by hand at the duty desk</h2>" + table({"时间", "处置", "操作人", "对象", "说明"}, rows);
  }
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : arr(report, "timeline"))
      rows.push_back({e(str(t, "at")), e(event_zh(str(t, "kind"))),
                      e(str(t, "person").empty() ? "" : str(t, "person") + "（" + str(t, "post") + "）"),
                      e(str(t, "detail"))});
    out += "<h2>时间线 · timeline</h2>" + table({"时间", "事件", "对象", "详情"}, rows);
  }
  for (const auto& p : arr(report, "plan_snapshots"))
    out += fmt::format("<h2>方案 · plan {} ({})</h2><pre>{}</pre>\n", e(str(p, "name")), e(str(p, "file")),
                       e(str(p, "yaml")));
  out += fmt::format("<p class=\"muted\">generated {} by jiaoying</p>", e(str(report, "generated_at")));
  out += "<div class=\"sign\"><span>值班员：________</span><span>带班领导：________</span><span>归档日期：________</span></div>";
  return out + "</body></html>\n";
}

}  // namespace jiaoying
