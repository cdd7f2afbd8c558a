#include "rules/media.h"

#include <array>

namespace jiaoying {

namespace {

// The table. A new medium is one row here, its provider adapters in channels/, its config
// reader in daemon/config.cc.
constexpr std::array<Medium, 6> kMedia{{
    {.name = "zzd", .zh = "浙政钉", .contact = Contact::zzd_account, .dedups_by_key = true,
     // One card per person: every card carries that person's own signed 收到 link, so no two
     // cards of a fan-out are identical content (the work notification batches only those).
     .max_batch = 1},
    // DING (钉一下): the urgent reminder that rings the person's Zhezhengding app. The DING API
    // keeps no idempotency key, so like a call it is at most once; each carries the person's own
    // 收到 link, so one DING a person.
    {.name = "zzd-ding", .zh = "浙政钉DING", .contact = Contact::zzd_account, .max_batch = 1},
    {.name = "sms", .zh = "短信", .contact = Contact::mobile, .reply_codes = true,
     .max_batch = 100},  // SendBatchSms: up to 100 numbers, a template parameter each
    {.name = "ivr", .zh = "电话", .contact = Contact::phone, .rings = true, .read_receipts = true, .max_batch = 1},
    {.name = "broadcast", .zh = "应急广播", .contact = Contact::loudspeakers, .per_area = true,
     .dedups_by_key = true, .max_batch = 1},
    {.name = "webhook", .zh = "接口推送", .contact = Contact::any, .dedups_by_key = true, .max_batch = 100},
}};

}  // namespace

std::span<const Medium> media() { return kMedia; }

const Medium* find_medium(std::string_view name) {
  for (const Medium& m : kMedia)
    if (m.name == name) return &m;
  return nullptr;
}

std::string medium_names() {
  std::string out;
  for (const Medium& m : kMedia) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

bool reachable(const Medium& medium, std::string_view zzd_account, std::string_view mobile,
               std::string_view landline) {
  switch (medium.contact) {
    case Contact::zzd_account: return !zzd_account.empty();
    case Contact::mobile: return !mobile.empty();
    case Contact::phone: return !mobile.empty() || !landline.empty();
    case Contact::loudspeakers:
    case Contact::any: return true;
  }
  return false;
}

bool reachable_on(std::string_view medium, std::string_view zzd_account, std::string_view mobile,
                  std::string_view landline) {
  const Medium* m = find_medium(medium);
  return m && reachable(*m, zzd_account, mobile, landline);
}

}  // namespace jiaoying
