// jiaoying: the duty officer's command line. Talks to jiaoyingd over its Unix socket; `demo`
// runs the whole system on loopback for a newcomer.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/admin_client.h"
#include "cli/demo.h"
#include "cli/views.h"

namespace {

std::string default_socket() {
  const char* env = std::getenv("JIAOYING_SOCKET");
  return env && *env ? env : "/run/jiaoying/jiaoying.sock";
}

int fail(const std::string& message) {
  std::cerr << "jiaoying: " << message << '\n';
  return 1;
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

  std::string warning_id;
  auto* show = app.add_subcommand("show", "every recipient of one warning: area, role, person, state");
  show->add_option("WARNING", warning_id, "the warning's number or identifier")->required();
  show->add_flag("--json", json_out, "print the API's JSON");

  jiaoying::DemoOptions demo_options;
  auto* demo = app.add_subcommand("demo", "run jiaoyingd and the provider simulator on loopback with "
                                          "sample data and call out a red rainstorm warning");
  demo->add_option("--data", demo_options.data_dir, "folder with the sample directory, plans and scenario");
  demo->add_option("--templates", demo_options.templates_dir, "folder with the message templates");
  demo->add_option("--time-scale", demo_options.time_scale, "plan minutes per real minute")
      ->check(CLI::Range(1.0, 1000.0));
  demo->add_flag("--keep", demo_options.keep, "keep the working folder (logs, database)");

  CLI11_PARSE(app, argc, argv);
  const bool colour = ::isatty(STDOUT_FILENO);
  jiaoying::AdminClient admin(socket);
  std::string error;

  if (*demo) return jiaoying::run_demo(demo_options);
  if (*warnings) {
    auto list = admin.get("/api/v1/warnings", error);
    if (!list) return fail(error);
    std::cout << (json_out ? boost::json::serialize(*list) + "\n" : jiaoying::render_warning_list(*list, colour));
    return 0;
  }
  if (*show) {
    auto detail = admin.get("/api/v1/warnings/" + warning_id, error);
    if (!detail) return fail(error);
    std::cout << (json_out ? boost::json::serialize(*detail) + "\n" : jiaoying::render_warning_detail(*detail, colour));
    return 0;
  }
  return 0;
}
