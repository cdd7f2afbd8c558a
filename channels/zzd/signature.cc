#include "channels/zzd/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <algorithm>
#include <cctype>

namespace jiaoying::zzd {
namespace {

bool key_less(const std::string& a, const std::string& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::string string_to_sign(std::string_view method, std::string_view timestamp,
                           std::string_view nonce, std::string_view path,
                           const FormParams& params) {
  std::string out;
  out.append(method).append("\n").append(timestamp).append("\n").append(nonce).append("\n");
  out.append(path);
  FormParams sorted;
  for (const auto& p : params)
    if (!p.second.empty()) sorted.push_back(p);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return key_less(a.first, b.first); });
  if (!sorted.empty()) {
    out += '\n';
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i) out += '&';
      out.append(sorted[i].first).append("=").append(sorted[i].second);
    }
  }
  return out;
}

std::string hmac_sha256_base64(std::string_view secret, std::string_view text) {
  // A keyed context per thread and secret, reused: fetching the algorithm and setting the key on
  // every call costs more than hashing a request (every message is signed once, checked once).
  struct Keyed {
    EVP_MAC* alg = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    std::string secret;
    EVP_MAC_CTX* ctx = nullptr;
    ~Keyed() {
      EVP_MAC_CTX_free(ctx);
      EVP_MAC_free(alg);
    }
  };
  thread_local Keyed keyed;
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (!keyed.ctx || keyed.secret != secret) {
    EVP_MAC_CTX_free(keyed.ctx);
    keyed.ctx = EVP_MAC_CTX_new(keyed.alg);
    keyed.secret = std::string(secret);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    EVP_MAC_init(keyed.ctx, reinterpret_cast<const unsigned char*>(keyed.secret.data()), keyed.secret.size(), params);
  } else {
    EVP_MAC_init(keyed.ctx, nullptr, 0, nullptr);  // the same key again: starts a new MAC
  }
  EVP_MAC_update(keyed.ctx, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  EVP_MAC_final(keyed.ctx, mac, &mac_len, sizeof mac);
  std::string b64(4 * ((mac_len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(mac_len));
  b64.resize(static_cast<size_t>(n));
  return b64;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace jiaoying::zzd
