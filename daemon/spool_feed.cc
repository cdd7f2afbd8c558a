#include "daemon/spool_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/ingest.h"

namespace jiaoying {

namespace fs = std::filesystem;

SpoolFeed::SpoolFeed(std::string name, std::string dir, size_t size_limit, Engine& engine,
                     std::function<void()> changed)
    : name_(std::move(name)), dir_(std::move(dir)), size_limit_(size_limit), engine_(engine), changed_(std::move(changed)) {
  for (const char* sub : {"inbox", "done", "failed"}) fs::create_directories(fs::path(dir_) / sub);
}

namespace {

// A free name in `folder` for `file`: the same name, or with .1, .2, … before a clash.
fs::path free_name(const fs::path& folder, const std::string& file) {
  fs::path target = folder / file;
  for (int i = 1; fs::exists(target); ++i) target = folder / fmt::format("{}.{}", file, i);
  return target;
}

}  // namespace

void SpoolFeed::settle(const std::string& file, bool ok, const std::string& why) {
  const fs::path from = fs::path(dir_) / "inbox" / file;
  const fs::path target = free_name(fs::path(dir_) / (ok ? "done" : "failed"), file);
  std::error_code ec;
  fs::rename(from, target, ec);
  if (ec) {
    spdlog::error("spool {}: cannot move {} to {}: {}", name_, from.string(), target.string(), ec.message());
    return;
  }
  if (!ok) std::ofstream(target.string() + ".error") << why << '\n';
}

int SpoolFeed::scan() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(dir_) / "inbox", ec)) {
    std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || file.starts_with('.') || file.ends_with(".tmp") || file.ends_with(".part"))
      continue;
    files.push_back(file);
  }
  if (ec) {
    spdlog::error("spool {}: cannot read {}/inbox: {}", name_, dir_, ec.message());
    return 0;
  }
  std::sort(files.begin(), files.end());
  const std::string source = "spool:" + name_;
  int moved = 0;
  for (const std::string& file : files) {
    const fs::path path = fs::path(dir_) / "inbox" / file;
    std::error_code size_ec;
    auto size = fs::file_size(path, size_ec);
    if (size_ec) continue;  // vanished meanwhile
    if (size > size_limit_) {
      std::string why = fmt::format("{} bytes is over the limit of {}", size, size_limit_);
      engine_.record_refusal("ingest_refused", source, file + ": " + why);
      settle(file, false, why);
      ++moved;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    IngestResult r;
    try {
      r = ingest_bytes(engine_, body.str(), WarningFormat::sniff, source, &signed_by_);
    } catch (const std::exception& e) {
      // A store failure: leave the file in inbox/ to be tried again at the next scan.
      spdlog::error("spool {}: {} could not be stored ({}); will retry", name_, file, e.what());
      continue;
    }
    switch (r.kind) {
      case IngestResult::Kind::created:
        spdlog::info("spool {}: {} → warning {} ({} callouts)", name_, file, r.outcome.warning_id, r.outcome.callouts);
        settle(file, true, "");
        changed_();
        break;
      case IngestResult::Kind::duplicate:
        spdlog::info("spool {}: {} is warning {} again; nothing changed", name_, file, r.outcome.warning_id);
        settle(file, true, "");
        break;
      case IngestResult::Kind::refused:
      case IngestResult::Kind::unsupported:
      case IngestResult::Kind::unsigned_:
        spdlog::warn("spool {}: {} refused: {}", name_, file, r.reason);
        settle(file, false, r.reason);
        break;
    }
    ++moved;
  }
  return moved;
}

}  // namespace jiaoying
