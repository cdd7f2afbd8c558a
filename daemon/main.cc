// jiaoyingd: the callout daemon. Reads the config, loads the directory, plans and templates,
// opens the store, and serves until SIGTERM. Everything is wired in daemon.cc.
#include <CLI/CLI.hpp>

#include "daemon/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"jiaoyingd — calls out every responsible person for a warning until they answer"};
  jiaoying::DaemonOptions options;
  app.add_option("--config", options.config_path, "the YAML configuration")->required();
  app.add_option("--time-scale", options.time_scale,
                 "run the plan clock N times faster than real time (demos and drills)")
      ->check(CLI::Range(0.001, 10000.0));
  std::string restore;
  app.add_option("--restore", restore,
                 "put a backup taken with `jiaoying backup FILE` in place of the config's database, keep the one it "
                 "replaces beside it, and exit (jiaoyingd must be stopped); the next start resumes every open "
                 "callout from the backup");
  CLI11_PARSE(app, argc, argv);
  if (!restore.empty()) return jiaoying::restore_daemon(options, restore);
  return jiaoying::run_daemon(options);
}
