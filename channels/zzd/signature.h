// The Zhezhengding (浙政钉) open platform's request signature: HMAC-SHA256 over
// METHOD\nTimestamp\nNonce\nPath[\nsorted params], Base64. Pure functions; any thread.
// The rule and its known-answer vector are in docs/protocols/zzd.md.
#pragma once

#include <string>
#include <string_view>

#include "channels/form.h"

namespace jiaoying::zzd {

// Parameters sorted case-insensitively by key (ties keep value order), written as k=v joined
// by '&', values not URL-encoded, empty values dropped. No parameters: no trailing line.
std::string string_to_sign(std::string_view method, std::string_view timestamp,
                           std::string_view nonce, std::string_view path,
                           const FormParams& params);

// Base64(HMAC-SHA256(secret, text)).
std::string hmac_sha256_base64(std::string_view secret, std::string_view text);

// The header values a signed request carries.
struct SignedHeaders {
  std::string timestamp;  // 2026-06-15T02:05:00.000+08:00
  std::string nonce;      // epoch milliseconds followed by 4 random digits
  std::string signature;
};

// Constant-time comparison for signatures and tokens.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace jiaoying::zzd
