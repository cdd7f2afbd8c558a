// The composition root of jiaoyingd: builds every part from the config, runs the io loop on
// the calling thread, and returns the process exit code (0 after a clean SIGTERM, 2 when the
// configuration, directory, plans or templates are refused).
#pragma once

#include <string>

namespace jiaoying {

struct DaemonOptions {
  std::string config_path;
  double time_scale = 1.0;
};

int run_daemon(const DaemonOptions& options);

// `jiaoyingd --restore FILE`: puts a backup (`jiaoying backup`) in place of the config's database,
// keeping the one it replaces beside it; refused while a jiaoyingd runs on that database. Returns
// the exit code (0 restored, 1 refused, 2 the config is refused).
int restore_daemon(const DaemonOptions& options, const std::string& file);

}  // namespace jiaoying
