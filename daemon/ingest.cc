#include "daemon/ingest.h"

#include <fmt/format.h>

#include "rules/cap.h"
#include "rules/warning_reader.h"

namespace jiaoying {

WarningFormat format_of(std::string_view content_type) {
  if (content_type.empty()) return WarningFormat::sniff;
  if (content_type.starts_with("application/json")) return WarningFormat::json;
  if (content_type.starts_with("application/xml") || content_type.starts_with("text/xml") ||
      content_type.starts_with("application/cap+xml"))
    return WarningFormat::cap;
  return WarningFormat::unknown;
}

IngestResult ingest_bytes(Engine& engine, std::string_view body, WarningFormat format, const std::string& source,
                          const std::vector<TrustedSigner>* signed_by) {
  IngestResult result;
  WarningParse parsed;
  switch (format) {
    case WarningFormat::json:
      parsed = parse_warning_json(body);
      break;
    case WarningFormat::cap:
      parsed = parse_cap(body);
      break;
    case WarningFormat::sniff:
      parsed = parse_warning_bytes(body);
      break;
    case WarningFormat::unknown:
      result.kind = IngestResult::Kind::unsupported;
      result.reason = "not a warning format (JSON or CAP 1.2 XML)";
      engine.record_refusal("ingest_refused", source, result.reason);
      return result;
  }
  if (!parsed.warning) {
    result.field = parsed.error.field;
    result.reason = parsed.error.text();
    engine.record_refusal("ingest_refused", source, result.reason);
    return result;
  }
  if (signed_by && !signed_by->empty()) {
    // A well-formed alert of the profile (so its DTD, if any, was refused above); now, whose?
    const size_t first = body.find_first_not_of(" \t\r\n\xEF\xBB\xBF");  // past blanks and a BOM
    const bool cap = first != std::string_view::npos && body[first] == '<';
    const SignatureCheck check = cap ? verify_cap_signature(body, *signed_by)
                                     : SignatureCheck{false, "a JSON warning carries no XML signature"};
    if (!check.ok) {
      result.kind = IngestResult::Kind::unsigned_;
      result.field = "Signature";
      result.reason = fmt::format("{} ({} {}): this feed takes only CAP alerts signed by a trusted certificate: {}",
                                  parsed.warning->identifier, parsed.warning->sender, format_china_time(parsed.warning->sent),
                                  check.detail);
      engine.record_refusal("signature_refused", source, result.reason);
      return result;
    }
  }
  result.outcome = engine.ingest(*parsed.warning, body, source);
  switch (result.outcome.kind) {
    case IngestOutcome::Kind::created:
      result.kind = IngestResult::Kind::created;
      break;
    case IngestOutcome::Kind::duplicate:
      result.kind = IngestResult::Kind::duplicate;
      break;
    case IngestOutcome::Kind::refused:
      result.field = result.outcome.error.field;
      result.reason = result.outcome.error.text();
      engine.record_refusal("ingest_refused", source, result.reason);
      break;
  }
  return result;
}

}  // namespace jiaoying
