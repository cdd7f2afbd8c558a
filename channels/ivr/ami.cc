#include "channels/ivr/ami.h"

#include <fmt/format.h>

#include <algorithm>

namespace jiaoying::ami {

namespace {

bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string one_line(std::string_view v) {
  std::string out(v);
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

std::string Message::get(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (same_key(k, key)) return v;
  return {};
}

bool Message::has(std::string_view key) const {
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return same_key(f.first, key); });
}

std::string encode(const Message& m) {
  std::string out;
  for (const auto& [k, v] : m.fields) out += fmt::format("{}: {}\r\n", one_line(k), one_line(v));
  out += "\r\n";
  return out;
}

std::string variable_value(std::string_view text) {
  std::string out;
  for (char c : one_line(text)) {
    if (c == ',') out += "，";
    else if (c == '"') out += "＂";
    else if (c == '\\') out += "＼";
    else out.push_back(c);
  }
  return out;
}

std::optional<Message> Reader::next(std::string& error) {
  for (;;) {
    const size_t end = buffer_.find('\n', offset_);
    if (end == std::string::npos) {
      if (buffer_.size() - offset_ > kMaxLine) error = fmt::format("a line longer than {} bytes", kMaxLine);
      if (offset_ > 0) {
        buffer_.erase(0, offset_);
        offset_ = 0;
      }
      return std::nullopt;
    }
    std::string_view line(buffer_.data() + offset_, end - offset_);
    offset_ = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() > kMaxLine) {
      error = fmt::format("a line longer than {} bytes", kMaxLine);
      return std::nullopt;
    }
    if (!banner_read_) {  // "Asterisk Call Manager/5.0.2"
      banner_read_ = true;
      if (line.find(": ") == std::string_view::npos) {
        banner_ = std::string(line);
        continue;
      }
    }
    if (line.empty()) {
      if (current_.fields.empty()) continue;  // blank lines between messages
      Message done = std::move(current_);
      current_ = Message();
      return done;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Asterisk's command output (Response: Follows) ends in "--END COMMAND--": kept whole.
      current_.add("", std::string(line));
    } else {
      std::string_view value = line.substr(colon + 1);
      if (value.starts_with(' ')) value.remove_prefix(1);
      current_.add(std::string(line.substr(0, colon)), std::string(value));
    }
    if (current_.fields.size() > kMaxFields) {
      error = fmt::format("a message of more than {} fields", kMaxFields);
      return std::nullopt;
    }
  }
}

std::string status_of_reason(int reason) {
  switch (reason) {
    case kReasonBusy: return "200002";
    case kReasonRinging: return "200003";
    case kReasonAnswered: return "200000";
    default: return "200005";  // failed, hung up before answering, congestion: unreachable or rejected
  }
}

std::string dial_string(std::string_view pattern, std::string_view number) {
  std::string out(pattern);
  const size_t at = out.find("{number}");
  if (at != std::string::npos) out.replace(at, 8, number);
  return out;
}

}  // namespace jiaoying::ami
