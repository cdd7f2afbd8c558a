#include "daemon/ingest.h"

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

IngestResult ingest_bytes(Engine& engine, std::string_view body, WarningFormat format, const std::string& source) {
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
