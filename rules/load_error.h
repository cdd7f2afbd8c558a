// Errors found while loading a file a person edits (config, directory, plans): they name the
// file and line to fix, and print as "file:line: message" (ninja's habit).
#pragma once

#include <string>
#include <vector>

namespace jiaoying {

struct LoadError {
  std::string file;
  int line = 0;  // 1-based; 0 when the whole file is at fault
  std::string message;

  std::string text() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
  }
};

using LoadErrors = std::vector<LoadError>;

}  // namespace jiaoying
