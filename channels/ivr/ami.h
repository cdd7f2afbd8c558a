// The Asterisk Manager Interface (AMI), the text protocol a county PBX is driven by: messages of
// "Key: Value" lines ending in CRLF, each message ended by an empty line; the server's banner
// line ("Asterisk Call Manager/5.0.2") first. Actions go one way (Action, ActionID, …), and
// Responses (with the ActionID) and Events come back. Pure functions and one reader; any thread.
// docs/protocols/asterisk.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jiaoying::ami {

// One message: its fields in order (keys compared without case, as Asterisk does).
struct Message {
  std::vector<std::pair<std::string, std::string>> fields;
  // The first value of `key`, or "" when absent.
  std::string get(std::string_view key) const;
  bool has(std::string_view key) const;
  void add(std::string key, std::string value) { fields.emplace_back(std::move(key), std::move(value)); }
};

// The message as sent: each field as "Key: Value\r\n", then "\r\n". A CR or LF in a value (which
// would start a field of the sender's choosing) becomes a space.
std::string encode(const Message& m);

// A value Asterisk reads as one channel variable: the Originate's Variable header is split as
// application arguments are (manager.c man_do_variable_value: commas separate, quotes and
// backslashes are taken), so those become their full-width forms (，＂＼), and CR/LF spaces.
std::string variable_value(std::string_view text);

// Cuts the byte stream into messages. The banner line comes first and is kept in banner().
// Lines longer than kMaxLine, or messages of more than kMaxFields fields, are errors (not a
// manager interface: close the link).
class Reader {
 public:
  static constexpr size_t kMaxLine = 8192;
  static constexpr size_t kMaxFields = 256;
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  std::optional<Message> next(std::string& error);
  const std::string& banner() const { return banner_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
  bool banner_read_ = false;
  std::string banner_;
  Message current_;
};

// Originate's Reason: the last control frame the dialled channel gave (AST_CONTROL_*), so 1 is
// any hang-up before answering (rejected, no such number as well as a refusal).
inline constexpr int kReasonFailed = 0;     // no such number, the trunk refused
inline constexpr int kReasonHangup = 1;     // hung up before answering
inline constexpr int kReasonRinging = 3;    // rang out: no answer in the timeout
inline constexpr int kReasonAnswered = 4;
inline constexpr int kReasonBusy = 5;
inline constexpr int kReasonCongestion = 8;
// The voice platform's status code (docs/protocols/voice.md) of an Originate that did not answer.
std::string status_of_reason(int reason);

// "PJSIP/{number}@county-trunk" with {number} filled; the number must be digits only.
std::string dial_string(std::string_view pattern, std::string_view number);

}  // namespace jiaoying::ami
