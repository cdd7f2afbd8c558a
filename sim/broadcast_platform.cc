#include "sim/broadcast_platform.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

namespace jiaoying::sim {

namespace json = boost::json;

namespace {

std::string now_text() {
  auto t = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now() + std::chrono::hours(8));
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", t);
}

}  // namespace

BroadcastPlatform::BroadcastPlatform(BroadcastBehaviour behaviour, ebd::Sm2Key key, ebd::Sm2Key sender_key,
                                     std::string report_url, EventLog& log, TapScheduler& taps,
                                     std::ostream& diagnostics)
    : behaviour_(std::move(behaviour)),
      key_(std::move(key)),
      sender_key_(std::move(sender_key)),
      report_url_(std::move(report_url)),
      log_(log),
      taps_(taps),
      diagnostics_(diagnostics) {}

bool BroadcastPlatform::serves(const ServerRequest& request) {
  return request.method == "POST" && request.path == "/ebd";
}

ServerResponse BroadcastPlatform::answer(const std::string& to, const std::string& related, int code,
                                         const std::string& desc) {
  if (code != ebd::kSuccess)
    diagnostics_ << fmt::format("jiaoying-sim: broadcast refused EBD {}: {} (ResultCode {})\n", related, desc, code)
                 << std::flush;
  ebd::Document doc;
  doc.envelope = {fmt::format("{}{:016d}", behaviour_.ebrid, ++sequence_), std::string(ebd::kTypeResponse),
                  behaviour_.ebrid, to, now_text(), related};
  doc.response = ebd::Response{code, desc};
  return {200, "application/x-tar", ebd::pack(ebd::seal(doc, key_, "SIM-PLATFORM", now_text()))};
}

ServerResponse BroadcastPlatform::handle(const ServerRequest& request) {
  std::string error;
  auto tar = ebd::multipart_field(request.header("content-type"), request.body, "file", error);
  if (!tar) return answer("", "", ebd::kFailed, error);
  auto opened = ebd::open(*tar, sender_key_, error);
  if (!opened) return answer("", "", ebd::kFailed, error);
  const ebd::Envelope& e = opened->doc.envelope;
  if (!opened->signature_ok) return answer(e.src_ebrid, e.ebd_id, ebd::kSignatureFailed, "签名验证失败：" + opened->error);
  if (e.type != ebd::kTypeEbm || !opened->doc.ebm) return answer(e.src_ebrid, e.ebd_id, ebd::kUnsupported, "该接口暂不支持");
  if (e.dest_ebrid != behaviour_.ebrid)
    return answer(e.src_ebrid, e.ebd_id, ebd::kFailed, "DEST " + e.dest_ebrid + " is not this platform");
  const ebd::Ebm& m = *opened->doc.ebm;
  if (m.msg_type != ebd::kMsgBroadcast && m.msg_type != ebd::kMsgCancel)
    return answer(e.src_ebrid, e.ebd_id, ebd::kFailed, fmt::format("MsgType {} must be 1 or 2", m.msg_type));
  if (!(m.severity >= 1 && m.severity <= 4) && m.severity != 15)
    return answer(e.src_ebrid, e.ebd_id, ebd::kFailed, fmt::format("Severity {} must be 1–4 or 15", m.severity));
  for (const auto& code : m.area_codes)
    if (code.size() != 12 && code.size() != 9 && code.size() != 6)
      return answer(e.src_ebrid, e.ebd_id, ebd::kFailed, "AreaCode " + code + " is not a division code");
  if (m.msg_type == ebd::kMsgBroadcast && (m.area_codes.empty() || m.text.empty()))
    return answer(e.src_ebrid, e.ebd_id, ebd::kFailed, "an EBM to play needs AreaCode and MsgDesc");
  if (m.msg_type == ebd::kMsgCancel && !seen_.count({m.ebm_id, ebd::kMsgBroadcast}))
    return answer(e.src_ebrid, e.ebd_id, ebd::kUnknownEbm, "查找不到该EBMID");
  // The EBMID de-duplicates: a resend is answered as taken, and plays nothing more.
  if (!seen_.insert({m.ebm_id, m.msg_type}).second) return answer(e.src_ebrid, e.ebd_id, ebd::kSuccess, "重复，已接收");

  json::array areas;
  for (const auto& a : m.area_codes) areas.emplace_back(a);
  log_.write(json::object{{"provider", "broadcast"},
                          {"endpoint", "EBM"},
                          {"ebm_id", m.ebm_id},
                          {"msg_type", m.msg_type},
                          {"severity", m.severity},
                          {"event_type", m.event_type},
                          {"areas", areas},
                          {"text", m.text}});
  hooks_.taken("broadcast");
  if (m.msg_type == ebd::kMsgBroadcast && !report_url_.empty() &&
      behaviour_.outcome != BroadcastBehaviour::Outcome::never && !hooks_.lose_receipt("broadcast")) {
    ebd::StateReport report;
    report.rpt_time = now_text();
    report.ebm_id = m.ebm_id;
    if (behaviour_.outcome == BroadcastBehaviour::Outcome::failed) {
      report.state = ebd::kPlayFailed;
      report.desc = "适配器离线，播发失败";
    } else {
      report.state = ebd::kPlayed;
      report.desc = "播发完成";
      for (const auto& a : m.area_codes)
        if (std::find(behaviour_.silent.begin(), behaviour_.silent.end(), a) == behaviour_.silent.end())
          report.covered_areas.push_back(a);
      report.coverage_rate = fmt::format("{:.2f}", m.area_codes.empty() ? 0.0
                                                                      : static_cast<double>(report.covered_areas.size()) /
                                                                            static_cast<double>(m.area_codes.size()));
    }
    ebd::Document doc;
    doc.envelope = {fmt::format("{}{:016d}", behaviour_.ebrid, ++sequence_), std::string(ebd::kTypeStateResponse),
                    behaviour_.ebrid, e.src_ebrid, now_text(), e.ebd_id};
    doc.state = report;
    ebd::Package p = ebd::seal(doc, key_, "SIM-PLATFORM", now_text());
    ebd::Multipart form = ebd::multipart_file("file", "EBDT_" + p.ebd_id + ".tar", ebd::pack(p));
    Tap tap;
    tap.account = "broadcast:" + m.ebm_id;
    tap.url = report_url_;
    tap.delay = behaviour_.report_after;
    tap.body = std::move(form.body);
    tap.content_type = std::move(form.content_type);
    taps_.schedule(std::move(tap));
  }
  return answer(e.src_ebrid, e.ebd_id, ebd::kSuccess, "执行成功");
}

}  // namespace jiaoying::sim
