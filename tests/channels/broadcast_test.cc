// The emergency-broadcast wire: EBD documents, the SM2/SM3 signature (checked against the
// openssl command line's own verifier format: DER, default user id), the EBDT tar, the multipart
// body, and how the channel turns each platform answer into a send outcome.
#include <doctest/doctest.h>

#include "channels/broadcast/broadcast_channel.h"
#include "channels/broadcast/ebd.h"

using namespace jiaoying;

namespace {

const std::string kOurs = "10433070200000001030101";      // 23 digits: SRC
const std::string kCounty = "10433070200000000010101";    // DEST

// The county platform behind a fake HTTP client: checks what arrives, answers as scripted.
class FakePlatform final : public HttpClient {
 public:
  FakePlatform(const ebd::Sm2Key& our_public, const ebd::Sm2Key& platform_key)
      : our_public_(our_public), platform_key_(platform_key) {}

  HttpResponse perform(const HttpRequest& request) override {
    requests.push_back(request);
    if (transport_fails) return {0, "", "connection refused", {}};
    if (status != 200) return {status, "busy", "", {}};
    std::string content_type;
    for (const auto& [name, value] : request.headers)
      if (name == "Content-Type") content_type = value;
    std::string error;
    auto tar = ebd::multipart_field(content_type, request.body, "file", error);
    REQUIRE_MESSAGE(tar, error);
    auto opened = ebd::open(*tar, our_public_, error);
    REQUIRE_MESSAGE(opened, error);
    last_signature_ok = opened->signature_ok;
    last = opened->doc;
    ebd::Document answer;
    answer.envelope = {kCounty + "0000000000000001", "EBDResponse", kCounty, kOurs, "2026-06-15 02:00:01",
                       opened->doc.envelope.ebd_id};
    answer.response = ebd::Response{result_code, result_code == 1 ? "执行成功" : "拒绝"};
    const ebd::Sm2Key& signer = forge ? forger_ : platform_key_;
    return {200, ebd::pack(ebd::seal(answer, signer, "SN-COUNTY", "2026-06-15 02:00:01")), "",
            {{"content-type", "application/x-tar"}}};
  }

  std::vector<HttpRequest> requests;
  std::optional<ebd::Document> last;
  bool last_signature_ok = false;
  bool transport_fails = false;
  int status = 200;
  int result_code = 1;
  bool forge = false;

 private:
  const ebd::Sm2Key& our_public_;
  const ebd::Sm2Key& platform_key_;
  ebd::Sm2Key forger_ = ebd::Sm2Key::generate();
};

ebd::Sm2Key public_of(const ebd::Sm2Key& key) {
  std::string error;
  auto pub = ebd::Sm2Key::from_pem(key.public_pem(), error);
  REQUIRE_MESSAGE(pub, error);
  return std::move(*pub);
}

BroadcastOrder red_rainstorm() {
  BroadcastOrder o;
  o.broadcast_id = 7;
  o.ebm_id = make_ebm_id(kOurs, *parse_iso8601("2026-06-15T02:00:00+08:00"), 7);
  o.hazard = "rainstorm";
  o.level = Level::red;
  o.title = "婺城区暴雨红色预警";
  o.text = "各村注意：婺城区气象台发布暴雨红色预警。";
  o.area_codes = {"330702102201", "330702102202"};
  o.sent = o.start = *parse_iso8601("2026-06-15T02:00:00+08:00");
  o.end = *parse_iso8601("2026-06-15T14:00:00+08:00");
  return o;
}

// Our keys, the county's, the county platform behind a fake HTTP client, and the channel.
struct ChannelFixture {
  ebd::Sm2Key ours = ebd::Sm2Key::generate();
  ebd::Sm2Key county = ebd::Sm2Key::generate();
  ebd::Sm2Key ours_pub = public_of(ours);
  FakePlatform platform{ours_pub, county};
  BroadcastChannel channel{{"http://county.test/ebd", kOurs, kCounty, "婺城区防指", "SN-OURS", {}, std::chrono::seconds(5)},
                           private_copy(ours),
                           public_of(county),
                           [] { return std::chrono::system_clock::time_point(std::chrono::hours(500'000)); }};

  static ebd::Sm2Key private_copy(const ebd::Sm2Key& key) {
    std::string error;
    return std::move(*ebd::Sm2Key::from_pem(key.private_pem(), error));
  }
};

}  // namespace

TEST_CASE("an EBM document reads back field for field") {
  ebd::Document doc;
  doc.envelope = {kOurs + "0000000000070001", "EBM", kOurs, kCounty, "2026-06-15 02:00:00", ""};
  ebd::Ebm m;
  m.ebm_id = kOurs + "202606150007";
  m.sender_name = "婺城区防汛防台抗旱指挥部";
  m.sender_code = kOurs;
  m.event_type = "11B03";
  m.severity = 1;
  m.title = "暴雨红色预警";
  m.text = "请立即转移 <低洼地带> 群众 & 注意安全";
  m.area_codes = {"330702102201", "330702102202"};
  doc.ebm = m;
  std::string xml = ebd::write(doc);
  CHECK(xml.find("<AreaCode>330702102201,330702102202</AreaCode>") != std::string::npos);
  CHECK(xml.find("&lt;低洼地带&gt;") != std::string::npos);
  std::string error;
  auto back = ebd::parse(xml, error);
  REQUIRE_MESSAGE(back, error);
  CHECK(back->envelope.ebd_id == doc.envelope.ebd_id);
  CHECK(back->envelope.dest_ebrid == kCounty);
  REQUIRE(back->ebm);
  CHECK(back->ebm->ebm_id == m.ebm_id);
  CHECK(back->ebm->severity == 1);
  CHECK(back->ebm->event_type == "11B03");
  CHECK(back->ebm->text == m.text);
  CHECK(back->ebm->area_codes == m.area_codes);
}

TEST_CASE("bad EBD documents are refused naming the element") {
  std::string error;
  CHECK_FALSE(ebd::parse("<EBD><EBDID>1</EBDID></EBD>", error));
  CHECK(error == "EBD/EBDType: missing");
  CHECK_FALSE(ebd::parse("<EBD><EBDID>1</EBDID><EBDType>EBMStateResponse</EBDType><SRC><EBRID>9</EBRID></SRC>"
                         "<EBMStateResponse><EBM><EBMID>5</EBMID></EBM><BrdStateCode>x3</BrdStateCode>"
                         "</EBMStateResponse></EBD>",
                         error));
  CHECK(error == "EBD/EBMStateResponse/BrdStateCode: 'x3' is not a number");
  // Found by ebd_fuzz: an AreaCode with text but no code in it read as "play nowhere".
  CHECK_FALSE(ebd::parse("<EBD><EBDID>1</EBDID><EBDType>EBM</EBDType><SRC><EBRID>9</EBRID></SRC><EBM><EBMID>5</EBMID>"
                         "<MsgBasicInfo><MsgType>1</MsgType><Severity>1</Severity></MsgBasicInfo><MsgContent>"
                         "<MsgDesc>x</MsgDesc><AreaCode>，，</AreaCode></MsgContent></EBM></EBD>",
                         error));
  CHECK(error == "EBD/EBM/MsgContent/AreaCode: names no division code");
  CHECK_FALSE(ebd::parse("<CAP/>", error));
  CHECK(error == "the root element is not EBD");
  CHECK_FALSE(ebd::parse("<EBD>", error));
  CHECK(error.find("not XML") == 0);
}

TEST_CASE("a report's covered areas read however the platform separates them") {
  std::string error;
  auto doc = ebd::parse(
      "<EBD><EBDID>1</EBDID><EBDType>EBMStateResponse</EBDType><SRC><EBRID>9</EBRID></SRC>"
      "<EBMStateResponse><RptTime>2026-06-15 02:03:00</RptTime><EBM><EBMID>5</EBMID></EBM>"
      "<BrdStateCode>3</BrdStateCode><Coverage><CoveragePercent>90%</CoveragePercent>"
      "<AreaCode>330702102201，330702102202 330702102203</AreaCode></Coverage></EBMStateResponse></EBD>",
      error);
  REQUIRE_MESSAGE(doc, error);
  REQUIRE(doc->state);
  CHECK(doc->state->state == ebd::kPlayed);
  CHECK(doc->state->coverage_rate == "90%");
  CHECK(doc->state->covered_areas == std::vector<std::string>{"330702102201", "330702102202", "330702102203"});
}

TEST_CASE("SM2 signatures verify with the public key only, and not after one byte changes") {
  ebd::Sm2Key key = ebd::Sm2Key::generate();
  CHECK(key.has_private());
  ebd::Sm2Key pub = public_of(key);
  CHECK_FALSE(pub.has_private());
  std::string sig = key.sign("EBDB bytes");
  CHECK_FALSE(sig.empty());
  CHECK(pub.verify("EBDB bytes", sig));
  CHECK_FALSE(pub.verify("EBDB bytez", sig));
  CHECK_FALSE(pub.verify("EBDB bytes", "not base64!"));
  CHECK(pub.sign("x").empty());  // a public key cannot sign

  // A key written out and read back signs the same way.
  std::string error;
  auto again = ebd::Sm2Key::from_pem(key.private_pem(), error);
  REQUIRE_MESSAGE(again, error);
  CHECK(pub.verify("hello", again->sign("hello")));
}

TEST_CASE("keys that are not SM2 are refused with what they are") {
  std::string error;
  CHECK_FALSE(ebd::Sm2Key::from_pem("-----BEGIN NOTHING-----", error));
  CHECK(error == "not a PEM private or public key");
  // An RSA key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512).
  const char* rsa =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALV6x5XEFOtcvOaU+esw8EvSWezpU+4c\n"
      "dlBp13tlzxRZb3NQgDWsTyNSSDmswiJKHYrfFNwGnqUhF43QzlF2VhUCAwEAAQ==\n"
      "-----END PUBLIC KEY-----\n";
  CHECK_FALSE(ebd::Sm2Key::from_pem(rsa, error));
  CHECK(error == "a RSA key, not SM2");
}

TEST_CASE("a sealed package goes through tar and multipart and opens with its signature checked") {
  ebd::Sm2Key key = ebd::Sm2Key::generate();
  ebd::Sm2Key pub = public_of(key);
  ebd::Document doc;
  doc.envelope = {kOurs + "0000000000010001", "EBDResponse", kOurs, kCounty, "2026-06-15 02:00:00", "x"};
  doc.response = ebd::Response{1, "ok"};
  ebd::Package p = ebd::seal(doc, key, "SN1", "2026-06-15 02:00:00");
  std::string tar = ebd::pack(p);
  CHECK(tar.size() % 512 == 0);
  ebd::Multipart form = ebd::multipart_file("file", "EBDT_" + p.ebd_id + ".tar", tar);
  std::string error;
  auto back = ebd::multipart_field(form.content_type, form.body, "file", error);
  REQUIRE_MESSAGE(back, error);
  CHECK(*back == tar);
  auto opened = ebd::open(*back, pub, error);
  REQUIRE_MESSAGE(opened, error);
  CHECK(opened->signature_ok);
  CHECK(opened->doc.response->desc == "ok");

  SUBCASE("a changed byte in the EBDB fails the signature, not the reading") {
    ebd::Package tampered = p;
    tampered.ebdb.replace(tampered.ebdb.find("ok"), 2, "OK");
    auto t = ebd::open(ebd::pack(tampered), pub, error);
    REQUIRE(t);
    CHECK_FALSE(t->signature_ok);
    CHECK(t->error == "the SM2 signature does not verify");
  }
  SUBCASE("another key's signature fails") {
    auto other = ebd::open(tar, public_of(ebd::Sm2Key::generate()), error);
    REQUIRE(other);
    CHECK_FALSE(other->signature_ok);
  }
  SUBCASE("a tar without the signature file is refused") {
    ebd::Package unsigned_p = p;
    unsigned_p.ebds.clear();
    std::string bad = ebd::pack(unsigned_p);
    // Re-pack without the EBDS member: a tar of the EBDB alone.
    CHECK(ebd::unpack(bad, error));  // an empty EBDS is still a member
    CHECK_FALSE(ebd::open("not a tar at all", pub, error));
    CHECK(error.find("tar") != std::string::npos);
  }
  SUBCASE("multipart bodies without the field or the boundary are refused") {
    CHECK_FALSE(ebd::multipart_field("application/json", form.body, "file", error));
    CHECK(error == "Content-Type is not multipart/form-data");
    CHECK_FALSE(ebd::multipart_field(form.content_type, form.body, "audio", error));
    CHECK(error == "the multipart body has no field 'audio'");
    CHECK_FALSE(ebd::multipart_field("multipart/form-data", form.body, "file", error));
    CHECK(error == "Content-Type has no boundary");
  }
}

TEST_CASE("EBMIDs, severities, event types and times follow the platform's forms") {
  auto t = *parse_iso8601("2026-06-14T17:30:00Z");  // 01:30 on the 15th in China
  CHECK(make_ebm_id(kOurs, t, 12345) == kOurs + "202606152345");
  CHECK(make_ebm_id(kOurs, t, 7).size() == 35);
  CHECK(ebd_time(t) == "2026-06-15 01:30:00");
  CHECK(ebm_severity(Level::red) == 1);
  CHECK(ebm_severity(Level::blue) == 4);
  CHECK(ebm_event_type("rainstorm", {}) == "11B03");
  CHECK(ebm_event_type("rainstorm", {{"rainstorm", "11B99"}}) == "11B99");
  CHECK(ebm_event_type("no_such", {}) == "10000");
}

TEST_CASE("the channel sends a signed EBM and reads the platform's signed answer") {
  ChannelFixture f;
  FakePlatform& platform = f.platform;
  BroadcastChannel& channel = f.channel;
  BroadcastOrder order = red_rainstorm();

  SendResult r = channel.send(order, platform);
  CHECK(r.outcome == SendOutcome::sent);
  CHECK(r.provider_ref == order.ebm_id);
  CHECK(platform.last_signature_ok);
  REQUIRE(platform.last);
  REQUIRE(platform.last->ebm);
  CHECK(platform.last->envelope.src_ebrid == kOurs);
  CHECK(platform.last->envelope.dest_ebrid == kCounty);
  CHECK(platform.last->envelope.ebd_id == kOurs + "0000000000071001");
  CHECK(platform.last->ebm->severity == 1);
  CHECK(platform.last->ebm->event_type == "11B03");
  CHECK(platform.last->ebm->start_time == "2026-06-15 02:00:00");
  CHECK(platform.last->ebm->area_codes == order.area_codes);

  SUBCASE("refusals are final, with the platform's code") {
    platform.result_code = ebd::kSignatureFailed;
    r = channel.send(order, platform);
    CHECK(r.outcome == SendOutcome::failed);
    CHECK(r.detail == "ResultCode 4: 拒绝");
  }
  SUBCASE("a lost or unreadable answer is sent again: the EBMID de-duplicates") {
    platform.transport_fails = true;
    CHECK(channel.send(order, platform).outcome == SendOutcome::retry);
    platform.transport_fails = false;
    platform.status = 503;
    CHECK(channel.send(order, platform).outcome == SendOutcome::retry);
  }
  SUBCASE("a 404 is a wrong url: failed at once, not retried") {
    platform.status = 404;
    r = channel.send(order, platform);
    CHECK(r.outcome == SendOutcome::failed);
    CHECK(r.detail.starts_with("HTTP 404"));
  }
  SUBCASE("an answer signed by someone else is not believed") {
    platform.forge = true;
    r = channel.send(order, platform);
    CHECK(r.outcome == SendOutcome::retry);
    CHECK(r.detail.find("not signed by its key") != std::string::npos);
  }
}

TEST_CASE("received playback reports are opened, checked and answered") {
  ChannelFixture f;
  BroadcastChannel& channel = f.channel;
  ebd::Sm2Key& county = f.county;
  ebd::Sm2Key& ours_pub = f.ours_pub;

  ebd::Document report;
  report.envelope = {kCounty + "0000000000000009", "EBMStateResponse", kCounty, kOurs, "2026-06-15 02:04:00", ""};
  report.state = ebd::StateReport{"2026-06-15 02:04:00", "EBM-1", ebd::kPlayed, "播发完成", "1.0",
                                  {"330702102201", "330702102202"}};
  auto form = ebd::multipart_file("file", "EBDT.tar", ebd::pack(ebd::seal(report, county, "SN-C", "t")));
  auto received = channel.receive(form.content_type, form.body);
  REQUIRE(received.report);
  CHECK(received.code == ebd::kSuccess);
  CHECK(received.report->ebm_id == "EBM-1");
  CHECK(received.report->state == ebd::kPlayed);
  CHECK(received.report->covered_areas.size() == 2);

  // The answer is signed by us and relates to the report.
  std::string error;
  auto answer = ebd::open(channel.answer(received, ebd::kSuccess, "已接收"), ours_pub, error);
  REQUIRE_MESSAGE(answer, error);
  CHECK(answer->signature_ok);
  CHECK(answer->doc.envelope.related_ebd_id == report.envelope.ebd_id);
  CHECK(answer->doc.envelope.dest_ebrid == kCounty);
  CHECK(answer->doc.response->code == 1);

  SUBCASE("a report signed by another key is refused with code 4") {
    auto forged = ebd::multipart_file("file", "EBDT.tar",
                                      ebd::pack(ebd::seal(report, ebd::Sm2Key::generate(), "SN-X", "t")));
    auto r = channel.receive(forged.content_type, forged.body);
    CHECK_FALSE(r.report);
    CHECK(r.code == ebd::kSignatureFailed);
  }
  SUBCASE("garbage is refused with code 2") {
    auto r = channel.receive("multipart/form-data; boundary=x", "--x\r\n\r\nnope\r\n--x--");
    CHECK_FALSE(r.report);
    CHECK(r.code == ebd::kFailed);
  }
}
