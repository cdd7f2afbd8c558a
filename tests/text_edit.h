// For tests that break a good sample in one place: the text with `from` replaced by `to`.
#pragma once

#include <doctest/doctest.h>

#include <string>

inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "sample text lacks: " << from);
  return text.replace(at, from.size(), to);
}
