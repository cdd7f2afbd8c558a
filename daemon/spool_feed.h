// The spool feed: agencies (or a file-transfer job) drop warning files into <dir>/inbox; each
// is ingested and moved to <dir>/done, or to <dir>/failed with a FILE.error beside it saying
// why. Writers should write under a dot-name or *.tmp and rename: such files are left alone.
// scan() runs on the engine's thread; the daemon calls it on a timer.
#pragma once

#include <functional>
#include <string>

#include "daemon/engine.h"
#include "rules/cap_signature.h"

namespace jiaoying {

class SpoolFeed {
 public:
  // Creates inbox/, done/ and failed/ under `dir` if missing; throws if it cannot.
  SpoolFeed(std::string name, std::string dir, size_t size_limit, Engine& engine, std::function<void()> changed);

  // Handles every finished file now in inbox/, oldest name first. Returns how many it moved.
  int scan();

  const std::string& name() const { return name_; }
  // Take only CAP signed by one of these (empty: signatures not required); refused files go to failed/.
  void require_signatures(std::vector<TrustedSigner> signers) { signed_by_ = std::move(signers); }

 private:
  void settle(const std::string& file, bool ok, const std::string& why);

  std::string name_;
  std::string dir_;
  size_t size_limit_;
  Engine& engine_;
  std::function<void()> changed_;
  std::vector<TrustedSigner> signed_by_;
};

}  // namespace jiaoying
