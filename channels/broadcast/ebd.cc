#include "channels/broadcast/ebd.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>
#include <pugixml.hpp>
#include <sstream>

namespace jiaoying::ebd {
namespace {

// GM/T 0009's default user id: what every SM2 signer uses unless told otherwise.
constexpr std::string_view kSm2UserId = "1234567812345678";

// Limits for what a peer sends: a package holds an XML, its signature and perhaps audio.
constexpr size_t kMaxMembers = 16;
constexpr la_int64_t kMaxMemberBytes = 4 << 20;

void add_text(pugi::xml_node parent, const char* name, std::string_view text) {
  parent.append_child(name).text().set(std::string(text).c_str());
}

std::string to_string(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

std::string text_of(pugi::xml_node node, const char* name) { return node.child(name).text().get(); }

// A required child's text, or an error naming its path.
bool need(pugi::xml_node node, const char* name, const std::string& path, std::string& out, std::string& error) {
  pugi::xml_node child = node.child(name);
  out = child.text().get();
  if (!child || out.empty()) {
    error = path + "/" + name + ": missing";
    return false;
  }
  return true;
}

// A peer's value, quoted in an error only when it is short printable ASCII: errors end up in
// audit events and JSON views, which must stay valid UTF-8 whatever a peer sends.
std::string quoted(std::string_view text) {
  const bool plain = text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  return plain ? "'" + std::string(text) + "'" : std::string("(unprintable)");
}

bool need_int(pugi::xml_node node, const char* name, const std::string& path, int& out, std::string& error) {
  std::string text;
  if (!need(node, name, path, text, error)) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) {
    error = path + "/" + name + ": " + quoted(text) + " is not a number";
    return false;
  }
  return true;
}

// "330702102201,330702102202": any run of non-digits separates (platforms write ",", "，" or
// spaces).
std::vector<std::string> split_codes(std::string_view list) {
  std::vector<std::string> out;
  std::string code;
  for (char c : list) {
    if (c >= '0' && c <= '9') {
      code += c;
    } else if (!code.empty()) {
      out.push_back(std::move(code));
      code.clear();
    }
  }
  if (!code.empty()) out.push_back(std::move(code));
  return out;
}

std::string join_codes(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out += ',';
    out += c;
  }
  return out;
}

}  // namespace

std::string_view brd_state_name(int code) {
  switch (code) {
    case kNotHandled: return "not handled";
    case kWaiting: return "waiting";
    case kPlaying: return "playing";
    case kPlayed: return "played";
    case kPlayFailed: return "failed";
    case kCancelled: return "cancelled";
    default: return "unknown state";
  }
}

// ---- EBD documents ----

std::string write(const Document& doc) {
  pugi::xml_document x;
  pugi::xml_node root = x.append_child("EBD");
  const Envelope& e = doc.envelope;
  add_text(root, "EBDVersion", "1.0");
  add_text(root, "EBDID", e.ebd_id);
  add_text(root, "EBDType", e.type);
  add_text(root.append_child("SRC"), "EBRID", e.src_ebrid);
  add_text(root.append_child("DEST"), "EBRID", e.dest_ebrid);
  add_text(root, "EBDTime", e.time);
  if (!e.related_ebd_id.empty()) add_text(root.append_child("RelatedEBD"), "EBDID", e.related_ebd_id);
  if (doc.ebm) {
    const Ebm& m = *doc.ebm;
    pugi::xml_node ebm = root.append_child("EBM");
    add_text(ebm, "EBMVersion", "1.0");
    add_text(ebm, "EBMID", m.ebm_id);
    pugi::xml_node info = ebm.append_child("MsgBasicInfo");
    add_text(info, "MsgType", std::to_string(m.msg_type));
    add_text(info, "SenderName", m.sender_name);
    add_text(info, "SenderCode", m.sender_code);
    add_text(info, "SendTime", m.send_time);
    add_text(info, "EventType", m.event_type);
    add_text(info, "Severity", std::to_string(m.severity));
    add_text(info, "StartTime", m.start_time);
    add_text(info, "EndTime", m.end_time);
    pugi::xml_node content = ebm.append_child("MsgContent");
    add_text(content, "LanguageCode", m.language);
    add_text(content, "MsgTitle", m.title);
    add_text(content, "MsgDesc", m.text);
    add_text(content, "AreaCode", join_codes(m.area_codes));
  }
  if (doc.response) {
    pugi::xml_node r = root.append_child("EBDResponse");
    add_text(r, "ResultCode", std::to_string(doc.response->code));
    add_text(r, "ResultDesc", doc.response->desc);
  }
  if (doc.state) {
    const StateReport& s = *doc.state;
    pugi::xml_node r = root.append_child("EBMStateResponse");
    add_text(r, "RptTime", s.rpt_time);
    add_text(r.append_child("EBM"), "EBMID", s.ebm_id);
    add_text(r, "BrdStateCode", std::to_string(s.state));
    add_text(r, "BrdStateDesc", s.desc);
    pugi::xml_node coverage = r.append_child("Coverage");
    add_text(coverage, "CoverageRate", s.coverage_rate);
    add_text(coverage, "AreaCode", join_codes(s.covered_areas));
  }
  return to_string(x);
}

std::optional<Document> parse(std::string_view xml, std::string& error) {
  pugi::xml_document x;
  // No DTDs: a peer's document has no business declaring entities.
  pugi::xml_parse_result ok = x.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!ok) {
    error = fmt::format("not XML: {} at byte {}", ok.description(), ok.offset);
    return std::nullopt;
  }
  pugi::xml_node root = x.child("EBD");
  if (!root) {
    error = "the root element is not EBD";
    return std::nullopt;
  }
  Document doc;
  Envelope& e = doc.envelope;
  if (!need(root, "EBDID", "EBD", e.ebd_id, error) || !need(root, "EBDType", "EBD", e.type, error)) return std::nullopt;
  e.src_ebrid = text_of(root.child("SRC"), "EBRID");
  e.dest_ebrid = text_of(root.child("DEST"), "EBRID");
  e.time = text_of(root, "EBDTime");
  e.related_ebd_id = text_of(root.child("RelatedEBD"), "EBDID");
  if (e.src_ebrid.empty()) {
    error = "EBD/SRC/EBRID: missing";
    return std::nullopt;
  }
  if (e.type == kTypeEbm) {
    pugi::xml_node ebm = root.child("EBM");
    pugi::xml_node info = ebm.child("MsgBasicInfo");
    pugi::xml_node content = ebm.child("MsgContent");
    Ebm m;
    if (!need(ebm, "EBMID", "EBD/EBM", m.ebm_id, error) ||
        !need_int(info, "MsgType", "EBD/EBM/MsgBasicInfo", m.msg_type, error))
      return std::nullopt;
    m.sender_name = text_of(info, "SenderName");
    m.sender_code = text_of(info, "SenderCode");
    m.send_time = text_of(info, "SendTime");
    m.event_type = text_of(info, "EventType");
    m.start_time = text_of(info, "StartTime");
    m.end_time = text_of(info, "EndTime");
    if (!need_int(info, "Severity", "EBD/EBM/MsgBasicInfo", m.severity, error)) return std::nullopt;
    if (m.msg_type == kMsgBroadcast) {
      std::string codes;
      if (!need(content, "MsgDesc", "EBD/EBM/MsgContent", m.text, error) ||
          !need(content, "AreaCode", "EBD/EBM/MsgContent", codes, error))
        return std::nullopt;
      m.area_codes = split_codes(codes);
      if (m.area_codes.empty()) {  // text, but not one division code in it: nowhere to play
        error = "EBD/EBM/MsgContent/AreaCode: names no division code";
        return std::nullopt;
      }
    } else {
      m.text = text_of(content, "MsgDesc");
      m.area_codes = split_codes(text_of(content, "AreaCode"));
    }
    m.language = text_of(content, "LanguageCode");
    m.title = text_of(content, "MsgTitle");
    doc.ebm = std::move(m);
  } else if (e.type == kTypeResponse) {
    Response r;
    pugi::xml_node node = root.child("EBDResponse");
    if (!need_int(node, "ResultCode", "EBD/EBDResponse", r.code, error)) return std::nullopt;
    r.desc = text_of(node, "ResultDesc");
    doc.response = std::move(r);
  } else if (e.type == kTypeStateResponse) {
    StateReport s;
    pugi::xml_node node = root.child("EBMStateResponse");
    if (!need(node.child("EBM"), "EBMID", "EBD/EBMStateResponse/EBM", s.ebm_id, error) ||
        !need_int(node, "BrdStateCode", "EBD/EBMStateResponse", s.state, error))
      return std::nullopt;
    s.rpt_time = text_of(node, "RptTime");
    s.desc = text_of(node, "BrdStateDesc");
    pugi::xml_node coverage = node.child("Coverage");
    s.coverage_rate = text_of(coverage, "CoverageRate");
    if (s.coverage_rate.empty()) s.coverage_rate = text_of(coverage, "CoveragePercent");  // older platforms
    s.covered_areas = split_codes(text_of(coverage, "AreaCode"));
    doc.state = std::move(s);
  }
  return doc;
}

// ---- The signature file ----

std::string write_signature(const Signature& sig) {
  pugi::xml_document x;
  pugi::xml_node root = x.append_child("Signature");
  add_text(root, "Version", "1");
  add_text(root.append_child("RelatedEBD"), "EBDID", sig.ebd_id);
  pugi::xml_node cert = root.append_child("SignatureCert");
  add_text(cert, "CertType", "01");
  add_text(cert, "CertSN", sig.cert_sn);
  add_text(root, "SignatureTime", sig.time);
  add_text(root, "DigestAlgorithm", "SM3");
  add_text(root, "SignatureAlgorithm", "SM2");
  add_text(root, "SignatureValue", sig.value);
  return to_string(x);
}

std::optional<Signature> parse_signature(std::string_view xml, std::string& error) {
  pugi::xml_document x;
  pugi::xml_parse_result ok = x.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!ok) {
    error = fmt::format("signature file is not XML: {}", ok.description());
    return std::nullopt;
  }
  pugi::xml_node root = x.child("Signature");
  if (!root) {
    error = "signature file: the root element is not Signature";
    return std::nullopt;
  }
  Signature sig;
  if (!need(root.child("RelatedEBD"), "EBDID", "Signature/RelatedEBD", sig.ebd_id, error) ||
      !need(root, "SignatureValue", "Signature", sig.value, error))
    return std::nullopt;
  sig.cert_sn = text_of(root.child("SignatureCert"), "CertSN");
  if (sig.cert_sn.empty()) sig.cert_sn = text_of(root, "CertSN");  // flat form some platforms write
  sig.time = text_of(root, "SignatureTime");
  return sig;
}

// ---- SM2 ----

struct Sm2Key::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { EVP_PKEY_free(pkey); }
};

Sm2Key::Sm2Key(std::unique_ptr<Impl> impl, bool has_private) : impl_(std::move(impl)), has_private_(has_private) {}
Sm2Key::~Sm2Key() = default;
Sm2Key::Sm2Key(Sm2Key&&) noexcept = default;
Sm2Key& Sm2Key::operator=(Sm2Key&&) noexcept = default;

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string{};
}

// A digest-sign/verify context for SM2 with SM3 and the default user id.
std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> sm2_context(EVP_PKEY* pkey, bool sign) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) return nullptr;
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  int ok = sign ? EVP_DigestSignInit_ex(ctx.get(), &pctx, "SM3", nullptr, nullptr, pkey, nullptr)
                : EVP_DigestVerifyInit_ex(ctx.get(), &pctx, "SM3", nullptr, nullptr, pkey, nullptr);
  // OpenSSL 3.0 refuses the id as an init parameter; set on the context it is taken.
  if (ok != 1 || EVP_PKEY_CTX_set1_id(pctx, kSm2UserId.data(), static_cast<int>(kSm2UserId.size())) != 1)
    return nullptr;
  return ctx;
}

}  // namespace

std::optional<Sm2Key> Sm2Key::from_pem(std::string_view pem, std::string& error) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  auto impl = std::make_unique<Impl>();
  bool has_private = true;
  impl->pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!impl->pkey) {
    has_private = false;
    bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    impl->pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  if (!impl->pkey) {
    error = "not a PEM private or public key";
    return std::nullopt;
  }
  if (!EVP_PKEY_is_a(impl->pkey, "SM2")) {
    error = fmt::format("a {} key, not SM2", EVP_PKEY_get0_type_name(impl->pkey));
    return std::nullopt;
  }
  return Sm2Key(std::move(impl), has_private);
}

Sm2Key Sm2Key::generate() {
  auto impl = std::make_unique<Impl>();
  impl->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
  if (!impl->pkey) throw std::runtime_error("SM2 key generation failed (OpenSSL without SM2?)");
  return Sm2Key(std::move(impl), true);
}

std::string Sm2Key::private_pem() const {
  if (!has_private_) return {};
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), impl_->pkey, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_string(bio.get());
}

std::string Sm2Key::public_pem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), impl_->pkey);
  return bio_string(bio.get());
}

std::string Sm2Key::sign(std::string_view data) const {
  if (!has_private_) return {};
  auto ctx = sm2_context(impl_->pkey, true);
  if (!ctx) return {};
  size_t len = 0;
  auto bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1) return {};
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes, data.size()) != 1)
    return {};
  sig.resize(len);
  return base64(sig);
}

bool Sm2Key::verify(std::string_view data, std::string_view signature_b64) const {
  auto sig = unbase64(signature_b64);
  if (!sig || sig->empty()) return false;
  auto ctx = sm2_context(impl_->pkey, false);
  if (!ctx) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

// ---- Packages ----

Package seal(const Document& doc, const Sm2Key& key, std::string_view cert_sn, std::string_view time) {
  Package p;
  p.ebd_id = doc.envelope.ebd_id;
  p.ebdb = write(doc);
  p.ebds = write_signature({p.ebd_id, std::string(cert_sn), std::string(time), key.sign(p.ebdb)});
  return p;
}

namespace {

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t write_to_string(archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

void add_member(archive* a, const std::string& name, const std::string& data) {
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_write_header(a, entry.get());
  archive_write_data(a, data.data(), data.size());
}

}  // namespace

std::string pack(const Package& package) {
  std::string out;
  std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
  archive_write_set_format_ustar(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);  // no padding to 10 KiB
  archive_write_open(a.get(), &out, nullptr, write_to_string, nullptr);
  add_member(a.get(), "EBDB_" + package.ebd_id + ".xml", package.ebdb);
  add_member(a.get(), "EBDS_EBDB_" + package.ebd_id + ".xml", package.ebds);
  archive_write_close(a.get());
  return out;
}

std::optional<Package> unpack(std::string_view tar, std::string& error) {
  std::unique_ptr<archive, ArchiveReadDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    error = fmt::format("not a tar: {}", archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable");
    return std::nullopt;
  }
  std::map<std::string, std::string> members;
  archive_entry* entry = nullptr;
  size_t count = 0;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    if (++count > kMaxMembers) {
      error = fmt::format("the tar holds more than {} files", kMaxMembers);
      return std::nullopt;
    }
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name ? raw_name : "";
    if (auto slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    la_int64_t size = archive_entry_size(entry);
    bool wanted = name.rfind("EBDB_", 0) == 0 || name.rfind("EBDS_EBDB_", 0) == 0;
    if (!wanted) continue;  // audio and other attachments: not ours to read
    if (size < 0 || size > kMaxMemberBytes) {
      error = fmt::format("{}: {} bytes is too large", quoted(name), size);
      return std::nullopt;
    }
    std::string data(static_cast<size_t>(size), '\0');
    la_ssize_t n = archive_read_data(a.get(), data.data(), data.size());
    if (n < 0 || static_cast<size_t>(n) != data.size()) {
      error = quoted(name) + ": truncated";
      return std::nullopt;
    }
    members[name] = std::move(data);
  }
  if (rc != ARCHIVE_EOF) {
    error = fmt::format("tar: {}", archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable");
    return std::nullopt;
  }
  Package p;
  for (auto& [name, data] : members) {
    if (name.rfind("EBDB_", 0) == 0 && name.size() > 9 && name.ends_with(".xml")) {
      if (!p.ebd_id.empty()) {
        error = "the tar holds more than one EBDB file";
        return std::nullopt;
      }
      p.ebd_id = name.substr(5, name.size() - 9);
      p.ebdb = std::move(data);
    }
  }
  if (p.ebd_id.empty()) {
    error = "the tar holds no EBDB_<EBDID>.xml";
    return std::nullopt;
  }
  auto sig = members.find("EBDS_EBDB_" + p.ebd_id + ".xml");
  if (sig == members.end()) {
    error = "the tar holds no signature for EBDID " + quoted(p.ebd_id);
    return std::nullopt;
  }
  p.ebds = std::move(sig->second);
  return p;
}

std::optional<Opened> open(std::string_view tar, const Sm2Key& signer, std::string& error) {
  auto package = unpack(tar, error);
  if (!package) return std::nullopt;
  auto doc = parse(package->ebdb, error);
  if (!doc) {
    error = "EBDB of " + quoted(package->ebd_id) + ": " + error;
    return std::nullopt;
  }
  if (doc->envelope.ebd_id != package->ebd_id) {
    error = "the EBDB file of " + quoted(package->ebd_id) + " carries EBDID " + quoted(doc->envelope.ebd_id);
    return std::nullopt;
  }
  Opened out{std::move(*doc), false, {}};
  std::string sig_error;
  auto sig = parse_signature(package->ebds, sig_error);
  if (!sig)
    out.error = sig_error;
  else if (sig->ebd_id != package->ebd_id)
    out.error = "the signature is for EBDID " + quoted(sig->ebd_id);
  else if (!signer.verify(package->ebdb, sig->value))
    out.error = "the SM2 signature does not verify";
  else
    out.signature_ok = true;
  return out;
}

// ---- multipart/form-data ----

Multipart multipart_file(std::string_view field, std::string_view filename, std::string_view data) {
  unsigned char random[12];
  RAND_bytes(random, sizeof random);
  std::string boundary = "----jiaoying";
  for (unsigned char c : random) boundary += fmt::format("{:02x}", c);
  Multipart m;
  m.content_type = "multipart/form-data; boundary=" + boundary;
  m.body = fmt::format(
      "--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n"
      "Content-Type: application/x-tar\r\n\r\n",
      boundary, field, filename);
  m.body.append(data);
  m.body += "\r\n--" + boundary + "--\r\n";
  return m;
}

std::optional<std::string> multipart_field(std::string_view content_type, std::string_view body,
                                           std::string_view field, std::string& error) {
  if (content_type.substr(0, 19) != "multipart/form-data") {
    error = "Content-Type is not multipart/form-data";
    return std::nullopt;
  }
  auto b = content_type.find("boundary=");
  if (b == std::string_view::npos) {
    error = "Content-Type has no boundary";
    return std::nullopt;
  }
  std::string_view boundary = content_type.substr(b + 9);
  if (auto semi = boundary.find(';'); semi != std::string_view::npos) boundary = boundary.substr(0, semi);
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty() || boundary.size() > 70) {
    error = "the multipart boundary is empty or too long";
    return std::nullopt;
  }
  const std::string delimiter = "--" + std::string(boundary);
  size_t pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    size_t start = pos + delimiter.size();
    if (body.substr(start, 2) == "--") break;  // the closing delimiter
    if (body.substr(start, 2) == "\r\n") start += 2;
    size_t headers_end = body.find("\r\n\r\n", start);
    if (headers_end == std::string_view::npos) break;
    std::string_view headers = body.substr(start, headers_end - start);
    size_t data_start = headers_end + 4;
    size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) {
      error = "a multipart part is not closed by its boundary";
      return std::nullopt;
    }
    std::string name_attr = "name=\"" + std::string(field) + "\"";
    // Case-insensitive header names, but the name attribute is matched as written.
    for (size_t i = 0; i + name_attr.size() <= headers.size(); ++i) {
      if (headers.substr(i, name_attr.size()) == name_attr && (i == 0 || headers[i - 1] == ' ' || headers[i - 1] == ';'))
        return std::string(body.substr(data_start, next - data_start));
    }
    pos = next + 2;
  }
  error = "the multipart body has no field '" + std::string(field) + "'";
  return std::nullopt;
}

// ---- base64 ----

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  std::string clean;
  for (char c : text)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean += c;
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock keeps the padding's zero bytes: drop one per '='.
  if (clean.ends_with("==")) len -= 2;
  else if (clean.ends_with("=")) len -= 1;
  out.resize(len);
  return out;
}

}  // namespace jiaoying::ebd
