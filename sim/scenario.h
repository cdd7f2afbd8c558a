// A simulator scenario: which credentials the simulated Zhezhengding platform accepts and how
// each person behaves (taps 收到 after a delay, or never). Loaded once by main from YAML, then
// read-only, so any thread may read a loaded Scenario.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/zzd/open_platform.h"
#include "sim/faults.h"

namespace jiaoying::sim {

using Millis = std::chrono::milliseconds;

// nullopt means "never answers".
using AnswerDelay = std::optional<Millis>;

// How a township official files the report-back (回报) once a card carries its button.
struct ReportBehaviour {
  Millis after{0};  // after the first card with a 回报 button
  std::string commander;
  int64_t villages = 0;
  int64_t moved = 0;
};

// How a person's phone behaves when the voice platform rings it.
struct CallBehaviour {
  enum class Kind { answers, no_answer, busy } kind = Kind::no_answer;
  Millis after{30'000};    // answers: picks up after this; otherwise how long it rang
  std::string press;       // answers: the keys pressed ("1" confirms); "" = listens, presses nothing
};

// How a person answers a text: replies after a delay with the code the text asks for, or with
// their own words (收到); or never.
struct TextBehaviour {
  Millis after{60'000};
  std::string reply;  // "" = the code the text asks for ("回复2确认收到" → "2")
};

// The SMS platform: the signature and template it has approved (it takes the voice access key:
// one cloud account). A second SMS gateway (sms_backup) has its own key and is served under its
// own path, as a different provider would be at a different address.
struct SmsService {
  std::string sign_name;
  std::string template_code;
  std::string path = "";                          // "" for the main platform; "/backup" for a second one
  std::optional<zzd::Credentials> key = std::nullopt;  // the second gateway's own access key
};

// A carrier's SMS gateway over CMPP (jiaoying-sim --cmpp-listen): the SP it knows, the shared
// secret of the login, the version it speaks, and the service number it takes texts for.
struct CmppService {
  std::string sp_id;
  std::string shared_secret;
  std::string src_id;           // the SP's service number (Src_Id must start with it)
  uint8_t version = 0x30;       // 0x20 or 0x30
};

// The county's own PBX (Asterisk) behind its manager interface (jiaoying-sim --ami-listen): the
// manager user it takes, the dialplan context calls must go to, and how many calls its trunk
// carries at once (beyond that a call fails with congestion, as a full trunk does).
struct AsteriskService {
  std::string username;
  std::string secret;
  std::string context = "jiaoying-warning";
  std::string spot_check_context = "jiaoying-spotcheck";
  int channels = 30;
};

// A county system that takes jiaoying's signed JSON deliveries (the webhook channel).
struct WebhookService {
  std::string path = "/webhook";
  std::string secret;
};

// The county emergency-broadcast platform: its resource id, and how its loudspeakers behave.
struct BroadcastBehaviour {
  std::string ebrid;                 // DEST/EBRID it answers to (23 digits)
  enum class Outcome { played, failed, never } outcome = Outcome::played;
  Millis report_after{30'000};       // the playback report comes this long after the EBM
  std::vector<std::string> silent;   // areas whose loudspeakers stay silent (not covered)
};

struct Scenario {
  zzd::Credentials credentials;  // the one api_key / secret_key pair the platform accepts
  std::string tenant_id;         // requests for any other tenant are refused
  std::map<std::string, AnswerDelay> people;  // by Zhezhengding account id
  AnswerDelay default_delay;                  // for accounts not in `people`; never unless written
  std::map<std::string, ReportBehaviour> reports;  // who files the report-back; others never do
  // The voice platform: the one access key it accepts, and each mobile's phone (by number);
  // a number not listed rings out unanswered.
  std::optional<zzd::Credentials> voice_key;  // api_key = AccessKeyId, secret_key = AccessKeySecret
  std::map<std::string, CallBehaviour> phones;
  std::optional<BroadcastBehaviour> broadcast;
  std::optional<SmsService> sms;
  std::optional<SmsService> sms_backup;
  std::optional<CmppService> cmpp;
  std::optional<AsteriskService> asterisk;
  std::optional<WebhookService> webhook;
  // Bad days per provider (zzd, zzd-ding, sms, sms_backup, cmpp, voice, asterisk, broadcast, webhook).
  std::map<std::string, FaultSettings> faults;
  std::map<std::string, TextBehaviour> texters;  // by mobile: who replies to texts; others never do
  // By mobile: the keys a person presses to the 六问 spot check's questions ("111121"; fewer keys
  // than questions: they hang up early). A person not listed whose phone answers calls answers
  // every question with 1; one whose phone does not, never picks up.
  std::map<std::string, std::string> spot_checks;
  // How the phone behind `mobile` takes a spot check: the keys, and after how long it is picked up
  // (nullopt: it rings out). `questions` is how many were asked.
  std::optional<std::pair<std::string, Millis>> spot_check_keys(const std::string& mobile, size_t questions) const;

  // How long after the first notification `account` taps 收到, or nullopt for never.
  AnswerDelay answer_delay(std::string_view account) const;
};

// A problem in the scenario file, printed as "file:line: message".
struct ScenarioError {
  std::string file;
  int line = 0;  // 1-based; 0 when the whole file is at fault
  std::string message;

  std::string text() const;
};

// Every problem found is appended to `errors`; nullopt when there was at least one.
std::optional<Scenario> load_scenario_file(const std::string& path,
                                           std::vector<ScenarioError>& errors);
// `name` stands in for the file name in messages (tests, embedded samples).
std::optional<Scenario> load_scenario_string(const std::string& text, const std::string& name,
                                             std::vector<ScenarioError>& errors);

// "45s", "4m", "1m30s", "500ms", "2h". Units in descending order, each at most once; a bare
// number has no unit and is refused. nullopt when malformed.
std::optional<Millis> parse_duration(std::string_view text);

}  // namespace jiaoying::sim
