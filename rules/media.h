// The media: the ways jiaoying reaches people (浙政钉 cards, texts, phone calls, village
// loudspeakers, a webhook into another system), each declared once with what it can do. A
// medium is not a provider: `sms` is the medium, an Alibaba Cloud SMS account or a second SMS
// gateway are providers of it (channels/, daemon/config). Everything that asks "which channels
// exist", "can this person be reached there", "may it be resent after a crash" asks this table.
// Pure data; any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace jiaoying {

// What a medium needs of a person to reach them.
enum class Contact {
  zzd_account,   // a Zhezhengding account id
  mobile,        // a mobile number
  phone,         // a mobile, else a fixed line (a call can ring either)
  loudspeakers,  // none: it plays in an area, not to a person
  any,           // none: the receiving system knows the person by id
};

struct Medium {
  std::string_view name;  // as plans and the config write it: "zzd"
  std::string_view zh;    // as duty officers read it: 浙政钉
  Contact contact;
  // Per area, not per person (the loudspeakers): one order per warning for its areas, kept in
  // its own table; plans name it in a broadcast rule, never in a ladder step.
  bool per_area = false;
  // The provider recognises a resent idempotency key (ZZD bizMsgId, the EBMID, the webhook's
  // Idempotency-Key): after a crash mid-send the message is sent again with the same key. Where
  // it does not (texts, calls), a send whose outcome is unknown is never repeated.
  bool dedups_by_key = false;
  // It rings a phone: per-number caps (calls a minute, an hour, a day) and a cap on
  // simultaneous calls per township apply.
  bool rings = false;
  // It gives read receipts that count as the answer under `ack: read` (a call heard to the end).
  bool read_receipts = false;
  // Texts carry the person's reply code (回复1确认收到).
  bool reply_codes = false;
  // The most messages one request may carry on this medium's wire (a provider may take fewer).
  size_t max_batch = 1;
};

// Every medium, in the order plans and the CLI list them.
std::span<const Medium> media();
// nullptr when `name` is not a medium.
const Medium* find_medium(std::string_view name);
// "zzd, sms, ivr, broadcast, webhook".
std::string medium_names();

// Whether a person with these contacts can be reached on `medium` at all.
bool reachable(const Medium& medium, std::string_view zzd_account, std::string_view mobile,
               std::string_view landline);
// The same by name; a name that is no medium reaches nobody.
bool reachable_on(std::string_view medium, std::string_view zzd_account, std::string_view mobile,
                  std::string_view landline);

}  // namespace jiaoying
