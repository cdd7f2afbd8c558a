#include "channels/broadcast/broadcast_channel.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace jiaoying {
namespace {

constexpr auto kChinaOffset = std::chrono::hours(8);

// GB/T 35561-2017 (突发事件分类与编码) classes for the hazards jiaoying knows. The county
// platform's own code list wins: `channels.broadcast.event_types` in jiaoyingd.yaml overrides
// any entry (docs/protocols/broadcast.md).
const std::map<std::string, std::string, std::less<>>& event_type_table() {
  static const std::map<std::string, std::string, std::less<>> table = {
      {"flood", "11A01"},        {"waterlogging", "11A02"},   {"flash_flood", "11A03"},
      {"drought", "11A51"},      {"typhoon", "11B01"},        {"rainstorm", "11B03"},
      {"snowstorm", "11B04"},    {"cold_wave", "11B05"},      {"gale", "11B06"},
      {"heat", "11B09"},         {"lightning", "11B14"},      {"hail", "11B15"},
      {"fog", "11B17"},          {"road_icing", "11B19"},     {"thunderstorm_gale", "11B14"},
      {"geological_hazard", "11D00"}, {"forest_fire", "11G01"}, {"safety_risk", "12000"},
  };
  return table;
}

}  // namespace

std::string ebd_time(TimePoint t) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t + kChinaOffset);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", seconds);
}

std::string make_ebm_id(std::string_view ebrid, TimePoint day, int64_t broadcast_id) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(day + kChinaOffset);
  return fmt::format("{}{:%Y%m%d}{:04d}", ebrid, seconds, broadcast_id % 10000);
}

int ebm_severity(Level level) {
  switch (level) {
    case Level::red: return 1;
    case Level::orange: return 2;
    case Level::yellow: return 3;
    case Level::blue: return 4;
  }
  return 4;
}

std::string ebm_event_type(std::string_view hazard, const std::map<std::string, std::string>& overrides) {
  if (auto it = overrides.find(std::string(hazard)); it != overrides.end()) return it->second;
  const auto& table = event_type_table();
  if (auto it = table.find(hazard); it != table.end()) return it->second;
  return "10000";  // unclassified
}

BroadcastChannel::BroadcastChannel(BroadcastSettings settings, ebd::Sm2Key key, ebd::Sm2Key platform_key,
                                   std::function<std::chrono::system_clock::time_point()> wall_clock)
    : settings_(std::move(settings)),
      key_(std::move(key)),
      platform_key_(std::move(platform_key)),
      wall_clock_(std::move(wall_clock)) {}

ebd::Package BroadcastChannel::package(const BroadcastOrder& order) const {
  ebd::Document doc;
  auto now = std::chrono::time_point_cast<Millis>(wall_clock_());
  // EBDID: our EBRID + 16 digits — the broadcast (12), the message type (1), the attempt (3).
  doc.envelope = {fmt::format("{}{:012d}{}{:03d}", settings_.ebrid, order.broadcast_id % 1'000'000'000'000,
                              order.msg_type, order.attempt % 1000),
                  std::string(ebd::kTypeEbm), settings_.ebrid, settings_.dest_ebrid, ebd_time(now), ""};
  ebd::Ebm m;
  m.ebm_id = order.ebm_id;
  m.msg_type = order.msg_type;
  m.sender_name = settings_.sender_name;
  m.sender_code = settings_.ebrid;
  m.send_time = ebd_time(order.sent);
  m.event_type = ebm_event_type(order.hazard, settings_.event_types);
  m.severity = ebm_severity(order.level);
  m.start_time = ebd_time(order.start);
  m.end_time = ebd_time(order.end);
  m.title = order.title;
  m.text = order.text;
  m.area_codes = order.area_codes;
  doc.ebm = std::move(m);
  return ebd::seal(doc, key_, settings_.cert_sn, ebd_time(now));
}

HttpRequest BroadcastChannel::encode(const BroadcastOrder& order) const {
  ebd::Package p = package(order);
  std::string tar = ebd::pack(p);
  ebd::Multipart form = ebd::multipart_file("file", "EBDT_" + p.ebd_id + ".tar", tar);
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.url;
  request.headers = {{"Content-Type", form.content_type}};
  request.body = std::move(form.body);
  request.timeout = settings_.timeout;
  return request;
}

SendResult BroadcastChannel::send(const BroadcastOrder& order, HttpClient& http) const {
  return decode(order, http.perform(encode(order)));
}

SendResult BroadcastChannel::decode(const BroadcastOrder& order, const HttpResponse& response) const {
  // The EBMID makes a resend harmless: the platform answers it as already taken.
  if (response.transport_failed()) return {SendOutcome::retry, "", "transport: " + response.error};
  if (response.status >= 500) return {SendOutcome::retry, "", fmt::format("HTTP {}", response.status)};
  std::string error;
  // The answer is the tar itself, or (some platforms) the tar in a multipart field.
  std::string answer = response.body;
  if (response.header("content-type").rfind("multipart/", 0) == 0) {
    auto file = ebd::multipart_field(response.header("content-type"), response.body, "file", error);
    if (!file) return {SendOutcome::retry, "", fmt::format("HTTP {}: {}", response.status, error)};
    answer = std::move(*file);
  }
  auto opened = ebd::open(answer, platform_key_, error);
  if (!opened || !opened->doc.response) {
    std::string why = opened ? "no EBDResponse in the answer" : error;
    // A 4xx without a platform answer is our fault (wrong url, refused at the door): resending
    // the same request would not help, and the duty officer should hear now, not after retries.
    const SendOutcome outcome = response.status >= 400 ? SendOutcome::failed : SendOutcome::retry;
    return {outcome, "", fmt::format("HTTP {}: {}", response.status, why)};
  }
  if (!opened->signature_ok)
    return {SendOutcome::retry, "", "the platform's answer is not signed by its key: " + opened->error};
  const ebd::Response& r = *opened->doc.response;
  if (r.code == ebd::kSuccess) return {SendOutcome::sent, order.ebm_id, r.desc};
  return {SendOutcome::failed, "", fmt::format("ResultCode {}: {}", r.code, r.desc)};
}

std::string BroadcastChannel::next_response_id() const {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall_clock_().time_since_epoch()).count();
  return fmt::format("{}{:013d}{:03d}", settings_.ebrid, ms % 10'000'000'000'000, responses_++ % 1000);
}

BroadcastChannel::Received BroadcastChannel::receive(std::string_view content_type, std::string_view body) const {
  Received out;
  out.peer_ebrid = settings_.dest_ebrid;
  std::string error;
  std::optional<ebd::Opened> opened;
  auto tar = ebd::multipart_field(content_type, body, "file", error);
  if (tar) opened = ebd::open(*tar, platform_key_, error);
  if (!opened) {
    out.code = ebd::kFailed;
    out.error = error;
    return out;
  }
  out.related_ebd_id = opened->doc.envelope.ebd_id;
  out.peer_ebrid = opened->doc.envelope.src_ebrid;
  if (!opened->signature_ok) {
    out.code = ebd::kSignatureFailed;
    out.error = opened->error;
  } else if (!opened->doc.state) {
    out.code = ebd::kUnsupported;
    out.error = "not an EBMStateResponse: only playback reports are taken here";
  } else {
    const ebd::StateReport& s = *opened->doc.state;
    out.report = PlaybackReport{out.related_ebd_id, s.ebm_id, s.state, s.desc, s.coverage_rate, s.covered_areas};
  }
  return out;
}

std::string BroadcastChannel::answer(const Received& received, int code, std::string_view desc) const {
  ebd::Document doc;
  auto now = std::chrono::time_point_cast<Millis>(wall_clock_());
  doc.envelope = {next_response_id(), std::string(ebd::kTypeResponse), settings_.ebrid, received.peer_ebrid,
                  ebd_time(now), received.related_ebd_id};
  doc.response = ebd::Response{code, std::string(desc)};
  return ebd::pack(ebd::seal(doc, key_, settings_.cert_sn, ebd_time(now)));
}

}  // namespace jiaoying
