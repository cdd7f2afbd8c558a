// `jiaoying demo`: the newcomer's first run. Starts jiaoyingd and jiaoying-sim on free loopback
// ports with the sample 金华 configuration, posts a red rainstorm warning for two townships,
// follows the callout live, prints the final table and stops everything it started. Needs no
// terminal input; works with output piped to a file.
#pragma once

#include <string>

namespace jiaoying {

struct DemoOptions {
  std::string data_dir;       // sample directory, plans, scenario, warning; found if empty
  std::string templates_dir;  // message templates; found if empty
  double time_scale = 60;     // plan minutes per real second
  int timeout_seconds = 110;  // give up (exit 1) after this much real time
  bool keep = false;          // keep the temporary folder (logs, database)
};

int run_demo(const DemoOptions& options);

}  // namespace jiaoying
