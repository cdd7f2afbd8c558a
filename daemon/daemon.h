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

}  // namespace jiaoying
