#include "rules/cap_signature.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
// xmlsec.h first: the others use its types.
#include <xmlsec/xmlsec.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace jiaoying {

namespace {

std::mutex xmlsec_mutex;  // xmlsec1's setup and its error callback are process-wide
std::string* last_error = nullptr;

void collect_error(const char*, int, const char*, const char*, const char*, int reason, const char* msg) {
  if (!last_error) return;
  for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i); ++i)
    if (xmlSecErrorsGetCode(i) == reason) {
      *last_error = xmlSecErrorsGetMsg(i);
      break;
    }
  if (msg && *msg && std::string_view(msg) != "NULL") *last_error += std::string(last_error->empty() ? "" : ": ") + msg;
}

bool initialise(std::string& error) {
  static const std::string failure = [] {
    xmlInitParser();
    if (xmlSecInit() < 0) return std::string("xmlSecInit failed");
    if (xmlSecCheckVersion() != 1) return std::string("the xmlsec1 library is not the version jiaoying was built with");
    if (xmlSecOpenSSLAppInit(nullptr) < 0) return std::string("xmlSecOpenSSLAppInit failed");
    if (xmlSecOpenSSLInit() < 0) return std::string("xmlSecOpenSSLInit failed");
    xmlSecErrorsSetCallback(collect_error);
    return std::string();
  }();
  error = failure;
  return failure.empty();
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct MngrFree {
  void operator()(xmlSecKeysMngr* m) const { xmlSecKeysMngrDestroy(m); }
};
struct CtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};

SignatureCheck refused(std::string why) { return {false, std::move(why)}; }

std::string subject_of(xmlSecDSigCtx* ctx) {
  if (!ctx->signKey) return "";
  const xmlChar* name = xmlSecKeyGetName(ctx->signKey);
  return name ? reinterpret_cast<const char*>(name) : "";
}

}  // namespace

SignatureCheck verify_cap_signature(std::string_view xml, const std::vector<TrustedSigner>& trusted) {
  std::lock_guard lock(xmlsec_mutex);
  std::string error;
  if (!initialise(error)) return refused("cannot check XML signatures: " + error);
  if (trusted.empty()) return refused("no trusted certificate is configured to check the signature against");
  last_error = &error;
  struct Reset {
    ~Reset() { last_error = nullptr; }
  } reset;

  // No network, no entities, no DTD loading: the CAP reader has refused DTDs already.
  std::unique_ptr<xmlDoc, DocFree> doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "alert.xml", nullptr,
                                                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return refused("the alert is not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) return refused("the alert has no root element");
  // The one signature, a child of <alert> (enveloped).
  xmlNode* signature = nullptr;
  int signatures = 0;
  for (xmlNode* n = root->children; n; n = n->next)
    if (xmlSecCheckNodeName(n, xmlSecNodeSignature, xmlSecDSigNs)) {
      signature = n;
      ++signatures;
    }
  if (signatures == 0) return refused("the alert is not signed (no ds:Signature in <alert>), and this feed requires it");
  if (signatures > 1) return refused("the alert has several ds:Signature elements; exactly one is taken");

  std::unique_ptr<xmlSecKeysMngr, MngrFree> keys(xmlSecKeysMngrCreate());
  if (!keys || xmlSecOpenSSLAppDefaultKeysMngrInit(keys.get()) < 0) return refused("cannot set up the key store");
  for (const TrustedSigner& t : trusted) {
    const auto* data = reinterpret_cast<const xmlSecByte*>(t.pem.data());
    const auto size = static_cast<xmlSecSize>(t.pem.size());
    if (xmlSecOpenSSLAppKeysMngrCertLoadMemory(keys.get(), data, size, xmlSecKeyDataFormatPem,
                                               xmlSecKeyDataTypeTrusted) < 0)
      return refused(fmt::format("{}: not a PEM certificate", t.name));
    // For a signature that names no certificate of its own, the trusted certificate's key.
    if (xmlSecKey* key = xmlSecOpenSSLAppKeyLoadMemory(data, size, xmlSecKeyDataFormatCertPem, nullptr, nullptr, nullptr)) {
      xmlSecKeySetName(key, reinterpret_cast<const xmlChar*>(t.name.c_str()));
      if (xmlSecOpenSSLAppDefaultKeysMngrAdoptKey(keys.get(), key) < 0) xmlSecKeyDestroy(key);
    }
  }

  std::unique_ptr<xmlSecDSigCtx, CtxFree> ctx(xmlSecDSigCtxCreate(keys.get()));
  if (!ctx) return refused("cannot set up the signature check");
  // Only the whole document may be referenced: no Id-based or external references.
  ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
  error.clear();
  if (xmlSecDSigCtxVerify(ctx.get(), signature) < 0)
    return refused("the XML signature cannot be checked" + (error.empty() ? std::string() : ": " + error));
  if (ctx->status != xmlSecDSigStatusSucceeded)
    return refused("the XML signature does not verify: the alert was altered after signing, or was signed with a "
                   "key none of the trusted certificates hold" +
                   (error.empty() ? std::string() : " (" + error + ")"));
  const xmlSecSize references = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
  if (references != 1) return refused("the signature must have exactly one Reference, to the whole alert (URI=\"\")");
  auto* reference = static_cast<xmlSecDSigReferenceCtx*>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0));
  if (!reference || (reference->uri && *reference->uri))
    return refused("the signature's Reference must cover the whole alert (URI=\"\")");
  const std::string who = subject_of(ctx.get());
  return {true, who.empty() ? "signed with a trusted certificate's key" : "signed by " + who};
}

bool load_trusted_signer(const std::string& path, TrustedSigner& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read the certificate";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  out.name = path;
  out.pem = text.str();
  if (out.pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    error = path + ": not a PEM certificate (-----BEGIN CERTIFICATE-----)";
    return false;
  }
  return true;
}

}  // namespace jiaoying
