#include "channels/sms/cmpp.h"

#include <fmt/format.h>
#include <iconv.h>
#include <openssl/evp.h>

#include <ctime>
#include <memory>

namespace jiaoying::cmpp {

namespace {

// Appends big-endian integers and NUL-padded fixed fields.
class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) u8(static_cast<uint8_t>(v >> shift));
  }
  void u64(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) u8(static_cast<uint8_t>(v >> shift));
  }
  // `text` cut to `n` bytes, padded with NUL to `n`.
  void fixed(std::string_view text, size_t n) {
    text = text.substr(0, n);
    out_.append(text);
    out_.append(n - text.size(), '\0');
  }
  void bytes(std::string_view b) { out_.append(b); }
  // Status and Result: one byte in 2.0, four in 3.0.
  void code(uint32_t v, Version version) {
    if (version == Version::v20) u8(static_cast<uint8_t>(v));
    else u32(v);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Writer wrote; any read past the end sets failed() and yields zeros.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(in_[at_++]);
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | u8();
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
    return v;
  }
  // A fixed field, up to its first NUL.
  std::string fixed(size_t n) {
    if (!need(n)) return {};
    std::string_view f = in_.substr(at_, n);
    at_ += n;
    return std::string(f.substr(0, f.find('\0')));
  }
  std::string bytes(size_t n) {
    if (!need(n)) return {};
    std::string b(in_.substr(at_, n));
    at_ += n;
    return b;
  }
  uint32_t code(Version version) { return version == Version::v20 ? u8() : u32(); }
  bool failed() const { return failed_; }
  size_t left() const { return in_.size() - at_; }

 private:
  bool need(size_t n) {
    if (failed_ || in_.size() - at_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  std::string_view in_;
  size_t at_ = 0;
  bool failed_ = false;
};

size_t terminal_size(Version v) { return v == Version::v20 ? 21 : 32; }

Digest md5(std::string_view data) {
  Digest out{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_md5(), nullptr);
  return out;
}

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// UTF-16 code units of a UTF-8 text; a malformed byte becomes U+FFFD.
std::vector<uint16_t> utf16_units(std::string_view utf8) {
  std::vector<uint16_t> units;
  size_t i = 0;
  while (i < utf8.size()) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (b < 0x80) cp = b;
    else if ((b >> 5) == 0x6) len = 2, cp = b & 0x1F;
    else if ((b >> 4) == 0xE) len = 3, cp = b & 0x0F;
    else if ((b >> 3) == 0x1E) len = 4, cp = b & 0x07;
    if (len > 1) {
      bool ok = i + len <= utf8.size();
      for (size_t k = 1; ok && k < len; ++k) {
        const auto c = static_cast<unsigned char>(utf8[i + k]);
        if ((c >> 6) != 0x2) ok = false;
        else cp = (cp << 6) | (c & 0x3F);
      }
      if (!ok) cp = 0xFFFD, len = 1;
    } else if (b >= 0x80) {
      cp = 0xFFFD;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xD800 | (cp >> 10)));
      units.push_back(static_cast<uint16_t>(0xDC00 | (cp & 0x3FF)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  return units;
}

std::string be_bytes(const std::vector<uint16_t>& units, size_t from, size_t to) {
  std::string out;
  out.reserve((to - from) * 2);
  for (size_t i = from; i < to; ++i) {
    out.push_back(static_cast<char>(units[i] >> 8));
    out.push_back(static_cast<char>(units[i] & 0xFF));
  }
  return out;
}

std::optional<std::string> gb18030_to_utf8(std::string_view in) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::unique_ptr<void, int (*)(iconv_t)> guard(cd, iconv_close);
  std::string src(in), out(in.size() * 2 + 8, '\0');
  char* inp = src.data();
  size_t inleft = src.size();
  char* outp = out.data();
  size_t outleft = out.size();
  if (iconv(cd, &inp, &inleft, &outp, &outleft) == static_cast<size_t>(-1)) return std::nullopt;
  out.resize(out.size() - outleft);
  return out;
}

}  // namespace

std::string_view version_name(Version v) { return v == Version::v20 ? "2.0" : "3.0"; }

std::string result_text(uint32_t result) {
  static constexpr std::string_view kNames[] = {
      "ok", "bad message structure", "bad command", "sequence repeated", "bad message length", "bad fee code",
      "message too long", "bad service code", "flow control", "other error", "bad Src_Id", "bad Msg_src",
      "bad Fee_terminal_Id", "bad Dest_terminal_Id"};
  if (result < std::size(kNames)) return fmt::format("{} {}", result, kNames[result]);
  return fmt::format("{} (the gateway's own code)", result);
}

std::string connect_status_text(uint32_t status) {
  static constexpr std::string_view kNames[] = {"ok", "bad message structure", "illegal source address (SP id)",
                                                "authentication failed (secret or clock)", "version too high"};
  if (status < std::size(kNames)) return fmt::format("{} {}", status, kNames[status]);
  return fmt::format("{} other error", status);
}

std::string frame(uint32_t command, uint32_t sequence, std::string_view body) {
  Writer w;
  w.u32(static_cast<uint32_t>(kHeaderSize + body.size()));
  w.u32(command);
  w.u32(sequence);
  w.bytes(body);
  return w.take();
}

std::optional<Frame> FrameReader::next(std::string& error) {
  if (buffered() < kHeaderSize) return std::nullopt;
  Reader header(std::string_view(buffer_).substr(offset_, kHeaderSize));
  const uint32_t length = header.u32();
  if (length < kHeaderSize || length > kMaxFrame) {
    error = fmt::format("a frame of {} bytes (CMPP frames are {} to {})", length, kHeaderSize, kMaxFrame);
    return std::nullopt;
  }
  if (buffered() < length) return std::nullopt;
  Frame f;
  f.command = header.u32();
  f.sequence = header.u32();
  f.body = buffer_.substr(offset_ + kHeaderSize, length - kHeaderSize);
  offset_ += length;
  if (offset_ > 65536 || offset_ == buffer_.size()) {  // keep the buffer from growing without end
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return f;
}

std::string timestamp_text(std::chrono::system_clock::time_point at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at) + 8 * 3600;  // Beijing time
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:02}{:02}{:02}{:02}{:02}", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

uint32_t timestamp_value(std::string_view mmddhhmmss) {
  uint32_t v = 0;
  for (char c : mmddhhmmss) v = v * 10 + static_cast<uint32_t>(c - '0');
  return v;
}

Digest authenticator_source(std::string_view source_addr, std::string_view secret, std::string_view timestamp) {
  std::string in(source_addr);
  in.append(9, '\0');
  in.append(secret);
  in.append(timestamp);
  return md5(in);
}

Digest authenticator_ismg(uint32_t status, Version version, const Digest& source, std::string_view secret) {
  Writer w;
  w.code(status, version);
  w.bytes(std::string_view(reinterpret_cast<const char*>(source.data()), source.size()));
  w.bytes(secret);
  return md5(w.take());
}

std::string encode_connect(const Connect& c) {
  Writer w;
  w.fixed(c.source_addr, 6);
  w.bytes(std::string_view(reinterpret_cast<const char*>(c.authenticator.data()), c.authenticator.size()));
  w.u8(c.version);
  w.u32(c.timestamp);
  return w.take();
}

std::optional<Connect> decode_connect(std::string_view body) {
  Reader r(body);
  Connect c;
  c.source_addr = r.fixed(6);
  const std::string auth = r.bytes(16);
  c.version = r.u8();
  c.timestamp = r.u32();
  if (r.failed() || r.left() != 0) return std::nullopt;
  std::copy(auth.begin(), auth.end(), c.authenticator.begin());
  return c;
}

std::string encode_connect_resp(const ConnectResp& resp, Version v) {
  Writer w;
  w.code(resp.status, v);
  w.bytes(std::string_view(reinterpret_cast<const char*>(resp.authenticator.data()), resp.authenticator.size()));
  w.u8(resp.version);
  return w.take();
}

std::optional<ConnectResp> decode_connect_resp(std::string_view body, Version v) {
  Reader r(body);
  ConnectResp resp;
  resp.status = r.code(v);
  const std::string auth = r.bytes(16);
  resp.version = r.u8();
  if (r.failed() || r.left() != 0) return std::nullopt;
  std::copy(auth.begin(), auth.end(), resp.authenticator.begin());
  return resp;
}

std::string encode_submit(const Submit& s, Version v) {
  const bool v3 = v == Version::v30;
  Writer w;
  w.u64(s.msg_id);
  w.u8(s.pk_total);
  w.u8(s.pk_number);
  w.u8(s.registered_delivery);
  w.u8(s.msg_level);
  w.fixed(s.service_id, 10);
  w.u8(s.fee_user_type);
  w.fixed(s.fee_terminal_id, terminal_size(v));
  if (v3) w.u8(s.fee_terminal_type);
  w.u8(s.tp_pid);
  w.u8(s.tp_udhi);
  w.u8(s.msg_fmt);
  w.fixed(s.msg_src, 6);
  w.fixed(s.fee_type, 2);
  w.fixed(s.fee_code, 6);
  w.fixed(s.valid_time, 17);
  w.fixed(s.at_time, 17);
  w.fixed(s.src_id, 21);
  w.u8(static_cast<uint8_t>(s.dest_terminal_ids.size()));
  for (const std::string& d : s.dest_terminal_ids) w.fixed(d, terminal_size(v));
  if (v3) w.u8(s.dest_terminal_type);
  w.u8(static_cast<uint8_t>(s.content.size()));
  w.bytes(s.content);
  w.fixed(s.link_id, v3 ? 20 : 8);
  return w.take();
}

std::optional<Submit> decode_submit(std::string_view body, Version v) {
  const bool v3 = v == Version::v30;
  Reader r(body);
  Submit s;
  s.msg_id = r.u64();
  s.pk_total = r.u8();
  s.pk_number = r.u8();
  s.registered_delivery = r.u8();
  s.msg_level = r.u8();
  s.service_id = r.fixed(10);
  s.fee_user_type = r.u8();
  s.fee_terminal_id = r.fixed(terminal_size(v));
  if (v3) s.fee_terminal_type = r.u8();
  s.tp_pid = r.u8();
  s.tp_udhi = r.u8();
  s.msg_fmt = r.u8();
  s.msg_src = r.fixed(6);
  s.fee_type = r.fixed(2);
  s.fee_code = r.fixed(6);
  s.valid_time = r.fixed(17);
  s.at_time = r.fixed(17);
  s.src_id = r.fixed(21);
  const uint8_t n = r.u8();
  for (uint8_t i = 0; i < n && !r.failed(); ++i) s.dest_terminal_ids.push_back(r.fixed(terminal_size(v)));
  if (v3) s.dest_terminal_type = r.u8();
  const uint8_t length = r.u8();
  s.content = r.bytes(length);
  s.link_id = r.fixed(v3 ? 20 : 8);
  if (r.failed() || r.left() != 0) return std::nullopt;
  return s;
}

std::string encode_submit_resp(const SubmitResp& resp, Version v) {
  Writer w;
  w.u64(resp.msg_id);
  w.code(resp.result, v);
  return w.take();
}

std::optional<SubmitResp> decode_submit_resp(std::string_view body, Version v) {
  Reader r(body);
  SubmitResp resp;
  resp.msg_id = r.u64();
  resp.result = r.code(v);
  if (r.failed() || r.left() != 0) return std::nullopt;
  return resp;
}

std::string encode_deliver(const Deliver& d, Version v) {
  const bool v3 = v == Version::v30;
  Writer w;
  w.u64(d.msg_id);
  w.fixed(d.dest_id, 21);
  w.fixed(d.service_id, 10);
  w.u8(d.tp_pid);
  w.u8(d.tp_udhi);
  w.u8(d.msg_fmt);
  w.fixed(d.src_terminal_id, terminal_size(v));
  if (v3) w.u8(d.src_terminal_type);
  w.u8(d.registered_delivery);
  w.u8(static_cast<uint8_t>(d.content.size()));
  w.bytes(d.content);
  w.fixed(d.link_id, v3 ? 20 : 8);
  return w.take();
}

std::optional<Deliver> decode_deliver(std::string_view body, Version v) {
  const bool v3 = v == Version::v30;
  Reader r(body);
  Deliver d;
  d.msg_id = r.u64();
  d.dest_id = r.fixed(21);
  d.service_id = r.fixed(10);
  d.tp_pid = r.u8();
  d.tp_udhi = r.u8();
  d.msg_fmt = r.u8();
  d.src_terminal_id = r.fixed(terminal_size(v));
  if (v3) d.src_terminal_type = r.u8();
  d.registered_delivery = r.u8();
  const uint8_t length = r.u8();
  d.content = r.bytes(length);
  d.link_id = r.fixed(v3 ? 20 : 8);
  if (r.failed() || r.left() != 0) return std::nullopt;
  return d;
}

std::string encode_status_report(const StatusReport& report, Version v) {
  Writer w;
  w.u64(report.msg_id);
  w.fixed(report.stat, 7);
  w.fixed(report.submit_time, 10);
  w.fixed(report.done_time, 10);
  w.fixed(report.dest_terminal_id, terminal_size(v));
  w.u32(report.smsc_sequence);
  return w.take();
}

std::optional<StatusReport> decode_status_report(std::string_view content) {
  if (content.size() != 60 && content.size() != 71) return std::nullopt;
  Reader r(content);
  StatusReport report;
  report.msg_id = r.u64();
  report.stat = r.fixed(7);
  report.submit_time = r.fixed(10);
  report.done_time = r.fixed(10);
  report.dest_terminal_id = r.fixed(content.size() == 60 ? 21 : 32);
  report.smsc_sequence = r.u32();
  if (r.failed()) return std::nullopt;
  return report;
}

std::string encode_deliver_resp(const DeliverResp& resp, Version v) {
  Writer w;
  w.u64(resp.msg_id);
  w.code(resp.result, v);
  return w.take();
}

std::optional<DeliverResp> decode_deliver_resp(std::string_view body, Version v) {
  Reader r(body);
  DeliverResp resp;
  resp.msg_id = r.u64();
  resp.result = r.code(v);
  if (r.failed() || r.left() != 0) return std::nullopt;
  return resp;
}

std::string active_test_resp_body() { return std::string(1, '\0'); }

std::string ucs2_of(std::string_view utf8) {
  const std::vector<uint16_t> units = utf16_units(utf8);
  return be_bytes(units, 0, units.size());
}

std::optional<std::string> utf8_of_ucs2(std::string_view ucs2) {
  if (ucs2.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < ucs2.size(); i += 2) {
    uint32_t u = (static_cast<uint8_t>(ucs2[i]) << 8) | static_cast<uint8_t>(ucs2[i + 1]);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 >= ucs2.size()) return std::nullopt;
      const uint32_t low = (static_cast<uint8_t>(ucs2[i + 2]) << 8) | static_cast<uint8_t>(ucs2[i + 3]);
      if (low < 0xDC00 || low > 0xDFFF) return std::nullopt;
      u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return std::nullopt;
    }
    put_utf8(out, u);
  }
  return out;
}

std::optional<std::string> text_of(uint8_t msg_fmt, bool udhi, std::string_view content) {
  if (udhi) {
    if (content.empty() || static_cast<uint8_t>(content[0]) + 1u > content.size()) return std::nullopt;
    content.remove_prefix(static_cast<uint8_t>(content[0]) + 1u);
  }
  if (msg_fmt == kUcs2) return utf8_of_ucs2(content);
  if (msg_fmt == kGb) return gb18030_to_utf8(content);
  for (char c : content)
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  return std::string(content);
}

std::vector<std::string> ucs2_parts(std::string_view utf8, uint8_t ref) {
  const std::vector<uint16_t> units = utf16_units(utf8);
  if (units.size() <= 70) return {be_bytes(units, 0, units.size())};
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t at = 0; at < units.size();) {
    size_t end = std::min(at + 67, units.size());
    if (end < units.size() && units[end - 1] >= 0xD800 && units[end - 1] <= 0xDBFF) --end;  // keep the pair whole
    spans.emplace_back(at, end);
    at = end;
  }
  if (spans.size() > 255) return {};
  std::vector<std::string> parts;
  for (size_t n = 0; n < spans.size(); ++n) {
    std::string part = {'\x05', '\x00', '\x03', static_cast<char>(ref), static_cast<char>(spans.size()),
                        static_cast<char>(n + 1)};
    part += be_bytes(units, spans[n].first, spans[n].second);
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string mainland_number(std::string_view id) {
  if (id.starts_with("+")) id.remove_prefix(1);
  if (id.size() == 13 && id.starts_with("861")) id.remove_prefix(2);
  return std::string(id);
}

}  // namespace jiaoying::cmpp
