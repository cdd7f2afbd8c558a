// One way in for a warning's bytes, whichever feed brought them (push, spool, poll, CLI):
// recognise the format, parse, validate, hand to the engine, and say what happened in a form
// each feed can answer with (an HTTP status, a done/ or failed/ folder). Refusals are audit
// events naming the source. Runs on the engine's thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine.h"
#include "rules/cap_signature.h"

namespace jiaoying {

// json and cap: as the sender's Content-Type says; sniff: no Content-Type (a file), tell by
// content (rules/warning_reader); unknown: a Content-Type that is no warning format.
enum class WarningFormat { json, cap, sniff, unknown };

WarningFormat format_of(std::string_view content_type);

struct IngestResult {
  // unsigned_: the feed requires signed CAP and this is not, or its signature does not verify.
  enum class Kind { created, duplicate, refused, unsupported, unsigned_ } kind = Kind::refused;
  IngestOutcome outcome;  // when created or duplicate
  std::string field;      // when refused: the field at fault, if known
  std::string reason;     // when refused or unsupported: what is wrong, for the sender
};

// `source` names the feed ("wucheng-met", "spool:water", "cli"); it becomes the events' actor.
// `signed_by` (may be null or empty: not required): the certificates the feed trusts; then only a
// CAP alert whose XML signature verifies against one is taken (rules/cap_signature.h), and any
// other is refused as unsigned_ with a `signature_refused` event — a forged file calls nobody.
IngestResult ingest_bytes(Engine& engine, std::string_view body, WarningFormat format, const std::string& source,
                          const std::vector<TrustedSigner>* signed_by = nullptr);

}  // namespace jiaoying
