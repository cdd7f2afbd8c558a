#include "daemon/duty_room_alarm.h"

#include <optional>

namespace jiaoying {

std::vector<OutboundMessage> duty_room_alarm(const Directory& directory, const std::string& key,
                                             const std::string& title, const std::string& text) {
  std::optional<Tier> top;
  for (const Post& post : directory.posts())
    if (const Area* area = directory.area(post.area); post.role == "duty_officer" && area)
      top = top ? std::min(*top, area->tier) : area->tier;
  std::vector<OutboundMessage> out;
  for (const Post& post : directory.posts()) {
    const Area* area = directory.area(post.area);
    const Person* person = directory.person(post.person);
    if (post.role != "duty_officer" || !area || area->tier != top || !person) continue;
    OutboundMessage m;
    m.idem_key = key + "-" + person->id;
    m.person_id = person->id;
    m.person_name = person->name;
    m.zzd_account = person->zzd_account;
    m.mobile = person->mobile;
    m.landline = person->landline;
    m.area_code = area->code;
    m.title = title;
    m.text = text;
    m.level = "red";
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace jiaoying
