#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <tuple>

namespace jiaoying::sim {

AnswerDelay Scenario::answer_delay(std::string_view account) const {
  auto it = people.find(std::string(account));
  return it == people.end() ? default_delay : it->second;
}

std::string ScenarioError::text() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

std::optional<Millis> parse_duration(std::string_view text) {
  // Units from largest to smallest; a later part must use a smaller unit than the one before,
  // so "30s1m" and "1m1m" are refused instead of silently summed.
  struct Unit {
    std::string_view suffix;
    Millis size;
  };
  static constexpr Unit kUnits[] = {
      {"h", Millis(3'600'000)}, {"ms", Millis(1)}, {"m", Millis(60'000)}, {"s", Millis(1'000)}};
  if (text.empty()) return std::nullopt;
  Millis total{0};
  Millis previous_unit = Millis::max();
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    long long value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      if (value > 1'000'000'000) return std::nullopt;  // no scenario waits 30 years
      ++i;
    }
    if (i == start) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {  // "ms" is tried before "m"
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (!unit || unit->size >= previous_unit) return std::nullopt;
    previous_unit = unit->size;
    total += unit->size * value;
    i += unit->suffix.size();
  }
  return total;
}

namespace {

// Strict reading of one YAML document into a Scenario, recording every problem with its line.
class ScenarioReader {
 public:
  ScenarioReader(std::string file, std::vector<ScenarioError>& errors)
      : file_(std::move(file)), errors_(errors) {}

  // yaml-cpp throws on shapes the checks do not foresee: an error at the file, not a crash.
  std::optional<Scenario> read(const std::string& text) {
    try {
      return read_unguarded(text);
    } catch (const YAML::Exception& e) {
      error(e.mark.line + 1, std::string("cannot be read: ") + e.what());
      return std::nullopt;
    }
  }

 private:
  std::optional<Scenario> read_unguarded(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      error(e.mark.line + 1, e.msg);
      return std::nullopt;
    }
    size_t errors_before = errors_.size();
    if (!root.IsMap()) {
      error(root.IsDefined() && !root.IsNull() ? line_of(root) : 0,
            "a scenario is a mapping with keys zzd, people and default");
      return std::nullopt;
    }
    only_keys(root, {"zzd", "voice", "sms", "sms_backup", "cmpp", "asterisk", "webhook", "broadcast", "faults",
                     "people", "default"},
              "the scenario");

    Scenario scenario;
    read_platform(root, scenario);
    if (YAML::Node v = root["voice"]) {
      if (!v.IsMap()) {
        error(line_of(v), "'voice' must be a mapping with access_key_id and access_key_secret");
      } else {
        only_keys(v, {"access_key_id", "access_key_secret"}, "voice");
        auto id = scalar(v, "access_key_id", "voice");
        auto secret = scalar(v, "access_key_secret", "voice");
        if (id && secret) scenario.voice_key = zzd::Credentials{*id, *secret};
      }
    }
    if (YAML::Node b = root["broadcast"]) read_broadcast(b, scenario);
    if (YAML::Node m = root["sms"]) {
      if (!m.IsMap()) {
        error(line_of(m), "'sms' must be a mapping with sign_name and template_code");
      } else {
        only_keys(m, {"sign_name", "template_code"}, "sms");
        auto sign = scalar(m, "sign_name", "sms");
        auto code = scalar(m, "template_code", "sms");
        if (sign && code) scenario.sms = SmsService{*sign, *code};
      }
    }
    if (YAML::Node m = root["sms_backup"]) {
      if (!m.IsMap()) {
        error(line_of(m), "'sms_backup' must be a mapping with path, access_key_id, access_key_secret, sign_name, template_code");
      } else {
        only_keys(m, {"path", "access_key_id", "access_key_secret", "sign_name", "template_code"}, "sms_backup");
        auto path = scalar(m, "path", "sms_backup");
        auto id = scalar(m, "access_key_id", "sms_backup");
        auto secret = scalar(m, "access_key_secret", "sms_backup");
        auto sign = scalar(m, "sign_name", "sms_backup");
        auto code = scalar(m, "template_code", "sms_backup");
        if (path && (path->size() < 2 || path->front() != '/' || path->back() == '/'))
          error(line_of(m["path"]), "sms_backup.path must look like /backup");
        else if (path && id && secret && sign && code)
          scenario.sms_backup = SmsService{*sign, *code, *path, zzd::Credentials{*id, *secret}};
      }
    }
    if (YAML::Node m = root["cmpp"]) {
      if (!m.IsMap()) {
        error(line_of(m), "'cmpp' must be a mapping with sp_id, shared_secret, src_id and version");
      } else {
        only_keys(m, {"sp_id", "shared_secret", "src_id", "version"}, "cmpp");
        auto sp = scalar(m, "sp_id", "cmpp");
        auto secret = scalar(m, "shared_secret", "cmpp");
        auto src = scalar(m, "src_id", "cmpp");
        auto version = scalar(m, "version", "cmpp");
        if (sp && sp->size() != 6) error(line_of(m["sp_id"]), "cmpp.sp_id must be the SP's 6-character id");
        else if (version && *version != "2.0" && *version != "3.0")
          error(line_of(m["version"]), "cmpp.version must be \"2.0\" or \"3.0\", not '" + *version + "'");
        else if (sp && secret && src && version)
          scenario.cmpp = CmppService{*sp, *secret, *src, static_cast<uint8_t>(*version == "2.0" ? 0x20 : 0x30)};
      }
    }
    if (YAML::Node m = root["asterisk"]) {
      if (!m.IsMap()) {
        error(line_of(m), "'asterisk' must be a mapping with username and secret (and context, channels)");
      } else {
        only_keys(m, {"username", "secret", "context", "spot_check_context", "channels"}, "asterisk");
        auto user = scalar(m, "username", "asterisk");
        auto secret = scalar(m, "secret", "asterisk");
        AsteriskService pbx;
        if (m["context"]) pbx.context = m["context"].as<std::string>("");
        if (m["spot_check_context"]) pbx.spot_check_context = m["spot_check_context"].as<std::string>("");
        if (m["channels"]) {
          pbx.channels = m["channels"].as<int>(0);
          if (pbx.channels < 1 || pbx.channels > 10000)
            error(line_of(m["channels"]), "asterisk.channels must be the trunk's calls at once, 1 to 10000");
        }
        if (user && secret) {
          pbx.username = *user;
          pbx.secret = *secret;
          scenario.asterisk = pbx;
        }
      }
    }
    if (YAML::Node w = root["webhook"]) {
      if (!w.IsMap()) {
        error(line_of(w), "'webhook' must be a mapping with secret (and path)");
      } else {
        only_keys(w, {"path", "secret"}, "webhook");
        WebhookService receiver;
        if (w["path"]) receiver.path = w["path"].as<std::string>("");
        if (auto secret = scalar(w, "secret", "webhook")) receiver.secret = *secret;
        if (!receiver.secret.empty()) scenario.webhook = receiver;
      }
    }
    if (YAML::Node f = root["faults"]) read_faults(f, scenario);
    read_people(root, scenario);
    if (YAML::Node d = root["default"]) {
      if (auto delay = answer(d, "default")) scenario.default_delay = *delay;
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return scenario;
  }

  static int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

  // YAML as the JSON the running simulator also takes (POST /sim/faults): numbers stay numbers.
  static boost::json::value to_json(const YAML::Node& node) {
    if (node.IsMap()) {
      boost::json::object o;
      for (auto it = node.begin(); it != node.end(); ++it) o[it->first.Scalar()] = to_json(it->second);
      return o;
    }
    if (node.IsSequence()) {
      boost::json::array a;
      for (const YAML::Node& e : node) a.push_back(to_json(e));
      return a;
    }
    const std::string& text = node.Scalar();
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) return number;
    return boost::json::string(text);
  }

  // faults: { zzd: { latency: 50ms, error_rate: 0.1 }, sms: { outages: [{ from: 10s, for: 30s }] } }
  void read_faults(const YAML::Node& f, Scenario& scenario) {
    if (!f.IsMap()) return error(line_of(f), "'faults' maps providers (zzd, zzd-ding, sms, sms_backup, cmpp, voice, asterisk, broadcast, webhook) to their faults");
    for (auto it = f.begin(); it != f.end(); ++it) {
      const std::string provider = it->first.Scalar();
      if (std::find(std::begin(kProviders), std::end(kProviders), provider) == std::end(kProviders)) {
        error(line_of(it->first), "faults: unknown provider '" + provider + "' (zzd, zzd-ding, sms, sms_backup, cmpp, voice, asterisk, broadcast, webhook)");
        continue;
      }
      std::string why;
      auto settings = parse_fault_settings(boost::json::serialize(to_json(it->second)), why);
      if (!settings) error(line_of(it->second), "faults." + provider + ": " + why);
      else scenario.faults[provider] = *settings;
    }
  }

  // broadcast: { ebrid: "…", outcome: played|failed|never, report_after: 30s, silent: [codes] }
  void read_broadcast(const YAML::Node& b, Scenario& scenario) {
    if (!b.IsMap()) {
      error(line_of(b), "'broadcast' must be a mapping with ebrid, outcome, report_after, silent");
      return;
    }
    only_keys(b, {"ebrid", "outcome", "report_after", "silent"}, "broadcast");
    BroadcastBehaviour out;
    auto ebrid = scalar(b, "ebrid", "broadcast");
    if (!ebrid) return;
    if (ebrid->size() != 23 || ebrid->find_first_not_of("0123456789") != std::string::npos) {
      error(line_of(b["ebrid"]), "ebrid '" + *ebrid + "' must be 23 digits");
      return;
    }
    out.ebrid = *ebrid;
    if (YAML::Node o = b["outcome"]) {
      const std::string v = o.IsScalar() ? o.Scalar() : "";
      if (v == "played") out.outcome = BroadcastBehaviour::Outcome::played;
      else if (v == "failed") out.outcome = BroadcastBehaviour::Outcome::failed;
      else if (v == "never") out.outcome = BroadcastBehaviour::Outcome::never;
      else {
        error(line_of(o), "outcome '" + v + "' must be played, failed or never");
        return;
      }
    }
    if (YAML::Node a = b["report_after"]) {
      auto d = answer(a, "report_after");
      if (!d || !*d) return;
      out.report_after = **d;
    }
    if (YAML::Node silent = b["silent"]) {
      if (!silent.IsSequence()) {
        error(line_of(silent), "'silent' must be a list of area codes");
        return;
      }
      for (const auto& code : silent) out.silent.push_back(code.as<std::string>(""));
    }
    scenario.broadcast = out;
  }

  void error(int line, std::string message) {
    errors_.push_back(ScenarioError{file_, line < 0 ? 0 : line, std::move(message)});
  }

  // Unknown and repeated keys are errors: a typo must not silently mean "never answers".
  void only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                 std::string_view what) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string key = it->first.Scalar();
      bool known = false;
      for (std::string_view a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(line_of(it->first),
              "unknown key '" + key + "' in " + std::string(what) + " (expected " + list + ")");
      } else if (!seen.insert(key).second) {
        error(line_of(it->first), "key '" + key + "' is written twice");
      }
    }
  }

  // A required, non-empty scalar child of `map`.
  std::optional<std::string> scalar(const YAML::Node& map, const char* key, std::string_view what) {
    YAML::Node node = map[key];
    if (!node) {
      error(line_of(map), std::string(what) + " needs '" + key + "'");
      return std::nullopt;
    }
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(line_of(node), "'" + std::string(key) + "' must be a non-empty text");
      return std::nullopt;
    }
    return node.Scalar();
  }

  // `never` or a duration; the outer optional is empty on error.
  std::optional<AnswerDelay> answer(const YAML::Node& node, std::string_view key) {
    if (node.IsScalar()) {
      if (node.Scalar() == "never") return AnswerDelay{};
      if (auto d = parse_duration(node.Scalar())) return AnswerDelay{*d};
    }
    error(line_of(node), "'" + std::string(key) +
                             "' must be never or a duration like 45s or 1m30s" +
                             (node.IsScalar() ? ", not '" + node.Scalar() + "'" : ""));
    return std::nullopt;
  }

  void read_platform(const YAML::Node& root, Scenario& scenario) {
    YAML::Node zzd = root["zzd"];
    if (!zzd)
      return error(line_of(root), "the scenario needs 'zzd' (api_key, secret_key, tenant_id)");
    if (!zzd.IsMap()) return error(line_of(zzd), "'zzd' must be a mapping");
    only_keys(zzd, {"api_key", "secret_key", "tenant_id"}, "zzd");
    if (auto v = scalar(zzd, "api_key", "zzd")) scenario.credentials.api_key = *v;
    if (auto v = scalar(zzd, "secret_key", "zzd")) scenario.credentials.secret_key = *v;
    if (auto v = scalar(zzd, "tenant_id", "zzd")) scenario.tenant_id = *v;
  }

  void read_people(const YAML::Node& root, Scenario& scenario) {
    YAML::Node people = root["people"];
    if (!people || people.IsNull()) return;  // everyone follows `default`
    if (!people.IsSequence()) return error(line_of(people), "'people' must be a list");
    std::map<std::string, int> declared_at;
    for (const YAML::Node& person : people) {
      if (!person.IsMap()) {
        error(line_of(person), "a person is a mapping with account and answer_after or answer");
        continue;
      }
      only_keys(person, {"account", "answer_after", "answer", "report", "mobile", "call", "text", "spot_check"},
                "a person");
      auto account = scalar(person, "account", "a person");
      YAML::Node after = person["answer_after"];
      YAML::Node never = person["answer"];
      std::optional<AnswerDelay> delay;
      if (after && never) {
        error(line_of(person), "a person has either answer_after or answer: never, not both");
      } else if (!after && !never) {
        error(line_of(person), "a person needs answer_after (a duration) or answer: never");
      } else if (after) {
        if (after.IsScalar() && after.Scalar() != "never") {
          delay = answer(after, "answer_after");
        } else {
          error(line_of(after), "'answer_after' must be a duration like 45s or 1m30s");
        }
      } else if (never.IsScalar() && never.Scalar() == "never") {
        delay = AnswerDelay{};
      } else {
        error(line_of(never), "'answer' can only be never (use answer_after for a delay)");
      }
      if (!account) continue;
      auto [it, fresh] = declared_at.emplace(*account, line_of(person));
      if (!fresh) {
        error(line_of(person),
              "account " + *account + " is already listed at line " + std::to_string(it->second));
        continue;
      }
      if (delay) scenario.people[*account] = *delay;
      if (YAML::Node r = person["report"])
        if (auto behaviour = report(r)) scenario.reports[*account] = *behaviour;
      if (YAML::Node t = person["text"]) {
        auto mobile = scalar(person, "mobile", "a person with 'text'");
        auto behaviour = text(t);
        if (mobile && behaviour) scenario.texters[*mobile] = *behaviour;
      }
      if (YAML::Node k = person["spot_check"]) {
        auto mobile = scalar(person, "mobile", "a person with 'spot_check'");
        if (!k.IsScalar() || k.Scalar().empty() || k.Scalar().find_first_not_of("0123456789*#") != std::string::npos)
          error(line_of(k), "'spot_check' is the keys pressed to the 六问, one a question, like \"111121\"");
        else if (mobile)
          scenario.spot_checks[*mobile] = k.Scalar();
      }
      if (YAML::Node c = person["call"]) {
        auto mobile = scalar(person, "mobile", "a person with 'call'");
        auto behaviour = call(c);
        if (mobile && behaviour) scenario.phones[*mobile] = *behaviour;
      }
    }
  }

  // text: { reply_after: 1m } | { reply_after: 1m, reply: 收到 }
  std::optional<TextBehaviour> text(const YAML::Node& node) {
    if (!node.IsMap()) {
      error(line_of(node), "'text' is { reply_after: 1m } or { reply_after: 1m, reply: 收到 }");
      return std::nullopt;
    }
    only_keys(node, {"reply_after", "reply"}, "a text");
    TextBehaviour out;
    auto after = scalar(node, "reply_after", "a text");
    if (!after) return std::nullopt;
    auto delay = parse_duration(*after);
    if (!delay) {
      error(line_of(node["reply_after"]), "'reply_after' must be a duration like 45s or 1m30s");
      return std::nullopt;
    }
    out.after = *delay;
    if (YAML::Node r = node["reply"]) out.reply = r.as<std::string>("");
    return out;
  }

  // call: { answer_after: 20s, press: "1" } | { answer_after: 20s } | never | busy
  std::optional<CallBehaviour> call(const YAML::Node& node) {
    CallBehaviour out;
    if (node.IsScalar() && (node.Scalar() == "never" || node.Scalar() == "busy")) {
      out.kind = node.Scalar() == "busy" ? CallBehaviour::Kind::busy : CallBehaviour::Kind::no_answer;
      if (out.kind == CallBehaviour::Kind::busy) out.after = Millis(5'000);
      return out;
    }
    if (!node.IsMap()) {
      error(line_of(node), "'call' is never, busy, or { answer_after: 20s, press: \"1\" }");
      return std::nullopt;
    }
    only_keys(node, {"answer_after", "press"}, "a call");
    auto after = scalar(node, "answer_after", "a call");
    if (!after) return std::nullopt;
    auto delay = parse_duration(*after);
    if (!delay) {
      error(line_of(node["answer_after"]), "'answer_after' must be a duration like 20s");
      return std::nullopt;
    }
    out.kind = CallBehaviour::Kind::answers;
    out.after = *delay;
    if (YAML::Node press = node["press"]) {
      if (!press.IsScalar() || press.Scalar().find_first_not_of("0123456789*#") != std::string::npos) {
        error(line_of(press), "'press' must be phone keys, like \"1\"");
        return std::nullopt;
      }
      out.press = press.Scalar();
    }
    return out;
  }

  // report: { after: 4m, commander: 褚某一 镇长, villages: 3, moved: 120 }
  std::optional<ReportBehaviour> report(const YAML::Node& node) {
    if (!node.IsMap()) {
      error(line_of(node), "'report' is a mapping with after, commander, villages and moved");
      return std::nullopt;
    }
    only_keys(node, {"after", "commander", "villages", "moved"}, "a report");
    ReportBehaviour out;
    auto after = scalar(node, "after", "a report");
    auto commander = scalar(node, "commander", "a report");
    auto villages = scalar(node, "villages", "a report");
    auto moved = scalar(node, "moved", "a report");
    if (!after || !commander || !villages || !moved) return std::nullopt;
    auto delay = parse_duration(*after);
    if (!delay) {
      error(line_of(node["after"]), "'after' must be a duration like 4m or 1m30s");
      return std::nullopt;
    }
    out.after = *delay;
    out.commander = *commander;
    for (auto [text, field, name] : {std::tuple{&*villages, &out.villages, "villages"},
                                     std::tuple{&*moved, &out.moved, "moved"}}) {
      if (text->empty() || text->size() > 9 ||
          !std::all_of(text->begin(), text->end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        error(line_of(node[name]), "'" + std::string(name) + "' must be a whole number");
        return std::nullopt;
      }
      *field = std::stoll(*text);
    }
    return out;
  }

  std::string file_;
  std::vector<ScenarioError>& errors_;
};

}  // namespace

std::optional<Scenario> load_scenario_string(const std::string& text, const std::string& name,
                                             std::vector<ScenarioError>& errors) {
  return ScenarioReader(name, errors).read(text);
}

std::optional<Scenario> load_scenario_file(const std::string& path,
                                           std::vector<ScenarioError>& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back(ScenarioError{path, 0, "cannot open"});
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_string(text.str(), path, errors);
}

std::optional<std::pair<std::string, Millis>> Scenario::spot_check_keys(const std::string& mobile, size_t questions) const {
  const auto phone = phones.find(mobile);
  const Millis after = phone != phones.end() && phone->second.kind == CallBehaviour::Kind::answers ? phone->second.after
                                                                                                 : Millis(10'000);
  if (auto it = spot_checks.find(mobile); it != spot_checks.end()) return std::pair{it->second, after};
  if (phone != phones.end() && phone->second.kind == CallBehaviour::Kind::answers)
    return std::pair{std::string(questions, '1'), after};
  return std::nullopt;
}

}  // namespace jiaoying::sim
