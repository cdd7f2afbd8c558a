// The rural emergency-broadcast wire (应急广播, GD/J 080–083-2018, re-issued as GY/T 383–389-2023):
// an EBD ("emergency broadcast data") XML document, its SM2/SM3 signature file, the tar that
// carries both, and the multipart POST that carries the tar. Plain values in, bytes out; both
// jiaoyingd (the sending platform) and jiaoying-sim (the county platform) use it.
// docs/protocols/broadcast.md has the field-by-field account and what is assumed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jiaoying::ebd {

// EBDType values jiaoying sends or reads.
inline constexpr std::string_view kTypeEbm = "EBM";
inline constexpr std::string_view kTypeResponse = "EBDResponse";
inline constexpr std::string_view kTypeStateResponse = "EBMStateResponse";

// EBDResponse ResultCode.
enum ResultCode { kSuccess = 1, kUnsupported = 3, kSignatureFailed = 4, kUnknownEbm = 5 };
// The other codes seen in the field: 2 (received, failed to parse / handle).
inline constexpr int kFailed = 2;

// EBMStateResponse BrdStateCode.
enum BrdState { kNotHandled = 0, kWaiting = 1, kPlaying = 2, kPlayed = 3, kPlayFailed = 4, kCancelled = 5 };
std::string_view brd_state_name(int code);  // "played"

// EBM MsgType.
inline constexpr int kMsgBroadcast = 1;
inline constexpr int kMsgCancel = 2;

// The envelope every EBD has.
struct Envelope {
  std::string ebd_id;      // EBRID of the sender + a 16-digit sequence
  std::string type;        // EBDType
  std::string src_ebrid;   // SRC/EBRID: who sends it (23 digits)
  std::string dest_ebrid;  // DEST/EBRID: who it is for
  std::string time;        // EBDTime, "2026-06-15 02:00:00" (China time)
  std::string related_ebd_id;  // RelatedEBD/EBDID, when answering or reporting on one
};

// An emergency broadcast message: what the loudspeakers say, where, how urgently.
struct Ebm {
  std::string ebm_id;      // the platform de-duplicates on it (our idempotency key)
  int msg_type = kMsgBroadcast;
  std::string sender_name;  // 金华市防汛防台抗旱指挥部办公室
  std::string sender_code;  // the sender's own code (its EBRID)
  std::string send_time;
  std::string event_type;   // GB/T 35561 class, "11B03" = 暴雨
  int severity = 4;         // 1 red (特别重大), 2 orange, 3 yellow, 4 blue; 15 test
  std::string start_time;
  std::string end_time;
  std::string language = "zho";
  std::string title;        // MsgTitle
  std::string text;         // MsgDesc: what the terminals speak (TTS)
  std::vector<std::string> area_codes;  // 12-digit division codes
};

struct Response {  // EBDResponse
  int code = 0;
  std::string desc;
};

struct StateReport {  // EBMStateResponse: how the playback went
  std::string rpt_time;
  std::string ebm_id;
  int state = kNotHandled;
  std::string desc;
  std::string coverage_rate;  // "0.95" or "95%": as the platform writes it
  std::vector<std::string> covered_areas;
};

struct Document {
  Envelope envelope;
  std::optional<Ebm> ebm;
  std::optional<Response> response;
  std::optional<StateReport> state;
};

// The EBDB XML of a document (UTF-8, with declaration). The signature covers these bytes.
std::string write(const Document& doc);
// Reads an EBDB XML. nullopt with `error` naming the element when something required is missing
// or malformed (an unknown EBDType is read: envelope only).
std::optional<Document> parse(std::string_view xml, std::string& error);

// The signature file (EBDS_EBDB_<EBDID>.xml): SM2 over SM3 of the EBDB file's exact bytes.
struct Signature {
  std::string ebd_id;  // RelatedEBD/EBDID
  std::string cert_sn; // the signing certificate's serial, as the CA issued it
  std::string time;
  std::string value;   // base64 of the DER-encoded SM2 signature
};
std::string write_signature(const Signature& sig);
std::optional<Signature> parse_signature(std::string_view xml, std::string& error);

// An SM2 key (GB/T 32918, with SM3 and the default user id "1234567812345678").
class Sm2Key {
 public:
  // A private key (signs and verifies) or a public key (verifies) in PEM. nullopt with `error`
  // when the PEM is not an SM2 key.
  static std::optional<Sm2Key> from_pem(std::string_view pem, std::string& error);
  static Sm2Key generate();
  ~Sm2Key();
  Sm2Key(Sm2Key&&) noexcept;
  Sm2Key& operator=(Sm2Key&&) noexcept;

  bool has_private() const { return has_private_; }
  std::string private_pem() const;  // empty for a public key
  std::string public_pem() const;
  // base64 signature of `data`; empty on failure (no private key).
  std::string sign(std::string_view data) const;
  bool verify(std::string_view data, std::string_view signature_b64) const;

 private:
  struct Impl;
  explicit Sm2Key(std::unique_ptr<Impl> impl, bool has_private);
  std::unique_ptr<Impl> impl_;
  bool has_private_ = false;
};

// A signed package: the EBDB bytes and its signature file, in the EBDT_<EBDID>.tar the wire carries.
struct Package {
  std::string ebd_id;
  std::string ebdb;  // EBDB_<EBDID>.xml
  std::string ebds;  // EBDS_EBDB_<EBDID>.xml
};
// Signs `doc` with `key` and packs it.
Package seal(const Document& doc, const Sm2Key& key, std::string_view cert_sn, std::string_view time);
std::string pack(const Package& package);
// Reads a tar: the EBDB and its EBDS (other members, e.g. audio, are ignored). nullopt with
// `error` when the tar is malformed or a file is missing.
std::optional<Package> unpack(std::string_view tar, std::string& error);

// What a received package says, once its signature is checked against `signer`.
struct Opened {
  Document doc;
  bool signature_ok = false;
  std::string error;  // why it could not be read, or why the signature failed
};
// nullopt when it cannot be read at all (then `error` says why).
std::optional<Opened> open(std::string_view tar, const Sm2Key& signer, std::string& error);

// multipart/form-data with one file field, as the platforms exchange packages.
struct Multipart {
  std::string content_type;  // "multipart/form-data; boundary=…"
  std::string body;
};
Multipart multipart_file(std::string_view field, std::string_view filename, std::string_view data);
// The file in `field` of a multipart body; nullopt with `error` when absent or malformed.
std::optional<std::string> multipart_field(std::string_view content_type, std::string_view body,
                                           std::string_view field, std::string& error);

std::string base64(std::string_view bytes);
std::optional<std::string> unbase64(std::string_view text);

}  // namespace jiaoying::ebd
