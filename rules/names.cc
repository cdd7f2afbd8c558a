#include "rules/names.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace jiaoying {

namespace {

using Name = std::pair<std::string_view, std::string_view>;

// The posts of 防汛防台 and 森林防火 duty as 浙江's 责任人 lists name them.
constexpr std::array kRoles{
    Name{"leader_on_duty", "带班领导"},
    Name{"duty_officer", "值班员"},
    Name{"emergency_bureau_head", "应急管理局局长"},
    Name{"water_bureau_head", "水利局局长"},
    Name{"natural_resources_head", "自然资源和规划局局长"},
    Name{"forestry_bureau_head", "林业局局长"},
    Name{"meteorology_head", "气象局局长"},
    Name{"party_secretary", "党委书记"},
    Name{"township_head", "乡镇长"},
    Name{"village_head", "村主任"},
    Name{"village_secretary", "村党组织书记"},
    Name{"flood_chief", "防汛责任人"},
    Name{"grid_worker", "网格员"},
    Name{"geohazard_monitor", "地质灾害监测员"},
    Name{"forest_ranger", "护林员"},
    Name{"reservoir_keeper", "水库巡查员"},
};

constexpr std::array kEvents{
    Name{"warning_received", "收到预警"},
    Name{"plan_matched", "启用方案"},
    Name{"callouts_created", "生成叫应"},
    Name{"notified", "首次通知"},
    Name{"renotified", "再次提醒"},
    Name{"answered", "确认收到"},
    Name{"escalated", "升级"},
    Name{"exhausted", "叫应用尽"},
    Name{"duty_officer_told", "报值班室"},
    Name{"report_overdue", "逾期未回报"},
    Name{"report_filed", "已回报"},
    Name{"report_amended", "回报更正"},
    Name{"spot_check_asked", "六问抽查"},
    Name{"spot_check_passed", "六问通过"},
    Name{"spot_check_failed", "六问未通过"},
    Name{"spot_check_silent", "六问未答完"},
    Name{"spot_check_unreached", "六问未接通"},
    Name{"spot_check_cancelled", "六问取消"},
    Name{"spot_check_rule", "六问规则"},
    Name{"supersedes", "更新预警"},
    Name{"superseded", "被更新"},
    Name{"warning_cancelled", "预警解除"},
    Name{"warning_expired", "预警过期"},
    Name{"warning_closed", "叫应结束"},
    Name{"broadcast_sent", "广播已发"},
    Name{"broadcast_report", "广播回执"},
    Name{"broadcast_failed", "广播失败"},
    Name{"broadcast_gap", "广播未覆盖"},
    Name{"broadcast_unconfirmed", "广播未回执"},
    Name{"broadcast_cancel_sent", "广播取消"},
    Name{"message_unknown", "发送结果不明"},
    Name{"message_failed", "发送失败"},
    Name{"step_late", "步骤延迟"},
    Name{"step_held", "步骤等待"},
    Name{"post_unfilled", "岗位空缺"},
    Name{"no_plan_matched", "无方案"},
    Name{"sent_suspicious", "发布时间可疑"},
    Name{"areas_not_ours", "非本辖区"},
    Name{"area_not_in_directory", "辖区缺项"},
    Name{"not_called", "不叫应"},
    Name{"cancel_unmatched", "解除无对象"},
    Name{"told_of_update", "告知更新"},
    Name{"told_of_end", "告知解除"},
    Name{"cancelled", "已取消"},
    Name{"manual_ack", "人工确认"},
    Name{"manual_call", "人工叫应"},
    Name{"manual_resend", "人工重发"},
    Name{"note", "值班记录"},
    Name{"manual_escalate", "人工升级"},
    Name{"drill_started", "开始演练"},
    Name{"broadcast_queued", "广播待发"},
    Name{"broadcast_retry", "广播重试"},
    Name{"broadcast_recovered", "广播恢复"},
    Name{"broadcast_skipped", "广播不适用"},
    Name{"broadcast_cancelled", "广播取消"},
    Name{"broadcast_cancel_queued", "广播待取消"},
    Name{"report_due", "待回报"},
    Name{"report_cancelled", "免回报"},
    Name{"provider_down", "通道故障"},
    Name{"provider_up", "通道恢复"},
    Name{"heartbeat_failed", "通道心跳失败"},
    Name{"heartbeat_ok", "通道心跳恢复"},
    Name{"channel_down", "渠道中断"},
    Name{"sms_reply", "短信回复"},
    Name{"covered", "岗位已应"},
    Name{"export_unmasked", "导出完整号码"},
};

template <size_t N>
std::string_view look_up(const std::array<Name, N>& table, std::string_view id) {
  for (const auto& [key, zh] : table)
    if (key == id) return zh;
  return id;
}

}  // namespace

std::string_view role_zh(std::string_view role) { return look_up(kRoles, role); }

std::string_view tier_zh(Tier tier) {
  switch (tier) {
    case Tier::city: return "市";
    case Tier::county: return "县（市、区）";
    case Tier::township: return "乡镇（街道）";
    case Tier::village: return "村（社区）";
  }
  return "";
}

std::string_view tier_zh(std::string_view tier) {
  auto t = parse_tier(tier);
  return t ? tier_zh(*t) : tier;
}

std::string_view event_zh(std::string_view kind) { return look_up(kEvents, kind); }

std::string post_zh(std::string_view area_name, std::string_view role, std::string_view seat) {
  return fmt::format("{} {}（{}岗）", area_name, role_zh(role), seat);
}

std::string duration_zh(std::chrono::milliseconds span) {
  const int64_t seconds = span.count() / 1000;
  const int64_t h = seconds / 3600, m = seconds % 3600 / 60, sec = seconds % 60;
  std::string out;
  if (h) out += fmt::format("{}小时", h);
  if (m) out += fmt::format("{}分钟", m);
  if (sec || out.empty()) out += fmt::format("{}秒", sec);
  return out;
}

const std::vector<std::string_view>& hazard_families() {
  static const std::vector<std::string_view> families{"flood", "wind", "geological", "forest-fire", "safety",
                                                      "weather"};
  return families;
}

std::string_view hazard_family(std::string_view hazard) {
  constexpr std::array kFamilies{
      Name{"rainstorm", "flood"},          Name{"flood", "flood"},          Name{"waterlogging", "flood"},
      Name{"flash_flood", "flood"},        Name{"typhoon", "wind"},         Name{"thunderstorm_gale", "wind"},
      Name{"gale", "wind"},                Name{"lightning", "wind"},       Name{"hail", "wind"},
      Name{"geological_hazard", "geological"}, Name{"forest_fire", "forest-fire"},
      Name{"safety_risk", "safety"},
  };
  for (const auto& [code, family] : kFamilies)
    if (code == hazard) return family;
  return "weather";
}

std::string_view family_room_zh(std::string_view family) {
  constexpr std::array kRooms{
      Name{"flood", "防汛"},     Name{"wind", "防台风"},       Name{"geological", "地质灾害防治"},
      Name{"forest-fire", "森林防火"}, Name{"safety", "安全生产"}, Name{"weather", "气象灾害防御"},
  };
  return look_up(kRooms, family);
}

std::string_view source_zh(std::string_view source) {
  constexpr std::array kSources{
      Name{"meteorology", "气象部门"}, Name{"water", "水利部门"},     Name{"natural_resources", "自然资源部门"},
      Name{"forestry", "林业部门"},    Name{"emergency", "应急管理部门"},
  };
  return look_up(kSources, source);
}

std::string time_zh(TimePoint t) {
  const std::string iso = format_china_time(t);  // 2026-06-15T02:15:00+08:00
  const int month = std::stoi(iso.substr(5, 2)), day = std::stoi(iso.substr(8, 2));
  return fmt::format("{}月{}日 {}", month, day, iso.substr(11, 5));
}

bool has_word(std::string_view words, std::string_view word) {
  while (!words.empty()) {
    const size_t space = words.find(' ');
    if (words.substr(0, space) == word) return true;
    if (space == std::string_view::npos) break;
    words.remove_prefix(space + 1);
  }
  return false;
}

std::string mask_mobile(const std::string& mobile) {
  if (mobile.size() < 7) return mobile.empty() ? "" : "****";
  return mobile.substr(0, 3) + "****" + mobile.substr(mobile.size() - 4);
}

std::string mask_mobiles_in(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < text.size();) {
    if (!digit(text[i])) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && digit(text[end])) ++end;
    const std::string_view run = text.substr(i, end - i);
    out += run.size() == 11 && run[0] == '1' ? mask_mobile(std::string(run)) : std::string(run);
    i = end;
  }
  return out;
}

}  // namespace jiaoying
