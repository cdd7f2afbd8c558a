// jiaoying: the duty officer's command line. Talks to jiaoyingd over its Unix socket; `demo`
// runs the whole system on loopback for a newcomer.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "channels/form.h"
#include "cli/admin_client.h"
#include "rules/json_text.h"
#include "cli/demo.h"
#include "cli/directory_generator.h"
#include "cli/process.h"
#include "cli/plan_commands.h"
#include "cli/warning_check.h"
#include "cli/report_html.h"
#include "cli/views.h"
#include "cli/watch.h"
#include "daemon/config.h"
#include "daemon/store_sqlite_backup.h"

namespace {

std::string default_socket() {
  const char* env = std::getenv("JIAOYING_SOCKET");
  return env && *env ? env : "/run/jiaoying/jiaoying.sock";
}

int fail(const std::string& message) {
  std::cerr << "jiaoying: " << message << '\n';
  return 1;
}

// `text` to the terminal, or to `file` (-o FILE) with a line saying so.
int emit(const std::string& text, const std::string& file) {
  if (file.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out.flush()) return fail(file + ": cannot be written");
  std::cerr << "jiaoying: wrote " << file << " (" << text.size() << " bytes)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jiaoying — see who has answered a warning, and what the engine did about it"};
  app.require_subcommand(1);
  std::string socket = default_socket();
  bool json_out = false;
  app.add_option("--socket", socket, "jiaoyingd's admin socket (env JIAOYING_SOCKET)");

  auto* warnings = app.add_subcommand("warnings", "one line per warning: answered / total");
  warnings->add_flag("--json", json_out, "print the API's JSON");

  auto* status = app.add_subcommand(
      "status", "jiaoyingd's health: providers, outbox, engine lag, disk, open warnings; exit 1 while anything is red");
  status->add_flag("--json", json_out, "print the API's JSON");

  std::string warning_id;
  auto* report = app.add_subcommand("report", "the printable after-action report of one warning (一事一档)");
  report->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  report->add_flag("--json", json_out, "print the API's JSON");
  std::string report_format = "text", report_file;
  bool report_all = false, report_unmask = false;
  report->add_option("--format", report_format, "text, html (one file to print and archive), csv or json")
      ->check(CLI::IsMember({"text", "html", "csv", "json"}));
  report->add_option("-o,--out", report_file, "write it to this file instead of the terminal");
  report->add_flag("--all", report_all, "list every recipient (default: 200, those not answered first)");
  report->add_flag("--unmask", report_unmask, "whole phone numbers in the file (recorded in the warning's trail)");
  auto* show = app.add_subcommand("show", "every recipient of one warning: area, role, person, state");
  show->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  show->add_flag("--json", json_out, "print the API's JSON");
  std::string filter_area, filter_tier, filter_role, filter_state, view_output = "text";
  int view_limit = 0;
  bool unmask = false;
  show->add_option("--area", filter_area, "only this area and everything below it (division code)");
  show->add_option("--tier", filter_tier, "only this tier")->check(CLI::IsMember({"city", "county", "township", "village"}));
  show->add_option("--role", filter_role, "only this role (township_head, flood_chief, …)");
  show->add_option("--state", filter_state, "only this state")
      ->check(CLI::IsMember({"pending", "calling", "answered", "covered", "exhausted", "cancelled"}));
  show->add_option("--limit", view_limit, "list at most this many (default 500; those needing action first)");
  show->add_option("-o,--output", view_output, "text, json or csv (csv: every callout)")
      ->check(CLI::IsMember({"text", "json", "csv"}));
  show->add_flag("--unmask", unmask, "csv with whole phone numbers (recorded in the warning's trail)");

  // The duty desk: acting by hand on a running warning (each an audit event naming the Unix user).
  std::string person, note_text, via, reason;
  bool unanswered = false;
  auto* ack = app.add_subcommand("ack", "record that a person answered by other means (a call to the duty room)");
  ack->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  ack->add_option("PERSON", person, "callout number, person id or mobile")->required();
  ack->add_option("--note", note_text, "how they answered, for the record")->required();
  auto* call = app.add_subcommand("call", "reach one person now, outside the ladder");
  call->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  call->add_option("PERSON", person, "callout number, person id or mobile")->required();
  call->add_option("--via", via, "ivr, sms, zzd … (default: the phone when there is one)");
  auto* resend = app.add_subcommand("resend", "send the warning's notice again");
  resend->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  resend->add_flag("--unanswered", unanswered, "only to those still silent");
  auto* cancel = app.add_subcommand("cancel", "end a warning issued by mistake (解除 to those reached)");
  cancel->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  cancel->add_option("--reason", reason, "why, for the record")->required();
  std::string escalate_to;
  std::vector<std::string> escalate_roles;
  auto* escalate = app.add_subcommand("escalate", "raise the level above now, or call more areas' posts in");
  escalate->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  escalate->add_option("--to", escalate_to, "superior, duty_officer, or an area code")->required();
  escalate->add_option("--roles", escalate_roles, "with an area: only these roles")->delimiter(',');
  escalate->add_option("--reason", reason, "why, for the record and the message")->required();
  std::string spot_sample, spot_tier;
  std::vector<std::string> spot_roles;
  auto* spotcheck = app.add_subcommand("spotcheck", "六问: phone a random sample of the posts that answered the questions");
  spotcheck->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  spotcheck->add_option("--sample", spot_sample, "how many posts (10), or what share of those that answered (10%)")
      ->required()
      ->check([](const std::string& v) {
        const bool percent = !v.empty() && v.back() == '%';
        const std::string digits = percent ? v.substr(0, v.size() - 1) : v;
        if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(digits) == 0 || (percent && std::stoi(digits) > 100))
          return std::string("must be a number of posts (10) or a share 1%–100% (10%)");
        return std::string();
      });
  spotcheck->add_option("--tier", spot_tier, "only posts of this tier (village, township, county)");
  spotcheck->add_option("--roles", spot_roles, "only these roles (flood_chief,village_head)")->delimiter(',');
  auto* note = app.add_subcommand("note", "add a line to a warning's record");
  note->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  note->add_option("TEXT", note_text, "the line")->required();
  std::string warn_file, warn_hazard, warn_level, warn_headline, warn_text;
  std::vector<std::string> warn_areas;
  auto* warn = app.add_subcommand("warn", "call out a warning phoned in to the duty room (source duty-desk)");
  warn->add_option("FILE", warn_file, "a warning file (JSON or CAP) instead of the options");
  warn->add_option("--hazard", warn_hazard, "rainstorm, forest_fire, …");
  warn->add_option("--level", warn_level, "blue, yellow, orange or red");
  warn->add_option("--area", warn_areas, "division codes")->expected(1, -1);
  warn->add_option("--headline", warn_headline, "the warning's headline");
  warn->add_option("--text", warn_text, "the description");

  std::string summary_from, summary_to, summary_format = "text", summary_file;
  bool summary_drills = false;
  auto* summary = app.add_subcommand("summary", "the period summary (考核): R10 figures per county and township");
  summary->add_option("--from", summary_from, "first day, 2026-06-01 (China time)")->required();
  summary->add_option("--to", summary_to, "the day after the last, 2026-07-01")->required();
  summary->add_flag("--drills", summary_drills, "the drills instead (never mixed into real figures)");
  summary->add_option("--format", summary_format, "text, html or csv")->check(CLI::IsMember({"text", "html", "csv"}));
  summary->add_option("-o,--out", summary_file, "write it to this file");

  std::string drill_plan, drill_level;
  std::vector<std::string> drill_areas;
  auto* drill = app.add_subcommand("drill", "a drill (演练) of a plan through the real channels, every message 【演练】");
  drill->add_option("--plan", drill_plan, "the plan to drill")->required();
  drill->add_option("--area", drill_areas, "where (division codes)")->required()->expected(1, -1);
  drill->add_option("--level", drill_level, "the level (default: the plan's most urgent)");

  jiaoying::WatchOptions watch_options;
  std::string watch_output = "text";
  auto* watch = app.add_subcommand("watch", "a live view of a warning (or of every open one) until it ends or Ctrl-C");
  watch->add_option("WARNING", watch_options.warning, "the warning's number or identifier (default: every open one)");
  watch->add_option("-o,--output", watch_output, "text, or json: one line per change")
      ->check(CLI::IsMember({"text", "json"}));

  jiaoying::OfflineOptions offline;
  app.add_option("--config", offline.config_path, "jiaoyingd's configuration, for the offline checks");

  auto* plan = app.add_subcommand("plan", "check callout plans, or dry-run one warning through them");
  plan->require_subcommand(1);
  auto* plan_check = plan->add_subcommand("check", "validate every plan against the directory and templates");
  plan_check->add_option("DIR", offline.plans_dir, "plans folder (default: the config's)");
  std::string warning_file, at;
  auto* plan_test = plan->add_subcommand("test", "dry run: who would be called, when, on what — sends nothing");
  plan_test->add_option("WARNING_FILE", warning_file, "a warning (JSON)")->required();
  plan_test->add_option("--at", at, "assume the warning arrives at this time (ISO 8601)");

  auto* directory = app.add_subcommand("directory", "check the directory of areas, posts and people");
  directory->require_subcommand(1);
  auto* directory_check = directory->add_subcommand("check", "report empty posts, missing B seats and contacts");
  directory_check->add_option("FILE", offline.directory_file, "directory file (default: the config's)");

  std::vector<std::string> warning_files;
  std::string output = "text";
  auto* warning = app.add_subcommand("warning", "check warning files offline: CAP 1.2 (China profile) or JSON");
  warning->require_subcommand(1);
  auto* warning_check = warning->add_subcommand("check", "read each file as jiaoyingd would; print it normalised or its first fault");
  warning_check->add_option("FILE", warning_files, "CAP or JSON warning files")->required();
  warning_check->add_option("-o,--output", output, "text or json")->check(CLI::IsMember({"text", "json"}));
  std::vector<std::string> verify_certs;
  warning_check->add_option("--verify", verify_certs,
                            "CERT (PEM): each file must be CAP signed by one of these certificates, as on a feed "
                            "with signed_by (repeat it to trust several)")
      ->expected(1)
      ->allow_extra_args(false);
  warning_check->add_option("--directory", offline.directory_file,
                            "read the areas against this directory (default with --config: the config's)");

  auto* reload = app.add_subcommand("reload", "make jiaoyingd re-read its directory, plans and templates "
                                               "(kept as they are if any file is bad)");

  std::string backup_file, backup_database;
  auto* backup = app.add_subcommand(
      "backup", "copy jiaoyingd's database to FILE while it runs (SQLite's online backup: one consistent instant); "
                "`jiaoyingd --restore FILE` puts it back");
  backup->add_option("file", backup_file, "the copy to write (a new file)")->required();
  backup->fallthrough();  // `jiaoying backup FILE --config C` as well as `jiaoying --config C backup FILE`
  backup->add_option("--database", backup_database, "the database to copy (default: the config's `database:`)");

  jiaoying::GeneratorOptions generator;
  // The build tree's copy, else the installed one beside the binary's share/ folder.
  generator.divisions_csv = JIAOYING_DIVISIONS_CSV;
  if (!std::filesystem::exists(generator.divisions_csv))
    generator.divisions_csv = jiaoying::executable_dir() + "/../share/jiaoying/jinhua-divisions.csv";
  auto* directory_generate = directory->add_subcommand(
      "generate", "write a directory of 金华 (real divisions, synthetic villages, fictitious people)");
  directory_generate->add_option("--county", generator.county, "only this county (e.g. 330702)");
  directory_generate->add_option("--villages", generator.villages_per_township, "villages per township")
      ->check(CLI::Range(0, 500));
  directory_generate->add_option("--divisions", generator.divisions_csv, "division codes CSV");
  directory_generate->add_flag("--csv", generator.csv, "one row per person and post instead of YAML");

  jiaoying::DemoOptions demo_options;
  auto* demo = app.add_subcommand("demo", "run jiaoyingd and the provider simulator on loopback with "
                                          "sample data and call out a red rainstorm warning");
  demo->add_option("--data", demo_options.data_dir, "folder with the sample directory, plans and scenario");
  demo->add_option("--templates", demo_options.templates_dir, "folder with the message templates");
  demo->add_option("--time-scale", demo_options.time_scale, "plan minutes per real minute")
      ->check(CLI::Range(1.0, 1000.0));
  demo->add_flag("--keep", demo_options.keep, "keep the working folder (logs, database)");

  app.set_version_flag("--version", std::string("jiaoying ") + JIAOYING_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A word that is no command (or none at all) names the commands there are.
    const bool no_command = dynamic_cast<const CLI::RequiredError*>(&e) && std::string(e.what()).find("subcommand") != std::string::npos;
    if (no_command || dynamic_cast<const CLI::ExtrasError*>(&e)) {
      // A command with verbs of its own (`jiaoying plan`) names its verbs, not the top level's.
      CLI::App* where = &app;
      for (CLI::App* next = where; next;) {
        next = nullptr;
        for (CLI::App* sub : where->get_subcommands([](const CLI::App*) { return true; }))
          if (sub->parsed()) next = sub;
        if (next) where = next;
      }
      if (where != &app) {
        std::string verbs;
        for (const CLI::App* sub : where->get_subcommands([](const CLI::App*) { return true; }))
          verbs += (verbs.empty() ? "" : ", ") + sub->get_name();
        std::cerr << "jiaoying " << where->get_name() << ": which one? " << verbs << " (jiaoying "
                  << where->get_name() << " VERB --help)\n";
        return 2;
      }
      std::string known;
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        known += (known.empty() ? "" : ", ") + sub->get_name();
      std::string word;  // the first word that is not an option or an option's value
      for (int i = 1; i < argc && word.empty(); ++i) {
        const std::string arg = argv[i];
        if (arg == "--socket" || arg == "--config") ++i;
        else if (!arg.starts_with("-")) word = arg;
      }
      bool unknown = !word.empty();
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        unknown = unknown && sub->get_name() != word;
      std::cerr << "jiaoying: "
                << (unknown ? "unknown command '" + word + "'"
                            : no_command ? std::string("which command?") : std::string(e.what()))
                << "\nthe commands are: " << known << " (jiaoying COMMAND --help for one)\n";
      return 2;
    }
    return app.exit(e);
  }
  offline.config_given = app.get_option("--config")->count() > 0;
  // --config names the daemon's config: its admin socket, unless --socket or JIAOYING_SOCKET says otherwise.
  if (app.get_option("--config")->count() && !app.get_option("--socket")->count() && !std::getenv("JIAOYING_SOCKET")) {
    jiaoying::LoadErrors errors;
    if (auto config = jiaoying::load_config(offline.config_path, errors)) socket = config->admin_socket;
    else if (!*demo && !*backup && !*warning_check && !*directory_check && !*directory_generate && !*plan_check && !*plan_test) {
      for (const auto& e : errors) std::cerr << e.text() << '\n';
      return 1;
    }
  }
  const bool colour = ::isatty(STDOUT_FILENO);
  jiaoying::AdminClient admin(socket);
  std::string error;

  if (*demo) return jiaoying::run_demo(demo_options);
  if (*warning_check) {
    // With --config (or --directory), the areas are read against the directory as jiaoyingd does.
    std::optional<jiaoying::Directory> against;
    if (app.get_option("--config")->count() || !offline.directory_file.empty()) {
      against = jiaoying::load_directory(offline);
      if (!against) return 1;
    }
    std::vector<jiaoying::TrustedSigner> signers;
    for (const std::string& cert : verify_certs) {
      jiaoying::TrustedSigner signer;
      std::string error;
      if (!jiaoying::load_trusted_signer(cert, signer, error)) {
        std::cerr << "error: --verify " << error << '\n';
        return 2;
      }
      signers.push_back(std::move(signer));
    }
    return jiaoying::run_warning_check(warning_files, output == "json", against ? &*against : nullptr,
                                       verify_certs.empty() ? nullptr : &signers);
  }
  if (*backup) {
    if (backup_database.empty()) {
      jiaoying::LoadErrors errors;
      auto config = jiaoying::load_config(offline.config_path, errors);
      if (!config) {
        for (const auto& e : errors) std::cerr << e.text() << '\n';
        return fail("the database to copy is named by the config's `database:` (--config FILE, or --database PATH)");
      }
      backup_database = config->database;
    }
    try {
      const auto started = std::chrono::steady_clock::now();
      const jiaoying::DatabaseSummary s = jiaoying::backup_database(backup_database, backup_file);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::cout << fmt::format("backed up {} to {} in {:.1f} s: {:.1f} MB, schema v{}, {} warning(s) ({} open), {} "
                               "callout(s) open, {} message(s) in flight\n",
                               backup_database, backup_file, seconds, static_cast<double>(s.bytes) / 1e6, s.schema,
                               s.warnings, s.open_warnings, s.open_callouts, s.in_flight);
      return 0;
    } catch (const std::exception& e) {
      return fail(std::string("backup not taken: ") + e.what());
    }
  }
  if (*plan_check) return jiaoying::run_plan_check(offline);
  if (*plan_test) return jiaoying::run_plan_test(offline, warning_file, at);
  if (*directory_check) return jiaoying::run_directory_check(offline);
  if (*directory_generate) {
    int people = jiaoying::generate_directory(generator, std::cout, error);
    if (people < 0) return fail(error);
    std::cerr << "jiaoying: wrote " << people << " people\n";
    return 0;
  }
  if (*reload) {
    auto result = admin.post("/api/v1/reload", "{}", error);
    if (!result) return fail(error);
    std::cout << std::string(result->at("message").as_string()) << '\n';
    return 0;
  }
  // The duty desk's verbs: POST /api/v1/warnings/<id>/<verb>, the daemon's answer printed.
  auto act = [&](const std::string& verb, boost::json::object body) {
    auto result = admin.post("/api/v1/warnings/" + warning_id + "/" + verb, boost::json::serialize(body), error);
    if (!result) return fail(error);
    std::cout << std::string(result->at("message").as_string()) << '\n';
    return 0;
  };
  if (*ack) return act("ack", {{"person", person}, {"note", note_text}});
  if (*call) return act("call", {{"person", person}, {"via", via}});
  if (*resend) return act("resend", {{"unanswered", unanswered}});
  if (*cancel) return act("cancel", {{"reason", reason}});
  if (*note) return act("note", {{"text", note_text}});
  if (*spotcheck) {
    boost::json::object body;
    if (spot_sample.back() == '%') body["percent"] = std::stoi(spot_sample.substr(0, spot_sample.size() - 1));
    else body["sample"] = std::stoi(spot_sample);
    if (!spot_tier.empty()) body["tier"] = spot_tier;
    boost::json::array roles;
    for (const auto& r : spot_roles) roles.emplace_back(r);
    body["roles"] = std::move(roles);
    return act("spotcheck", std::move(body));
  }
  if (*escalate) {
    boost::json::array roles;
    for (const auto& r : escalate_roles) roles.emplace_back(r);
    return act("escalate", {{"to", escalate_to}, {"roles", std::move(roles)}, {"reason", reason}});
  }
  if (*warn) {
    std::string body, content_type = "application/json";
    if (!warn_file.empty()) {
      std::ifstream in(warn_file, std::ios::binary);
      if (!in) return fail(warn_file + ": cannot be read");
      body.assign(std::istreambuf_iterator<char>(in), {});
      if (body.find_first_not_of(" \t\r\n") != std::string::npos && body[body.find_first_not_of(" \t\r\n")] == '<')
        content_type = "application/cap+xml";
    } else {
      if (warn_hazard.empty() || warn_level.empty() || warn_areas.empty() || warn_headline.empty())
        return fail("a warning by hand needs --hazard, --level, --area and --headline (or a FILE)");
      body = jiaoying::desk_warning_json(warn_hazard, warn_level, warn_areas, warn_headline, warn_text);
    }
    auto result = admin.post("/api/v1/warnings", body, error, content_type);
    if (!result) return fail(error);
    std::cout << jiaoying::render_posted(*result);
    return 0;
  }
  if (*summary) {
    jiaoying::FormParams params{{"from", summary_from}, {"to", summary_to}};
    if (summary_drills) params.emplace_back("drills", "1");
    auto result = admin.get("/api/v1/summary?" + jiaoying::form_encode(params), error);
    if (!result) return fail(error);
    const std::string text = jiaoying::render_summary(*result, summary_format);
    return emit(text, summary_file);
  }
  if (*drill) {
    boost::json::array areas;
    for (const auto& a : drill_areas) areas.emplace_back(a);
    auto result = admin.post("/api/v1/drills",
                             boost::json::serialize(boost::json::object{
                                 {"plan", drill_plan}, {"areas", std::move(areas)}, {"level", drill_level}}),
                             error);
    if (!result) return fail(error);
    std::cout << std::string(result->at("message").as_string()) << '\n';
    return 0;
  }
  if (*watch) {
    // A terminal gets the redrawn screen; a pipe (or -o json) one line per change.
    watch_options.json = watch_output == "json";
    watch_options.redraw = !watch_options.json && colour;
    watch_options.colour = colour;
    return jiaoying::run_watch(admin, watch_options, std::cout, std::cerr);
  }
  if (*status) {
    auto now = admin.get("/api/v1/status", error);
    if (!now) return fail(error);
    std::cout << (json_out ? jiaoying::json_text(*now) + "\n" : jiaoying::render_status(*now, colour));
    const boost::json::value* ok = now->as_object().if_contains("ok");
    return ok && ok->is_bool() && ok->as_bool() ? 0 : 1;
  }
  if (*warnings) {
    auto list = admin.get("/api/v1/warnings", error);
    if (!list) return fail(error);
    std::cout << (json_out ? jiaoying::json_text(*list) + "\n" : jiaoying::render_warning_list(*list, colour));
    return 0;
  }
  if (*report) {
    if (json_out) report_format = "json";
    if (report_unmask) {  // whole numbers leave the duty room only on the record
      auto noted = admin.post("/api/v1/warnings/" + warning_id + "/unmask",
                              boost::json::serialize(boost::json::object{{"what", "report --format " + report_format}}),
                              error);
      if (!noted) return fail(error);
    }
    std::string text;
    if (report_format == "csv") {  // one row per recipient, every one
      auto detail = admin.get("/api/v1/warnings/" + warning_id + "?all=1", error);
      if (!detail) return fail(error);
      text = jiaoying::render_callouts_csv(*detail, report_unmask);
    } else {
      auto r = admin.get("/api/v1/warnings/" + warning_id + "/report" + (report_all ? "?all=1" : ""), error);
      if (!r) return fail(error);
      text = report_format == "json"   ? jiaoying::json_text(*r) + "\n"
             : report_format == "html" ? jiaoying::render_report_html(*r, report_unmask)
                                       : jiaoying::render_report(*r);
    }
    return emit(text, report_file);
  }
  if (*show) {
    if (json_out) view_output = "json";
    jiaoying::FormParams params;
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"area", filter_area}, {"tier", filter_tier}, {"role", filter_role}, {"state", filter_state}})
      if (!value.empty()) params.emplace_back(key, value);
    if (view_limit > 0) params.emplace_back("limit", std::to_string(view_limit));
    if (view_output == "csv") params.emplace_back("all", "1");
    const std::string query = params.empty() ? "" : "?" + jiaoying::form_encode(params);
    if (unmask) {  // whole numbers leave the duty room's socket only on the record
      if (view_output != "csv") return fail("--unmask is for -o csv (show prints whole numbers already)");
      auto noted = admin.post("/api/v1/warnings/" + warning_id + "/unmask", "{\"what\": \"show -o csv\"}", error);
      if (!noted) return fail(error);
    }
    auto detail = admin.get("/api/v1/warnings/" + warning_id + query, error);
    if (!detail) return fail(error);
    if (view_output == "json") std::cout << jiaoying::json_text(*detail) << '\n';
    else if (view_output == "csv") std::cout << jiaoying::render_callouts_csv(*detail, unmask);
    else std::cout << jiaoying::render_warning_detail(*detail, colour);
    return 0;
  }
  return 0;
}
