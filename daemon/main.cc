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
  app.set_version_flag("--version", std::string("jiaoyingd ") + JIAOYING_VERSION);
  app.footer(R"(Runs until SIGTERM or SIGINT, letting the messages in flight finish; SIGHUP re-reads the
directory, plans and templates (refused, all kept, if any file is bad or someone would be
skipped). Under systemd (Type=notify) it says READY=1 once the store is migrated and both
listeners are up, and sends WATCHDOG=1 from the engine's loop when WatchdogSec= is set.

A config that still holds the packaged example's CHANGE-ME placeholders is refused at each line
that has one. One jiaoyingd to a database: a second is refused, naming the first's pid.

Files:
  /etc/jiaoying/jiaoyingd.yaml    the configuration (a commented example, every field explained)
  /etc/jiaoying/directory.csv     the directory of areas, posts and people
  /etc/jiaoying/plans/            the callout plans
  /usr/share/jiaoying/templates/  the message templates
  /var/lib/jiaoying/              the database: the record of every warning
  /run/jiaoying/jiaoying.sock     the admin socket of the jiaoying CLI

Exit status: 0 stopped cleanly, or restored; 1 the store or a restore refused, or a second daemon;
2 a bad or unconfigured config, or a bad command line.)");
  CLI11_PARSE(app, argc, argv);
  if (!restore.empty()) return jiaoying::restore_daemon(options, restore);
  return jiaoying::run_daemon(options);
}
