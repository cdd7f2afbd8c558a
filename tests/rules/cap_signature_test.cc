// Signed CAP (rules/cap_signature.h) against files made for these tests with xmlsec1 and keys of
// our own (tests/data/cap/signed: fictitious signers, test only): the rainstorm alert of the
// corpus signed as CAP 1.2 and the WMO validator expect (enveloped, the whole alert, exclusive
// c14n, RSA-SHA256, the signer's certificate in KeyInfo); the same with one character of its
// description changed; signed by someone else; unsigned.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "rules/cap.h"
#include "rules/cap_signature.h"

using namespace jiaoying;

namespace {

const std::filesystem::path kSigned = std::filesystem::path(JIAOYING_SOURCE_DIR) / "tests/data/cap/signed";

std::string file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TrustedSigner signer(const char* name) {
  TrustedSigner t;
  std::string error;
  REQUIRE_MESSAGE(load_trusted_signer((kSigned / name).string(), t, error), error);
  return t;
}

}  // namespace

TEST_CASE("a CAP alert signed by a trusted signer verifies, and is read as any alert") {
  const std::string xml = file(kSigned / "signed.xml");
  const SignatureCheck check = verify_cap_signature(xml, {signer("signer.pem")});
  CHECK_MESSAGE(check.ok, check.detail);
  auto parsed = parse_cap(xml);
  REQUIRE_MESSAGE(parsed.warning, parsed.error.text());
  CHECK(parsed.warning->signature_xml.find("SignatureValue") != std::string::npos);
  // Trusting several certificates, one of them the signer's, is as good.
  CHECK(verify_cap_signature(xml, {signer("other.pem"), signer("signer.pem")}).ok);
}

TEST_CASE("an altered, a wrongly signed or an unsigned alert is refused, each with its reason") {
  const std::vector<TrustedSigner> trusted{signer("signer.pem")};
  const SignatureCheck altered = verify_cap_signature(file(kSigned / "tampered.xml"), trusted);
  CHECK_FALSE(altered.ok);
  CHECK_MESSAGE(altered.detail.find("altered after signing") != std::string::npos, altered.detail);
  const SignatureCheck other = verify_cap_signature(file(kSigned / "signed-by-other.xml"), trusted);
  CHECK_FALSE(other.ok);
  CHECK_MESSAGE(!other.detail.empty(), other.detail);
  const SignatureCheck unsigned_ = verify_cap_signature(
      file(std::filesystem::path(JIAOYING_SOURCE_DIR) / "tests/data/cap/valid/rainstorm-red-11B03-geocodes.xml"), trusted);
  CHECK_FALSE(unsigned_.ok);
  CHECK(unsigned_.detail.find("not signed") != std::string::npos);
  // The signer's file trusted for the other's alert, and no certificate at all.
  CHECK_FALSE(verify_cap_signature(file(kSigned / "signed.xml"), {signer("other.pem")}).ok);
  CHECK_FALSE(verify_cap_signature(file(kSigned / "signed.xml"), {}).ok);
}

TEST_CASE("a signature that covers only part of the alert, or two signatures, are refused") {
  const std::vector<TrustedSigner> trusted{signer("signer.pem")};
  std::string xml = file(kSigned / "signed.xml");
  // A second signature, copied: which one speaks for the alert is not for us to guess.
  const size_t from = xml.find("<Signature"), to = xml.find("</Signature>") + 12;
  std::string twice = xml;
  twice.insert(to, "\n" + xml.substr(from, to - from));
  const SignatureCheck two = verify_cap_signature(twice, trusted);
  CHECK_FALSE(two.ok);
  CHECK(two.detail.find("several") != std::string::npos);
  // A Reference to an element by Id instead of the whole alert.
  std::string partial = xml;
  partial.replace(partial.find("<Reference URI=\"\">"), 18, "<Reference URI=\"#part\">");
  CHECK_FALSE(verify_cap_signature(partial, trusted).ok);
  // Not XML at all, and a certificate file that is not one.
  CHECK_FALSE(verify_cap_signature("<alert", trusted).ok);
  TrustedSigner bad;
  std::string error;
  CHECK_FALSE(load_trusted_signer((kSigned / "signer.key").string(), bad, error));
  CHECK(error.find("not a PEM certificate") != std::string::npos);
}
