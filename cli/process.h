// Child processes for `jiaoying demo` and the end-to-end tests: start a program with its
// output sent to a file, ask it to stop (SIGTERM, then SIGKILL after a grace period), and find
// a free loopback port. Used from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace jiaoying {

class ChildProcess {
 public:
  ChildProcess() = default;
  // Starts argv[0] (a path) with stdout and stderr appended to `log_path`. Throws on failure.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (128+signal if killed).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// A port that was free on 127.0.0.1 a moment ago (bind to 0, read it, close).
unsigned short free_loopback_port();

// The folder holding the running executable (from /proc/self/exe).
std::string executable_dir();

}  // namespace jiaoying
