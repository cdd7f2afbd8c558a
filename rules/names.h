// The words a duty room reads: Chinese names for the directory's roles, tiers and seats and for
// the engine's event kinds, used in every message, view and report (the ids stay in files, the
// store and the JSON). Pure; any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <vector>

#include "rules/directory.h"
#include "rules/time.h"

namespace jiaoying {

// "township_head" → "乡镇长"; a role the table does not know is shown as written.
std::string_view role_zh(std::string_view role);
// "county" → "县（市、区）"
std::string_view tier_zh(Tier tier);
std::string_view tier_zh(std::string_view tier);
// "exhausted" → "叫应用尽"; an unknown kind is shown as written.
std::string_view event_zh(std::string_view kind);
// "安地镇 乡镇长（A岗）": the post as people say it.
std::string post_zh(std::string_view area_name, std::string_view role, std::string_view seat);

// A span as people write it: "15分钟", "1小时30分钟", "45秒".
std::string duration_zh(std::chrono::milliseconds span);

// The hazard families whose messages are worded alike (templates/<family>/…): flood (rain,
// floods, waterlogging, mountain torrents), wind (typhoons, gales, thunderstorms, hail),
// geological, forest-fire, safety, weather (heat, cold, snow, fog, ice, drought).
const std::vector<std::string_view>& hazard_families();
std::string_view hazard_family(std::string_view hazard);
// Whose duty room a family's call speaks for: "防汛", "森林防火".
std::string_view family_room_zh(std::string_view family);
// The agency family in words, for a warning without a senderName: "meteorology" → "气象部门".
std::string_view source_zh(std::string_view source);
// A time as people write it in a message: "6月15日 02:15" (China time).
std::string time_zh(TimePoint t);
// True when `word` is one of the space-separated `words` ("notified renotified").
bool has_word(std::string_view words, std::string_view word);
// 199****0001: phone numbers never appear whole in logs or views.
std::string mask_mobile(const std::string& mobile);
// `text` with every mainland mobile number in it (11 digits from 1, not part of a longer number)
// masked as mask_mobile does: for logs, which leave the duty room.
std::string mask_mobiles_in(std::string_view text);

}  // namespace jiaoying
