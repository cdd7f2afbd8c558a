// The XML signature of a CAP alert (enveloped XML-DSig, CAP 1.2 section 3.3.2.1), checked with
// xmlsec1 (OpenSSL) against the certificates a feed trusts. A feed that requires signatures
// takes only an alert whose one ds:Signature, a child of <alert>, covers the whole alert (a single
// Reference with URI="", so no part of it can be swapped or added unsigned), and verifies with
// a key from a trusted certificate: one carried in the signature's KeyInfo that is a trusted
// certificate (or is issued by one), or, when KeyInfo carries none, a trusted certificate's key.
// Anything else is refused with the reason in words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jiaoying {

struct TrustedSigner {
  std::string name;  // where it came from, for messages ("certs/met.pem")
  std::string pem;   // an X.509 certificate, PEM
};

struct SignatureCheck {
  bool ok = false;
  std::string detail;  // ok: what verified it ("signed by CN=…, trusted as certs/met.pem"); else why not
};

// `xml`: the alert exactly as received (UTF-8, its DTD already refused by the CAP reader).
SignatureCheck verify_cap_signature(std::string_view xml, const std::vector<TrustedSigner>& trusted);

// Reads a PEM certificate file for `TrustedSigner`; false with `error` naming the file.
bool load_trusted_signer(const std::string& path, TrustedSigner& out, std::string& error);

}  // namespace jiaoying
