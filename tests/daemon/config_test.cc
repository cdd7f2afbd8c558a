#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "daemon/config.h"

using namespace jiaoying;

namespace {

std::string write_config(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / "jiaoying-config-test.yaml";
  std::ofstream(path) << text;
  return path.string();
}

const char* kGood = R"(listen: 127.0.0.1:8640
database: data/jiaoying.db
plans: plans
directory: directory.yaml
callback_secret: a-long-enough-secret-for-tests
engine: { tick: 100ms, hold_limit: 10m }
channels:
  zzd: { base_url: "http://127.0.0.1:8641/", api_key: k, secret_key: s, tenant_id: "196729" }
)";

}  // namespace

TEST_CASE("a config resolves relative paths against its own folder and fills defaults") {
  LoadErrors errors;
  auto c = load_config(write_config(kGood), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  auto dir = std::filesystem::temp_directory_path().string();
  CHECK(c->database == dir + "/data/jiaoying.db");
  CHECK(c->plans == dir + "/plans");
  CHECK(c->public_url == "http://127.0.0.1:8640");
  CHECK(c->tick == Millis(100));
  CHECK(c->hold_limit == Millis(600'000));
  REQUIRE(c->first<ZzdSettings>("zzd"));
  CHECK(c->first<ZzdSettings>("zzd")->base_url == "http://127.0.0.1:8641");
  CHECK(c->media() == std::set<std::string>{"zzd"});
  REQUIRE(c->providers.size() == 1);
  CHECK(c->providers[0].name == "zzd");  // one provider, named after its medium
  CHECK(c->providers[0].limits.rate == 0);
  CHECK(c->providers[0].limits.concurrency == 128);
  CHECK(c->admin_socket == "/run/jiaoying/jiaoying.sock");
}

TEST_CASE("a value left as the example's CHANGE-ME is named with its line and key, in lists too") {
  LoadErrors errors;
  const std::string path = write_config(std::string(kGood) + "feeds:\n  - { name: met, type: push, token: CHANGE-ME-push-token-here }\n");
  auto c = load_config(path, errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  REQUIRE(c->placeholders.size() == 1);
  CHECK(c->placeholders[0] == path + ":10: feeds[0].token is still the example's 'CHANGE-ME-push-token-here': put in the real value");
  CHECK(load_config(write_config(kGood), errors)->placeholders.empty());
}

TEST_CASE("a bad config is refused with file:line for each fault") {
  std::string text = kGood;
  text.replace(text.find("hold_limit: 10m"), 15, "hold_limit: long");
  text.replace(text.find("listen:"), 7, "listne:");
  LoadErrors errors;
  auto path = write_config(text);
  CHECK_FALSE(load_config(path, errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].text().starts_with(path + ":1: unknown key 'listne' in the config"));
  CHECK(errors[1].text() == path + ":6: 'hold_limit': 'long' is not a duration like 90s, 3m or 1h");
}

TEST_CASE("a config without a callback secret is refused: ack links would be forgeable") {
  std::string text = kGood;
  text.replace(text.find("callback_secret: a-long-enough-secret-for-tests"), 47, "callback_secret: short");
  LoadErrors errors;
  CHECK_FALSE(load_config(write_config(text), errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.starts_with("callback_secret must be set"));
}

TEST_CASE("the packaged example config reads, phone channel included; a short report token is refused") {
  LoadErrors errors;
  auto c = load_config(std::string(JIAOYING_SOURCE_DIR) + "/packaging/jiaoyingd.yaml", errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  // It reads (the offline checks take it), but every CHANGE-ME is listed for jiaoyingd to refuse.
  CHECK(c->placeholders.size() >= 10);
  bool api_key_named = false;
  for (const std::string& p : c->placeholders) {
    CHECK_MESSAGE(p.find("is still the example's 'CHANGE-ME") != std::string::npos, p);
    api_key_named |= p.find(": channels.zzd.api_key is still") != std::string::npos;
  }
  CHECK(api_key_named);
  REQUIRE(c->first<IvrSettings>("ivr"));
  CHECK(c->first<IvrSettings>("ivr")->play_times == 3);
  CHECK(c->first<IvrSettings>("ivr")->key_timeout == Millis(8'000));
  CHECK(c->ivr_report_token.size() >= 16);

  std::string text = std::string(kGood) +
                     "  ivr: { base_url: \"http://127.0.0.1:8642\", access_key_id: i, access_key_secret: s, "
                     "show_number: \"0571\", start_code: T1, confirm_code: T2, report_token: short, play_times: 5 }\n";
  auto path = write_config(text);
  errors.clear();
  CHECK_FALSE(load_config(path, errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].text() == path + ":9: play_times must be 1, 2 or 3");
  CHECK(errors[1].text() == path + ":9: report_token must be at least 16 characters");
}

TEST_CASE("the broadcast channel reads its SM2 keys at load; a wrong key or id is refused at its line") {
  const auto dir = std::filesystem::temp_directory_path();
  ebd::Sm2Key ours = ebd::Sm2Key::generate(), platform = ebd::Sm2Key::generate();
  std::ofstream(dir / "jiaoying-test-ours.pem") << ours.private_pem();
  std::ofstream(dir / "jiaoying-test-ours.pub.pem") << ours.public_pem();
  std::ofstream(dir / "jiaoying-test-platform.pub.pem") << platform.public_pem();
  const std::string section =
      "  broadcast:\n"
      "    url: http://127.0.0.1:8651/ebd\n"
      "    ebrid: \"10433070200000001030101\"\n"
      "    platform_ebrid: \"10433070200000000010101\"\n"
      "    sender_name: 婺城区防汛防台抗旱指挥部\n"
      "    cert_sn: SN-1\n"
      "    key: jiaoying-test-ours.pem\n"
      "    platform_key: jiaoying-test-platform.pub.pem\n"
      "    event_types: { rainstorm: \"11B99\" }\n";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + section), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  const BroadcastSettings* b = c->first<BroadcastSettings>("broadcast");
  REQUIRE(b);
  CHECK(b->ebrid == "10433070200000001030101");
  CHECK(b->event_types.at("rainstorm") == "11B99");
  CHECK(c->broadcast_key_pem == ours.private_pem());

  auto first_error = [&](const std::string& from, const std::string& to) {
    std::string text = std::string(kGood) + section;
    text.replace(text.find(from), from.size(), to);
    LoadErrors e;
    CHECK_FALSE(load_config(write_config(text), e));
    return e.empty() ? std::string() : e[0].text();
  };
  const std::string file = write_config("");
  CHECK(first_error("key: jiaoying-test-ours.pem", "key: jiaoying-test-ours.pub.pem") ==
        file + ":15: key: " + (dir / "jiaoying-test-ours.pub.pem").string() +
            " is a public key; signing needs the private key");
  CHECK(first_error("key: jiaoying-test-ours.pem", "key: nowhere.pem").ends_with("key: cannot read " +
                                                                                 (dir / "nowhere.pem").string()));
  CHECK(first_error("ebrid: \"10433070200000001030101\"", "ebrid: \"1043\"") ==
        file + ":11: ebrid '1043' must be a 23-digit resource id");
  CHECK(first_error("rainstorm: \"11B99\"", "hurricane: \"11B99\"") ==
        file + ":17: event_types: unknown hazard 'hurricane'");
}

TEST_CASE("the SMS channel needs its signature, template and a callback token of 16 characters or more") {
  const std::string section =
      "  sms: { base_url: \"http://127.0.0.1:8652/\", access_key_id: id, access_key_secret: secret,\n"
      "         sign_name: 婺城防汛, template_code: SMS_1, callback_token: sms-callback-token-0123 }\n";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + section), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  const SmsSettings* sms = c->first<SmsSettings>("sms");
  REQUIRE(sms);
  CHECK(sms->base_url == "http://127.0.0.1:8652");
  CHECK(sms->sign_name == "婺城防汛");
  CHECK(sms->batch == 100);  // SendBatchSms by default
  CHECK(c->sms_callback_token == "sms-callback-token-0123");
  std::string text = std::string(kGood) + section;
  text.replace(text.find("sms-callback-token-0123"), 23, "short");
  errors.clear();
  CHECK_FALSE(load_config(write_config(text), errors));
  REQUIRE(!errors.empty());
  CHECK(errors[0].text().ends_with("callback_token must be at least 16 characters"));
}

TEST_CASE("a carrier's CMPP gateway is an SMS provider with protocol: cmpp; each bad field is named at its line") {
  const std::string section =
      "  sms:\n    callback_token: sms-callback-token-0123\n    providers:\n"
      "      - { name: aliyun, base_url: \"http://127.0.0.1:8652\", access_key_id: id, access_key_secret: secret, "
      "sign_name: 婺城防汛, template_code: SMS_1 }\n"
      "      - { name: carrier, protocol: cmpp, address: \"10.0.0.1:7890\", version: \"2.0\", sp_id: \"901234\",\n"
      "          shared_secret: s3cret, service_id: JYWARN, src_id: \"1069000\", sign_name: 婺城防汛, window: 8 }\n";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + section), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  const CmppSettings* cmpp = c->first<CmppSettings>("sms");
  REQUIRE(cmpp);
  CHECK(cmpp->name == "carrier");
  CHECK(cmpp->host == "10.0.0.1");
  CHECK(cmpp->port == "7890");
  CHECK(cmpp->version == cmpp::Version::v20);
  CHECK(cmpp->window == 8);
  CHECK(cmpp->batch == 1);
  CHECK(c->first<SmsSettings>("sms"));  // the cloud platform stays first
  auto refused = [&](const std::string& from, const std::string& to) {
    std::string text = std::string(kGood) + section;
    text.replace(text.find(from), from.size(), to);
    errors.clear();
    CHECK_FALSE(load_config(write_config(text), errors));
    REQUIRE(!errors.empty());
    return errors[0].text();
  };
  CHECK(refused("\"10.0.0.1:7890\"", "gateway").find("address must be host:port") != std::string::npos);
  CHECK(refused("\"2.0\"", "\"2.1\"").find("version must be \"2.0\" or \"3.0\"") != std::string::npos);
  CHECK(refused("\"901234\"", "\"9012\"").find("sp_id must be the 6-character SP id") != std::string::npos);
  CHECK(refused("window: 8", "window: 0").find("window must be a number of SUBMITs") != std::string::npos);
  CHECK(refused("protocol: cmpp", "protocol: smgp").find("protocol 'smgp' is not known (cmpp") != std::string::npos);
  CHECK(refused("window: 8", "window: 8, template_code: x").find("template_code") != std::string::npos);
  CHECK(refused("shared_secret: s3cret, ", "").find("shared_secret") != std::string::npos);
  // The line is the version's own: the carrier's entry starts on line 13.
  CHECK(refused("\"2.0\"", "\"2.1\"").find(":13:") != std::string::npos);
}

TEST_CASE("the county PBX is a voice provider with protocol: ami; a bad dial string or address is named at its line") {
  const std::string section =
      "  ivr:\n    report_token: voice-report-token-0123\n    providers:\n"
      "      - { name: pbx, protocol: ami, address: \"10.0.0.2:5038\", username: jiaoying, secret: s3cret,\n"
      "          channel: \"PJSIP/{number}@county-trunk\", caller_id: \"057982000000\", max_calls: 12 }\n";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + section), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  const AmiSettings* pbx = c->first<AmiSettings>("ivr");
  REQUIRE(pbx);
  CHECK(pbx->host == "10.0.0.2");
  CHECK(pbx->port == "5038");
  CHECK(pbx->max_calls == 12);
  CHECK(pbx->context == "jiaoying-warning");
  auto refused = [&](const std::string& from, const std::string& to) {
    std::string text = std::string(kGood) + section;
    text.replace(text.find(from), from.size(), to);
    errors.clear();
    CHECK_FALSE(load_config(write_config(text), errors));
    REQUIRE(!errors.empty());
    return errors[0].text();
  };
  CHECK(refused("PJSIP/{number}@county-trunk", "PJSIP/county-trunk").find(":13: ") != std::string::npos);
  CHECK(refused("PJSIP/{number}@county-trunk", "PJSIP/county-trunk").find("channel must dial {number}") != std::string::npos);
  CHECK(refused("\"10.0.0.2:5038\"", "pbx.county").find("address must be host:port") != std::string::npos);
  CHECK(refused("max_calls: 12", "max_calls: 0").find("max_calls must be") != std::string::npos);
  CHECK(refused("protocol: ami", "protocol: sip").find("protocol 'sip' is not known (ami") != std::string::npos);
}

TEST_CASE("a medium may list providers in order of preference, each with its own limits") {
  const std::string section =
      "  sms:\n"
      "    callback_token: sms-callback-token-0123\n"
      "    providers:\n"
      "      - { name: aliyun, base_url: \"http://127.0.0.1:8652\", access_key_id: id, access_key_secret: secret,\n"
      "          sign_name: 婺城防汛, template_code: SMS_1, rate: 50, concurrency: 8, batch: 20,\n"
      "          breaker: { failures: 3, cool_down: 10s } }\n"
      "      - { name: backup, base_url: \"http://127.0.0.1:8653\", access_key_id: id2, access_key_secret: secret2,\n"
      "          sign_name: 婺城防汛, template_code: SMS_2, min_level: orange }\n";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + section), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  REQUIRE(c->providers.size() == 3);
  const Config::Provider& first = c->providers[1];
  CHECK(first.name == "aliyun");
  CHECK(first.medium == "sms");
  CHECK(first.limits.rate == 50);
  CHECK(first.limits.concurrency == 8);
  CHECK(std::get<SmsSettings>(first.settings).batch == 20);
  CHECK(first.limits.breaker.failures == 3);
  CHECK(first.limits.breaker.cool_down == Millis(10'000));
  CHECK(c->providers[2].name == "backup");
  CHECK(c->providers[2].limits.min_level == Level::orange);
  CHECK(c->sms_callback_token == "sms-callback-token-0123");

  auto errors_of = [&](const std::string& from, const std::string& to) {
    std::string text = std::string(kGood) + section;
    text.replace(text.find(from), from.size(), to);
    LoadErrors e;
    CHECK_FALSE(load_config(write_config(text), e));
    std::string all;
    for (const auto& x : e) all += x.text() + "\n";
    return all;
  };
  const std::string file = write_config("");
  CHECK(errors_of("name: backup", "name: aliyun").find(file + ":15: provider 'aliyun' is defined twice") !=
        std::string::npos);
  CHECK(errors_of("min_level: orange", "min_level: purple")
            .find("min_level 'purple' must be red, orange, yellow or blue") != std::string::npos);
  CHECK(errors_of("batch: 20", "batch: 500").find(":13: channels.sms provider 'aliyun'.batch must be a number from 1 to 100") !=
        std::string::npos);
  CHECK(errors_of("rate: 50", "rtae: 50").find("unknown key 'rtae' in channels.sms provider 'aliyun'") != std::string::npos);
}

TEST_CASE("the webhook channel needs a url and a secret of 16 characters or more; calls have their caps") {
  const std::string section =
      "  webhook: { url: \"http://127.0.0.1:8660/hook\", secret: webhook-secret-0123456, batch: 50 }\n"
      "  ivr: { base_url: \"http://127.0.0.1:8642\", access_key_id: i, access_key_secret: s, show_number: \"0571\",\n"
      "         start_code: T1, confirm_code: T2, report_token: voice-report-token-0123,\n"
      "         calls: { per_minute: 1, per_hour: 4, per_day: 10, per_township: 12 } }\n";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + section), errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  REQUIRE(c->first<WebhookSettings>("webhook"));
  CHECK(c->first<WebhookSettings>("webhook")->batch == 50);
  CHECK(c->call_limits.per_hour == 4);
  CHECK(c->call_limits.per_township == 12);
  std::string text = std::string(kGood) + section;
  text.replace(text.find("webhook-secret-0123456"), 22, "short");
  errors.clear();
  CHECK_FALSE(load_config(write_config(text), errors));
  REQUIRE(!errors.empty());
  CHECK(errors[0].text().ends_with(":9: secret must be at least 16 characters"));
}

TEST_CASE("a feed's signed_by reads its certificates at load; a missing or wrong one is refused at its line") {
  const std::string signed_dir = std::string(JIAOYING_SOURCE_DIR) + "/tests/data/cap/signed";
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood) + "feeds:\n  - { name: met, type: push, token: a-push-token-0123456789, "
                                                         "signed_by: [" + signed_dir + "/signer.pem, " + signed_dir +
                                    "/other.pem] }\n"),
                       errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  REQUIRE(c->feeds.size() == 1);
  REQUIRE(c->feeds[0].signed_by.size() == 2);
  CHECK(c->feeds[0].signed_by[0].pem.find("BEGIN CERTIFICATE") != std::string::npos);
  for (const std::string& wrong : {signed_dir + "/signer.key", signed_dir + "/nowhere.pem"}) {
    LoadErrors bad;
    const std::string path = write_config(std::string(kGood) + "feeds:\n  - { name: met, type: push, token: "
                                                               "a-push-token-0123456789, signed_by: " + wrong + " }\n");
    CHECK_FALSE(load_config(path, bad));
    REQUIRE(bad.size() == 1);
    CHECK_MESSAGE(bad[0].text().starts_with(path + ":10: " + wrong), bad[0].text());
  }
}

TEST_CASE("metrics: off unless asked; a listen that is not host:port, or is the public one, is refused at its line") {
  LoadErrors errors;
  auto plain = load_config(write_config(kGood), errors);
  REQUIRE(plain);
  CHECK(plain->metrics_listen.empty());

  auto on = load_config(write_config(std::string(kGood) + "metrics: { listen: 127.0.0.1:9464 }\n"), errors);
  REQUIRE_MESSAGE(on, (errors.empty() ? "" : errors[0].text()));
  CHECK(on->metrics_listen == "127.0.0.1:9464");

  for (const auto& [line, says] : std::vector<std::pair<std::string, std::string>>{
           {"metrics: { listen: nine }", "must be host:port"},
           {"metrics: { listen: 127.0.0.1:8640 }", "must differ from listen"},
           {"metrics: { listne: 127.0.0.1:9464 }", "unknown key 'listne'"}}) {
    LoadErrors bad;
    const std::string path = write_config(std::string(kGood) + line + "\n");
    CHECK_FALSE(load_config(path, bad));
    REQUIRE_MESSAGE(bad.size() == 1, line);
    CHECK_MESSAGE(bad[0].text().starts_with(path + ":9:"), bad[0].text());
    CHECK_MESSAGE(bad[0].text().find(says) != std::string::npos, bad[0].text());
  }
}

TEST_CASE("a provider's heartbeat: a test account and an interval; refused where it makes no sense, at its line") {
  LoadErrors errors;
  auto c = load_config(write_config(std::string(kGood).replace(
                           std::string(kGood).find("tenant_id: \"196729\" }"), 21,
                           "tenant_id: \"196729\", heartbeat: { to: \"3000001\", every: 15m } }")),
                       errors);
  REQUIRE_MESSAGE(c, (errors.empty() ? "" : errors[0].text()));
  REQUIRE(c->providers.size() == 1);
  CHECK(c->providers[0].heartbeat_to == "3000001");
  CHECK(c->providers[0].heartbeat_every == Millis(15 * 60 * 1000));

  for (const auto& [heartbeat, says] : std::vector<std::pair<std::string, std::string>>{
           {"heartbeat: { to: \"3000001\", every: 500ms }", "every must be 1s or more"},
           {"heartbeat: { every: 15m }", "'to'"},
           {"heartbeat: { to: \"3000001\", every: 15m, at: 2 }", "unknown key 'at'"},
           {"heartbeat: 15m", "must be a mapping"}}) {
    std::string text = kGood;
    text.replace(text.find("tenant_id: \"196729\" }"), 21, "tenant_id: \"196729\", " + heartbeat + " }");
    LoadErrors bad;
    const std::string path = write_config(text);
    CHECK_FALSE(load_config(path, bad));
    REQUIRE_MESSAGE(bad.size() >= 1, heartbeat);
    CHECK_MESSAGE(bad[0].text().starts_with(path + ":8:"), bad[0].text());
    CHECK_MESSAGE(bad[0].text().find(says) != std::string::npos, bad[0].text());
  }
  // An SMS heartbeat needs a mobile.
  std::string sms = std::string(kGood) +
                    "  sms: { base_url: \"http://127.0.0.1:8642\", access_key_id: i, access_key_secret: s, sign_name: 婺城防汛, "
                    "template_code: T, callback_token: a-long-enough-token-1234, heartbeat: { to: \"3000001\", every: 15m } }\n";
  LoadErrors bad;
  CHECK_FALSE(load_config(write_config(sms), bad));
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].text().find("to must be the test phone's 11-digit mobile, not '3000001'") != std::string::npos);
}
