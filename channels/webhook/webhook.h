// The webhook wire: jiaoying's own signed JSON push into another system (a county's unified
// messaging platform, a duty-room display). A POST carries one to 100 deliveries; it is signed
// with HMAC-SHA256 over "<timestamp>.<body>" (hex, as X-Jiaoying-Signature: sha256=…) so the
// receiver can tell it from a forgery, and each delivery carries its idempotency key, which the
// receiver de-duplicates on — so a resend after a crash is harmless. The receiver answers 2xx with
// {"results": [{"id", "status": accepted|duplicate|rejected, "error"}]} (or nothing: all accepted),
// 429 to slow us down. Pure functions; any thread. docs/protocols/webhook.md.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jiaoying::webhook {

inline constexpr std::string_view kHeaderTimestamp = "X-Jiaoying-Timestamp";  // Unix seconds
inline constexpr std::string_view kHeaderSignature = "X-Jiaoying-Signature";  // sha256=<hex>
inline constexpr size_t kMaxBatch = 100;

// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
std::string signature(std::string_view secret, std::string_view timestamp, std::string_view body);
// Constant time; false for anything but the right signature.
bool signature_valid(std::string_view secret, std::string_view timestamp, std::string_view body,
                     std::string_view header);

struct Delivery {
  std::string id;           // the idempotency key: de-duplicate on it
  int64_t warning_id = 0;
  std::string level;        // red | orange | yellow | blue
  std::string person_id;    // the directory's id
  std::string person_name;
  std::string zzd_account;
  std::string mobile;
  std::string title;
  std::string text;
  std::string ack_url;      // opening it confirms, as the person's own answer
  std::string report_url;   // the report-back form, when owed
};
std::string deliveries_json(std::span<const Delivery> deliveries);
// nullopt when the body is not {"deliveries": [ … ]} with an id on each.
std::optional<std::vector<Delivery>> parse_deliveries(std::string_view body);

struct Result {
  std::string id;
  std::string status;  // accepted | duplicate | rejected
  std::string error;   // for rejected
};
std::string results_json(std::span<const Result> results);
// nullopt when the body is not {"results": [ … ]}.
std::optional<std::vector<Result>> parse_results(std::string_view body);

}  // namespace jiaoying::webhook
