// `jiaoying warning check FILE...`: reads each file as the daemon would read a warning — CAP 1.2
// (China profile) or the JSON ingest format, told apart by content — and prints it normalised,
// or names the first fault. Offline: no daemon, no network. Called from main's thread only.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "rules/cap_signature.h"
#include "rules/directory.h"
#include "rules/warning.h"
#include "rules/warning_reader.h"

namespace jiaoying {

// One block per file on stdout (JSON: one line per file), `FILE: error: …` on stderr.
// 0 when every file reads as a warning, 1 otherwise. With a directory (`--config`), each
// warning's areas are also read as jiaoyingd would: ours are called out, the others are not
// ours, and a new warning with no area of ours is an error.
// With `verify` (`--verify CERT…`), each file must be CAP whose XML signature verifies against one
// of those certificates, as on a feed with `signed_by` (rules/cap_signature.h); else an error.
int run_warning_check(const std::vector<std::string>& files, bool json, const Directory* directory = nullptr,
                      const std::vector<TrustedSigner>* verify = nullptr);
int run_warning_check(const std::vector<std::string>& files, bool json, std::ostream& out,
                      std::ostream& err, const Directory* directory = nullptr,
                      const std::vector<TrustedSigner>* verify = nullptr);

// The readable summary `warning check` prints for one warning (without the file line).
std::string describe_warning(const Warning& w);

}  // namespace jiaoying
